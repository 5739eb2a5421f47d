"""`DraftAudit`: whether a draft is worth an editor's time, rule by rule (issue 10's audit table).

One function per rule, each on plain drafts (no UI, no model): empty drafts, sentences per
draft, a lede of at least two sentences, a headline verified `supported`, feed debris,
double attributions, dangling-reference openers, near-duplicate sentence pairs, headline
length, and sections filled or marked as not provided by the sources. `DraftAudit.of(draft)`
runs them all on one draft; `AuditTable.of(audits)` pools them over a run (`bench/eval_wire.py`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from assistant.models import Draft, Section, Sentence
from assistant.text import normalize_for_hash, sentence_spans, word_count, words

HEADLINE_MAX_WORDS = 14
NEAR_DUPLICATE = 0.8
"""Token Jaccard at or above which two sentences of one draft say the same thing."""

# Feed furniture that must never reach a draft: labels, feed titles, HTML entities, and a
# trailing section name glued onto a sentence ("... as reforms help woo investors Markets."), but
# not a possessive before a place ("Xi Jinping's China.").
_DEBRIS = re.compile(
    r"Opinion \||\bmyFT\b|\bNYT >|WSJ\.com:|&(?:[a-z]{2,8}|#\d{2,5}|#x[0-9a-f]{2,4});",
    re.IGNORECASE,
)
_SECTION_NAMES = (
    "Markets|Companies|World|Opinion|Economy|Business|Technology|Politics|Climate|Lex|"
    "Economics|Finance|Life & Arts|Work & Careers|US|UK|Europe|Asia|China"
)
_TRAILING_SECTION = re.compile(
    rf"(?<!['’])\b(?!(?:the|a|an|in|of|on|to|for|and|or|at|by|from|with|into|across|over|about)\b)"
    rf"[a-z][\w'’-]* (?:{_SECTION_NAMES})[.!?]?[\"'”’]?$"
)
_TIMESTAMP = re.compile(r"\b\d{1,2}:\d{2} UTC\b")
_ACCORDING = re.compile(r"\baccording to\b", re.IGNORECASE)
_SAID_BY = re.compile(
    r"^According to [^,]+, (?:at \d{1,2}:\d{2} UTC|(?:[A-Z][\w.&'-]* ?){1,4} "
    r"(?:said|reported|wrote|reports|says|writes)\b)"
)
_BROKEN_ATTRIBUTION = re.compile(r"^According to [^,]+, (?:but|and|however|yet|so|or)(?=[\s,])")
# "According to X at 18:26 UTC, " — the editor's attribution prefix, stripped before the opener
# check (the claim is what must not point back).
_PREFIX = re.compile(r"^According to [^,]+, ")
_POINTING = {
    "this",
    "that",
    "these",
    "those",
    "he",
    "she",
    "it",
    "they",
    "his",
    "her",
    "their",
    "its",
    "him",
    "them",
}
_POINTING_PHRASE = re.compile(
    r"^(?:the|this|that|these|those) (?:statement|move|announcement|decision|remarks?|comments?|"
    r"output|report|news|message|letter|measure|order|deal|plan|proposal|figures?|"
    r"data|move|step|offer|warning|claim|"
    # "the ruling LDP coalition", "the ruling party" point at nothing.
    r"ruling(?!\s+(?:(?-i:[A-Z])|party|parties|coalition|government)))\b|"
    # "Now he'll have to decide ...": a sentence adverb, then a pronoun.
    r"^(?:now|then|instead|again|thus|hence|there|here) (?:he|she|it|they|we)\b",
    re.IGNORECASE,
)
# "It is unclear whether ...", "It wouldn't take much for ...": "it" stands for what follows.
_DUMMY_IT = re.compile(
    r"^It(?:['’]s| is| was| would| will| remains| seems)(?:n['’]t| not)?(?: be)?\s+"
    r"(?:(?:un)?likely|(?:un)?clear|(?:im)?possible|hard|easy|difficult|time|to be seen|"
    r"takes? (?:much|long|little))\b"
)
_DETERMINERS = {"this", "that", "these", "those"}


# --- rules, one per row of the audit table -----------------------------------------------------
def sentences_of(draft: Draft) -> list[tuple[Section, Sentence]]:
    """Every sentence of the draft with its section, headline and dek included."""
    return [(s, sent) for s in draft.sections for p in s.paragraphs for sent in p.sentences]


def is_empty(draft: Draft) -> bool:
    """No sentence anywhere, or none the verifier calls `supported`."""
    return not any(
        sent.verdict is not None and sent.verdict.label == "supported"
        for _, sent in sentences_of(draft)
    )


def sentence_count(draft: Draft) -> int:
    return len(sentences_of(draft))


def lede_sentences(draft: Draft) -> int:
    lede = draft.section("lede")
    return sum(len(p.sentences) for p in lede.paragraphs) if lede else 0


def headline_sentence(draft: Draft) -> Sentence | None:
    headline = draft.section("headline")
    if headline is None:
        return None
    return next((sent for p in headline.paragraphs for sent in p.sentences), None)


def headline_supported(draft: Draft) -> bool:
    h = headline_sentence(draft)
    return h is not None and h.verdict is not None and h.verdict.label == "supported"


def headline_words(draft: Draft) -> int:
    h = headline_sentence(draft)
    return word_count(h.text) if h is not None else 0


def feed_debris(text: str) -> list[str]:
    """The feed furniture in `text`: labels, feed titles, entities, a trailing section name."""
    found = [m.group(0) for m in _DEBRIS.finditer(text)]
    m = _TRAILING_SECTION.search(text.rstrip())
    if m is not None:
        found.append(m.group(0))
    return found


def double_attribution(text: str) -> bool:
    """Two attributions on one sentence: two "according to"s, two time stamps, or an
    attribution prefix followed by another attribution ("According to X, at 18:26 UTC the
    Kremlin said", "According to X, Reuters reported")."""
    return (
        len(_ACCORDING.findall(text)) >= 2
        or len(_TIMESTAMP.findall(text)) >= 2
        or bool(_SAID_BY.match(text))
    )


def broken_attribution(text: str) -> bool:
    """An attribution glued to a connective: "According to X, but ..."."""
    return bool(_BROKEN_ATTRIBUTION.match(text))


def claim_of(text: str) -> str:
    """The sentence without the editor's "According to X at T, " prefix."""
    return _PREFIX.sub("", text, count=1)


def points_back(text: str) -> bool:
    """The claim opens by pointing at something before it ("This", "He", "That output")."""
    claim = claim_of(text).lstrip("\"'“‘( ")
    first = claim.split(None, 1)[0].casefold().strip(",;:") if claim.strip() else ""
    if _DUMMY_IT.match(claim):
        return False
    if first in _DETERMINERS:
        # "This week", "That year" are time phrases, not references.
        second = claim.split(None, 2)[1:2]
        if second and second[0].casefold().strip(",") in {
            "week",
            "year",
            "month",
            "morning",
            "afternoon",
            "evening",
            "quarter",
            "time",
            "summer",
            "winter",
            "spring",
            "autumn",
        }:
            return False
    return first in _POINTING or bool(_POINTING_PHRASE.match(claim))


def dangling_openers(draft: Draft) -> list[str]:
    """Sentences that point back with nothing to point at: the first of their paragraph, or
    following a sentence from another source (no cited document in common)."""
    doc_of = {c.n: c.doc_id for c in draft.citations}
    out: list[str] = []
    for section in draft.sections:
        for p in section.paragraphs:
            prev: Sentence | None = None
            for sent in p.sentences:
                if points_back(sent.text):
                    mine = {doc_of.get(n) for n in sent.citations} - {None}
                    theirs = {doc_of.get(n) for n in prev.citations} - {None} if prev else set()
                    if prev is None or not (mine & theirs):
                        out.append(sent.text)
                prev = sent
    return out


def token_set(text: str) -> set[str]:
    return {w.casefold() for w in words(claim_of(text))}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def near_duplicates(draft: Draft, threshold: float = NEAR_DUPLICATE) -> list[tuple[str, str]]:
    """Pairs of sentences of the draft whose token Jaccard reaches `threshold`."""
    texts = [sent.text for _, sent in sentences_of(draft)]
    sets = [token_set(t) for t in texts]
    return [
        (texts[i], texts[j])
        for i, j in itertools.combinations(range(len(texts)), 2)
        if jaccard(sets[i], sets[j]) >= threshold
    ]


def not_provided(section: Section) -> bool:
    """The section carries the flag "not provided by the sources"."""
    return getattr(section, "not_provided", None) is not None


def section_states(draft: Draft, expected: Sequence[str] = ()) -> dict[str, str]:
    """Per section: `filled` (has a sentence), `marked` (flagged not provided) or `empty`;
    `expected` ids missing from the draft altogether count as `empty`."""
    states = {
        s.id: (
            "filled"
            if any(p.sentences for p in s.paragraphs)
            else "marked"
            if not_provided(s)
            else "empty"
        )
        for s in draft.sections
    }
    for sid in expected:
        states.setdefault(sid, "empty")
    return states


_COMPOSED = re.compile(r"^(?:According to [^,]+|Earlier, on [^,]+), (?P<first>\S)")


def composed(sentence: Sentence) -> bool:
    """A sentence the composer wrote around a source sentence: an attribution or background
    prefix (the claim's first letter then lowered or kept), or one citing two sources."""
    return bool(_COMPOSED.match(sentence.text)) or len(sentence.citations) >= 2


def corroborated(draft: Draft) -> list[Sentence]:
    """Sentences citing two or more sources from different outlets (fusion-lite)."""
    outlet = {c.n: c.outlet for c in draft.citations}
    return [
        sent
        for _, sent in sentences_of(draft)
        if len({outlet.get(n) for n in sent.citations} - {None}) >= 2
    ]


def short_lede_reason(draft: Draft, source_texts: Sequence[str]) -> str | None:
    """Why the lede has fewer than two sentences, from the story's own sources: how many
    sentences they hold and how many the draft already uses (None when the lede is long)."""
    n = lede_sentences(draft)
    if n >= 2:
        return None
    pool = {
        normalize_for_hash(t[a:b]).rstrip(".!?") for t in source_texts for a, b in sentence_spans(t)
    }
    used = {normalize_for_hash(sent.text).rstrip(".!?") for _, sent in sentences_of(draft)}
    in_draft = sum(1 for k in pool if any(k and (k in u or u in k) for u in used))
    left = len(pool) - in_draft
    why = (
        f"the story's {len(source_texts)} passage(s) hold {len(pool)} sentence(s), "
        f"{in_draft} in the draft"
    )
    if left:
        why += f"; the other {left} are fragments, headlines too short, off-topic or point back"
    return f"lede of {n}: {why}"


# --- one draft, and a table over many ----------------------------------------------------------
@dataclass(frozen=True)
class DraftAudit:
    """The audit of one draft: every rule's outcome."""

    empty: bool
    sentences: int
    lede_sentences: int
    headline_supported: bool
    headline_words: int
    debris: tuple[str, ...]
    double_attributions: tuple[str, ...]
    broken_attributions: tuple[str, ...]
    dangling: tuple[str, ...]
    near_duplicates: tuple[tuple[str, str], ...]
    sections: dict[str, str]
    citation_recall: float
    citation_precision: float

    @classmethod
    def of(cls, draft: Draft, expected_sections: Sequence[str] = ()) -> DraftAudit:
        texts = [sent.text for _, sent in sentences_of(draft)]
        return cls(
            empty=is_empty(draft),
            sentences=len(texts),
            lede_sentences=lede_sentences(draft),
            headline_supported=headline_supported(draft),
            headline_words=headline_words(draft),
            debris=tuple(d for t in texts for d in feed_debris(t)),
            double_attributions=tuple(t for t in texts if double_attribution(t)),
            broken_attributions=tuple(t for t in texts if broken_attribution(t)),
            dangling=tuple(dangling_openers(draft)),
            near_duplicates=tuple(near_duplicates(draft)),
            sections=section_states(draft, expected_sections),
            citation_recall=draft.metrics.citation_recall,
            citation_precision=draft.metrics.citation_precision,
        )


@dataclass(frozen=True)
class AuditRow:
    measure: str
    value: str
    target: str
    met: bool


class AuditTable:
    """The audit pooled over drafts, as the issue's table (`rows`) plus the extra figures."""

    def __init__(self, audits: Sequence[DraftAudit]) -> None:
        self.audits = list(audits)

    @classmethod
    def of(cls, audits: Sequence[DraftAudit]) -> AuditTable:
        return cls(audits)

    def rows(self) -> list[AuditRow]:
        a = self.audits
        n = len(a) or 1
        sentences = sum(x.sentences for x in a) or 1
        states = [v for x in a for v in x.sections.values()]
        covered = sum(v in ("filled", "marked") for v in states) / (len(states) or 1)
        empty = sum(x.empty for x in a)
        med = median([x.sentences for x in a]) if a else 0
        lede = sum(x.lede_sentences >= 2 for x in a) / n
        supported = sum(x.headline_supported for x in a) / n
        debris = sum(len(x.debris) for x in a)
        double = sum(len(x.double_attributions) for x in a)
        broken = sum(len(x.broken_attributions) for x in a)
        dangling = sum(len(x.dangling) for x in a) / sentences
        dups = 100 * sum(len(x.near_duplicates) for x in a) / sentences
        short = sum(0 < x.headline_words <= HEADLINE_MAX_WORDS for x in a) / n
        return [
            AuditRow("empty drafts", str(empty), "0", empty == 0),
            AuditRow("median sentences per draft", f"{med:g}", ">= 5", med >= 5),
            AuditRow("lede of >= 2 sentences", f"{lede:.0%}", ">= 90%", lede >= 0.9),
            AuditRow("headlines verified supported", f"{supported:.0%}", "100%", supported == 1),
            AuditRow("feed debris", str(debris), "0", debris == 0),
            AuditRow("double attributions", str(double), "0", double == 0),
            AuditRow("'According to X, but ...'", str(broken), "0", broken == 0),
            AuditRow("dangling-reference openers", f"{dangling:.1%}", "<= 2%", dangling <= 0.02),
            AuditRow("near-duplicate pairs per 100 sentences", f"{dups:.2f}", "<= 1", dups <= 1),
            AuditRow("headlines within 14 words", f"{short:.0%}", ">= 95%", short >= 0.95),
            AuditRow("sections filled or marked", f"{covered:.0%}", "100%", covered == 1),
        ]

    def section_counts(self) -> dict[str, int]:
        out = {"filled": 0, "marked": 0, "empty": 0}
        for x in self.audits:
            for v in x.sections.values():
                out[v] += 1
        return out

    def citation_scores(self) -> tuple[float, float]:
        """Mean citation recall and precision over the drafts (the verifier's own figures)."""
        if not self.audits:
            return 0.0, 0.0
        n = len(self.audits)
        return (
            sum(x.citation_recall for x in self.audits) / n,
            sum(x.citation_precision for x in self.audits) / n,
        )

    def render(self) -> str:
        lines = [f"{'measure':<42} {'value':>8} {'target':>7}  met"]
        for r in self.rows():
            lines.append(f"{r.measure:<42} {r.value:>8} {r.target:>7}  {'yes' if r.met else 'NO'}")
        c = self.section_counts()
        rec, prec = self.citation_scores()
        lines.append(
            f"sections: {c['filled']} filled, {c['marked']} marked not provided, "
            f"{c['empty']} empty; citation recall {rec:.3f}, precision {prec:.3f} "
            f"({len(self.audits)} drafts)"
        )
        return "\n".join(lines)
