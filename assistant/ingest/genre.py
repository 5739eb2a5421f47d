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
from assistant.text import title_case

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


# Feeds that set titles in sentence case (FT, The Economist) label few of their columns: there
# the wording tells. A column argues ("Digital dollars must reflect American values"), speaks in
# the first person ("How I'm staying calm ...") or opens as an essay ("Imagine ...", "Lessons
# from ..."); a news item reports ("..., Brussels warns", "... says Morningstar"). A newsletter's
# standfirst lists its other items ("Plus miraculous memory makers", "Also in this newsletter").
_ARGUES = re.compile(
    r"\b(must|should|shouldn[’']t|needs? to|ought to|cannot afford|can[’']t afford|has to stop|"
    r"it[’']s time|is time to|let[’']s)\b",
    re.I,
)
_FIRST_PERSON = re.compile(
    r"(?:^|[\s(“\"‘])(?:I(?:[’'](?:m|ve|d|ll))?(?=\s+[a-z])|I[’'](?:m|ve|d|ll)|[Ww]e|[Ww]e[’']re|"
    r"[Oo]ur|[Mm]y|[Yy]ou|[Yy]our)\b"
)
_ESSAY_OPENER = re.compile(
    r"^(imagine\b|the case (for|against)\b|in (defence|defense|praise) of\b|don[’']t\b|beware\b|"
    r"lessons? (from|of)\b|the (trouble|problem) with\b|here[’']s\b|we (should|must|need)\b)",
    re.I,
)
_EXPLAINER_OPENER = re.compile(r"^why\b", re.I)
_QUOTED = re.compile(r"‘(?:[^’]|’(?=\w))*(?:’|$)|“[^”]*(?:”|$)|\"[^\"]*(?:\"|$)")
_REPORTS = re.compile(
    r"\b(says?|said|warns?|warned|announce[sd]?|told|according to|reports?|reported|data show|"
    r"insists?|insisted|argues?|argued|urges?|urged|claims?|claimed|discuss(?:es)?)\b",
    re.I,
)
# A headline that reports what a group expects is news ("Federal Reserve officials expect they
# will need to resume lowering interest rates ..." read as a column for its "need to"). Only in
# the title: a column's standfirst often sets up the forecasts it argues with ("The president
# predicted a manufacturing renaissance. Economists forecast recession ...").
_EXPECTS_TITLE = re.compile(
    r"\b(?:officials|economists|analysts|investors|traders|executives|policymakers|forecasters|"
    r"markets)\s+(?:now\s+)?(?:expect|predict|forecast|see)\b",
    re.I,
)
_NEWSLETTER_LEAD = re.compile(r"^\s*(plus|and)\s+\S|^\s*also in (this|today[’']s) newsletter", re.I)


def _from_wording(title: str, lead: str) -> Genre | None:
    """Opinion, analysis or newsletter read from a sentence-case item's wording; None when the
    wording says nothing (then it is news, or whatever the labels said)."""
    if not title or title_case(title, min_letters=3):
        return None  # headline capitals: the publisher labels its opinion ("Opinion |")
    if _NEWSLETTER_LEAD.match(lead):
        return "newsletter"
    if _REPORTS.search(title) or _REPORTS.search(lead) or _EXPECTS_TITLE.search(title):
        return None
    # A quotation's "I" and "we" are the speaker's, not the writer's ("... insists 'we can't
    # compromise'"): news quotes people, so quoted words do not count.
    own = _QUOTED.sub(" ", f"{title} {lead}")
    if _ARGUES.search(own) or _ESSAY_OPENER.match(title) or _FIRST_PERSON.search(own):
        return "opinion"
    if _EXPLAINER_OPENER.match(title):
        return "analysis"
    return None


def guess_genre(
    title: str | None, url: str | None, sections: Sequence[str] = (), lead: str | None = None
) -> Genre:
    """Opinion first (a column about an event is framing whatever else it looks like), then live
    blogs, newsletters, analysis and markets wraps; news otherwise. `lead` is the item's
    standfirst: with a sentence-case title, the wording of both decides when no label does."""
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
    return _from_wording(t, lead or "") or "news"
