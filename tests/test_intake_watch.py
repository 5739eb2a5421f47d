"""`desk watch` against real HTTP servers on 127.0.0.1, as separate processes where it matters:
`[[sources]]` in desk.toml, `--once` for cron (then 304s), an HTML page listed as a feed, a
failing source backed off while the others carry on, SIGTERM mid-poll then a restart that
resumes, two writers serialising on the lock (`--wait`), a folder watched with watchfiles, and a
search process beside the writer seeing its new items in both BM25 and the vectors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.config import ConfigError
from assistant.intake.sources import SourceSpec
from assistant.intake.watcher import Watcher
from assistant.service import DeskService
from assistant.workspace import Workspace
from tests._wire_server import WireServer, article_page, rss, wire_items

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "DESK_FETCH_ALLOW_NETWORKS": '["127.0.0.0/8"]'}


@pytest.fixture
def server():
    srv = WireServer()
    yield srv
    srv.close()


def _desk(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
        **kwargs,
    )


def _workspace(tmp_path: Path, sources: str) -> Path:
    ws = tmp_path / "ws"
    Workspace.init(ws)
    with (ws / "desk.toml").open("a", encoding="utf-8") as fh:
        fh.write("\nfetch_min_interval_s = 0\n" + sources)
    return ws


def _until(check, seconds: float = 60.0) -> None:
    """Wait for `check()` (a bound so a broken run fails instead of hanging, not a speed limit)."""
    end = time.monotonic() + seconds
    while not check():
        if time.monotonic() > end:
            raise AssertionError("condition not reached")
        time.sleep(0.1)


def test_unknown_keys_in_sources_are_errors(tmp_path) -> None:
    ws = _workspace(tmp_path, '[[sources]]\nurl = "https://example.org/rss"\nintervall = "5m"\n')
    with pytest.raises(ConfigError, match=r"\[\[sources\]\] entry 1 .*unknown key 'intervall'"):
        Workspace.open(ws)
    assert SourceSpec(url="https://t.me/s/chan").every_s == 1800
    assert SourceSpec(url="https://x.org/feed", interval="90s").every_s == 90


def test_once_ingests_every_source_then_unchanged_feeds_cost_one_304_each(tmp_path, server) -> None:
    world = server.serve("/world.xml", rss(wire_items("wsj_world.xml", n=12)))
    econ = server.serve("/econ.xml", rss(wire_items("nyt_econ.xml", n=8), title="NYT > Economy"))
    page = server.serve("/page.html", article_page(), content_type="text/html")
    ws = _workspace(
        tmp_path,
        f'[[sources]]\nurl = "{world}"\n\n[[sources]]\nurl = "{econ}"\noutlet = "NYT Econ Desk"\n'
        f'\n[[sources]]\nurl = "{page}"\n\n[[sources]]\nurl = "{world}?off"\nenabled = false\n',
    )
    first = _desk("-w", str(ws), "watch", "--once")
    # The HTML page is listed as a feed: an error naming the feed it advertises; the others ran.
    assert first.returncode == 1, first.stderr
    assert "an HTML page where a feed was expected; it advertises " in first.stderr
    assert server.url("/feeds/world.xml") in first.stderr
    assert "/world.xml: ok, 12 new" in first.stderr and "/econ.xml: ok, 8 new" in first.stderr
    assert server.hits("/page.html") and not [p for p, _ in server.requests if "off" in p]

    svc = DeskService.open(ws)
    try:
        outlets = {d.outlet for d in svc.store.documents()}
        assert "NYT Econ Desk" in outlets and len(svc.store.documents()) == 20
    finally:
        svc.close()
    before = len(server.requests)
    again = _desk("-w", str(ws), "watch", "--once")
    assert "/world.xml: not modified, 0 new" in again.stderr
    assert "/econ.xml: not modified, 0 new" in again.stderr
    assert len(server.requests) - before == 3  # one 304 per feed, one GET of the page


def test_a_failing_source_is_backed_off_and_shown_failing_while_others_carry_on(
    tmp_path, server
) -> None:
    good = server.serve("/good.xml", rss(wire_items(n=3)))
    bad = server.serve("/bad.xml", b"down", status=500, content_type="text/plain")
    ws = _workspace(tmp_path, "")
    svc = DeskService.open(ws, {"fetch_retries": 0, "fetch_allow_networks": ["127.0.0.0/8"]})
    try:
        sources = [SourceSpec(url=good, interval=60), SourceSpec(url=bad, interval=60)]
        watcher = Watcher(svc, sources)
        shown: list[list[tuple[str, str]]] = []
        watcher._on_update = lambda sts: shown.append([(s.name, s.state) for s in sts])
        for _ in range(3):
            report = watcher.run(once=True)
        good_st, bad_st = watcher.statuses
        assert good_st.state == "not modified" and good_st.new_items == 3
        assert bad_st.state == "failing" and bad_st.failures == 3
        assert "HTTP 500" in (bad_st.error or "")
        assert report.failed == [(bad, bad_st.error)]
        # The next poll of the failing source waits 60 s * 2^3, the healthy one 60 s.
        now = time.monotonic()
        assert bad_st.next_at - now > 60 * 2**3 - 5 and good_st.next_at - now < 60 + 7
        assert (bad, "failing") in shown[-1]
    finally:
        svc.close()


def test_sigterm_mid_poll_stops_cleanly_and_a_restart_resumes(tmp_path, server) -> None:
    items = wire_items("wsj_world.xml", n=10)
    body = rss(items).encode()
    slow_once = threading.Event()

    def slow(path, headers):
        if not slow_once.is_set():
            slow_once.set()
            time.sleep(3)  # SIGTERM arrives while this request is in flight
        return 200, {"Content-Type": "application/rss+xml", "ETag": '"v1"'}, body

    url = server.handle("/slow.xml", slow)
    ws = _workspace(tmp_path, f'[[sources]]\nurl = "{url}"\ninterval = "1h"\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "-w", str(ws), "watch"],
        cwd=REPO,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _until(slow_once.is_set, 120)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped: 1 polls" in err and "10 new items" in err  # the item under way finished
    svc = DeskService.open(ws)
    try:
        assert svc.store.count_documents() == 10
        assert svc.store.fetch_state(url) == ('"v1"', None)
    finally:
        svc.close()
    again = _desk("-w", str(ws), "watch", "--once")
    assert again.returncode == 0 and "/slow.xml: ok, 0 new" in again.stderr


def test_two_writers_serialise_on_the_lock(tmp_path, server) -> None:
    url = server.serve("/f.xml", rss(wire_items(n=4)))
    ws = _workspace(tmp_path, f'[[sources]]\nurl = "{url}"\n')
    workspace = Workspace.open(ws)
    with workspace.lock("watch"):
        busy = _desk("-w", str(ws), "ingest", url)
        watch_busy = _desk("-w", str(ws), "watch", "--once")
    assert busy.returncode == 2 and watch_busy.returncode == 2
    assert f"watch running as pid {os.getpid()}" in busy.stderr
    assert "is busy" in watch_busy.stderr

    holder = threading.Thread(target=lambda: _hold(workspace, 2.0))
    holder.start()
    time.sleep(0.5)
    waited = _desk("-w", str(ws), "ingest", url, "--wait", "120")
    holder.join()
    assert waited.returncode == 0, waited.stderr
    assert "Ingest summary" in waited.stdout


def _hold(workspace: Workspace, seconds: float) -> None:
    with workspace.lock("test writer"):
        time.sleep(seconds)


def test_a_watched_folder_ingests_a_new_file_once_written(tmp_path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "first.txt").write_text(
        "Central bank holds rates steady as inflation cools.\n", encoding="utf-8"
    )
    ws = _workspace(tmp_path, "")
    svc = DeskService.open(ws)
    stop = threading.Event()
    watcher = Watcher(svc, [SourceSpec(path=str(inbox), interval=3600)])
    runner = threading.Thread(target=watcher.run, kwargs={"stop": stop})
    runner.start()
    try:
        _until(lambda: watcher.statuses[0].polls >= 1 or svc.store.count_documents() >= 1, 120)
        (inbox / "second.txt").write_text(
            "Port strike enters its third day, stranding container ships off the coast.\n",
            encoding="utf-8",
        )
        _until(lambda: any("Port strike" in d.text for d in svc.store.documents()), 120)
    finally:
        stop.set()
        runner.join(timeout=60)
    assert not runner.is_alive()
    assert svc.store.count_documents() == 2
    svc.close()


def test_a_file_arriving_during_a_poll_is_read_soon_not_an_interval_later(tmp_path) -> None:
    """The race CI met: the folder event for a new file came while a poll was running, and the
    poll's end set the next poll an interval (an hour) away. A narrow test of the scheduling:
    the poll's ingest is replaced by one that sees the event arrive while it runs."""
    from assistant.intake import watcher as watch

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    svc = DeskService.open(_workspace(tmp_path, ""))
    try:
        w = Watcher(svc, [SourceSpec(path=str(inbox), interval=3600)])
        st = w.statuses[0]

        def ingest_while_a_file_arrives(status, fetcher):
            with w._changed_lock:
                w._changed.setdefault(str(inbox), set()).add(inbox / "second.txt")
            return 1, None, 0, False

        w._poll_path = ingest_while_a_file_arrives  # type: ignore[method-assign]
        w._poll(st, fetcher=None, report=watch.WatchReport(), once=False)  # type: ignore[arg-type]
        assert st.polls == 1
        assert st.next_at - time.monotonic() <= watch.SETTLE_S + 0.5
        # Without a change meanwhile the interval holds.
        w._poll_path = lambda status, fetcher: (0, None, 0, True)  # type: ignore[method-assign]
        with w._changed_lock:
            w._changed.clear()
        w._poll(st, fetcher=None, report=watch.WatchReport(), once=False)  # type: ignore[arg-type]
        assert st.next_at - time.monotonic() >= 3600 - 1
    finally:
        svc.close()


def test_a_search_process_beside_the_writer_sees_new_items_in_both_indexes(
    tmp_path, server
) -> None:
    items = wire_items("wsj_world.xml", n=20)
    url = server.serve("/w.xml", rss(items[:15]))
    ws = _workspace(tmp_path, f'[[sources]]\nurl = "{url}"\n')
    assert _desk("-w", str(ws), "watch", "--once").returncode == 0
    reader = DeskService.open(ws)  # a long-lived reader (the TUI, a search server)
    try:
        assert reader.search(items[0]["title"], k=3)  # opens Chroma in this process
        new = items[17]
        server.serve("/w.xml", rss([new, *items[:15]]))
        assert _desk("-w", str(ws), "watch", "--once").returncode == 0  # another process writes
        hits = reader.search(new["description"], k=5)
        top = next(h for h in hits if h.passage.title == new["title"])
        assert top.dense_rank is not None and top.lexical_rank is not None
    finally:
        reader.close()
