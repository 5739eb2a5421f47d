"""JSONL wire items: one JSON object per line. The schema (documented in `corpus/README.md`):

| key | required | meaning |
|---|---|---|
| `text` (or `body`, `content`) | yes | the item's text |
| `id` | no | the item's id at the source (else its line number) |
| `title` (or `headline`) | no | headline |
| `outlet` (or `source`, `publisher`) | no | who published it |
| `kind` | no | wire, official, outlet, telegram or blog (guessed from outlet/URL if absent) |
| `author` (or `byline`) | no | |
| `url` (or `link`) | no | canonical URL or Telegram permalink |
| `published` (or `published_at`, `date`, `time`) | no | ISO 8601 with zone, or Unix seconds |
| `channel`, `language` | no | Telegram username; ISO 639-1 code |

A line that is not a JSON object fails the whole file with its line number, so a truncated wire
file is never half-ingested.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.dates import parse_date
from assistant.ingest.items import IngestError, Item, clean_line, clean_text
from assistant.ingest.kinds import VALID_KINDS, guess_kind


def _first(obj: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if obj.get(key) not in (None, ""):
            return obj[key]
    return None


def wire_item(obj: dict[str, Any], line: int, fmt: str = "jsonl") -> Item:
    text = _first(obj, "text", "body", "content")
    if text is not None and not isinstance(text, str):
        raise IngestError(f"line {line}: 'text' must be a string")
    outlet = clean_line(_first(obj, "outlet", "source", "publisher"))
    url = clean_line(_first(obj, "url", "link"))
    kind = clean_line(obj.get("kind"))
    if kind is not None and kind not in VALID_KINDS:
        raise IngestError(f"line {line}: kind {kind!r} is not one of {', '.join(VALID_KINDS)}")
    raw_date = _first(obj, "published", "published_at", "date", "time")
    published, flag = parse_date(raw_date)
    item_id = obj.get("id")
    return Item(
        format=fmt,  # type: ignore[arg-type]
        text=clean_text(text or ""),
        outlet=outlet or "unattributed",
        kind=kind or guess_kind(outlet, url),  # type: ignore[arg-type]
        channel=clean_line(obj.get("channel")),
        author=clean_line(_first(obj, "author", "byline")),
        title=clean_line(_first(obj, "title", "headline")),
        url=url,
        published_at=published,
        date_flag=flag,
        language=clean_line(obj.get("language")),
        item=str(item_id) if item_id not in (None, "") else f"line {line}",
    )


def load_jsonl(path: Path, text: str) -> list[Item]:
    items: list[Item] = []
    lines = text.splitlines()
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            last = all(not x.strip() for x in lines[n:])
            what = "truncated" if last else "invalid JSON"
            # Some of json's messages end in "at" ("Unterminated string starting at"): the
            # column completes them instead of doubling the word.
            at = "" if exc.msg.endswith(" at") else " at"
            raise IngestError(f"line {n}: {what} ({exc.msg}{at} column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise IngestError(f"line {n}: expected a JSON object, got {type(obj).__name__}")
        items.append(wire_item(obj, n))
    return items
