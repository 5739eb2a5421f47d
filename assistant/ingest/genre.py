"""What kind of piece a feed item is (news, opinion, analysis, markets wrap, newsletter, live
blog), guessed from the signs publishers put on it: an "Opinion |" title prefix, an `/opinion/`
URL, the section or category the feed names (FT's trailing category link: "The Big Read",
"Free Lunch"), a markets-wrap headline. The composer treats opinion and analysis as framing,
not fact; the digest ranks news first. `None` means the loader had nothing to go on (not a feed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlparse

from assistant.models import Genre

_OPINION_TITLE = re.compile(r"^\s*(opinion|commentary|editorial|column|letters?)\s*[|:]", re.I)
_ANALYSIS_TITLE = re.compile(
    r"^\s*(analysis|news analysis|explainer|heard on the street)\s*[|:]", re.I
)
_LIVE_TITLE = re.compile(r"^\s*live( reader)?( q&a| updates| blog)?\s*:|\bas it happened\b", re.I)
_NEWSLETTER_TITLE = re.compile(
    r"^\s*(firstft|free lunch|unhedged|the week ahead|newsletter)\s*:", re.I
)
# A markets wrap leads with the market itself: "Stocks ...", "US stocks ...", "Treasury Yields
# Rise ...", "Week Ahead for FX, Bonds: ...", "S&P 500 closes at record high ...".
_MARKETS_TITLE = re.compile(
    r"^\s*((us|u\.s\.|european|asian|global|world|chinese|japanese|uk|london|wall street)\s+)?"
    r"(stocks?|shares|equities|markets?|bonds?|treasury yields|treasuries|yields|dollar|"
    r"s&p 500|dow|nasdaq|ftse( 100)?|stoxx|nikkei|week ahead for fx)\b",
    re.I,
)
_OPINION_PATH = ("/opinion/", "/opinions/", "/commentisfree/", "/leaders/", "/by-invitation/")
_ANALYSIS_PATH = ("/upshot/", "/analysis/", "/heard-on-the-street/")
_NEWSLETTER_PATH = ("/newsletters/", "/newsletter/")
_LIVE_PATH = ("/live/", "/livecoverage/", "/live-news/")
_SECTIONS: dict[str, Genre] = {
    "opinion": "opinion",
    "lex": "opinion",
    "editorial": "opinion",
    "comment": "opinion",
    "columnists": "opinion",
    "the big read": "analysis",
    "analysis": "analysis",
    "heard on the street": "analysis",
    "free lunch": "newsletter",
    "unhedged": "newsletter",
    "firstft": "newsletter",
    "newsletters": "newsletter",
}


def guess_genre(title: str | None, url: str | None, sections: Sequence[str] = ()) -> Genre:
    """Opinion first (a column about an event is framing whatever else it looks like), then live
    blogs, newsletters, analysis and markets wraps; news otherwise."""
    t = title or ""
    path = (urlparse(url).path if url else "").lower()
    named = [_SECTIONS[s.strip().lower()] for s in sections if s.strip().lower() in _SECTIONS]
    if _OPINION_TITLE.match(t) or any(p in path for p in _OPINION_PATH) or "opinion" in named:
        return "opinion"
    if _LIVE_TITLE.search(t) or any(p in path for p in _LIVE_PATH):
        return "live"
    if (
        _NEWSLETTER_TITLE.match(t)
        or any(p in path for p in _NEWSLETTER_PATH)
        or "newsletter" in named
    ):
        return "newsletter"
    if _ANALYSIS_TITLE.match(t) or any(p in path for p in _ANALYSIS_PATH) or "analysis" in named:
        return "analysis"
    if _MARKETS_TITLE.match(t):
        return "markets"
    return "news"
