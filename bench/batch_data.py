"""Real data for the batch eval and benchmark, written as JSONL wire items (see
`assistant/ingest/loaders/jsonl.py` for the schema) into a temporary folder:

- `allsides_wire(out)`: every article of `../shared/data/allsides/allsides_dev.jsonl` with its
  outlet, URL, title and the story's date; item ids `<story id>-<side>` keep the true story.
- `liveblog_day(path)` / `liveblog_wire(path, out)`: one BBC local-live day — its blocks as wire
  items timestamped in UK local time on the day named in the title.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
LONDON = ZoneInfo("Europe/London")
_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def allsides_rows() -> list[dict]:
    path = DATA / "allsides" / "allsides_dev.jsonl"
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def allsides_items(
    rows: list[dict] | None = None, shift: timedelta = timedelta(0), tag: str = ""
) -> list[dict]:
    items = []
    for row in rows if rows is not None else allsides_rows():
        when = datetime.fromisoformat(row["date"]) + shift
        for side, art in sorted(row["news"].items()):
            items.append(
                {
                    "id": f"{row['id']}-{side}{tag}",
                    "outlet": art["newsSource"],
                    "kind": "outlet",
                    "title": art["newsTitle"],
                    "url": art["newsLink"] + (f"#{tag}" if tag else ""),
                    "published": when.isoformat(),
                    "text": "\n\n".join(art["newBody"]) + (f"\n\n({tag})" if tag else ""),
                }
            )
    return items


def write_jsonl(items: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    return path


@dataclass(frozen=True)
class LiveblogDay:
    path: Path
    title: str
    url: str
    day: date | None
    """The local day named in the title (year inferred from the weekday when missing)."""
    summary: list[str]
    blocks: list[dict]


def title_date(title: str) -> date | None:
    """`... for Monday 20 November 2017 - BBC News` → 2017-11-20; `South Live: Wednesday 18
    October` → the year (2013–2018) in which 18 October was a Wednesday; None if no date."""
    low = title.lower()
    m = re.search(
        r"(?:("
        + "|".join(_DAYS)
        + r")\s+)?(\d{1,2})\s+("
        + "|".join(_MONTHS)
        + r")(?:\s+(\d{4}))?",
        low,
    )
    if not m:
        return None
    weekday, dd, month, year = m.group(1), int(m.group(2)), _MONTHS[m.group(3)], m.group(4)
    if year:
        return date(int(year), month, dd)
    if weekday:
        for y in range(2018, 2012, -1):
            if date(y, month, dd).weekday() == _DAYS.index(weekday):
                return date(y, month, dd)
    return None


_DETOKENIZE = [
    (re.compile(r" ([.,;:!?%)])"), r"\1"),
    (re.compile(r"([(£$]) "), r"\1"),
    (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b"), r"\1"),
    (re.compile(r"\bi\b"), "I"),
]


def readable(text: str) -> str:
    """The liveblog text is lower-cased and tokenized (`it 's raining , says bbc .`); undo the
    tokenization and capitalise sentence starts, as a wire item would read. Without this the
    extractive drafter rightly refuses every sentence as a fragment (it starts lower-case).
    ROUGE is computed case-insensitively, so this does not change the scores' basis."""
    for pattern, repl in _DETOKENIZE:
        text = pattern.sub(repl, text)
    text = re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text.strip())
    return text


def liveblog_day(path: Path) -> LiveblogDay:
    blob = json.loads(path.read_text(encoding="utf-8"))
    return LiveblogDay(
        path,
        blob["title"],
        blob["url"],
        title_date(blob["title"]),
        blob["summary"],
        blob["documents"],
    )


def liveblog_items(day: LiveblogDay, on: date | None = None, tag: str = "") -> list[dict]:
    """Blocks as wire items at their HH:MM on `on` (default the blog's own day), UK local time."""
    when_day = on or day.day
    assert when_day is not None, f"{day.path}: no date in title {day.title!r}"
    items = []
    for block in day.blocks:
        hh, mm = (int(x) for x in block["time"].split(":"))
        when = datetime.combine(when_day, time(hh, mm), tzinfo=LONDON)
        author = block.get("author")
        if isinstance(author, list):
            author = author[0] if author else None
        items.append(
            {
                "id": f"{block['block_id']}{tag}",
                "outlet": "BBC Local Live",
                "kind": "outlet",
                "title": readable(block["title"]),
                "author": author or None,
                "url": f"{day.url}#{block['block_id']}{tag}",
                "published": when.isoformat(),
                "text": readable(" ".join(block["text"])) + (f" ({tag})" if tag else ""),
            }
        )
    return items
