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


_TITLES = frozenset(
    """mr mrs ms dr prof gen col lt sgt capt cpl gov govs sen sens rep reps pres hon adm cmdr
    maj supt insp det st mt rev fr messrs vs v cf""".split()
)
"""Abbreviations that never end a sentence: titles before a name, "St. Louis", "Roe v. Wade"."""
_NUMBERED = frozenset("no nos vol vols pp art sec ch fig figs ft approx est ca".split())
"""Abbreviations before a number ("No. 5", "Art. 3"); they are also words ("said no.")."""
_ENDERS = frozenset(
    """u.s u.k u.n u.s.a e.u d.c etc inc corp co ltd llc plc jr sr a.m p.m bros al dept ave
    blvd rd""".split()
)
"""Abbreviations that often end a sentence ("… entering the U.S. But prices …"): the next word
decides (see `_ends_after_abbreviation`)."""
_MONTHS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
_OPENERS = frozenset(
    """the a an it its he she they we i you his her their our this that these those there here
    but and or so yet now then still also in on at for from with after before as if when while
    some many most all no none one two three last next meanwhile however""".split()
)
"""Capitalised words that open a sentence far more often than they follow an abbreviation in
a name: after "U.S." they mark a sentence end, after "U.S. President" they do not."""
_INITIALS = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")
"""Dotted initials without their final full stop: "t.h" (T.H. Chan), "j.r.r"."""

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) then whitespace,
# or at a blank line. A single line break is whitespace: ingest joins wrapped lines and turns
# every line break that carries structure into a blank line (`ingest.items.clean_text`).
_END = re.compile(r"([.!?…]+[\"'”’)\]]*)(\s+)|(\n\s*\n)")
_NEXT_WORD = re.compile(r"[\"“‘'(]*([^\W_][\w'’-]*)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans `(start, end)` of the sentences in `text`, whitespace trimmed.

    Rules rather than a model, because offsets must be exact and behaviour deterministic; they
    were measured against blingfire on a gold set of real text (`bench/eval_sentences.py`) and
    score higher there (lower-cased wire copy and Title Case headlines are where it errs)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        if m.group(3) is None:
            if not _is_sentence_end(text, start, m):
                continue
            end = m.end(1)
        else:
            end = m.start(3)
        _append_trimmed(text, start, end, spans)
        start = m.end()
    _append_trimmed(text, start, len(text), spans)
    return spans


def _is_sentence_end(text: str, start: int, m: re.Match[str]) -> bool:
    """Whether the punctuation run `m` (followed by whitespace) closes the sentence begun at
    `start`."""
    nxt_match = _NEXT_WORD.match(text, m.end())
    nxt = text[m.end() : m.end() + 1]
    if not nxt:
        return True
    if nxt.islower() or nxt == ".":
        # "approx. five", "mean-spirited … our members", "“Are you going to die?” may not",
        # ". . ." spaced out: a lower-case word or more dots continue the sentence.
        return False
    if not m.group(1).startswith("."):
        return True  # ! ? … before a capital, a digit or a quote end a sentence
    before = text[start : m.start(1)]
    last = before.rsplit(None, 1)[-1] if before.strip() else ""
    last_word = last.lower().lstrip("\"'“‘([")
    next_word = nxt_match.group(1) if nxt_match else ""
    if m.group(1) == "." and nxt.isdigit():
        # "No. 5", "Dec. 29", "2.5" across a space is rare; "…in 2024. 2025 will…" rarer still.
        return not (
            last_word in _TITLES
            or last_word in _NUMBERED
            or last_word in _MONTHS
            or last_word.isdigit()
        )
    if last_word in _TITLES or last_word in _MONTHS:
        return False
    if (
        last_word in _ENDERS
        or _INITIALS.match(last_word)
        or (
            # An initial ("George W. Bush") continues the name, but a single letter also ends a
            # sentence: "... for Bangladesh's Gen Z. They inspired ..." (read on the archive, one
            # sentence of 20 words that no headline or dek could take). A sentence opener decides.
            len(last_word) == 1 and last_word.isalpha()
        )
    ):
        return _ends_after_abbreviation(before, text[m.end() : m.end() + 80], next_word)
    return True


def _ends_after_abbreviation(before: str, after: str, next_word: str) -> bool:
    """After "U.S.", "Inc." or "a.m." a sentence ends when a sentence-opening word follows —
    unless the text around it is a Title Case headline, where every word is capitalised."""
    if next_word.casefold() not in _OPENERS:
        return False
    tokens = [w for w in before.split()[-6:] + after.split()[1:5] if w[:1].isalpha()]
    if len(tokens) >= 3:
        capitalised = sum(1 for w in tokens if w[0].isupper())
        if capitalised / len(tokens) >= 0.75:
            return False
    return True


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


_INITIALISM_END = re.compile(r"(?:^|[\s(“\"‘'])(?:[A-Za-z]\.){2,}$")


def ends_on_initialism(sentence: str) -> bool:
    """The sentence ends on an initialism ("… the cost of borrowing in the U.S."), whose stop
    is the sentence's too: a marker goes after it ("U.S. [1]."), not into it ("U.S [1].")."""
    return bool(_INITIALISM_END.search(sentence.rstrip()))


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
    # "… in the U.S. [1]." (as rendered): the initialism's stop is the sentence's.
    clean = re.sub(r"((?:\b[A-Za-z]\.){2,})\.(?=\s*$)", r"\1", clean.rstrip())
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


_TITLE_LABEL = re.compile(r"^(?:[A-Z][\w&' ]{0,24} \| |(?:Letters?|Opinion|Analysis|Explainer): )")
"""A feed's label before a headline: "Opinion | ", "Lex | ", "Analysis: "."""


def strip_title_label(title: str) -> str:
    """A feed item's headline without its label ("Opinion | Hurrah! Europe ..." -> "Hurrah!
    Europe ..."), as it opens the item's text (`ingest.loaders.feeds.with_title`)."""
    return _TITLE_LABEL.sub("", title).strip()


def word_count(text: str) -> int:
    """Words as an editor counts them in a headline: runs between spaces holding a letter or a
    digit ("U.S." and "40-year" are one word each, a dash none). `words` splits "U.S." in two,
    which pushed "U.S. Gathers the Most Air Power in the Mideast Since the 2003 Iraq Invasion"
    (14 words) over the 14-word headline limit (read on the archive)."""
    return sum(any(ch.isalnum() for ch in tok) for tok in text.split())


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOPWORDS and len(w) > 1}


_MINOR = frozenset(
    "a an the and but or nor for so yet as at by in of on to up via per off out from into onto "
    "over with than".split()
)
"""Words headline capitals leave in lower case ("the Shadow of the Epstein Scandal")."""


def title_case(text: str, min_letters: int = 4, minor: bool = False) -> bool:
    """`text` is set in headline capitals ("Trump Calls Putin the 'More Difficult' Partner"):
    at least four words of `min_letters` letters or more, nearly all capitalised (a sentence
    dense with names can look the same, so callers ask this of titles only). A feed whose titles
    look like this (WSJ, NYT) marks its opinion by label, not by wording. With `minor`, the
    articles, conjunctions and prepositions headline style keeps in lower case do not count:
    "Britain's Monarchy Can't Escape the Shadow of the Epstein Scandal" is headline capitals."""
    long = [
        w
        for w in re.findall(r"[^\W\d_][\w'’-]*", text)
        if len(w) >= min_letters and not (minor and w in _MINOR)
    ]
    return len(long) >= 4 and sum(w[0].isupper() for w in long) >= 0.8 * len(long)
