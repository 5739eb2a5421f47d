"""Text utilities shared by ingestion, verification and drafting: normalisation, sentence
spans with exact character offsets, citation markers, and the tokens the verifier compares.

Sentence splitting is rule-based (abbreviations, initials, decimals, quotes) rather than a
model, because offsets must be exact and the behaviour deterministic.
"""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
_QUOTES = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'"}
)


def normalize_whitespace(text: str) -> str:
    return _WS.sub(" ", text).strip()


def normalize_for_hash(text: str) -> str:
    """What counts as 'the same text' for exact-repost detection: NFKC, quotes, case, spacing."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return _WS.sub(" ", text).strip()


def normalize_quotes(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_QUOTES)


_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "gov",
    "sen",
    "rep",
    "pres",
    "u.s",
    "u.k",
    "u.n",
    "e.g",
    "i.e",
    "etc",
    "vs",
    "no",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "inc",
    "corp",
    "ltd",
    "co",
    "mt",
    "ft",
    "approx",
    "dept",
    "est",
    "fig",
    "sq",
    "ave",
    "blvd",
    "rd",
}
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) then whitespace,
# or at a blank line.
_END = re.compile(r"([.!?…]+[\"'”’)\]]*)(\s+)|(\n\s*\n)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans `(start, end)` of the sentences in `text`, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        if m.group(3) is None:
            end = m.end(1)
            before = text[start : m.start(1)]
            last_word = before.rsplit(None, 1)[-1].lower().strip("\"'“‘(") if before.strip() else ""
            nxt = text[m.end() : m.end() + 1]
            if m.group(1).startswith(".") and (
                last_word in _ABBREV
                or (len(last_word) == 1 and last_word.isalpha())  # initials: "J. Smith"
                or (nxt and nxt.islower())  # "approx. five" — a lowercase continuation
            ):
                continue
            if nxt and nxt.isdigit() and m.group(1) == ".":
                continue
        else:
            end = m.start(3)
        _append_trimmed(text, start, end, spans)
        start = m.end()
    _append_trimmed(text, start, len(text), spans)
    return spans


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


_MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")


def strip_markers(text: str) -> tuple[str, list[int]]:
    """`"Putin spoke [1][3]."` → `("Putin spoke.", [1, 3])`; order kept, duplicates dropped."""
    found: list[int] = []
    for m in _MARKER.finditer(text):
        for part in re.split(r"[,;]", m.group(1)):
            n = int(part.strip())
            if n not in found:
                found.append(n)
    clean = _MARKER.sub("", text)
    clean = re.sub(r"\s+([.,;:!?])", r"\1", clean)
    return normalize_whitespace(clean), found


_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being
    it its this that these those he she they we you i his her their our your them him us me
    not no nor so than then there here what which who whom whose when where why how all any
    both each few more most other some such only own same too very can will just do does did
    has have had having would could should may might must shall also into over under about
    after before between through during above below up down out off again further once said
    says according""".split()
)


def words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(normalize_quotes(text))]


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOPWORDS and len(w) > 1}
