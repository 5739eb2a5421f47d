"""`Claim` (a sentence to check) and `Source` (a cited text, split into sentence windows), and
`features()`: the signals of how well a set of sources supports a claim.

Sources are analysed once and cached by the verifier, so a passage cited by ten sentences is
tokenised and embedded once. Vectors are attached by the verifier (one batched encode call).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.text import strip_markers, words
from assistant.verify import signals as sg

if TYPE_CHECKING:
    import numpy as np

FEATURES: tuple[str, ...] = (
    "sim_window",
    "sim_passage",
    "coverage",
    "window_coverage",
    "bigram_coverage",
    "missing_numbers",
    "missing_names",
    "negation_mismatch",
    "novel_words",
)
"""The signals the support score is a logistic function of (weights in thresholds.json). A
quotation missing from the sources is not among them: it is a hard check that always makes the
sentence unsupported (quotes are too rare in the calibration data to weigh)."""

FEATURE_SIGNS: dict[str, int] = {
    "sim_window": 1,
    "sim_passage": 1,
    "coverage": 1,
    "window_coverage": 1,
    "bigram_coverage": 1,
    "missing_numbers": -1,
    "missing_names": -1,
    "negation_mismatch": -1,
    "novel_words": -1,
}
"""The direction each signal may push the score: calibration keeps the model monotone (more
overlap never lowers support, a missing figure never raises it)."""


@dataclass
class Claim:
    """A sentence under check. `claim` is the text without any editor's-voice attribution."""

    text: str
    claim: str
    attribution: str
    tokens: list[str]
    content: list[str]
    bigrams: set[tuple[str, str]]
    numbers: set[str]
    names: list[str]
    quotes: list[str]
    vec: np.ndarray | None = None

    @classmethod
    def of(cls, text: str) -> Claim:
        text, _ = strip_markers(text)
        claim, attribution = sg.strip_attribution(text)
        tokens = words(claim)
        content = list(dict.fromkeys(sg.content_tokens(tokens)))
        return cls(
            text=text,
            claim=claim,
            attribution=attribution,
            tokens=tokens,
            content=content,
            bigrams=sg.bigrams(tokens),
            numbers=sg.all_numbers(text, in_sentence=True),
            names=sg.names(text),
            quotes=sg.quotations(claim),
        )


@dataclass
class Source:
    """A cited text, analysed: words, numbers, its sentences and its sentence windows."""

    text: str
    token_form: str
    """The words joined by single spaces (padded): verbatim checks ignore punctuation and case."""
    nodots: str
    bag: sg.WordBag
    bigrams: set[tuple[str, str]]
    numbers: set[str]
    sentences: list[tuple[int, int]]
    windows: list[range]
    """Each window is a run of consecutive sentences (indices into `sentences`)."""
    window_tokens: list[list[str]]
    window_bags: list[sg.WordBag]
    vec: np.ndarray | None = None
    window_vecs: np.ndarray | None = None

    @classmethod
    def of(cls, text: str, max_window_sentences: int = 2) -> Source:
        tokens = words(text)
        sentences, wins = sg.windows(text, max_window_sentences)
        window_tokens = [words(text[sentences[w[0]][0] : sentences[w[-1]][1]]) for w in wins]
        folded = sg.quote_form(text)
        return cls(
            text=text,
            token_form=_token_form(tokens),
            nodots=" " + folded.replace(".", "") + " ",
            bag=sg.WordBag.of(tokens),
            bigrams=sg.bigrams(tokens),
            numbers=sg.all_numbers(text),
            sentences=sentences,
            windows=wins,
            window_tokens=window_tokens,
            window_bags=[sg.WordBag.of(t) for t in window_tokens],
        )

    def sentence_texts(self) -> list[str]:
        return [self.text[a:b] for a, b in self.sentences]

    def attach(self, sentence_vecs: np.ndarray) -> None:
        """Window and passage vectors from the sentence vectors: only sentences are encoded
        (a window is the normalised sum of its sentences, the passage of all of them), which
        keeps long articles affordable and matches the model's 256-token input limit."""
        import numpy as np

        def unit(v: np.ndarray) -> np.ndarray:
            n = float(np.linalg.norm(v))
            return v / n if n > 0 else v

        self.window_vecs = np.vstack(
            [unit(sentence_vecs[list(w)].sum(axis=0)) for w in self.windows]
        )
        self.vec = unit(sentence_vecs.sum(axis=0))

    def has_name(self, name: str) -> bool:
        low = name.casefold().replace(".", "")
        if f" {low} " in self.nodots or any(
            f"{a}{low}{b}" in self.nodots for a in " (\"'" for b in " ,;:)\"'-"
        ):
            return True
        return " " not in low and self.bag.has(low)


@dataclass
class Assessment:
    """The signals of one claim against one set of sources, plus what is missing where."""

    features: dict[str, float]
    verbatim: bool
    missing_numbers: list[str] = field(default_factory=list)
    missing_names: list[str] = field(default_factory=list)
    missing_quotes: list[str] = field(default_factory=list)
    negation_mismatch: bool = False
    novel: list[str] = field(default_factory=list)


def assess(
    claim: Claim, sources: Mapping[int, Source], context: Sequence[Source] = ()
) -> Assessment:
    """Compute every signal of `claim` against the union of `sources` (markers → Source).

    `context` (citation metadata such as outlet and time, analysed as sources) may vouch for the
    names and figures of an attribution ("According to Reuters at 18:26 UTC") but never for the
    claim's wording.
    """
    import numpy as np

    srcs = list(sources.values())
    ctx = list(context)
    claim_form = _token_form(claim.tokens)
    verbatim = len(claim.tokens) >= 3 and any(claim_form in s.token_form for s in srcs)

    sim_window = sim_passage = 0.0
    best_sim: tuple[float, int, int] = (-1.0, 0, 0)
    if claim.vec is not None:
        for key, s in sources.items():
            if s.vec is not None:
                sim_passage = max(sim_passage, float(s.vec @ claim.vec))
            if s.window_vecs is not None and len(s.window_vecs):
                sims = s.window_vecs @ claim.vec
                i = int(np.argmax(sims))
                if sims[i] > best_sim[0]:
                    best_sim = (float(sims[i]), key, i)
        sim_window = max(best_sim[0], 0.0)

    novel = [w for w in claim.content if not any(s.bag.has(w) for s in srcs)]
    coverage = 1.0 - len(novel) / len(claim.content) if claim.content else 1.0

    window_coverage, best_cov = 0.0, (-1.0, -1.0, 0, 0)
    for key, s in sources.items():
        sims = (
            s.window_vecs @ claim.vec
            if claim.vec is not None and s.window_vecs is not None
            else None
        )
        for i, bag in enumerate(s.window_bags):
            cov = (
                sum(1 for w in claim.content if bag.has(w)) / len(claim.content)
                if claim.content
                else 1.0
            )
            sim = float(sims[i]) if sims is not None else 0.0
            if (cov, sim) > best_cov[:2]:
                best_cov = (cov, sim, key, i)
    window_coverage = max(best_cov[0], 0.0)

    all_bigrams = set().union(*(s.bigrams for s in srcs)) if srcs else set()
    bigram_coverage = (
        sum(1 for b in claim.bigrams if b in all_bigrams) / len(claim.bigrams)
        if claim.bigrams
        else 1.0
    )

    have_numbers = set().union(*(s.numbers for s in srcs + ctx)) if srcs or ctx else set()
    missing_numbers = sorted(n for n in claim.numbers if n not in have_numbers)
    missing_names = [n for n in claim.names if not any(s.has_name(n) for s in srcs + ctx)]
    missing_quotes = [
        q for q in claim.quotes if not any(_token_form(words(q)) in s.token_form for s in srcs)
    ]

    negation_mismatch = False
    if best_cov[0] >= 0.5 and claim.content:
        best = sources[best_cov[2]]
        negation_mismatch = sg.negation_mismatch(
            claim.tokens,
            claim.content,
            best.window_tokens[best_cov[3]],
            best.window_bags[best_cov[3]],
        )

    features = {
        "sim_window": sim_window,
        "sim_passage": sim_passage,
        "coverage": coverage,
        "window_coverage": window_coverage,
        "bigram_coverage": bigram_coverage,
        "missing_numbers": len(missing_numbers) / len(claim.numbers) if claim.numbers else 0.0,
        "missing_names": len(missing_names) / len(claim.names) if claim.names else 0.0,
        "quote_missing": 1.0 if missing_quotes else 0.0,
        "negation_mismatch": 1.0 if negation_mismatch else 0.0,
        "novel_words": math.log1p(len(novel)),
    }
    return Assessment(
        features=features,
        verbatim=verbatim,
        missing_numbers=missing_numbers,
        missing_names=missing_names,
        missing_quotes=missing_quotes,
        negation_mismatch=negation_mismatch,
        novel=novel,
    )


def _token_form(tokens: Sequence[str]) -> str:
    return " " + " ".join(tokens) + " "


def vector_of(features: Mapping[str, float], names: Sequence[str] = FEATURES) -> list[float]:
    return [float(features[n]) for n in names]
