"""Hybrid retrieval on real news text with the real model, against both an embedded Chroma and a
real `chroma run` server on localhost: filters exclude, one passage per lineage, MMR
diversifies near-identical passages, pinned first and excluded never, orphan vectors ignored
and cleaned, a crashed ingest stays searchable and `sync()` completes it, and the LangChain
adapter works inside an LCEL chain."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from _index_corpus import (
    ChromaServer,
    add_all,
    allsides_documents,
    chunk,
    make_document,
    telegram_documents,
)
from conftest import shared_data

from assistant.index.passage_index import PassageIndex
from assistant.index.retriever import Retriever
from assistant.models import Passage, SearchFilters, SourceLocation
from assistant.store import Store
from assistant.workspace import Workspace

POWELL = "Colin Powell died of complications from COVID-19 although he was fully vaccinated"
_names = itertools.count()


@dataclass
class Indexed:
    workspace: Workspace
    store: Store
    index: PassageIndex
    retriever: Retriever
    version_lineage: str
    copies: set[str]
    undated_doc: str

    def close(self) -> None:
        self.index.close()
        self.store.close()


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data")
    yield server
    server.stop()


def open_workspace(root, backend: str, server: ChromaServer | None) -> Workspace:
    overrides = {"chroma_collection": f"test_{next(_names)}"}
    if backend == "server":
        assert server is not None
        overrides["chroma_url"] = server.url
    Workspace.init(root)
    return Workspace.open(root, overrides)


def _server_for(request, backend: str) -> ChromaServer | None:
    return request.getfixturevalue("chroma_server") if backend == "server" else None


@pytest.fixture(scope="module", params=["embedded", "server"])
def indexed(request, tmp_path_factory) -> Indexed:
    """Eight allsides stories, three Russian Telegram posts, an updated version of the Reuters
    Powell article (same lineage), three near-identical wire copies of one paragraph (three
    lineages) and one undated article; synced once."""
    data = shared_data()
    backend = request.param
    ws = open_workspace(
        tmp_path_factory.mktemp(f"ret-{backend}") / "ws", backend, _server_for(request, backend)
    )
    store = Store(ws.db_path)
    docs = allsides_documents(data, stories=8) + telegram_documents(data)
    reuters = next(d for d in docs if d.outlet == "Reuters" and "Powell" in d.text)
    update = make_document(
        reuters.text
        + "\n\nUpdated: Powell's funeral will be held at Washington National Cathedral.",
        outlet="Reuters",
        title=reuters.title,
        url=reuters.url + "?updated",
        published_at=reuters.published_at + timedelta(hours=3),
        location=SourceLocation(path="update.md"),
        lineage_id=reuters.id,
    )
    base = next(d for d in docs if "jobless claims" in d.text).text.split("\n\n")[0]
    copies = [
        make_document(
            f"{base} {tail}",
            outlet=outlet,
            title=None,
            url=f"https://wire.example/{i}",
            published_at=datetime(2021, 10, 14, 15, i, tzinfo=UTC),
            kind="wire",
            location=SourceLocation(path=f"wire{i}.jsonl"),
        )
        for i, (outlet, tail) in enumerate(
            [
                ("Wire A", "(Wire A)"),
                ("Wire B", "- Wire B reports."),
                ("Wire C", "Wire C contributed."),
            ]
        )
    ]
    extra = allsides_documents(data, stories=10)[-1]
    undated = make_document(
        extra.text,
        outlet=extra.outlet,
        title=extra.title,
        url=extra.url,
        published_at=None,
        location=SourceLocation(path="undated.md"),
    )
    # Passages of ~one paragraph, so the wire copies are one passage each.
    add_all(store, [*docs, update, *copies, undated], max_chars=420)
    index = PassageIndex(ws, store)
    assert index.sync() == store.count_passages()
    state = Indexed(
        ws,
        store,
        index,
        Retriever(store, index, ws.settings),
        reuters.id,
        {c.id for c in copies},
        undated.id,
    )
    yield state
    state.close()


# --- filters -----------------------------------------------------------------------------------
def test_time_window_excludes_passages_outside_it(indexed):
    since = datetime(2021, 10, 14, tzinfo=UTC)
    until = datetime(2021, 10, 15, tzinfo=UTC)
    hits = indexed.retriever.search(POWELL, SearchFilters(since=since, until=until), k=8)
    assert hits, "the window holds four stories; something must come back"
    assert all(since <= h.passage.published_at < until for h in hits)
    assert not any("Powell" in h.passage.text for h in hits)  # Powell died on the 18th


def test_undated_passages_only_without_a_time_window(indexed):
    doc = indexed.store.get_document(indexed.undated_doc)
    query = doc.text[:200]
    assert any(h.passage.doc_id == doc.id for h in indexed.retriever.search(query, k=5))
    windowed = indexed.retriever.search(
        query, SearchFilters(until=datetime(2030, 1, 1, tzinfo=UTC)), k=20
    )
    assert windowed and all(h.passage.doc_id != doc.id for h in windowed)


def test_outlet_kind_and_language_filters(indexed):
    reuters = indexed.retriever.search(POWELL, SearchFilters(outlets=("reuters",)), k=5)
    assert reuters and {h.passage.outlet for h in reuters} == {"Reuters"}
    telegram = indexed.retriever.search(POWELL, SearchFilters(kinds=("telegram",)), k=5)
    assert telegram and {h.passage.kind for h in telegram} == {"telegram"}
    russian = indexed.retriever.search(
        "scientists found a crater", SearchFilters(languages=("ru",)), k=5
    )
    assert russian and {h.passage.language for h in russian} == {"ru"}
    wire = indexed.retriever.search(POWELL, SearchFilters(kinds=("wire",)), k=10)
    assert {h.passage.doc_id for h in wire} <= indexed.copies


def test_filtered_dense_search_scan_agrees_with_chroma(indexed):
    from assistant.index.vector_store import where_for

    filters = SearchFilters(outlets=("Reuters", "Politico", "Fox Business"))
    qvec = indexed.index.embed_query(POWELL)
    ours, _ = indexed.index.dense_search(qvec, 6, where_for(filters), filters)
    chroma, _ = indexed.index.vectors.query(qvec, 6, where_for(filters))
    assert [h.id for h in ours] == [h.id for h in chroma]
    assert all(abs(a.similarity - b.similarity) < 1e-4 for a, b in zip(ours, chroma, strict=True))
    # The embedded index keeps a local copy for the scan; a server's archive stays in Chroma.
    kept = indexed.index.lexical().vectors is not None
    assert kept == (indexed.workspace.settings.chroma_url is None)


# --- lineage, MMR, pinned, excluded -------------------------------------------------------------
def test_one_passage_per_lineage_unless_asked(indexed):
    capped = indexed.retriever.search(POWELL, k=10)
    lineages = [h.passage.lineage_id for h in capped]
    assert len(lineages) == len(set(lineages))
    ours = [h for h in capped if h.passage.lineage_id == indexed.version_lineage]
    assert ours and ours[0].lineage_size == 2

    every = indexed.retriever.search(POWELL, k=10, one_per_lineage=False)
    assert sum(h.passage.lineage_id == indexed.version_lineage for h in every) >= 2


def test_mmr_spreads_near_identical_passages(indexed):
    query = "jobless claims fell to the lowest level since the pandemic began"
    plain = indexed.retriever.search(query, SearchFilters(), k=4, mmr=False)
    diverse = indexed.retriever.search(query, SearchFilters(), k=4, mmr=True)
    plain_copies = sum(h.passage.doc_id in indexed.copies for h in plain)
    diverse_copies = sum(h.passage.doc_id in indexed.copies for h in diverse)
    assert plain_copies >= 3, [h.passage.outlet for h in plain]
    assert diverse_copies < plain_copies, [h.passage.outlet for h in diverse]
    assert any("jobless" in h.passage.text.lower() for h in diverse[:2])


def test_pinned_first_and_excluded_never(indexed):
    top = indexed.retriever.search(POWELL, k=5)
    telegram = indexed.retriever.search("crater", SearchFilters(languages=("ru",)), k=1)[0]
    # Pinned even though a filter (outlets=Reuters) would exclude it; the top hit is excluded.
    filters = SearchFilters(exclude_passages=(top[0].passage.id,))
    hits = indexed.retriever.search(POWELL, filters, k=5, pinned=[telegram.passage.id])
    assert hits[0].passage.id == telegram.passage.id
    assert top[0].passage.id not in {h.passage.id for h in hits}
    assert len(hits) == 5
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]


def test_mmr_treats_pinned_passages_as_already_picked(indexed):
    query = "jobless claims fell to the lowest level since the pandemic began"
    plain = indexed.retriever.search(query, SearchFilters(), k=4, mmr=False)
    copy = next(h.passage.id for h in plain if h.passage.doc_id in indexed.copies)
    hits = indexed.retriever.search(query, SearchFilters(), k=4, pinned=[copy])
    assert hits[0].passage.id == copy
    # Without counting the pin as picked, the next copy (the most relevant passage left) would
    # come second; with it, a different article does.
    assert hits[1].passage.doc_id not in indexed.copies, [h.passage.outlet for h in hits]
    assert sum(h.passage.doc_id in indexed.copies for h in hits[1:]) <= 1


def test_hits_carry_ranks_scores_and_stored_passages(indexed):
    hits = indexed.retriever.search(POWELL, k=5)
    assert all(h.dense_rank or h.lexical_rank for h in hits)
    assert all(h.score > 0 for h in hits)
    for h in hits:
        doc = indexed.store.get_document(h.passage.doc_id)
        assert doc.text[h.passage.start : h.passage.end] == h.passage.text


# --- LangChain ---------------------------------------------------------------------------------
def test_langchain_retriever_in_an_lcel_chain(indexed):
    from langchain_core.runnables import RunnableLambda

    from assistant.index.langchain_retriever import DeskRetriever

    def numbered(docs):
        return "\n".join(
            f"[{i}] {d.metadata['outlet']}: {d.page_content}" for i, d in enumerate(docs, 1)
        )

    lc = DeskRetriever(retriever=indexed.retriever, k=3)
    chain = lc | RunnableLambda(numbered)
    text = chain.invoke(POWELL)
    expected = indexed.retriever.search(POWELL, k=3)
    assert text.splitlines()[0].startswith(f"[1] {expected[0].passage.outlet}: ")
    assert len(text.splitlines()) >= 3
    docs = lc.invoke(POWELL, filters=SearchFilters(outlets=("Reuters",)))
    assert docs and {d.metadata["outlet"] for d in docs} == {"Reuters"}
    meta = docs[0].metadata
    assert {"passage_id", "doc_id", "outlet", "url", "published_at", "score"} <= set(meta)
    assert meta["published_at"].endswith("+00:00")


# --- crashes: orphans and unembedded passages -----------------------------------------------------
@pytest.fixture(params=["embedded", "server"])
def small(request, tmp_path) -> Indexed:
    data = shared_data()
    ws = open_workspace(tmp_path / "ws", request.param, _server_for(request, request.param))
    store = Store(ws.db_path)
    add_all(store, allsides_documents(data, stories=3))
    index = PassageIndex(ws, store)
    index.sync()
    state = Indexed(ws, store, index, Retriever(store, index, ws.settings), "", set(), "")
    yield state
    state.close()


def test_orphan_vectors_are_ignored_and_removed_by_sync(small):
    ghost_text = "Martian colonists declared independence from Earth on Tuesday, officials said."
    ghost = Passage(
        id="doc_ghost:0-80",
        doc_id="doc_ghost",
        lineage_id="doc_ghost",
        text=ghost_text,
        start=0,
        end=80,
        content_hash="x",
        outlet="Ghost",
        kind="outlet",
    )
    small.index.vectors.upsert([ghost], small.index.embedder.encode([ghost_text]))
    assert small.index.vectors.count() == small.store.count_passages() + 1

    hits = small.retriever.search(ghost_text, k=5)
    assert hits and ghost.id not in {h.passage.id for h in hits}

    small.index.sync()
    assert small.index.vectors.count() == small.store.count_passages()
    assert ghost.id not in set(small.index.vectors.all_ids())


def test_search_after_crash_works_and_sync_completes(small):
    data = shared_data()
    before = small.store.count_passages()
    # A crash after the store commit and before embedding: passages exist, unembedded.
    new_docs = allsides_documents(data, stories=5)[-4:]
    added = add_all(small.store, new_docs)
    new_ids = {p.id for ps in added.values() for p in ps}
    # ...and one batch whose vectors reached Chroma but whose "embedded" mark did not.
    first = next(iter(added.values()))
    small.index.vectors.upsert(first, small.index.embedder.encode([p.text for p in first]))

    query = new_docs[-1].text[:200]
    hits = small.retriever.search(query, k=5)
    assert hits  # still answers, from what is indexed
    assert all(h.passage.id in small.store.passage_ids() for h in hits)

    embedded = small.index.sync()
    assert embedded == len(new_ids) - len(first)  # written vectors are reused, not re-embedded
    assert small.store.passage_ids(embedded=False) == set()
    assert small.index.vectors.count() == before + len(new_ids)
    assert small.index.sync() == 0
    hits = small.retriever.search(query, k=5)
    assert hits[0].passage.doc_id == new_docs[-1].id


def test_passage_vectors_embed_unembedded_passages_in_memory(small):
    doc = allsides_documents(shared_data(), stories=4)[-1]
    passages = chunk(doc)
    vecs = small.index.passage_vectors(passages)
    assert set(vecs) == {p.id for p in passages}
    assert all(abs(float(np.linalg.norm(v)) - 1.0) < 1e-3 for v in vecs.values())
