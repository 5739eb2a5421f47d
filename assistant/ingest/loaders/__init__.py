"""Format loaders. `load(path, sniffed, text)` dispatches to the loader for a sniffed format and
returns the file's `Item`s; each loader raises `IngestError` with a message about the content
(truncated JSON at line 3, malformed XML, no `messages` list ...)."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.items import IngestError, Item
from assistant.ingest.sniff import Sniffed


def load(path: Path, sniffed: Sniffed, text: str) -> list[Item]:
    if sniffed in ("text", "markdown"):
        from assistant.ingest.loaders.plain import load_plain

        return load_plain(path, text, markdown=sniffed == "markdown")
    if sniffed == "html":
        from assistant.ingest.loaders.html import load_html

        return load_html(path, text)
    if sniffed == "feed":
        from assistant.ingest.loaders.feeds import load_feed

        return load_feed(path, text)
    if sniffed == "telegram_preview":
        from assistant.ingest.loaders.telegram_preview import load_preview

        return load_preview(path, text)
    if sniffed == "json":
        from assistant.ingest.loaders.jsonl import load_jsonl
        from assistant.ingest.loaders.telegram import load_json

        try:
            return load_json(path, text)
        except IngestError as exc:
            # One object per line saved as `.json`: read it as the JSONL it is.
            if "Extra data" in str(exc) and text.lstrip().startswith("{"):
                return load_jsonl(path, text)
            raise
    if sniffed == "jsonl":
        from assistant.ingest.loaders.jsonl import load_jsonl

        return load_jsonl(path, text)
    raise IngestError(f"no loader for format {sniffed!r}")
