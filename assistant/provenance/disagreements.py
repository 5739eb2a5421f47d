"""`find_disagreements(draft, store)`: where the cited sources give different numbers, dates or
names for the same thing.

Rule-based on purpose (the result must be explainable and reproducible): the cited passages are
split into sentences; two sentences from *different* sources are about the same thing when they
share enough content words (besides the figures themselves). Then:

- numbers: both mention a quantity of the same unit ("300 drones" / "250 drones") with different
  values, and neither sentence also contains the other's value;
- dates: both give a day (`29 June`, `June 30`, `2026-06-29`, or a weekday) and the days differ;
- names: the two sentences are close paraphrases and, aligned word by word, one capitalised name
  stands where the other has a different one (`talks in Anchorage` / `talks in Helsinki`);
  spelling variants (`Zelensky` / `Zelenskyy`) are not disagreements.

Each disagreement quotes both passages verbatim (a short window around the differing value) so
the sentence it becomes in "What remains genuinely uncertain" is checkable against its citations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from assistant.models import Citation, Draft
from assistant.provenance.sources import CitedSource, cited_sources
from assistant.store import Store
from assistant.text import STOPWORDS, content_words, sentence_spans

# Two sentences are "about the same thing" above these overlaps of their content words.
SAME_SUBJECT_SHARED = 2
SAME_SUBJECT_JACCARD = 0.2
SAME_EVENT_JACCARD = 0.3
PARAPHRASE_JACCARD = 0.45
SPELLING_VARIANT_RATIO = 0.75
QUOTE_BEFORE, QUOTE_AFTER = 10, 12
QUOTE_SENTENCE_WORDS = 35

_MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES.split(), 1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
}
# Words that make a figure approximate or a bound; two figures within APPROX_TOLERANCE of each
# other, one of them hedged, say the same thing ("about 10,000" / "10,503").
_HEDGES = {
    "about",
    "around",
    "roughly",
    "nearly",
    "almost",
    "some",
    "approximately",
    "over",
    "more",
    "than",
    "least",
    "at",
    "up",
    "to",
    "another",
    "estimated",
    "an",
    "just",
    "under",
}
APPROX_TOLERANCE = 0.1
_SCALE = {"thousand": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTH_RE})\.?"
    rf"|(?P<m2>{_MONTH_RE})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b"
    rf"|(?P<y>\d{{4}})-(?P<m3>\d{{2}})-(?P<d3>\d{{2}})"
    rf"|(?P<wd>{'|'.join(_WEEKDAYS)}))(?:,?\s+\d{{4}})?",
    re.IGNORECASE,
)
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
_QUANTITY = re.compile(
    r"(?<![\w.,-])(?P<cur>[$€£])?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|"
    r"(?:"
    + "|".join(_TENS)
    + r")(?:-(?:"
    + "|".join(list(_NUMBER_WORDS)[1:10])
    + r"))?|"
    + "|".join(w for w in _NUMBER_WORDS if w not in ("zero", "one"))
    + r")\b(?P<pct>\s*(?:%|per\s?cent))?(?:\s+(?P<scale>thousand|million|billion|trillion|bn|m)\b)?"
    r"(?:\s+(?P<unit>[^\W\d_][\w'-]*))?",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")

Kind = Literal["number", "date", "name"]


@dataclass(frozen=True)
class Mention:
    """A value in a cited passage sentence, with the verbatim words around it."""

    value: str
    citation: Citation
    quote: str


@dataclass(frozen=True)
class Disagreement:
    kind: Kind
    subject: str
    """What the value is of: the unit (`drones`), `date` or the name slot (`in`)."""
    first: Mention
    second: Mention

    @property
    def markers(self) -> tuple[int, int]:
        return (self.first.citation.n, self.second.citation.n)

    def sentence(self) -> str:
        """The disagreement as one sentence of verbatim quotes with both citations."""
        a, b = self.first, self.second
        return f'"{a.quote}" [{a.citation.n}], but "{b.quote}" [{b.citation.n}].'

    def note(self) -> str:
        """The disagreement for the desk note: which outlets say what, cited."""
        a, b = self.first, self.second
        what = {"number": f"the figure for {self.subject}", "date": "the date", "name": "the name"}[
            self.kind
        ]
        return (
            f"{what}: {a.citation.outlet} has {a.value} [{a.citation.n}], "
            f"{b.citation.outlet} has {b.value} [{b.citation.n}]"
        )


@dataclass(frozen=True)
class _Sentence:
    """A sentence of a cited passage, analysed once (pairs are compared many times)."""

    text: str
    citation: Citation
    source: int
    words: frozenset[str]
    quantities: list[tuple[str, float, re.Match[str]]]
    dates: list[tuple[re.Match[str], str]]

    @classmethod
    def of(cls, text: str, citation: Citation, source: int) -> _Sentence:
        words = frozenset(content_words(_TIME.sub(" ", text)))
        dates = [(m, _day(m)) for m in _DATE.finditer(text)]
        return cls(text, citation, source, words, _quantities(text), dates)


def find_disagreements(
    draft: Draft, store: Store | None, sources: list[CitedSource] | None = None
) -> list[Disagreement]:
    """Disagreements between different sources among the draft's used citations."""
    sources = sources if sources is not None else cited_sources(draft, store)
    sentences: list[_Sentence] = []
    for i, source in enumerate(sources):
        for c in source.citations:
            for a, b in sentence_spans(c.text):
                text = c.text[a:b]
                sentences.append(_Sentence.of(text, c, i))
    found: list[Disagreement] = []
    seen: set[tuple[str, str, frozenset[str]]] = set()
    for i, x in enumerate(sentences):
        for y in sentences[i + 1 :]:
            if x.source == y.source:
                continue
            for d in _compare(x, y):
                key = (d.kind, d.subject, frozenset((d.first.value, d.second.value)))
                if key not in seen:
                    seen.add(key)
                    found.append(d)
    return found


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _compare(x: _Sentence, y: _Sentence) -> list[Disagreement]:
    shared = len(x.words & y.words)
    if shared < SAME_SUBJECT_SHARED:
        return []  # cheap reject: every rule below needs at least this much in common
    out: list[Disagreement] = []
    if x.quantities and y.quantities:
        out += _numbers(x, y)
    if x.dates and y.dates:
        out += _dates(x, y)
    if _jaccard(x.words, y.words) >= PARAPHRASE_JACCARD:
        out += _names(x, y)
    return out


def _quote(text: str, start: int, end: int) -> str:
    """What to quote of sentence `text` for the value at `text[start:end]`, verbatim: the whole
    sentence when it is short (a quotation the verifier can match against its source as a
    whole; clause fragments of two passages read as weakly supported), else the clause around
    the value: from the previous clause break (comma, semicolon, colon, dash, bracket) to the
    next, at most QUOTE_BEFORE/QUOTE_AFTER words either side, no function words at its edges."""
    if len(_WORD.findall(text)) <= QUOTE_SENTENCE_WORDS:
        return text.strip().rstrip(".")
    breaks = ",;:—–()"
    a = max((text.rfind(ch, 0, start) for ch in breaks), default=-1) + 1
    b = min((i for i in (text.find(ch, end) for ch in breaks) if i != -1), default=len(text))
    before = [m for m in _WORD.finditer(text, a, start)][-QUOTE_BEFORE:]
    after = [m for m in _WORD.finditer(text, end, b)][:QUOTE_AFTER]
    while before and before[0].group(0).casefold() in STOPWORDS - _HEDGES:
        before.pop(0)
    while after and after[-1].group(0).casefold() in STOPWORDS:
        after.pop()
    a = before[0].start() if before else start
    b = after[-1].end() if after else end
    return text[a:b].strip()


def _number_value(m: re.Match[str]) -> float:
    raw = m.group("num").lower()
    if raw in _NUMBER_WORDS:
        value = float(_NUMBER_WORDS[raw])
    elif raw.split("-")[0] in _TENS:
        tens, _, ones = raw.partition("-")
        value = float(_TENS[tens] + (_NUMBER_WORDS[ones] if ones else 0))
    else:
        value = float(raw.replace(",", ""))
    scale = (m.group("scale") or "").lower()
    return value * _SCALE.get(scale, 1.0)


def _unit(m: re.Match[str]) -> str | None:
    if m.group("pct"):
        return "per cent"
    if m.group("cur"):
        return {"$": "dollars", "€": "euros", "£": "pounds"}[m.group("cur")]
    unit = (m.group("unit") or "").lower()
    if not unit or unit in STOPWORDS or unit in _MONTHS or unit in _WEEKDAYS:
        return None
    return unit[:-1] if unit.endswith("s") and len(unit) > 3 else unit


def _quantities(text: str) -> list[tuple[str, float, re.Match[str]]]:
    masked = _DATE.sub(
        lambda m: " " * len(m.group(0)), _TIME.sub(lambda m: " " * len(m.group(0)), text)
    )
    out = []
    for m in _QUANTITY.finditer(masked):
        unit = _unit(m)
        raw = m.group("num")
        if unit is None or (
            raw.isdigit() and len(raw) == 4 and 1900 <= int(raw) <= 2100 and not m.group("pct")
        ):
            continue  # a year, or a bare number with nothing to say what it counts
        out.append((unit, _number_value(m), m))
    return out


def _before(text: str, at: int) -> tuple[bool, str | None]:
    """(is the figure hedged, the nearest content word before it within three words)."""
    hedged, governing = False, None
    for m in reversed(list(_WORD.finditer(text, 0, at))[-3:]):
        w = m.group(0).casefold()
        if w in _HEDGES:
            hedged = True
        elif governing is None and w not in STOPWORDS:
            governing = w
            break
    return hedged, governing


def _after(text: str, at: int) -> str | None:
    """The first content word within two words after a quantity ("nine people *dead*")."""
    for m in list(_WORD.finditer(text, at))[:2]:
        w = m.group(0).casefold()
        if w not in STOPWORDS:
            return w
    return None


def _numbers(x: _Sentence, y: _Sentence) -> list[Disagreement]:
    out = []
    qx, qy = x.quantities, y.quantities
    for unit, vx, mx in qx:
        for unit_y, vy, my in qy:
            if unit != unit_y or vx == vy:
                continue
            # Same unit, different value: only a disagreement if neither side also states the
            # other's value (then they are listing figures, not contradicting) and the
            # sentences are about the same thing beyond sharing the unit.
            if any(u == unit and v == vy for u, v, _ in qx) or any(
                u == unit and v == vx for u, v, _ in qy
            ):
                continue
            hedged_x, verb_x = _before(x.text, mx.start())
            hedged_y, verb_y = _before(y.text, my.start())
            if (hedged_x or hedged_y) and abs(vx - vy) <= APPROX_TOLERANCE * max(vx, vy):
                continue  # "about 10,000" and "10,503" agree
            after = _after(x.text, mx.end())
            if (
                verb_x
                and verb_y
                and verb_x != verb_y
                and not (after and after == _after(y.text, my.end()))
            ):
                continue  # "canceled 1,000 flights" / "delayed 1,500 flights": two counts
            numbers = {unit, unit + "s", mx.group("num").lower(), my.group("num").lower()}
            context_x, context_y = x.words - numbers, y.words - numbers
            if (
                len(context_x & context_y) < SAME_SUBJECT_SHARED
                or _jaccard(context_x, context_y) < SAME_SUBJECT_JACCARD
            ):
                continue
            subject = (
                (mx.group("unit") or unit) if not (mx.group("pct") or mx.group("cur")) else unit
            )
            out.append(
                Disagreement(
                    "number",
                    subject.casefold(),
                    Mention(_figure(mx), x.citation, _quote(x.text, mx.start(), mx.end())),
                    Mention(_figure(my), y.citation, _quote(y.text, my.start(), my.end())),
                )
            )
    return out


def _figure(m: re.Match[str]) -> str:
    """A quantity as the note names it, hedge included: `at least 180 people`, `$1.2 trillion`."""
    text = m.string
    start = m.start()
    for w in reversed(list(_WORD.finditer(text, 0, start))[-3:]):
        if w.group(0).casefold() not in _HEDGES or text[w.end() : start].strip():
            break
        start = w.start()
    end = (
        max(m.end(g) for g in ("num", "pct", "scale") if m.group(g))
        if m.group("cur") or m.group("pct")
        else m.end()
    )
    figure = text[start:end].strip()
    return (
        figure[0].lower() + figure[1:] if start < m.start() else figure
    )  # "more than 180", mid-sentence


def _day(m: re.Match[str]) -> str:
    if m.group("wd"):
        return m.group("wd").lower()
    if m.group("y"):
        return f"{int(m.group('m3')):02d}-{int(m.group('d3')):02d}"
    month = (m.group("m1") or m.group("m2")).lower()
    day = m.group("d1") or m.group("d2")
    return f"{_MONTHS[month]:02d}-{int(day):02d}"


def _dates(x: _Sentence, y: _Sentence) -> list[Disagreement]:
    dx, dy = x.dates, y.dates
    if not dx or not dy:
        return []
    days_x, days_y = {d for _, d in dx}, {d for _, d in dy}
    date_words = {w for m, _ in dx + dy for w in content_words(m.group(0))}
    if _jaccard(x.words - date_words, y.words - date_words) < SAME_EVENT_JACCARD:
        return []
    for mx, day_x in dx:
        for my, day_y in dy:
            weekday_x, weekday_y = day_x in _WEEKDAYS, day_y in _WEEKDAYS
            if weekday_x != weekday_y or day_x == day_y or day_x in days_y or day_y in days_x:
                continue
            return [
                Disagreement(
                    "date",
                    "date",
                    Mention(mx.group(0).strip(), x.citation, _quote(x.text, mx.start(), mx.end())),
                    Mention(my.group(0).strip(), y.citation, _quote(y.text, my.start(), my.end())),
                )
            ]
    return []


def _names(x: _Sentence, y: _Sentence) -> list[Disagreement]:
    wx, wy = list(_WORD.finditer(x.text)), list(_WORD.finditer(y.text))
    tx, ty = [m.group(0).casefold() for m in wx], [m.group(0).casefold() for m in wy]
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=tx, b=ty, autojunk=False).get_opcodes():
        if op != "replace" or i2 - i1 != 1 or j2 - j1 != 1 or i1 == 0 or j1 == 0:
            continue
        a, b = wx[i1].group(0), wy[j1].group(0)
        if not (a[0].isupper() and b[0].isupper()) or a.isdigit() or b.isdigit():
            continue
        if a.casefold() in ty or b.casefold() in tx:
            continue  # both names occur in both sentences: not one slot with two fillers
        if SequenceMatcher(a=a.casefold(), b=b.casefold()).ratio() >= SPELLING_VARIANT_RATIO:
            continue  # a spelling variant (transliteration), not a different name
        if (
            a.casefold() in _WEEKDAYS
            or b.casefold() in _WEEKDAYS
            or a.casefold() in _MONTHS
            or b.casefold() in _MONTHS
        ):
            continue  # dates are compared by _dates
        out.append(
            Disagreement(
                "name",
                tx[i1 - 1],
                Mention(a, x.citation, _quote(x.text, wx[i1].start(), wx[i1].end())),
                Mention(b, y.citation, _quote(y.text, wy[j1].start(), wy[j1].end())),
            )
        )
    return out
