"""Bad input: each problem file is reported with its path and a clear reason, the rest of the
batch is ingested, and what the store already held is left as it was. (The index here is a
stand-in; the CLI's exit status is checked end to end in test_ingest_e2e.py.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CORPUS
from test_ingest_dedup import RecordingIndex

from assistant.ingest.pipeline import Ingestor
from assistant.store import Store
from assistant.workspace import Workspace


@pytest.fixture
def small_limit_ws(tmp_path):
    Workspace.init(tmp_path / "ws")
    return Workspace.open(tmp_path / "ws", overrides={"max_file_bytes": 1_000_000})


def run(ws, *paths, prune=False):
    store = Store(ws.db_path)
    index = RecordingIndex()
    try:
        report = Ingestor(ws, store, index).run([Path(p) for p in paths], prune=prune)
        return report, [d.id for d in store.documents()], index
    finally:
        store.close()


@pytest.fixture
def bad_files(tmp_path, data_dir):
    d = tmp_path / "in"
    d.mkdir()
    (d / "good.md").write_bytes(
        (CORPUS / "articles" / "2025-08-17-anchorage-package.md").read_bytes()
    )
    (d / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (d / "empty.txt").write_bytes(b"")
    export = (CORPUS / "telegram" / "osintdefender" / "result.json").read_bytes()
    (d / "result.json").write_bytes(export[: len(export) // 2])
    feed = (data_dir / "rss" / "ft-home.xml").read_bytes()
    (d / "ft-home.xml").write_bytes(feed[: len(feed) * 2 // 3])
    (d / "latin1.txt").write_bytes(
        "Ankara: le sommet de l'OTAN s'ouvre à 18h28 à l'hôtel.\n".encode("latin-1")
    )
    with (d / "huge.jsonl").open("wb") as fh:  # a sparse 2 GB file: the size alone must refuse it
        fh.truncate(2 * 1024**3)
    wire = (CORPUS / "wire" / "desk-wire.jsonl").read_text(encoding="utf-8").splitlines()
    (d / "wire.jsonl").write_text(
        "\n".join(wire[:3] + [wire[3][:80]] + wire[4:]) + "\n", encoding="utf-8"
    )
    return d


def test_every_bad_file_is_named_with_its_problem_and_the_batch_continues(
    small_limit_ws, bad_files
):
    names = [
        "photo.png",
        "empty.txt",
        "result.json",
        "ft-home.xml",
        "latin1.txt",
        "huge.jsonl",
        "wire.jsonl",
        "good.md",
    ]
    report, docs, _ = run(
        small_limit_ws, *(bad_files / n for n in names), bad_files / "missing.txt"
    )
    reasons = {Path(p).name: r for p, r in report.failed}
    assert reasons["photo.png"] == "binary file (a PNG image), not a text format desk can ingest"
    assert reasons["empty.txt"] == "empty file"
    assert reasons["result.json"].startswith("truncated JSON: the file ends inside a value")
    assert reasons["ft-home.xml"] == (
        "truncated XML feed: the file ends before its closing </rss> or </feed> tag"
    )
    assert reasons["latin1.txt"].startswith("not valid UTF-8: byte 0xe0 at offset 36 (line 1)")
    assert "Latin-1" in reasons["latin1.txt"]
    assert (
        reasons["huge.jsonl"]
        == "file is 2.0 GB, over the 976.6 KB limit (setting max_file_bytes); not read"
    )
    assert reasons["wire.jsonl"].startswith("line 4: invalid JSON")
    assert reasons["missing.txt"] == "no such file or folder"
    assert len(report.failed) == 8
    assert all(Path(p).is_absolute() for p, _ in report.failed)
    assert report.new == 1 and len(docs) == 1  # good.md went in all the same


def test_a_broken_new_version_of_a_known_file_leaves_the_stored_documents_untouched(
    workspace, tmp_path
):
    wire = tmp_path / "wire.jsonl"
    shutil.copy(CORPUS / "wire" / "desk-wire.jsonl", wire)
    first, before, _ = run(workspace, wire)
    assert first.new + first.versions == 8
    wire.write_bytes(wire.read_bytes()[:-40])  # truncated mid-line, as by a failed download
    second, after, index = run(workspace, wire)
    ((path, reason),) = second.failed
    assert path == str(wire) and reason.startswith("line 8: truncated (")
    assert after == before
    assert index.deleted == []


def test_binary_files_met_in_a_folder_walk_are_skipped_and_listed(workspace, tmp_path):
    d = tmp_path / "folder"
    d.mkdir()
    (d / "scan.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)))
    (d / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (d / "README.md").write_text("# about this folder\n", encoding="utf-8")
    shutil.copy(CORPUS / "feeds" / "northern-review.atom", d / "feed.atom")
    report, docs, _ = run(workspace, d)
    assert not report.failed
    skipped = {Path(p).name: r for p, r in report.skipped}
    assert skipped == {
        "scan.pdf": "binary file (a PDF document), not a text format desk can ingest",
        "notes.csv": "not a format desk reads (extension '.csv')",
        "README.md": "documentation file, not a source",
    }
    assert len(docs) == 3


def test_missing_and_unparseable_dates_are_kept_flagged_and_not_invented(workspace):
    report, _, _ = run(
        workspace, CORPUS / "feeds" / "meridian-wire.xml", CORPUS / "wire" / "desk-wire.jsonl"
    )
    assert report.undated == 2
    wire = CORPUS / "wire" / "desk-wire.jsonl"
    feed = CORPUS / "feeds" / "meridian-wire.xml"
    assert sorted(report.date_flags) == [
        (f"{feed.resolve()}#mw-2026-0629-1290", "unparseable date 'Monday evening'"),
        (f"{wire.resolve()}#hw-undated-0031", "no date in source"),
    ]
    store = Store(workspace.db_path)
    try:
        flagged = {d.title: (d.published_at, d.date_flag) for d in store.documents() if d.date_flag}
    finally:
        store.close()
    assert flagged == {
        "Explainer: what Moscow means by 'compromise'": (None, "unparseable date 'Monday evening'"),
        "Comment: the alliance's credibility is what Ankara is really about": (
            None,
            "no date in source",
        ),
    }


def test_cancel_between_files_keeps_the_work_done_and_the_next_run_finishes(workspace):
    import threading

    from assistant.progress import Cancelled

    cancel = threading.Event()

    class CancelAfterFirstFile:
        def start(self, task, total=None):
            pass

        def advance(self, n=1):
            cancel.set()  # the editor presses esc while the first file is being stored

        def done(self):
            pass

    files = [CORPUS / "feeds" / "northern-review.atom", CORPUS / "wire" / "desk-wire.jsonl"]
    store = Store(workspace.db_path)
    try:
        with pytest.raises(Cancelled):
            Ingestor(workspace, store, RecordingIndex()).run(
                files, progress=CancelAfterFirstFile(), cancel=cancel
            )
        assert store.count_documents() == 3  # the Atom feed went in whole, the wire file not at all
        report = Ingestor(workspace, store, RecordingIndex()).run(files)
        assert (report.unchanged, report.new + report.versions) == (1, 8)
    finally:
        store.close()


# --- YAML front matter ------------------------------------------------------------------------
_LAUGHS = '["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'


def _alias_bomb() -> str:
    """A "billion laughs" in ~400 bytes of front matter: 9^8 strings once the aliases expand."""
    lines = [f"title: &a {_LAUGHS}"]
    for prev, name in zip("abcdef", "bcdefg", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    lines.append("source: [" + ",".join(["*g"] * 9) + "]")
    return "---\n" + "\n".join(lines) + "\n---\nThe body of the article.\n"


def test_a_yaml_alias_bomb_fails_its_file_and_the_batch_continues(workspace, tmp_path):
    # In a subprocess with a timeout and a memory cap: a regression expands gigabytes.
    from test_ingest_walk import ingest

    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(CORPUS / "articles" / "2025-08-17-anchorage-package.md", d / "good.md")
    (d / "bomb.md").write_text(_alias_bomb(), encoding="utf-8")
    out = ingest(workspace.root, d)
    assert out["failed"] == [
        [
            str(d / "bomb.md"),
            "front matter uses a YAML anchor or alias (&name / *name) at line 2; "
            "desk does not expand them: write the values out",
        ]
    ]
    assert out["new"] == 1


def test_front_matter_over_64_kb_is_refused_with_its_size(workspace, tmp_path):
    big = tmp_path / "big.md"
    padding = "\n".join(f"key{i}: {'x' * 60}" for i in range(1200))
    big.write_text(f"---\ntitle: Big\n{padding}\n---\nThe body.\n", encoding="utf-8")
    small = tmp_path / "small.md"
    small.write_text("---\ntitle: Small\nsource: Desk\n---\nThe body of it.\n", encoding="utf-8")
    report, docs, _ = run(workspace, big, small)
    assert report.failed == [
        (
            str(big),
            "front matter is 80 KB, over the 64 KB limit; it should hold a few keys and values",
        )
    ]
    assert len(docs) == 1


def test_a_broken_jsonl_line_is_reported_with_its_column_in_plain_words(workspace, tmp_path):
    wire = tmp_path / "wire.jsonl"
    wire.write_text(
        '{"text": "Talks resumed.", "outlet": "A"}\n'
        '{"text": "Talks stalled, "outlet": "B"}\n'
        '{"text": "Talks ended.", "outlet": "C"}\n',
        encoding="utf-8",
    )
    report, _, _ = run(workspace, wire)
    ((_, reason),) = report.failed
    assert reason == "line 2: invalid JSON (Expecting ',' delimiter at column 27)"
    wire.write_text('{"text": "ok"}\n{"text": "Talks stalled\n{"text": "x"}\n', encoding="utf-8")
    report, _, _ = run(workspace, wire)
    ((_, reason),) = report.failed
    assert reason == "line 2: invalid JSON (Unterminated string starting at column 10)"
