"""Batch throughput on a 2,000-item day (`make bench`).

The day is built from the real data: every BBC liveblog block (at its HH:MM, all moved to one
day), every AllSides article (at its story's time of day, moved to the same day), and a second,
tagged copy of the first AllSides articles two hours later (an "update" wave, linked by
ingestion as versions) until there are 2,000 items. They are ingested into a temporary
workspace (not timed here), then one `desk batch --date DAY` run with the extractive generator
is timed per stage (select, cluster, draft, verify, render; target: under 5 minutes in all on
this 2-core machine). For comparison, the same stories drafted one by one through `desk draft`
subprocesses (each a fresh process: load, retrieve, draft, verify, render): measured on a
sample and extrapolated to all drafted stories — the output says which figures are measured.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from bench.batch_data import DATA, LONDON, allsides_rows, liveblog_day, readable, write_jsonl

DAY = date(2026, 3, 10)
ITEMS = 2000
MAX_STORIES = 10
SAMPLE = 2


def day_items() -> list[dict]:
    items: list[dict] = []
    for path in sorted((DATA / "liveblog").glob("*.json")):
        day = liveblog_day(path)
        for block in day.blocks:
            hh, mm = (int(x) for x in block["time"].split(":"))
            items.append(
                {
                    "id": f"{path.stem[:8]}-{block['block_id']}",
                    "outlet": "BBC Local Live",
                    "kind": "outlet",
                    "title": readable(block["title"]),
                    "url": f"{day.url}#{block['block_id']}",
                    "published": datetime.combine(DAY, dtime(hh, mm), tzinfo=LONDON).isoformat(),
                    "text": readable(" ".join(block["text"])),
                }
            )
    rows = allsides_rows()

    def allsides(tag: str, shift: timedelta) -> list[dict]:
        out = []
        for row in rows:
            t = datetime.fromisoformat(row["date"]).astimezone(UTC)
            when = datetime.combine(DAY, t.time(), tzinfo=UTC) + shift
            when = min(when, datetime.combine(DAY, dtime(23, 59), tzinfo=UTC))
            for side, art in sorted(row["news"].items()):
                out.append(
                    {
                        "id": f"{row['id']}-{side}{tag}",
                        "outlet": art["newsSource"],
                        "kind": "outlet",
                        "title": art["newsTitle"],
                        "url": art["newsLink"] + (f"?{tag}" if tag else ""),
                        "published": when.isoformat(),
                        "text": "\n\n".join(art["newBody"])
                        + (f"\n\nUpdated {tag}." if tag else ""),
                    }
                )
        return out

    items += allsides("", timedelta(0))
    if len(items) < ITEMS:
        items += allsides("-u1", timedelta(hours=2))[: ITEMS - len(items)]
    return items[:ITEMS]


def _desk(ws: Path, *args: str) -> float:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "assistant", "--workspace", str(ws), *args],
        check=True,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def run() -> None:
    from assistant.service import DeskService
    from assistant.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        root = Path(tmp)
        items = day_items()
        src = write_jsonl(items, root / "src" / "day.jsonl")
        svc = DeskService(Workspace.init(root / "ws"))
        t0 = time.perf_counter()
        report = svc.ingest([src])
        print(
            f"built a {len(items)}-item day ({DAY}) from liveblog + AllSides; ingested in "
            f"{time.perf_counter() - t0:.0f}s ({report.new} new, {report.versions} versions, "
            f"{report.duplicates} duplicates) — not part of the batch time"
        )
        svc.close()
        # A fresh service: batch pays its own model/index loading, as a cron run would.
        svc = DeskService(Workspace.open(root / "ws"))
        t0 = time.perf_counter()
        result = svc.batch(
            day=DAY.isoformat(),
            tz="UTC",
            min_sources=2,
            max_stories=MAX_STORIES,
            generator="extractive",
            out_dir=root / "out",
        )
        total = time.perf_counter() - t0
        svc.close()
        run_json = result.run
        timings = run_json["run"]["timings_s"]
        drafted = [s for s in run_json["stories"] if s.get("synthesis", {}).get("status") == "ok"]
        print(
            f"{run_json['documents']} documents -> {run_json['stories_found']} stories; "
            f"drafted {len(drafted)} (min 2 sources, top {MAX_STORIES}); "
            f"failures: {len(run_json['failures'])}"
        )
        print(f"{'stage':<10} {'seconds':>8}")
        for stage in ("select", "cluster", "draft", "verify", "render"):
            print(f"{stage:<10} {timings[stage]:>8.1f}")
        other = total - sum(timings.values())
        print(f"{'other':<10} {other:>8.1f}   (digest assembly, writing files, loading)")
        print(f"{'total':<10} {total:>8.1f}   target < 300 s: {'met' if total < 300 else 'MISSED'}")

        sample = drafted[:SAMPLE]
        per = []
        for story in sample:
            end = datetime.fromisoformat(story["end"]) + timedelta(seconds=1)
            args = [
                "draft",
                story["title"],
                "--since",
                story["start"],
                "--until",
                end.isoformat(),
                "--generator",
                "extractive",
                "--out",
                str(root / f"{story['id']}.md"),
            ]
            for outlet in story["outlets"]:
                args += ["--source", outlet]
            per.append(_desk(root / "ws", *args))
        if per:
            each = sum(per) / len(per)
            print(
                f"`desk draft` one by one: measured {len(per)} stories, {each:.1f}s each "
                f"({', '.join(f'{x:.1f}' for x in per)}); extrapolated to {len(drafted)} stories: "
                f"{each * len(drafted):.0f}s (+ clustering by hand) vs batch {total:.0f}s"
            )
