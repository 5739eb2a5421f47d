"""The lexical evidence the verifier weighs, computed without any model: content words with a
light stem match, numbers, names, verbatim quotations, negation, attribution clauses, and the
sentence windows a long source is split into.

Everything here is deterministic and cheap; the semantic similarity (the one signal that needs the
embedding model) is added by `verifier.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.text import STOPWORDS, normalize_quotes, normalize_whitespace, sentence_spans, words

_WORD_SPAN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)

NEGATORS = frozenset("not no never none nobody nothing neither nor without cannot nowhere".split())
"""Words that flip a claim; tokens ending in n't (`didn't`, `won't`) count too."""

_NUMBER_WORDS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "sixty": "60",
    "seventy": "70",
    "eighty": "80",
    "ninety": "90",
    "hundred": "100",
    "dozen": "12",
}
# "one" is too often a pronoun ("one of the ...") to demand it as a figure.
_NUMBER_WORDS_IN_SENTENCE = {k: v for k, v in _NUMBER_WORDS.items() if k not in ("one", "zero")}
_DIGITS = re.compile(r"\d+(?:[.,:]\d+)*")

# Capitalised tokens that are not names worth checking.
_NOT_NAMES = frozenset({"i", "utc", "gmt", "mr", "mrs", "ms", "dr"})

# Attribution in the editor's voice: "According to Reuters at 18:26 UTC, ...", "..., according
# to TASS.", "Reuters reported that ..." and a background date ("Earlier, on 3 March 2025, ").
# The attributed outlet and date are checked against the citation's metadata, the claim itself
# against the passage.
_LEAD_ATTRIBUTION = re.compile(
    r"^(?:according to|as reported by|as (?:\w+ )?(?:reported|said|wrote|posted)|citing|per|"
    r"earlier, on)\s+"
    r"[^,]{1,120}?,\s+",
    re.IGNORECASE,
)
_TRAIL_ATTRIBUTION = re.compile(
    r",?\s+(?:according to|as reported by|citing)\s+[^,]{1,120}?(?=[.!?]?$)", re.IGNORECASE
)
# "The Wall Street Journal reported under the headline “...”", "A commentary in the Financial
# Times ran under the headline “...”": the quotation is the claim.
_UNDER_HEADLINE = re.compile(
    r"^(?:[\w.'’-]+\s+){1,8}?(?:reported|ran) under the headline\s+(?=[“\"])", re.IGNORECASE
)
_REPORTED = re.compile(
    r"^(?:[\w.'’-]+\s+){1,6}?(?:reported|said|says|wrote|writes|posted|announced|stated)"
    r"(?:\s+(?:at|on)\s+[^,]{1,40}?)?,?\s+(?:that\s+)?",
)


def fold(text: str) -> str:
    """Comparison form: NFKC, straight quotes, casefolded, single spaces."""
    return normalize_whitespace(normalize_quotes(text)).casefold()


def strip_attribution(text: str) -> tuple[str, str]:
    """Split `text` into (claim, attribution); the attribution is "" when there is none."""
    claim = text.strip()
    removed: list[str] = []
    for pattern in (_LEAD_ATTRIBUTION, _TRAIL_ATTRIBUTION):
        m = pattern.search(claim)
        if m and len(claim) - len(m.group(0)) >= 12:
            removed.append(m.group(0))
            claim = (claim[: m.start()] + claim[m.end() :]).strip()
    m = _UNDER_HEADLINE.match(claim) or _REPORTED.match(claim)
    if m and len(claim) - len(m.group(0)) >= 20:
        removed.append(m.group(0))
        claim = claim[m.end() :].strip()
    if claim and removed:
        claim = claim[0].upper() + claim[1:]
    return claim, normalize_whitespace(" ".join(removed))


def numbers(text: str) -> set[str]:
    """Figures in `text`, normalised: `1,200` → `1200`, `84%` → `84`, `five` → `5`."""
    norm = normalize_quotes(text)
    # Tokenised sources write "36, 000" and "7. 8"; rejoin them (not "in 2012. 5 people").
    norm = re.sub(r"(?<=\d), (?=\d{3}(?!\d))", ",", norm)
    norm = re.sub(r"\b(\d{1,3})\. (\d+)\b", r"\1.\2", norm)
    found = set()
    for m in _DIGITS.finditer(norm):
        tok = m.group(0)
        # A thousands separator, not a decimal comma: 1,200 / 12,000,000.
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+", tok):
            tok = tok.replace(",", "")
        found.add(tok.rstrip(".,:"))
    return found


def number_words(text: str, in_sentence: bool) -> set[str]:
    table = _NUMBER_WORDS_IN_SENTENCE if in_sentence else _NUMBER_WORDS
    toks = words(text)
    return {
        table[w]
        for i, w in enumerate(toks)
        # "the two leaders" refers back to named parties rather than stating a count.
        if w in table and not (in_sentence and i > 0 and toks[i - 1] in ("the", "these", "those"))
    }


def all_numbers(text: str, in_sentence: bool = False) -> set[str]:
    return numbers(text) | number_words(text, in_sentence)


def names(text: str) -> list[str]:
    """Capitalised tokens that are not the first word of the sentence: names, places, months."""
    out: list[str] = []
    norm = normalize_quotes(text)
    tokens = re.findall(r"\b[^\W\d_]{2,}\b", norm)
    title_case = len(tokens) >= 4 and sum(w[0].isupper() for w in tokens) >= 0.75 * len(tokens)
    for m in re.finditer(r"[A-Z][\w'.-]*[\w]|[A-Z]", norm):
        start = m.start()
        if start > 0 and (norm[start - 1].isalnum() or norm[start - 1] in "'-"):
            continue  # inside a word: "McDonald", "al-Assad" handled as one token elsewhere
        before = norm[:start].rstrip()
        tok = re.sub(r"'s$", "", m.group(0))
        if not before or before[-1] in '.!?:"(':
            # A sentence-initial capital says nothing, unless the word is evidently a name:
            # an acronym, a possessive, or the first of several capitalised words.
            after = norm[m.end() :]
            if not (
                tok.isupper()
                and len(tok) > 1
                or m.group(0).endswith("'s")
                or re.match(r"\s+[A-Z][a-z]", after)
            ):
                continue
        if title_case and not (tok.isupper() and len(tok) > 1):
            continue  # In a Title Case headline only acronyms stand out as names.
        low = tok.casefold().rstrip(".")
        if len(low) < 2 or low in STOPWORDS or low in _NOT_NAMES or low.isdigit():
            continue
        if tok not in out:
            out.append(tok)
    return out


_SINGLE_QUOTE = re.compile(r"(?:(?<=[\s(])|^)'((?:[^']|(?<=\w)'(?=\w))+?)'(?=[\s.,;:!?)]|$)")
_DOUBLE_QUOTE = re.compile(r'"([^"]+)"')


def quotations(text: str) -> list[str]:
    """Quoted fragments (at least two words) that must appear verbatim in the source."""
    norm = normalize_quotes(text)
    found = [m.group(1) for m in _DOUBLE_QUOTE.finditer(norm)]
    found += [m.group(1) for m in _SINGLE_QUOTE.finditer(norm)]
    out = []
    for q in found:
        for part in re.split(r"\.\.\.|…|\[[^\]]*\]", q):
            part = part.strip(" .,;:!?-")
            if len(part.split()) >= 2 and part not in out:
                out.append(part)
    return out


def quote_form(text: str) -> str:
    """What 'verbatim' compares: quotes, whitespace and case aside, punctuation kept."""
    return fold(text).replace("`", "'")


def negated(tokens: list[str], reach: int = 3) -> set[str]:
    """The content words negators apply to: the first content word within `reach` tokens after
    each negator (`no ceasefire`, `was not agreed`, `didn't attend`)."""
    out = set()
    for i, t in enumerate(tokens):
        if t in NEGATORS or t.endswith("n't"):
            for nxt in tokens[i + 1 : i + 1 + reach]:
                if nxt not in STOPWORDS and nxt not in NEGATORS and len(nxt) > 1:
                    out.add(nxt)
                    break
    return out


def negation_mismatch(
    claim_tokens: list[str], claim_content: list[str], window_tokens: list[str], window_bag: WordBag
) -> bool:
    """Does a word the claim shares with the window sit under a negator in one and not the other?"""
    claim_neg = {w for w in negated(claim_tokens) if window_bag.has(w)}
    window_neg = {c for w in negated(window_tokens) for c in claim_content if loose_equal(c, w)}
    return claim_neg != window_neg


def loose_equal(a: str, b: str) -> bool:
    """A light stem match: `Russia`~`Russian`, `activist`~`activists`, not `Austria`~`Australia`."""
    if a == b:
        return True
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n >= 4 and n >= max(len(a), len(b)) - 3


@dataclass
class WordBag:
    """A set of folded words with a prefix index so a loose match is cheap."""

    words: set[str] = field(default_factory=set)
    _prefix: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, tokens: Iterable[str]) -> WordBag:
        bag = cls()
        bag.update(tokens)
        return bag

    def update(self, tokens: Iterable[str]) -> None:
        for t in tokens:
            if t not in self.words:
                self.words.add(t)
                self._prefix.setdefault(t[:4], set()).add(t)

    def has(self, word: str) -> bool:
        if word in self.words:
            return True
        if len(word) < 4:
            return False
        return any(loose_equal(word, w) for w in self._prefix.get(word[:4], ()))


def content_tokens(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t not in STOPWORDS and len(t) > 1 and t not in NEGATORS]


def bigrams(tokens: list[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:], strict=False))


def windows(text: str, max_sentences: int = 2) -> tuple[list[tuple[int, int]], list[range]]:
    """The sentence spans of `text`, and windows of 1..`max_sentences` consecutive sentences
    (as ranges of sentence indices); a long source is judged by its best window."""
    spans = sentence_spans(text) or [(0, len(text))]
    out: list[range] = []
    for size in range(1, max_sentences + 1):
        out.extend(range(i, i + size) for i in range(0, len(spans) - size + 1))
        if len(spans) <= size:
            break
    return spans, out


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded word) for every word in `text`, offsets into `text` itself."""
    return [
        (m.start(), m.end(), normalize_quotes(m.group(0)).casefold())
        for m in _WORD_SPAN.finditer(text)
    ]


def supporting_spans(text: str, wanted: WordBag, max_gap: int = 3) -> tuple[tuple[int, int], ...]:
    """Spans of `text` whose words are in `wanted`, adjacent hits merged (for highlighting)."""
    spans: list[tuple[int, int]] = []
    for start, end, w in word_spans(text):
        if w in STOPWORDS or len(w) < 2 or not wanted.has(w):
            continue
        if (
            spans
            and start - spans[-1][1] <= max_gap
            and not text[spans[-1][1] : start].strip(" ,-'\"")
        ):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return tuple(spans)
