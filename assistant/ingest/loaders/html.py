"""HTML article pages: main text and metadata extracted by trafilatura (boilerplate, menus,
scripts and comments removed), with the publication timestamp read from the page's own
metadata (`article:published_time`, `datePublished` in JSON-LD or microdata, `<time datetime>`)
because trafilatura keeps only the day.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.dates import parse_date
from assistant.ingest.items import IngestError, Item, clean_line, clean_text
from assistant.ingest.kinds import guess_kind

_META_DATE_XPATHS = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@property='og:article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//*[@itemprop='datePublished']/@datetime",
    "//meta[@name='pubdate' or @name='publishdate' or @name='date' or @name='dc.date' "
    "or @name='DC.date.issued' or @name='parsely-pub-date' or @name='sailthru.date']/@content",
)


def _page_tree(text: str):
    import lxml.html  # type: ignore[import-untyped]

    try:
        return lxml.html.document_fromstring(
            text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8")
        )
    except Exception as exc:  # lxml raises several types for hopeless input
        raise IngestError(f"cannot parse HTML: {exc}") from None


def page_published(tree) -> str | None:
    """The page's own statement of when it was published, as written (parsed later)."""
    for xp in _META_DATE_XPATHS:
        found = [v.strip() for v in tree.xpath(xp) if v and v.strip()]
        if found:
            return found[0]
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for obj in data if isinstance(data, list) else [data]:
            if isinstance(obj, dict) and obj.get("datePublished"):
                return str(obj["datePublished"])
    times = tree.xpath("//article//time/@datetime") or tree.xpath("//time/@datetime")
    return times[0].strip() if times else None


def load_html(path: Path, text: str) -> list[Item]:
    import trafilatura

    tree = _page_tree(text)
    found = trafilatura.bare_extraction(
        text,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_recall=True,
        as_dict=True,
    )
    extracted: dict[str, Any] = found if isinstance(found, dict) else {}
    if not extracted or not (extracted.get("text") or "").strip():
        raise IngestError("no article text found in the HTML page")
    body = clean_text(extracted["text"])
    title = clean_line(extracted.get("title"))
    if title and body.startswith(title):
        body = body[len(title) :].lstrip()
    url = clean_line(extracted.get("url"))
    outlet = (
        clean_line(extracted.get("sitename"))
        or clean_line(extracted.get("hostname"))
        or "unattributed"
    )
    raw_date = page_published(tree)
    if raw_date is not None:
        published, flag = parse_date(raw_date)
    else:
        published, flag = parse_date(extracted.get("date"))
        if published is None:
            flag = "no date in page metadata"
    lang = tree.xpath("/html/@lang")
    return [
        Item(
            format="html",
            text=body,
            outlet=outlet,
            kind=guess_kind(outlet, url),
            author=clean_line(extracted.get("author")),
            title=title,
            url=url,
            published_at=published,
            date_flag=flag,
            language=(lang[0].split("-")[0].lower() if lang and lang[0].strip() else None),
        )
    ]
