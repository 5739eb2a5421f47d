"""`ContentKind`: what a fetched body is — a feed, a Telegram channel preview or an HTML page —
decided from the content (servers mislabel feeds as `text/html` or `application/octet-stream`
all the time), with a warning when the `Content-Type` header says otherwise, and the feeds an
HTML page advertises (`<link rel="alternate" type="application/rss+xml">`) for the error when a
page is listed where a feed was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin

from assistant.ingest.sniff import sniff

Kind = Literal["feed", "telegram_preview", "html"]

_FEED_TYPES = ("rss", "atom", "xml", "rdf")
_ALTERNATE = re.compile(r"<link\b[^>]*>", re.I)
_ATTR = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


@dataclass(frozen=True)
class ContentKind:
    kind: Kind | None
    """`None`: not something desk reads from the web (JSON, plain text, an image)."""
    warning: str | None = None
    """Set when the Content-Type header disagrees with the content."""

    @classmethod
    def of(cls, text: str, content_type: str | None) -> ContentKind:
        found = sniff(Path("fetched"), text)
        kind: Kind | None = found if found in ("feed", "telegram_preview", "html") else None  # type: ignore[assignment]
        declared = (content_type or "").split(";")[0].strip().lower()
        warning = None
        if not declared:
            warning = "no Content-Type header; read by its content"
        elif kind is not None:
            says_feed = any(t in declared for t in _FEED_TYPES)
            says_html = "html" in declared
            if kind == "feed" and not says_feed:
                warning = f"served as '{declared}' but the content is a feed; read as a feed"
            elif kind != "feed" and not says_html:
                warning = f"served as '{declared}' but the content is an HTML page; read as HTML"
        return cls(kind, warning)


def advertised_feeds(html: str, base_url: str) -> list[str]:
    """The feed URLs an HTML page links to as alternates, absolute, in page order."""
    out: list[str] = []
    for tag in _ALTERNATE.findall(html[:200_000]):
        attrs = {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTR.findall(tag)}
        if "alternate" not in attrs.get("rel", "").lower().split():
            continue
        if not any(t in attrs.get("type", "").lower() for t in ("rss", "atom")):
            continue
        href = attrs.get("href")
        if href:
            url = urljoin(base_url, href)
            if url not in out:
                out.append(url)
    return out
