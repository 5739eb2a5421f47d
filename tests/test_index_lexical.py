"""BM25 is persisted with the store generation it was built at, reloaded (not rebuilt) while the
generation holds, rebuilt after a change, rebuilt when missing, and filters rank only passages
that pass them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from _index_corpus import add_all, allsides_documents, telegram_documents
from conftest import shared_data

from assistant.index.lexical import LexicalIndex
from assistant.index.passage_index import PassageIndex
from assistant.models import SearchFilters
from assistant.store import Store


def _state(ws):
    st = (ws.lexical_dir / "desk_lexical.json").stat()
    return st.st_ino, st.st_mtime_ns


@pytest.fixture
def synced(workspace):
    store = Store(workspace.db_path)
    add_all(
        store, allsides_documents(shared_data(), stories=3) + telegram_documents(shared_data(), 2)
    )
    index = PassageIndex(workspace, store)
    index.sync()
    yield workspace, store, index
    index.close()
    store.close()


def test_bm25_is_persisted_with_its_generation_and_not_rebuilt_without_change(synced):
    ws, store, index = synced
    assert LexicalIndex.stored_generation(ws.lexical_dir) == store.generation()
    before = _state(ws)
    hits = index.lexical_search("Powell vaccinated family statement", 5)
    assert hits and "Powell" in store.get_passages([hits[0].id])[hits[0].id].text

    index.sync()
    assert _state(ws) == before

    # A second process (here: a second index on the same workspace) loads it from disk.
    other = PassageIndex(ws, store)
    try:
        assert [h.id for h in other.lexical_search("Powell vaccinated family statement", 5)] == [
            h.id for h in hits
        ]
        assert _state(ws) == before
    finally:
        other.close()


def test_bm25_rebuilt_when_the_store_generation_changes(synced):
    ws, store, index = synced
    gen, before = store.generation(), _state(ws)
    new = allsides_documents(shared_data(), stories=6)[-1]
    add_all(store, [new])
    assert store.generation() != gen
    # Stale but usable until sync: the new text is not there yet.
    distinctive = new.title
    assert all(h.id.split(":")[0] != new.id for h in index.lexical_search(distinctive, 3))

    index.sync()
    assert LexicalIndex.stored_generation(ws.lexical_dir) == store.generation()
    assert _state(ws) != before
    assert index.lexical_search(distinctive, 3)[0].id.startswith(new.id)
    leftovers = [p.name for p in ws.lexical_dir.parent.iterdir() if p.name.startswith(".bm25")]
    assert leftovers == []


def test_missing_or_broken_bm25_is_rebuilt(synced):
    ws, store, index = synced
    (ws.lexical_dir / "ids.json").write_text("not json", encoding="utf-8")
    assert LexicalIndex.load(ws.lexical_dir) is None
    fresh = PassageIndex(ws, store)
    try:
        assert fresh.lexical_search("Powell", 3)
        assert LexicalIndex.load(ws.lexical_dir) is not None
    finally:
        fresh.close()


def test_filters_mask_bm25_before_ranking(synced):
    _, store, index = synced
    lex = index.lexical()
    query = "Powell Chappelle Netflix special"
    unfiltered = lex.search(query, 50)
    telegram = lex.search(query + " Китае", 50, SearchFilters(kinds=("telegram",)))
    passages = store.get_passages(h.id for h in telegram)
    assert telegram and {p.kind for p in passages.values()} == {"telegram"}
    window = SearchFilters(
        since=datetime(2021, 10, 18, tzinfo=UTC), until=datetime(2021, 10, 19, tzinfo=UTC)
    )
    dated = lex.search(query, 50, window)
    assert dated and len(dated) < len(unfiltered)
    for p in store.get_passages(h.id for h in dated).values():
        assert window.since <= p.published_at < window.until


def test_query_without_known_words_returns_nothing(synced):
    _, _, index = synced
    assert index.lexical_search("zzqx qqzx", 5) == []
    assert index.lexical_search("the and of", 5) == []
