"""The real wire archive (`../shared/data/wire-archive/`) as a desk user would receive it: each
day's items written back as the RSS 2.0 feeds they came from, into a temporary folder, so the
eval and the tests run the real `DeskService.ingest` (feed loader, outlet names, GUID folding)
on them rather than a hand-built shortcut.

- `archive_items()`: every line of `items.jsonl`, as dicts.
- `labelled_days()`: the four `labels/<day>.json` files, parsed.
- `write_day_feeds(day, out)`: the day's items (UTC) as one `<feed>.xml` per source feed, in the
  shape of `../shared/data/rss/*.xml` (channel title as the real feed had it, `description`
  holding the item's HTML escaped as XML text, GUID, `pubDate`).
- `truth(day)`: archive item id -> story label (noise items each their own singleton) and the
  `doubtful` pairs.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from bench.batch_data import DATA

WIRE = DATA / "wire-archive"
RSS = DATA / "rss"


@functools.cache
def archive_items() -> tuple[dict, ...]:
    with (WIRE / "items.jsonl").open(encoding="utf-8") as fh:
        return tuple(json.loads(line) for line in fh if line.strip())


@dataclass(frozen=True)
class LabelledDay:
    day: date
    story_of: dict[str, str]
    """Archive item id -> story label; noise items get a label of their own."""
    doubtful: frozenset[frozenset[str]]
    """Pairs a careful reader could argue either way: left out of the scoring."""


def labelled_days() -> list[LabelledDay]:
    days = []
    for path in sorted((WIRE / "labels").glob("*.json")):
        blob = json.loads(path.read_text(encoding="utf-8"))
        story_of = {i: s["story"] for s in blob["stories"] for i in s["items"]}
        story_of |= {i: f"noise:{i}" for i in blob["noise"]}
        doubtful = frozenset(frozenset((a, b)) for a, b, *_ in blob["doubtful"])
        days.append(LabelledDay(date.fromisoformat(blob["day"]), story_of, doubtful))
    return days


@functools.cache
def feed_title(feed: str) -> str | None:
    """The channel title the real feed carries (`myFT following`, `WSJ.com: Economy`, ...)."""
    path = RSS / feed
    if not path.is_file():
        return None
    m = re.search(r"<channel>\s*<title>([^<]*)</title>", path.read_text(encoding="utf-8"))
    if not m:
        return None
    from html import unescape

    return unescape(m.group(1))


def day_items(day: date) -> list[dict]:
    return [i for i in archive_items() if i["published"][:10] == day.isoformat()]


def write_day_feeds(day: date, out: Path) -> dict[tuple[str, str], str]:
    """Write the day's items as RSS files under `out`; returns (feed path, guid) -> archive id."""
    out.mkdir(parents=True, exist_ok=True)
    by_feed: dict[str, list[dict]] = {}
    for item in day_items(day):
        by_feed.setdefault(item["feed"], []).append(item)
    ids: dict[tuple[str, str], str] = {}
    for feed, items in sorted(by_feed.items()):
        title = feed_title(feed) or items[0]["outlet"]
        path = out / feed
        entries = []
        for it in sorted(items, key=lambda x: x["published"], reverse=True):
            entries.append(
                "<item>"
                f"<title>{escape(it['title'])}</title>"
                f"<link>{escape(it['link'])}</link>"
                f"<description>{escape(it['description'])}</description>"
                f'<guid isPermaLink="false">{escape(it["guid"])}</guid>'
                f"<pubDate>{escape(it['pubDate'])}</pubDate>"
                "</item>"
            )
            ids[(str(path.resolve()), it["guid"])] = it["id"]
        built = datetime.now().strftime("%a, %d %b %Y %H:%M:%S GMT")
        path.write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(title)}</title><link>https://archive.is</link>"
            f"<description>{escape(title)}</description><lastBuildDate>{built}</lastBuildDate>"
            + "".join(entries)
            + "</channel></rss>\n",
            encoding="utf-8",
        )
    return ids
