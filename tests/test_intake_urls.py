"""`desk ingest URL` end to end: real feeds, a `t.me/s/` channel with paging and an article page
served by a real HTTP server on 127.0.0.1, ingested with the real model into a real Chroma.
Feeds change between polls: new items are picked up, unchanged feeds answer 304, updates fold
into lineages; every bad case of issue 12 gives its message, the other URLs carry on and the
store stays consistent."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.models import SearchFilters
from assistant.service import DeskService
from assistant.workspace import Workspace
from tests._wire_server import (
    WireServer,
    article_page,
    gzip_bomb,
    rss,
    telegram_messages,
    tme_handler,
    wire_items,
)

REPO = Path(__file__).resolve().parent.parent
LOCAL = {"fetch_allow_networks": ["127.0.0.0/8"], "fetch_retries": 1}


@pytest.fixture
def server():
    srv = WireServer()
    yield srv
    srv.close()


@pytest.fixture
def svc(tmp_path):
    Workspace.init(tmp_path / "ws")
    service = DeskService.open(tmp_path / "ws", LOCAL)
    yield service
    service.close()


def test_new_items_are_picked_up_unchanged_feeds_answer_304_and_updates_fold(svc, server) -> None:
    items = wire_items("wsj_world.xml", n=42)
    url = server.serve("/wsj/world.xml", rss(items[:30]))

    first = svc.ingest([url])
    assert first.ok and first.new + first.versions + first.duplicates == 30
    assert first.embedded > 0

    again = svc.ingest([url])
    assert again.unchanged == 1 and again.new == again.versions == 0
    assert server.hits("/wsj/world.xml")[-1].get("if-none-match")  # sent back the ETag

    # The feed moves on: two new items at the top, one item rewritten under its GUID, and
    # the oldest ones rotate out (which must not delete them from the store).
    updated = dict(items[5])
    updated["description"] = (
        "UPDATED: officials later said talks would resume next week. " + updated["description"]
    )
    server.serve("/wsj/world.xml", rss([*items[30:32], updated, *items[6:25]]))
    third = svc.ingest([url])
    assert third.ok and third.new == 2 and third.versions == 1, third.counts()
    assert svc.store.count_documents() == first.documents + 3

    # The update is one story with two versions; both sightings are the feed's, with the fetch.
    old = next(
        d for d in svc.store.documents() if d.title == items[5]["title"] and "UPDATED" not in d.text
    )
    lineage = svc.store.lineage_documents(old.lineage_id or old.id)
    assert {("UPDATED" in d.text) for d in lineage} == {True, False}
    sighting = svc.store.sightings(old.id)[0]
    assert sighting.location.path == url and sighting.http_status == 200
    assert sighting.fetched_at is not None and old.fetched_at is not None

    hits = svc.search(items[31]["title"], k=3)
    assert any(h.passage.title == items[31]["title"] for h in hits)


def test_every_bad_case_gives_its_message_and_the_others_carry_on(svc, server) -> None:
    good = server.serve(
        "/good.xml", rss(wire_items("nyt_econ.xml", n=6), title="NYT > Business > Economy")
    )
    truncated = rss(wire_items("economist.xml", n=6), title="The Economist")[:-400]
    cases = {
        server.serve(
            "/404.xml", b"no", status=404, content_type="text/plain"
        ): "HTTP 404 Not Found",
        server.serve("/410.xml", b"no", status=410, content_type="text/plain"): "HTTP 410 Gone",
        server.serve("/500.xml", b"no", status=500, content_type="text/plain"): "HTTP 500",
        server.serve(
            "/503.xml", b"no", status=503, content_type="text/plain", headers={"Retry-After": "0"}
        ): "HTTP 503",
        server.handle("/loop", lambda p, h: (302, {"Location": "/loop"}, b"")): "redirect loop",
        server.serve("/cut.xml", truncated): "truncated XML feed",
        server.serve(
            "/bomb.xml", gzip_bomb(60_000_000), headers={"Content-Encoding": "gzip"}
        ): "decompressed",
        server.serve("/huge.xml", b"<rss>" + b" " * 60_000_001): "over the 47.7 MB limit",
        "file:///etc/passwd": "'file:' URLs are not fetched",
        "javascript:alert(1)": "'javascript:' URLs are not fetched",
    }
    mislabelled = server.serve(
        "/mislabelled", rss(wire_items("ft-home.xml", n=4), title="myFT"), content_type="text/html"
    )
    untyped = server.serve(
        "/untyped",
        rss(wire_items("wsj_econ.xml", n=3), title="WSJ.com: Economy"),
        content_type=None,
    )
    report = svc.ingest([*cases, good, mislabelled, untyped])

    failed = dict(report.failed)
    assert set(failed) == set(cases)
    for url, words in cases.items():
        assert words in failed[url], (url, failed[url])
    assert report.new + report.versions + report.duplicates == 6 + 4 + 3
    assert any("/mislabelled" in w and "served as 'text/html'" in w for w in report.warnings)
    assert any("/untyped" in w and "no Content-Type" in w for w in report.warnings)
    # Nothing half-stored: no conditional-GET state for a failed URL, every passage embedded.
    for url in cases:
        assert svc.store.fetch_state(url) is None
    assert svc.store.fetch_state(good) is not None
    assert svc.store.passage_ids(embedded=False) == set()


def test_undated_feed_items_reach_todays_batch_window_by_their_fetch_time(svc, server) -> None:
    url = server.serve(
        "/undated.xml", rss(wire_items("ft-home.xml", n=5), title="myFT", dated=False)
    )
    report = svc.ingest([url])
    assert report.ok and report.undated == 5
    docs = svc.store.documents()
    assert all(d.published_at is None and d.fetched_at is not None for d in docs)
    assert all("fetch time stands in" in (d.date_flag or "") for d in docs)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    window = SearchFilters(since=today, until=today + timedelta(days=1))
    assert len(svc.store.documents(window)) == 5
    yesterday = SearchFilters(since=today - timedelta(days=1), until=today)
    assert svc.store.documents(yesterday) == []


def test_a_channel_preview_is_paged_back_to_max_items_and_stops_at_since(svc, server) -> None:
    messages = telegram_messages()
    url = server.handle("/s/naked_science", tme_handler("naked_science", messages, per_page=20))
    report = svc.ingest([url], since=datetime(2020, 1, 1, tzinfo=UTC), max_items=50)
    assert report.ok, report.failed
    docs = svc.store.documents()
    assert len(docs) == report.new + report.versions
    posts = {s.location.item for d in docs for s in svc.store.sightings(d.id)}
    assert posts == {str(m["message_id"]) for m in messages[:50]}
    assert len(server.hits("/s/naked_science")) == 3  # 20 + 20 + 20, cut to 50
    assert all(d.kind == "telegram" and d.channel == "naked_science" for d in docs)

    # Since the 10th newest post: the next run reads the first page only and stores nothing new.
    svc2_since = datetime.fromisoformat(messages[9]["date"])
    again = svc.ingest([url], since=svc2_since)
    assert again.new == 0 and len(server.hits("/s/naked_science")) == 4


def test_an_article_page_is_read_like_a_saved_page(svc, server) -> None:
    url = server.serve("/world/anchorage", article_page(), content_type="text/html; charset=utf-8")
    report = svc.ingest([url])
    assert report.ok and report.new == 1
    (doc,) = svc.store.documents()
    assert doc.title == "Anchorage summit sketches a framework for Ukraine"
    assert doc.outlet == "Desk Test Gazette" and doc.url == url
    assert doc.published_at == datetime(2025, 8, 16, 9, 30, tzinfo=UTC)
    assert "Anchorage" in doc.text and "Copyright" not in doc.text


def test_conditional_state_is_stored_only_once_the_items_are_committed(
    svc, server, monkeypatch
) -> None:
    from assistant.ingest.pipeline import Ingestor

    url = server.serve("/feed.xml", rss(wire_items(n=8)))

    def killed(self, *args, **kwargs):
        raise KeyboardInterrupt  # the process dies while storing the items

    monkeypatch.setattr(Ingestor, "add_fetched", killed)
    with pytest.raises(KeyboardInterrupt):
        svc.ingest([url])
    monkeypatch.undo()
    assert svc.store.fetch_state(url) is None
    report = svc.ingest([url])  # a plain GET again, not a 304 hiding the items
    assert report.new + report.versions + report.duplicates == 8
    assert "if-none-match" not in server.hits("/feed.xml")[-1]


def test_a_workspace_made_by_the_first_release_takes_fetched_items(tmp_path, server) -> None:
    old = tmp_path / "workspace_v1"
    shutil.copytree(REPO / "tests" / "data" / "workspace_v1", old)
    service = DeskService.open(old, LOCAL)
    try:
        before = service.store.count_documents()
        report = service.ingest([server.serve("/f.xml", rss(wire_items(n=4)))])
        assert report.ok and service.store.count_documents() == before + 4
        assert all(
            d.fetched_at is None
            for d in service.store.documents()
            if d.location.path != server.url("/f.xml")
        )
    finally:
        service.close()


def test_cli_ingest_of_urls_prints_the_summary_and_exits_1_on_a_failed_url(
    tmp_path, server
) -> None:
    ws = tmp_path / "ws"
    env = {**os.environ, "DESK_FETCH_ALLOW_NETWORKS": '["127.0.0.0/8"]', "HF_HUB_OFFLINE": "1"}
    subprocess.run(
        [sys.executable, "-m", "assistant", "init", str(ws)],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )
    good = server.serve("/feed.xml", rss(wire_items(n=3)))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "-w",
            str(ws),
            "ingest",
            good,
            "ftp://example.org/x.xml",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1, run.stderr
    assert "Ingest summary" in run.stdout and "new" in run.stdout
    assert "ftp://example.org/x.xml: 'ftp:' URLs are not fetched; only http and https" in run.stderr


@pytest.mark.slow
def test_desk_batch_for_today_sees_undated_fetched_items(svc, server, tmp_path) -> None:
    items = wire_items("ft-home.xml", n=6)
    url = server.serve("/undated.xml", rss(items, title="myFT", dated=False))
    assert svc.ingest([url]).undated == 6
    today = datetime.now(UTC).date().isoformat()
    report = svc.batch(day=today, min_sources=1, max_stories=1, out_dir=tmp_path / "out")
    assert report.exit_code == 0
    assert sum(len(s["doc_ids"]) for s in report.stories) == 6  # every undated item clustered


@pytest.mark.parametrize("name", ["economist.xml", "wsj_world.xml"])
def test_a_real_feed_served_by_url_gives_what_the_saved_file_gives(tmp_path, server, name) -> None:
    from tests.conftest import shared_data

    path = shared_data() / "rss" / name
    url = server.serve(f"/{name}", path.read_bytes())
    Workspace.init(tmp_path / "by-url")
    Workspace.init(tmp_path / "by-file")
    by_url = DeskService.open(tmp_path / "by-url", LOCAL)
    by_file = DeskService.open(tmp_path / "by-file")
    try:
        fetched, saved = by_url.ingest([url]), by_file.ingest([path])
        assert fetched.ok and saved.ok
        assert (fetched.new, fetched.versions, fetched.duplicates) == (
            saved.new,
            saved.versions,
            saved.duplicates,
        )
        assert {d.id for d in by_url.store.documents()} == {d.id for d in by_file.store.documents()}
        assert {d.outlet for d in by_url.store.documents()} == {
            d.outlet for d in by_file.store.documents()
        }
    finally:
        by_url.close()
        by_file.close()
