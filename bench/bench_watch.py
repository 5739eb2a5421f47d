"""`desk watch --once` over many local feeds: one pass where a few feeds changed, with
conditional GET (304s for the unchanged ones) next to the same pass refetching everything, and
the time from a feed changing to its new item being searchable.

Setup (not timed): `BENCH_WATCH_FEEDS` feeds (default 50) of 40 real wire-archive items each,
each feed on its own address 127.0.0.2, 127.0.0.3, ... so per-host politeness
(`fetch_min_interval_s`, 1 s) does not dominate the ratio; one first pass ingests and embeds
them all. Then `BENCH_WATCH_CHANGED` feeds (default 5) get one new item each and two passes run:
- conditional: ETag / If-None-Match, so unchanged feeds answer 304;
- full: no conditional GET, every feed is downloaded and parsed again (its known items skipped).
Both passes see the same five changes (the full pass's are five further items).

Then one feed changes again and the clock runs until `DeskService.search` in the same process
returns the new item: committed, embedded, in BM25 and in the vector copy used by filtered
search. The split says where that time goes (fetch+store, embedding, BM25 + vector copy).

Knobs (environment): BENCH_WATCH_FEEDS, BENCH_WATCH_CHANGED. A short run:
`BENCH_WATCH_FEEDS=10 python -m bench watch`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ITEMS_PER_FEED = 40


def _serve(n: int):
    sys.path.insert(0, str(REPO))
    from tests._wire_server import WireServer

    servers = []
    for i in range(n):
        servers.append(WireServer(host=f"127.0.0.{i + 2}"))
    return servers


def _items(n_feeds: int) -> list[list[dict]]:
    import json

    from tests.conftest import SHARED_DATA

    path = SHARED_DATA / "wire-archive" / "items.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    need = n_feeds * (ITEMS_PER_FEED + 4)
    rows = rows[:need]
    per = ITEMS_PER_FEED + 4
    return [rows[i * per : (i + 1) * per] for i in range(n_feeds)]


def _pass(svc, sources, conditional: bool) -> tuple[float, int, int]:
    from assistant.intake.fetcher import Fetcher
    from assistant.intake.watcher import Watcher

    with Fetcher.for_settings(svc.settings) as fetcher:
        t0 = time.perf_counter()
        report = Watcher(svc, sources, conditional=conditional, fetcher=fetcher).run(once=True)
        took = time.perf_counter() - t0
        return took, fetcher.requests, report.new


def run() -> None:
    from assistant.intake.sources import SourceSpec
    from assistant.service import DeskService
    from assistant.workspace import Workspace
    from tests._wire_server import rss

    n = int(os.environ.get("BENCH_WATCH_FEEDS", "50"))
    changed = int(os.environ.get("BENCH_WATCH_CHANGED", "5"))
    feeds = _items(n)
    servers = _serve(n)
    try:
        shown = {i: list(f[:ITEMS_PER_FEED]) for i, f in enumerate(feeds)}
        for i, srv in enumerate(servers):
            srv.serve("/feed.xml", rss(shown[i], title=f"Bench feed {i}"))
        sources = [SourceSpec(url=s.url("/feed.xml")) for s in servers]
        with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
            Workspace.init(Path(tmp) / "ws")
            svc = DeskService.open(Path(tmp) / "ws", {"fetch_allow_networks": ["127.0.0.0/8"]})
            t0 = time.perf_counter()
            took, requests, new = _pass(svc, sources, conditional=True)
            print(
                f"setup: {n} feeds x {ITEMS_PER_FEED} items on 127.0.0.2..127.0.0.{n + 1}, "
                f"first pass {took:.1f}s ({new} new, {requests} requests) — not compared"
            )

            def change(extra: int) -> None:
                for i in range(changed):
                    shown[i].insert(0, feeds[i][ITEMS_PER_FEED + extra])
                    servers[i].serve("/feed.xml", rss(shown[i], title=f"Bench feed {i}"))

            change(0)
            c_took, c_req, c_new = _pass(svc, sources, conditional=True)
            change(1)
            f_took, f_req, f_new = _pass(svc, sources, conditional=False)
            print(f"{'pass':<28}{'wall s':>8}{'requests':>10}{'new':>6}")
            print(f"{'conditional GET (304s)':<28}{c_took:>8.2f}{c_req:>10}{c_new:>6}")
            print(f"{'full refetch':<28}{f_took:>8.2f}{f_req:>10}{f_new:>6}")
            print(f"ratio full / conditional: {f_took / max(c_took, 1e-9):.2f}x wall time")

            # Feed change -> searchable.
            item = feeds[n - 1][ITEMS_PER_FEED + 2]
            shown[n - 1].insert(0, item)
            one = [sources[n - 1]]
            index = svc.index
            t_embed = _timed(index, "upsert")
            t_lex = _timed(index, "_refresh_lexical")
            t0 = time.perf_counter()
            servers[n - 1].serve("/feed.xml", rss(shown[n - 1], title=f"Bench feed {n - 1}"))
            _pass(svc, one, conditional=True)
            from assistant.models import SearchFilters

            query = item["description"] or item["title"]
            hits = svc.search(query, SearchFilters(outlets=()), k=5)
            latency = time.perf_counter() - t0
            found = any(h.passage.title == item["title"] for h in hits)
            print(
                f"feed change -> searchable: {latency:.2f}s (found: {found}; embedding "
                f"{t_embed[0]:.2f}s, BM25 + vector copy rebuild {t_lex[0]:.2f}s over "
                f"{svc.store.count_passages()} passages)"
            )
            svc.close()
    finally:
        for s in servers:
            s.close()


def _timed(obj, name: str) -> list[float]:
    """Patch `obj.name` to add its wall time into the returned one-element list."""
    spent = [0.0]
    original = getattr(obj, name)

    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t0

    setattr(obj, name, wrapper)
    return spent
