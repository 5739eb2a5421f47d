"""One service shared by threads, as the TUI shares it: an ingest of real files runs while other
threads search and draft. Readers must see the store as last committed (never the writer's
half-done transaction), and every thread's work must finish without a database error."""

from __future__ import annotations

import json
import threading
import traceback
from pathlib import Path

import pytest
from conftest import CORPUS, shared_data

WIRE_ITEMS = 300
"""Real wire items re-ingested while the others read: enough that one file's transaction lasts
long enough for the readers to run inside it many times."""


def _write_wire(path: Path, items: list[dict], extra: int) -> None:
    """The archive's items as a JSONL wire file; `extra` appended items make it a changed file."""
    lines = []
    for n, raw in enumerate(items):
        text = f"{raw['title']}. {raw['description']}"
        if n < extra:
            text += f" (Updated {extra}: the item was revised.)"
        lines.append(
            json.dumps(
                {
                    "id": raw["id"],
                    "outlet": raw["outlet"],
                    "title": raw["title"],
                    "text": text,
                    "url": raw["link"],
                    "published": raw["published"],
                }
            )
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_search_and_draft_while_an_updated_file_is_reingested(service, tmp_path) -> None:
    archive = shared_data() / "wire-archive" / "items.jsonl"
    with archive.open(encoding="utf-8") as fh:
        items = [json.loads(next(fh)) for _ in range(WIRE_ITEMS)]
    wire = tmp_path / "wire.jsonl"
    _write_wire(wire, items, extra=0)
    report = service.ingest([wire, CORPUS])
    assert not report.failed, report.failed
    committed = service.store.count_documents()
    wire_docs = set(service.store.file_documents(str(wire.resolve())))
    assert len(wire_docs) >= WIRE_ITEMS * 0.9
    query = items[-1]["title"]  # an item the updates never touch, so its document stays

    done = threading.Event()
    errors: list[str] = []
    counts: list[int] = []
    searches: list[bool] = []
    drafts = []

    def guard(fn):  # type: ignore[no-untyped-def]
        def run() -> None:
            try:
                fn()
            except Exception:  # noqa: BLE001 - collected and shown by the assertion below
                errors.append(traceback.format_exc())

        return run

    def reingest() -> None:
        try:
            for round_ in range(1, 4):
                _write_wire(wire, items, extra=round_ * 20)
                got = service.ingest([wire])
                assert not got.failed and got.updated == 1, (got.failed, got.updated)
        finally:
            done.set()

    def count() -> None:
        while not done.is_set():
            counts.append(service.store.count_documents())

    def search() -> None:
        while not done.is_set():
            hits = service.search(query, k=10)
            searches.append(any(h.passage.doc_id in wire_docs for h in hits))

    def draft() -> None:
        while not done.is_set():
            drafts.append(service.draft("Anchorage talks and the Ankara NATO summit"))

    threads = [
        threading.Thread(target=guard(f), name=f.__name__)
        for f in (reingest, count, count, search, draft)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors, "\n".join(errors)
    assert counts and searches and drafts
    # An updated file replaces its documents in one transaction: no reader sees them gone.
    assert min(counts) >= committed, f"a reader saw {min(counts)} documents of {committed}"
    assert all(searches), f"{searches.count(False)} of {len(searches)} searches lost the wire"
    for d in drafts:
        assert d.metrics.sentences > 3 and d.citations
        stored = service.store.get_passages(c.passage_id for c in d.citations)
        assert all(c.passage_id in stored for c in d.citations)


@pytest.mark.slow
def test_a_search_answers_while_an_ingest_is_embedding(service) -> None:
    from assistant.progress import NullProgress

    assert not service.ingest([CORPUS]).failed
    assert service.search("Ankara NATO summit")
    embedding, searched = threading.Event(), threading.Event()
    held: list[bool] = []

    class HoldInEmbedding(NullProgress):
        """Keeps the ingest inside its embedding stage until the search has answered."""

        task: str | None = None

        def start(self, task: str, total: int | None = None) -> None:
            self.task = task

        def advance(self, n: int = 1) -> None:
            if self.task == "embedding" and not held:
                embedding.set()
                held.append(searched.wait(60))

    feeds = shared_data() / "rss"
    ingest = threading.Thread(target=lambda: service.ingest([feeds], progress=HoldInEmbedding()))
    ingest.start()
    try:
        assert embedding.wait(120), "the ingest never reached its embedding stage"
        hits = service.search("Ankara NATO summit")
    finally:
        searched.set()
        ingest.join()
    assert held == [True], "the search waited for the ingest's embedding to finish"
    assert hits and any("Ankara" in h.passage.text for h in hits)


def test_connections_of_finished_threads_are_closed(tmp_path) -> None:
    import os

    from assistant.store import Store

    store = Store(tmp_path / "desk.sqlite")

    def open_files() -> int:
        fds = Path("/proc/self/fd")
        if not fds.is_dir():
            pytest.skip("needs /proc to count open files")
        db = str(tmp_path / "desk.sqlite")
        count = 0
        for fd in fds.iterdir():
            try:
                count += os.readlink(fd) == db
            except OSError:
                continue
        return count

    def run_workers(n: int) -> None:
        for _ in range(n):  # the TUI starts a thread per job
            worker = threading.Thread(target=store.count_documents)
            worker.start()
            worker.join()

    run_workers(5)
    after_few = open_files()
    run_workers(40)
    # Bounded, not one per thread ever started (SQLite may keep a closed file open for reuse).
    assert open_files() == after_few <= 4
    store.close()
    assert open_files() == 0
