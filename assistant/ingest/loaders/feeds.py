"""RSS 2.0 and Atom feeds via feedparser: one item per entry, the full content when the feed
carries it (`content:encoded`, Atom `content`), else the summary, as plain text. A feed that is
not well-formed XML (e.g. truncated mid-download) is refused as a whole rather than half-read,
so the store never holds a silently shortened feed.

Descriptions are HTML: images are dropped, entities decoded, and a trailing run of category
links after a line break (FT's `<br/><a href=".../markets">Markets</a>`) is taken off the text
and kept as the item's section, so "... woo investors" does not end in "Markets". The outlet is
the publisher (`OutletName`: "WSJ.com: World News" is The Wall Street Journal, section World
News), and each item gets a genre (`guess_genre`: news, opinion, analysis, markets, ...).
"""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

from assistant.dates import parse_date
from assistant.ingest.genre import guess_genre
from assistant.ingest.items import IngestError, Item, clean_line, clean_text
from assistant.ingest.kinds import guess_kind
from assistant.ingest.outlets import OutletName
from assistant.text import strip_title_label

# A label the publisher puts before a headline ("Opinion | ", "Letter: "): the genre records it;
# the headline as text does not carry it.


def with_title(title: str, body: str) -> str:
    """The item's text with its headline as the first sentence, so the headline is citable
    text (a draft's headline cites and is verified against it), not only metadata. A body
    that already opens with its headline is left as it is."""
    head = strip_title_label(title)
    if not head or body.casefold().startswith(head.casefold()):
        return body
    # A closing quotation mark ends the sentence only after its own full stop ("… said
    # “no.”"): "… has ‘simply vanished’" is a headline ending on a quoted phrase, and without
    # the full stop the splitter ran it into the standfirst (read on the archive: a dek of
    # "… has ‘simply vanished’ Raistone calls for …"; 130 of the archive's titles end so).
    if head.rstrip("\"'”’")[-1:] not in (".", "?", "!", "…"):
        head += "."
    return f"{head} {body}"


def html_to_text(fragment: str) -> str:
    """Text of an HTML fragment, block elements as paragraph breaks (no regex tag-stripping)."""
    return feed_html(fragment)[0]


def feed_html(fragment: str) -> tuple[str, list[str]]:
    """(text, trailing category names) of a feed item's HTML: images dropped, entities decoded,
    a closing run of links after a line break (`<br/><a>Markets</a>, <a>Economy</a>`) taken off
    the text and returned as categories."""
    if "<" not in fragment:
        # Feeds escape their HTML once; what is left (`S&amp;P`, `&#8217;`) is HTML text.
        return html.unescape(fragment), []
    import lxml.html  # type: ignore[import-untyped]

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:
        return html.unescape(fragment), []
    for bad in root.xpath("//script|//style|//img|//picture|//figure|//video|//iframe"):
        bad.drop_tree()
    categories = _trailing_categories(root)
    for br in root.xpath("//br"):
        br.tail = "\n" + (br.tail or "")
    for block in root.xpath("//p|//div|//li|//h1|//h2|//h3|//h4|//blockquote"):
        block.tail = "\n" + (block.tail or "")
        if block.text is not None:
            block.text = "\n" + block.text
    return root.text_content(), categories


def _trailing_categories(root) -> list[str]:
    """Remove and return the links that close the fragment after its last `<br>`, when nothing
    but those links (and commas between them) follows the break."""
    children = list(root)
    run = []
    for child in reversed(children):
        if child.tag == "a" and not (child.tail or "").strip(" ,\n\t"):
            run.append(child)
            continue
        if child.tag == "br" and run and not (child.tail or "").strip(" ,\n\t"):
            names = [a.text_content().strip() for a in reversed(run)]
            if all(names) and all(len(n) <= 40 for n in names):
                for a in run:
                    root.remove(a)
                root.remove(child)  # its tail held only separators
                return names
        break
    return []


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
    feed_title = clean_line(html.unescape(feed.get("title") or ""))
    items: list[Item] = []
    for i, entry in enumerate(parsed.entries):
        content = entry.get("content") or []
        body_html = max((c.get("value", "") for c in content), key=len, default="") or entry.get(
            "summary", ""
        )
        text, categories = feed_html(body_html)
        body = clean_text(text)
        title = clean_line(html_to_text(entry.get("title", "")))
        if not body and title:
            body = title
        elif title:
            body = with_title(title, body)
        published, flag = _entry_date(entry)
        url = clean_line(entry.get("link"))
        source = entry.get("source") or {}
        name = OutletName.resolve(feed_title, url or feed.get("link"))
        outlet = name.outlet
        tags = [clean_line(t.get("term")) or "" for t in entry.get("tags") or []]
        sections = [*categories, *(t for t in tags if t)]
        guid = clean_line(entry.get("id"))
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
                item=guid or str(i),
                guid=guid,
                genre=guess_genre(title, url, sections, lead=clean_text(text)),
                section=", ".join(categories) if categories else name.section,
            )
        )
    return items
