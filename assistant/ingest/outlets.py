"""`OutletName`: the outlet behind a feed item, from the item's own link and the feed's title.

A feed's title names a feed, not a publisher: "myFT following", "WSJ.com: World News",
"NYT > Business > Economy", "Finance & economics" (The Economist). Drafts attribute to the
publisher, and "independent sources" count publishers, so two WSJ feeds must read as one outlet.
The item's own domain decides first (unwrapped from archive links such as
`https://archive.is/newest/https://www.ft.com/...`, which is how the shared archive rewrites
them), then a table of known feed titles and outlet aliases; an unknown feed keeps its title.
The feed's section ("World News", "Business > Economy") is kept apart as `section`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

# Registrable domain -> the outlet's display name. Only publishers whose feeds desks commonly
# read; anything else falls back to the feed title.
_DOMAINS = {
    "ft.com": "Financial Times",
    "wsj.com": "The Wall Street Journal",
    "nytimes.com": "The New York Times",
    "economist.com": "The Economist",
    "theatlantic.com": "The Atlantic",
    "reuters.com": "Reuters",
    "bloomberg.com": "Bloomberg",
    "apnews.com": "Associated Press",
    "bbc.co.uk": "BBC News",
    "bbc.com": "BBC News",
    "theguardian.com": "The Guardian",
    "washingtonpost.com": "The Washington Post",
    "cnbc.com": "CNBC",
    "politico.com": "Politico",
    "politico.eu": "Politico Europe",
    "aljazeera.com": "Al Jazeera",
    "npr.org": "NPR",
    "barrons.com": "Barron's",
    "marketwatch.com": "MarketWatch",
}

# Lower-cased publisher prefixes of feed titles ("WSJ.com: ...", "NYT > ...") -> outlet.
_ALIASES = {
    "myft": "Financial Times",
    "myft following": "Financial Times",
    "ft": "Financial Times",
    "ft.com": "Financial Times",
    "financial times": "Financial Times",
    "wsj": "The Wall Street Journal",
    "wsj.com": "The Wall Street Journal",
    "the wall street journal": "The Wall Street Journal",
    "wall street journal": "The Wall Street Journal",
    "nyt": "The New York Times",
    "nytimes.com": "The New York Times",
    "the new york times": "The New York Times",
    "new york times": "The New York Times",
    "the economist": "The Economist",
    "economist": "The Economist",
    "the atlantic": "The Atlantic",
    "reuters": "Reuters",
    "bbc news": "BBC News",
}

# Hosts that wrap another URL in their path: archive.today's mirrors and the Wayback Machine.
_ARCHIVE_HOSTS = ("archive.is", "archive.ph", "archive.today", "archive.li", "archive.md")
_WRAPPED = re.compile(r"(https?://.+)$")
# "WSJ.com: World News", "NYT > Business > Economy", "The Wall Street Journal (World)",
# "Financial Times - Markets": publisher, separator, section.
_SPLIT = re.compile(r"^(?P<name>.+?)\s*(?::|>|\s[-–—|]\s)\s*(?P<section>.+)$")
_PAREN = re.compile(r"^(?P<name>.+?)\s*\((?P<section>[^()]+)\)$")


def unwrap_archive(url: str | None) -> str | None:
    """The original URL inside an archive link (`archive.is/newest/https://...`,
    `web.archive.org/web/<stamp>/https://...`); any other URL as given."""
    if not url:
        return url
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower().removeprefix("www.")
    if host in _ARCHIVE_HOSTS or host == "web.archive.org":
        inner = _WRAPPED.search(url[len(f"{parsed.scheme}://{parsed.netloc}") :])
        if inner:
            return unwrap_archive(inner.group(1))
    return url


def _domain(url: str | None) -> str:
    host = (urlparse(url).hostname or "").lower() if url else ""
    parts = host.split(".")
    # bbc.co.uk: two-letter second-level labels under a country code keep three labels.
    keep = 3 if len(parts) >= 3 and len(parts[-1]) == 2 and parts[-2] in ("co", "com") else 2
    return ".".join(parts[-keep:])


@dataclass(frozen=True)
class OutletName:
    """A publisher's display name and the feed section an item came through."""

    outlet: str
    section: str | None = None

    @classmethod
    def resolve(cls, feed_title: str | None, item_url: str | None) -> OutletName:
        title = (feed_title or "").strip()
        name, section = title, None
        m = _PAREN.match(title) or _SPLIT.match(title)
        if m and m.group("name").strip().lower() in _ALIASES:
            name, section = m.group("name").strip(), m.group("section").strip()
        known = _DOMAINS.get(_domain(unwrap_archive(item_url)))
        alias = _ALIASES.get(name.lower())
        if known is not None:
            if alias is None and title and title.lower() not in _ALIASES:
                # A known domain with a feed title that is not the publisher's name: the title
                # is the section ("Finance & economics" on economist.com).
                section = section or title
            return cls(known, section)
        if alias is not None:
            return cls(alias, section)
        return cls(title or "unattributed", None)


# Publication names that read with "the" in running prose ("according to the Financial Times",
# "the Associated Press reported") although their display name has none. Names that already
# open on "The" keep their own capital, as publishers style them.
_THE_BEFORE = re.compile(
    r"^(?!the\s).*\b(times|post|journal|press|guardian|telegraph|economist|independent|herald|"
    r"tribune|observer|monitor|chronicle|gazette|globe|mail|mirror|examiner|inquirer|register|"
    r"courier|bulletin|kremlin|pentagon|white house)$",
    re.IGNORECASE,
)


def in_prose(outlet: str) -> str:
    """`outlet` as it reads after "according to": `Financial Times` → `the Financial Times`,
    `Reuters` and `The Economist` unchanged."""
    name = outlet.strip()
    return f"the {name}" if _THE_BEFORE.match(name) else name
