"""Ingest end to end with the real parts: the real embedding model, embedded Chroma, BM25, the
`desk` command in subprocesses. Covers the demo corpus through `DeskService.ingest`, incremental
re-ingest (unchanged → nothing embedded; a changed file replaces its documents; `--prune`), a
SIGKILL in the middle of embedding followed by a rerun that completes the work, and a second
concurrent ingest refused with a clear lock message."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS, REPO

from assistant.service import DeskService
from assistant.workspace import Workspace

pytestmark = pytest.mark.slow


def index_matches_store(svc: DeskService) -> None:
    assert svc.store.passage_ids(embedded=False) == set()
    assert svc.index.vectors.count() == svc.store.count_passages()


def test_demo_corpus_through_the_service(demo_service):
    store = demo_service.store
    assert store.count_documents() == 34
    index_matches_store(demo_service)
    reposts = [d for d in store.documents() if len(store.sightings(d.id)) > 1]
    assert len(reposts) == 3
    kremlin = next(d for d in reposts if d.text.startswith("Kremlin: Putin is ready"))
    assert (kremlin.outlet, kremlin.url) == ("OSINTdefender", "https://t.me/OSINTdefender/118840")
    assert kremlin.published_at.isoformat() == "2026-06-29T18:26:03+00:00"
    sizes = sorted(n for n in store.lineage_sizes().values() if n > 1)
    assert sizes == [2, 3]  # Kremlin statement + channel post; Donetsk item, update, write-through
    hits = demo_service.search(
        "Putin ready to continue negotiations on Anchorage topics, compromises", k=5
    )
    assert hits and "ready to continue negotiations" in hits[0].passage.text
    assert len({h.passage.lineage_id for h in hits}) == len(hits)


def test_reingest_changed_file_and_prune(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    svc = DeskService(Workspace.init(tmp_path / "ws"))
    try:
        first = svc.ingest([corpus])
        assert first.embedded == first.passages == svc.store.count_passages() > 0
        index_matches_store(svc)

        again = svc.ingest([corpus])
        assert (again.unchanged, again.embedded, again.new, again.updated) == (9, 0, 0, 0)

        # A changed wire file: one item rewritten, one item added.
        wire = corpus / "wire" / "desk-wire.jsonl"
        lines = wire.read_text(encoding="utf-8").splitlines()
        item = json.loads(lines[0])
        item["text"] = "Marco Rubio told reporters that any Ukraine deal needs security guarantees."
        added = {
            "id": "bw-added",
            "outlet": "Bosphorus Wire",
            "published": "2026-06-29T20:30:00Z",
            "text": "Summit hosts in Ankara served simit and tea to arriving delegations.",
        }
        wire.write_text(
            "\n".join([json.dumps(item), *lines[1:], json.dumps(added)]) + "\n", encoding="utf-8"
        )
        before = {d.id for d in svc.store.documents()}
        changed = svc.ingest([corpus])
        after = {d.id for d in svc.store.documents()}
        fresh = after - before
        assert (changed.updated, changed.unchanged, changed.kept, changed.removed) == (1, 8, 7, 1)
        assert len(fresh) == 2 and len(before - after) == 1
        assert changed.embedded == sum(len(svc.store.passages_of(d)) for d in fresh)
        index_matches_store(svc)
        hits = svc.search("simit and tea for arriving delegations", k=3)
        assert hits[0].passage.doc_id in fresh

        # A file gone from disk: --prune removes its document and its vectors.
        gone = corpus / "articles" / "harbour-times-ankara-arrivals.html"
        gone_doc = next(d for d in svc.store.documents() if d.outlet == "Harbour Times")
        gone.unlink()
        pruned = svc.ingest([corpus], prune=True)
        assert pruned.pruned == [str(gone)] and pruned.removed == 1
        assert not svc.store.has_document(gone_doc.id)
        index_matches_store(svc)
        assert all(
            h.passage.doc_id != gone_doc.id
            for h in svc.search("accreditation portal welcome banner", k=5)
        )
    finally:
        svc.close()


def _desk(ws: Path, *args: str, **kw) -> subprocess.Popen:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "DESK_EMBEDDING_BATCH_SIZE": "8",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "assistant", "-w", str(ws), *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def _embedded(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return con.execute("SELECT COUNT(*) FROM passages WHERE embedded=1").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_second_ingest_is_refused_and_a_killed_ingest_is_completed_by_the_next(tmp_path, data_dir):
    ws = Workspace.init(tmp_path / "ws")
    # The corpus plus 120 real channel posts: enough batches to kill between two of them.
    posts = json.loads(
        (data_dir / "telegram" / "1001000724666_messages.json").read_text(encoding="utf-8")
    )
    sample = tmp_path / "posts.json"
    sample.write_text(json.dumps(posts[:120], ensure_ascii=False), encoding="utf-8")
    inputs = [str(CORPUS), str(sample)]
    first = _desk(ws.root, "ingest", *inputs)
    try:
        deadline = time.monotonic() + 300
        while (
            f"pid {first.pid}" not in ws.holder_path.read_text(encoding="utf-8")
            if ws.holder_path.exists()
            else True
        ):
            assert first.poll() is None and time.monotonic() < deadline, first.communicate()
            time.sleep(0.05)
        second = _desk(ws.root, "ingest", str(CORPUS))
        out, err = second.communicate(timeout=300)
        assert second.returncode == 2
        assert f"workspace {ws.root} is busy: ingest running as pid {first.pid}" in " ".join(
            err.split()
        )

        while _embedded(ws.db_path) == 0:  # kill it in the middle of embedding
            assert first.poll() is None and time.monotonic() < deadline, first.communicate()
            time.sleep(0.02)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    con = sqlite3.connect(ws.db_path)
    total, done = con.execute("SELECT COUNT(*), SUM(embedded) FROM passages").fetchone()
    con.close()
    assert 0 < done < total, "the kill must land with part of the work still to do"

    rerun = _desk(ws.root, "ingest", *inputs)
    out, err = rerun.communicate(timeout=900)
    assert rerun.returncode == 0, err
    assert "Ingest summary" in out
    svc = DeskService(Workspace.open(ws.root))
    try:
        index_matches_store(svc)
        assert svc.store.count_passages() == total
        hits = svc.search("NATO leaders arriving in Ankara deterring Russia", k=3)
        assert hits and "Ankara" in hits[0].passage.text
    finally:
        svc.close()


def test_cli_reports_failures_by_file_and_exits_1(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"messages": [{"id": 1, "type": "message", "text": "Ankara', encoding="utf-8")
    readme = CORPUS / "README.md"  # named explicitly, so it is read: Markdown, one document
    proc = _desk(Workspace.init(tmp_path / "ws").root, "ingest", str(bad), str(readme))
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 1
    assert "Ingest summary" in out
    flat = " ".join(err.split())
    assert f"failed {bad}: truncated JSON: the file ends inside a value" in flat
    assert "│ new │ 1 │" in " ".join(out.split()).replace("  ", " ")


def test_cli_prints_odd_file_names_escaped_and_fails_on_an_unreadable_folder(tmp_path):
    from test_ingest_walk import drop_file_permission_override

    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(CORPUS / "articles" / "2025-08-17-anchorage-package.md", d / "good.md")
    (d / "two\nlines [bold]x.txt").write_bytes(b"")  # a forged second line, rich markup
    (d / "invoice\u202etxt.md").write_bytes(b"")  # shows as "invoicedm.txt" when printed raw
    with open(os.fsencode(d) + b"/caf\xe9.txt", "wb") as fh:
        fh.write("Le café est ouvert.\n".encode())
    os.mkfifo(d / "pipe.txt")
    (d / "locked").mkdir()
    (d / "locked" / "a.md").write_text("# A\n\nText.\n", encoding="utf-8")
    (d / "locked").chmod(0o000)
    # Root ignores chmod 000: the run does without that privilege, as an editor would.
    Workspace.init(tmp_path / "ws")
    proc = _desk(tmp_path / "ws", "ingest", str(d), preexec_fn=drop_file_permission_override)
    try:
        out, err = proc.communicate(timeout=600)  # a regression blocks on the FIFO: fail, not hang
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        (d / "locked").chmod(0o755)
    assert proc.returncode == 1, err
    assert "\u202e" not in out + err and "\nlines" not in out + err
    # rich folds long paths at the terminal width: compare without any whitespace.
    flat_err, flat_out = "".join(err.split()), "".join(out.split())
    for line in (
        f"failed {d}/two\\nlines [bold]x.txt: empty file",
        f"failed {d}/invoice\\u202etxt.md: empty file",
        f"failed {d}/caf\\xe9.txt: the name is not valid UTF-8; rename it to ingest it",
        f"failed {d}/locked: cannot read folder: Permission denied",
    ):
        assert "".join(line.split()) in flat_err
    assert "".join(f"skipped {d}/pipe.txt: a named pipe, not a regular file".split()) in flat_out
    assert "│new│1│" in flat_out


def test_cli_refuses_a_symlink_out_of_the_folder_unless_told_to_follow(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(CORPUS / "articles" / "2025-08-17-anchorage-package.md", d / "good.md")
    secret = tmp_path / "etc" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (d / "x.txt").symlink_to(secret)
    ws = Workspace.init(tmp_path / "ws").root

    def desk(*args: str) -> tuple[int, str, str]:
        proc = _desk(ws, *args)
        out, err = proc.communicate(timeout=600)
        return proc.returncode, " ".join(out.split()), err

    code, out, err = desk("ingest", str(d))
    assert code == 0, err
    assert (
        f"skipped {d}/x.txt: symlink to {secret}, outside the folders named; "
        "not read (--follow-symlinks reads it)"
    ) in out
    assert not any("root:x:0" in t for t in stored_texts(ws))

    code, out, err = desk("ingest", "--follow-symlinks", str(d))
    assert code == 0, err
    assert "│ new │ 1 │" in out.replace("  ", " ")
    assert any(t.startswith("root:x:0:0:root") for t in stored_texts(ws))


def stored_texts(ws: Path) -> list[str]:
    from assistant.store import Store

    store = Store(Workspace.open(ws).db_path)
    try:
        return [d.text for d in store.documents()]
    finally:
        store.close()
