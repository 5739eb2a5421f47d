"""Passages added, changed or deleted after BM25 and the vector copy were built go into a delta
segment instead of a full rebuild (`assistant/index/delta.py`): searches see them at once, with
filters; dead base rows never come back; another process loads the same state; a damaged
segment, a pruned log or a segment past its share falls back to a full build; and rankings
stay those of a full rebuild. Real AllSides and Telegram passages, the real embedder.

The size rules are lowered here (a full build is what a corpus this small would get): the
benchmark (`BENCH_SEARCH_DELTA=1`) runs the same path at a million passages."""

from __future__ import annotations

import numpy as np
import pytest
from _index_corpus import add_all, allsides_documents, chunk, telegram_documents
from conftest import shared_data

from assistant.index import delta as delta_rules
from assistant.index.delta import DeltaSegment
from assistant.index.lexical import LexicalIndex, tokenize
from assistant.index.passage_index import PassageIndex
from assistant.models import SearchFilters
from assistant.store import Store


@pytest.fixture
def small_rules(monkeypatch):
    monkeypatch.setattr(delta_rules, "INCREMENTAL_FROM", 0)
    monkeypatch.setattr(delta_rules, "DELTA_SHARE", 0.5)


@pytest.fixture
def synced(workspace, small_rules):
    store = Store(workspace.db_path)
    add_all(
        store, allsides_documents(shared_data(), stories=4) + telegram_documents(shared_data(), 2)
    )
    index = PassageIndex(workspace, store)
    index.sync()
    yield workspace, store, index
    index.close()
    store.close()


def _later_stories(n: int = 2):
    every = allsides_documents(shared_data(), stories=4 + n)
    first = {d.id for d in allsides_documents(shared_data(), stories=4)}
    return [d for d in every if d.id not in first]


def _build_id(ws) -> str:
    return LexicalIndex.load(ws.lexical_dir).build_id  # type: ignore[union-attr]


def test_the_delta_scores_like_bm25s_given_the_same_statistics() -> None:
    """A passage scored by the segment with the base's statistics gets the base's own score."""
    passages = [p for d in allsides_documents(shared_data(), stories=8) for p in chunk(d)]
    assert len(passages) > 60
    base = LexicalIndex.build(passages, generation=1, seq=0)
    segment = DeltaSegment.build(passages[:40], None, tokenize)
    for query in (passages[3].text[:60], passages[17].text[-60:], passages[30].text):
        tokens = [t for t in tokenize(query) if t in base._model.vocab_dict]  # type: ignore[attr-defined]
        full = base._model.get_scores(tokens)  # type: ignore[attr-defined]
        row_of = {pid: i for i, pid in enumerate(base.ids)}
        mine = segment.bm25(tokens, base._doc_freq, len(base.ids), base.avgdl or 1.0)
        theirs = np.array([full[row_of[pid]] for pid in segment.ids])
        assert mine.max() > 0
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


def test_new_passages_go_to_a_delta_and_are_found_at_once(synced) -> None:
    ws, store, index = synced
    build = _build_id(ws)
    new = _later_stories()
    added = add_all(store, new)
    index.sync()

    lexical = index.lexical()
    assert lexical.generation == store.generation()
    assert _build_id(ws) == build, "the full build was redone"
    assert LexicalIndex.delta_dir(ws.lexical_dir).is_dir()
    new_ids = {p.id for ps in added.values() for p in ps}
    assert set(lexical.delta.ids) == new_ids  # type: ignore[union-attr]
    assert len(lexical) == store.count_passages()

    doc = new[0]
    text = added[doc.id][0].text
    hits = index.lexical_search(text, 3)
    assert hits and hits[0].id == added[doc.id][0].id
    query = index.embed_query(text)
    dense, vecs = index.dense_search(query, 3)
    assert dense[0].id == added[doc.id][0].id and dense[0].id in vecs

    # Filters apply to the segment's rows like the base's.
    only = SearchFilters(outlets=(doc.outlet,))
    kept = index.lexical_search(text, 10, only)
    assert kept[0].id == added[doc.id][0].id
    assert all(store.get_passages([h.id])[h.id].outlet == doc.outlet for h in kept)
    other = next(d.outlet for d in new if d.outlet != doc.outlet)
    elsewhere = index.lexical_search(text, 10, SearchFilters(outlets=(other,)))
    assert elsewhere and not any(h.id.startswith(doc.id) for h in elsewhere)


def test_deleted_and_changed_passages_never_come_back_from_the_base(synced) -> None:
    ws, store, index = synced
    gone = telegram_documents(shared_data(), 2)[0]
    moved = allsides_documents(shared_data(), stories=4)[1]
    gone_ids = {p.id for p in store.passages_of(gone.id)}
    with store.transaction():
        removed = store.forget_file(gone.location.path)  # both Telegram posts' file
    assert gone_ids <= set(removed)
    index.delete(removed)
    store.update_document(moved.model_copy(update={"outlet": "The Desk Test Outlet"}))
    index.sync()

    lexical = index.lexical()
    assert gone_ids <= {lexical.ids[r] for r in lexical.dead.tolist()}
    query_text = gone.text[:200]
    assert not {h.id for h in index.lexical_search(query_text, 20)} & set(removed)
    vec = index.embed_query(query_text)
    assert not {h.id for h in index.dense_search(vec, 20)[0]} & set(removed)
    assert len(lexical) == store.count_passages()

    # The changed document's passages answer to their new outlet only.
    moved_ids = {p.id for p in store.passages_of(moved.id)}
    title = moved.title or moved.text[:80]
    by_new = index.lexical_search(title, 10, SearchFilters(outlets=("The Desk Test Outlet",)))
    assert by_new and {h.id for h in by_new} <= moved_ids
    by_old = index.lexical_search(title, 10, SearchFilters(outlets=(moved.outlet,)))
    assert not {h.id for h in by_old} & moved_ids


def test_another_process_loads_the_base_and_its_delta(synced) -> None:
    ws, store, index = synced
    add_all(store, _later_stories(1))
    index.sync()
    other = PassageIndex(ws, store)
    try:
        theirs = other.lexical()
        assert theirs.generation == store.generation()
        assert theirs.build_id == index.lexical().build_id
        assert theirs.delta is not None and theirs.delta.ids == index.lexical().delta.ids  # type: ignore[union-attr]
        for query in ("Supreme Court ruling", "vaccine", "Ukraine"):
            assert [h.id for h in other.lexical_search(query, 8)] == [
                h.id for h in index.lexical_search(query, 8)
            ]
        # The next poll, in the first process: the second reads the new segment only, not the
        # full build again.
        model = theirs._model
        more = [d for d in _later_stories(2) if not store.has_document(d.id)]
        added = add_all(store, more)
        index.sync()
        again = other.lexical()
        assert again.generation == store.generation() and again._model is model
        first = next(iter(added.values()))[0]
        assert other.lexical_search(first.text, 1)[0].id == first.id
    finally:
        other.close()


def test_rankings_match_a_full_rebuild(synced) -> None:
    """Dense answers are exact either way; BM25's differ only by the idf the new passages would
    add to the statistics."""
    ws, store, index = synced
    add_all(store, _later_stories(2))
    index.sync()
    assert index.lexical().delta is not None
    queries = [d.title for d in allsides_documents(shared_data(), stories=6) if d.title][:24]
    incremental = {q: [h.id for h in index.lexical_search(q, 5)] for q in queries}
    vectors = {q: index.embed_query(q) for q in queries}
    dense = {q: [h.id for h in index.dense_search(vectors[q], 5)[0]] for q in queries}

    rebuilt = PassageIndex(ws, store)
    try:
        rebuilt.reindex()  # a full build, with fresh vectors
        assert rebuilt.lexical().delta is None
        overlap = [
            len(set(incremental[q]) & {h.id for h in rebuilt.lexical_search(q, 5)}) / 5
            for q in queries
        ]
        assert np.mean(overlap) >= 0.9, overlap
        same_top = sum(
            incremental[q][:1] == [h.id for h in rebuilt.lexical_search(q, 1)] for q in queries
        )
        assert same_top >= 0.9 * len(queries)
        for q in queries:
            assert dense[q] == [h.id for h in rebuilt.dense_search(vectors[q], 5)[0]]
    finally:
        rebuilt.close()


def test_a_segment_past_its_share_means_a_full_build_and_a_pruned_log(synced, monkeypatch) -> None:
    ws, store, index = synced
    build = _build_id(ws)
    monkeypatch.setattr(delta_rules, "DELTA_SHARE", 0.01)
    add_all(store, _later_stories(2))
    index.sync()
    assert _build_id(ws) != build
    assert index.lexical().delta is None
    assert not LexicalIndex.delta_dir(ws.lexical_dir).exists()
    assert index.lexical().seq == store.log_position()
    # The log before the build is gone, and asking for it says so.
    assert store.passage_changes(0) is None
    assert store.passage_changes(store.log_position()) == (set(), store.log_position())


def test_a_damaged_segment_is_ignored_and_the_next_sync_mends_it(synced) -> None:
    ws, store, index = synced
    add_all(store, _later_stories(1))
    index.sync()
    folder = LexicalIndex.delta_dir(ws.lexical_dir)
    (folder / "ids.json").write_text("[not json", encoding="utf-8")

    other = PassageIndex(ws, store)
    try:
        loaded = LexicalIndex.load(ws.lexical_dir)
        assert loaded is not None and loaded.delta is None
        assert loaded.generation < store.generation()  # so the next sync brings it up to date
        other.sync()
        mended = other.lexical()
        assert mended.generation == store.generation() and mended.delta is not None
        assert len(mended) == store.count_passages()
    finally:
        other.close()


def test_the_store_logs_every_passage_change_but_not_embedding_flags(workspace) -> None:
    store = Store(workspace.db_path)
    try:
        start = store.log_position()
        added = add_all(store, telegram_documents(shared_data(), 2))
        ids = {p.id for ps in added.values() for p in ps}
        changed, position = store.passage_changes(start)  # type: ignore[misc]
        assert changed == ids and position == store.log_position()
        store.mark_embedded(ids)
        assert store.passage_changes(position) == (set(), position)
        doc_id = next(iter(added))
        with store.transaction():
            removed = store.forget_file(store.sightings(doc_id)[0].location.path)
        gone, _ = store.passage_changes(position)  # type: ignore[misc]
        assert gone == set(removed) == ids
    finally:
        store.close()


def test_a_chroma_server_workspace_extends_bm25_and_chroma_answers_dense(
    tmp_path, small_rules
) -> None:
    """With `chroma_url` there is no local vector copy: the segment holds BM25 only, and new
    passages come back from the real `chroma run` server for dense search."""
    from _index_corpus import ChromaServer

    from assistant.workspace import Workspace

    server = ChromaServer(tmp_path / "chroma")
    try:
        Workspace.init(tmp_path / "ws")
        ws = Workspace.open(tmp_path / "ws", {"chroma_url": server.url})
        store = Store(ws.db_path)
        index = PassageIndex(ws, store)
        try:
            add_all(store, allsides_documents(shared_data(), stories=4))
            index.sync()
            build = _build_id(ws)
            added = add_all(store, _later_stories(1))
            index.sync()
            lexical = index.lexical()
            assert _build_id(ws) == build and lexical.vectors is None
            assert lexical.delta is not None and lexical.delta.vectors is None
            first = next(iter(added.values()))[0]
            assert index.lexical_search(first.text, 1)[0].id == first.id
            dense, _ = index.dense_search(index.embed_query(first.text), 1)
            assert dense[0].id == first.id
        finally:
            index.close()
            store.close()
    finally:
        server.stop()


def test_a_large_deletion_means_a_full_build(synced, monkeypatch) -> None:
    """Searches over-fetch by the number of dead rows, so they stay under the share too."""
    ws, store, index = synced
    build = _build_id(ws)
    telegram = telegram_documents(shared_data(), 2)
    gone = {p.id for d in telegram for p in store.passages_of(d.id)}
    share = (len(gone) - 0.5) / len(index.lexical().ids)
    monkeypatch.setattr(delta_rules, "DELTA_SHARE", share)
    with store.transaction():
        removed = store.forget_file(telegram[0].location.path)
    assert set(removed) == gone
    index.delete(removed)
    index.sync()
    assert _build_id(ws) != build
    assert index.lexical().delta is None and len(index.lexical().dead) == 0
    assert len(index.lexical()) == store.count_passages()
