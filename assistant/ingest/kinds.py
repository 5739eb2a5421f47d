"""Which kind of source published an item (wire, official, outlet, telegram, blog), guessed from
the outlet name and URL when the format does not say. Formats that can state it (front matter,
JSONL `kind`) always win over the guess.
"""

from __future__ import annotations

from urllib.parse import urlparse

from assistant.models import SourceKind

_WIRES = {
    "reuters",
    "associated press",
    "ap",
    "afp",
    "agence france-presse",
    "tass",
    "ria novosti",
    "interfax",
    "anadolu",
    "anadolu agency",
    "dpa",
    "xinhua",
    "ukrinform",
    "efe",
    "ansa",
    "bloomberg",
    "pa media",
}
_OFFICIAL_HOSTS = (
    "kremlin.ru",
    "nato.int",
    "whitehouse.gov",
    "gov.uk",
    "president.gov.ua",
    "mid.ru",
    "state.gov",
    "europa.eu",
    "tccb.gov.tr",
    "un.org",
)
_OFFICIAL_WORDS = (
    "kremlin",
    "nato",
    "white house",
    "ministry",
    "presidency",
    "government",
    "state department",
    "press service",
    "foreign office",
)
_BLOG_HOSTS = ("substack.com", "medium.com", "wordpress.com", "blogspot.com", "ghost.io")


def guess_kind(outlet: str | None, url: str | None, default: SourceKind = "outlet") -> SourceKind:
    host = (urlparse(url).hostname or "").lower() if url else ""
    if host in ("t.me", "telegram.me"):
        return "telegram"
    name = (outlet or "").strip().lower()
    if name in _WIRES or any(w in name for w in ("news agency", " wire")):
        return "wire"
    if any(host == h or host.endswith("." + h) for h in _OFFICIAL_HOSTS) or host.endswith(".gov"):
        return "official"
    if any(w in name for w in _OFFICIAL_WORDS) and "news" not in name:
        return "official"
    if any(host.endswith(h) for h in _BLOG_HOSTS) or "blog" in name:
        return "blog"
    return default


VALID_KINDS: tuple[SourceKind, ...] = ("wire", "official", "outlet", "telegram", "blog")
