"""RSS 2.0 and Atom feeds via feedparser: one item per entry, the full content when the feed
carries it (`content:encoded`, Atom `content`), else the summary, as plain text. A feed that is
not well-formed XML (e.g. truncated mid-download) is refused as a whole rather than half-read,
so the store never holds a silently shortened feed.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from assistant.dates import parse_date
from assistant.ingest.items import IngestError, Item, clean_line, clean_text
from assistant.ingest.kinds import guess_kind


def html_to_text(fragment: str) -> str:
    """Text of an HTML fragment, block elements as paragraph breaks (no regex tag-stripping)."""
    if "<" not in fragment:
        return fragment
    import lxml.html  # type: ignore[import-untyped]

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:
        return fragment
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for br in root.xpath("//br"):
        br.tail = "\n" + (br.tail or "")
    for block in root.xpath("//p|//div|//li|//h1|//h2|//h3|//h4|//blockquote"):
        block.tail = "\n" + (block.tail or "")
        if block.text is not None:
            block.text = "\n" + block.text
    return root.text_content()


def _entry_date(entry) -> tuple[datetime | None, str | None]:
    # The feed's own text through our one date parser: feedparser's `*_parsed` fills in what a
    # date leaves out (a missing zone as UTC, a two-digit year's century) without saying so.
    raw = entry.get("published") or entry.get("updated") or entry.get("created")
    return parse_date(raw)


def load_feed(path: Path, text: str) -> list[Item]:
    import feedparser  # type: ignore[import-untyped]

    parsed = feedparser.parse(text)
    if parsed.bozo:
        exc = parsed.get("bozo_exception")
        # Encoding overrides and HTML entities undefined in XML (`&nbsp;`) are harmless: the
        # loose parser reads those feeds whole. Anything else from the XML parser (no element
        # found, unclosed token, mismatched tag) means a truncated or broken file.
        message = str(exc)
        closed = text.rstrip().endswith(("</rss>", "</feed>", "</rdf:RDF>"))
        harmless = closed and (
            type(exc).__name__ == "CharacterEncodingOverride" or "undefined entity" in message
        )
        if exc is not None and not harmless:
            if not closed:
                raise IngestError(
                    "truncated XML feed: the file ends before its closing </rss> or </feed> tag"
                )
            line = getattr(exc, "getLineNumber", lambda: None)()
            where = f" at line {line}" if line else ""
            detail = getattr(exc, "getMessage", lambda: message)()
            raise IngestError(f"malformed XML feed{where} (not well-formed): {detail}")
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        raise IngestError("XML is not an RSS or Atom feed")
    fmt = "atom" if version.startswith("atom") else "rss"
    feed = parsed.feed
    outlet = clean_line(feed.get("title")) or "unattributed"
    items: list[Item] = []
    for i, entry in enumerate(parsed.entries):
        content = entry.get("content") or []
        body_html = max((c.get("value", "") for c in content), key=len, default="") or entry.get(
            "summary", ""
        )
        body = clean_text(html_to_text(body_html))
        title = clean_line(html_to_text(entry.get("title", "")))
        if not body and title:
            body = title
        published, flag = _entry_date(entry)
        url = clean_line(entry.get("link"))
        source = entry.get("source") or {}
        items.append(
            Item(
                format=fmt,  # type: ignore[arg-type]
                text=body,
                outlet=outlet,
                kind=guess_kind(outlet, url or feed.get("link")),
                author=clean_line(entry.get("author")) or clean_line(source.get("title")),
                title=title,
                url=url,
                published_at=published,
                date_flag=flag,
                language=clean_line((feed.get("language") or "").split("-")[0].lower())
                if feed.get("language")
                else None,
                item=clean_line(entry.get("id")) or str(i),
            )
        )
    return items
