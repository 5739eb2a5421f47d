"""`EntailmentJudge`: the trained entailment model as the verifier uses it.

- `premise(claim, cited)`: `Premise.select` over every cited passage at once, so a sentence
  that joins facts from two sentences, or from two citations, can be supported; `pairs` judges
  it beside each long passage's windows (`premise.premises`, from which the training data's
  premises are cut too).
- `probability(claim, cited)`: the claim's P(support). A claim of several sentences (an editor's
  typed paragraph, a summary) is judged sentence by sentence, each against its own best premise,
  and its weakest sentence counts: facts told in two sentences are often far apart in a long
  source, so no single premise holds both (SummaC's reading; held-out SummEdits news, where a
  third of the summaries have two or three sentences, 0.637 → 0.663 balanced accuracy).
- `probabilities(pairs)`: P(premise supports hypothesis), batched, cached by exact text (the TUI
  re-verifies drafts whose sentences mostly did not change), pairs sorted by length so a batch
  pads little.
- `least_supported(hypothesis, premise)`: which part of a rejected sentence the model doubts
  most. A sentence with several clauses is scored clause by clause (each clause alone as the
  hypothesis); inside the weakest clause, or in a one-clause sentence, each content word is
  deleted in turn and the words whose deletion raises the probability most are the ones named.

The model loads on first use; a missing or corrupt artefact raises `EntailmentModelError`
naming the file (the verifier turns that into its stated lexical fallback).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.text import STOPWORDS, sentence_spans
from assistant.verify import signals as sg
from assistant.verify.premise import Premise, premises

if TYPE_CHECKING:
    from assistant.verify.entailment import EntailmentModel
    from assistant.verify.onnx_entailment import OnnxEntailmentModel

log = logging.getLogger(__name__)

_CACHE_SIZE = 16384
"""(premise, hypothesis) probabilities kept between calls."""

# Clause boundaries: punctuation that separates clauses, and the conjunctions that start one.
_CLAUSE_BREAK = re.compile(
    r"\s*[;:—–]\s*|,\s+|\s+(?=(?:and|but|while|whereas|although|though|after|before|because|"
    r"which|who|as|when|since|despite|even as|with)\s)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*", re.UNICODE)
_MIN_CLAUSE_WORDS = 3


@dataclass(frozen=True)
class WeakPart:
    """The part of a sentence with the least support: a clause, or words within it."""

    clause: str | None
    """The weakest clause (None when the sentence is one clause)."""
    clause_probability: float | None
    words: tuple[str, ...]
    """The content words whose deletion raises the probability most (at most two)."""

    def describe(self) -> str:
        parts = []
        if self.clause is not None:
            parts.append(f'least supported clause: "{self.clause}"')
        if self.words:
            parts.append("least supported words: " + ", ".join(f"'{w}'" for w in self.words))
        return "; ".join(parts)


def clauses(text: str) -> list[tuple[int, int]]:
    """Character spans of the clauses of `text`; pieces under three words join their neighbour."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CLAUSE_BREAK.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        short = len(_WORD.findall(text[a:b])) < _MIN_CLAUSE_WORDS
        if merged and (short or len(_WORD.findall(text[merged[-1][0] : merged[-1][1]])) < 3):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return [(a, b) for a, b in merged if text[a:b].strip()]


def _without(text: str, start: int, end: int) -> str:
    return re.sub(r"\s{2,}", " ", (text[:start] + text[end:]).strip())


class EntailmentJudge:
    """The entailment model with its premise selection and a probability cache."""

    def __init__(
        self,
        model_dir: Path | None = None,
        model: EntailmentModel | OnnxEntailmentModel | None = None,
        runtime: str = "torch",
    ):
        """`runtime` is `torch` (`EntailmentModel`) or `onnx` (`OnnxEntailmentModel`); the
        service passes the `verifier_runtime` setting."""
        if runtime not in ("torch", "onnx"):
            raise ValueError(
                f"unknown runtime {runtime!r} for the entailment model (torch or onnx)"
            )
        self.model_dir = model_dir
        self.runtime = runtime
        self._model = model
        self._cache: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.RLock()
        self.calls = 0
        """Pairs actually run through the model (cache misses), for tests and benches."""

    @property
    def model(self) -> EntailmentModel | OnnxEntailmentModel:
        """The loaded model (loads on first use; raises `EntailmentModelError`)."""
        with self._lock:
            if self._model is None:
                if self.runtime == "onnx":
                    from assistant.verify.onnx_entailment import OnnxEntailmentModel

                    self._model = OnnxEntailmentModel(self.model_dir, notify=log.info)
                else:
                    from assistant.verify.entailment import EntailmentModel

                    self._model = EntailmentModel.load(self.model_dir)
            return self._model

    @property
    def max_premise_tokens(self) -> int:
        return int(self.model.config.get("max_premise_tokens", 160))

    def premise(self, hypothesis: str, cited: Mapping[int, str]) -> Premise:
        return Premise.select(hypothesis, cited, max_tokens=self.max_premise_tokens)

    def parts(self, hypothesis: str) -> list[str]:
        """The sentences of `hypothesis`, each judged on its own (one for a single sentence)."""
        spans = sentence_spans(hypothesis)
        texts = [hypothesis[a:b].strip() for a, b in spans]
        texts = [t for t in texts if _WORD.search(t)]
        return texts if len(texts) > 1 else [hypothesis]

    def pairs(self, hypothesis: str, cited: Mapping[int, str]) -> list[tuple[str, str]]:
        """(premise, sentence) for every premise each sentence of the claim is judged against
        (`premise.premises`: the selection, then each long passage's windows)."""
        return [
            (p, part)
            for part in self.parts(hypothesis)
            for p in premises(part, cited, self.max_premise_tokens)
        ]

    def weakest(self, hypothesis: str, cited: Mapping[int, str]) -> tuple[str, str, float]:
        """(sentence, premise, probability): the claim's least supported sentence with the
        premise that supports it best. Its probability is the claim's."""
        out: tuple[str, str, float] | None = None
        for part in self.parts(hypothesis):
            pairs = [(p, part) for p in premises(part, cited, self.max_premise_tokens)]
            probs = self.probabilities(pairs)
            i = max(range(len(pairs)), key=lambda k: probs[k])
            if out is None or probs[i] < out[2]:
                out = (part, pairs[i][0], probs[i])
        assert out is not None  # `parts` always returns at least the hypothesis itself
        return out

    def probability(self, hypothesis: str, cited: Mapping[int, str]) -> float:
        """P(the cited passages support the claim): its weakest sentence's best premise."""
        return self.weakest(hypothesis, cited)[2]

    def best(self, hypothesis: str, cited: Mapping[int, str]) -> tuple[str, float]:
        """The premise that supports `hypothesis` (its weakest sentence) best, and its
        probability."""
        _, premise, prob = self.weakest(hypothesis, cited)
        return premise, prob

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """P(support) of each (premise, hypothesis); cached pairs are not run again."""
        with self._lock:
            todo = list(dict.fromkeys(p for p in pairs if p not in self._cache))
            if todo:
                # Similar lengths in one batch: less padding, so less wasted compute.
                todo.sort(key=lambda p: len(p[0]) + len(p[1]))
                probs = self.model.predict([p for p, _ in todo], [h for _, h in todo])
                self.calls += len(todo)
                for pair, prob in zip(todo, probs, strict=True):
                    self._cache[pair] = float(prob)
            out = []
            for pair in pairs:
                out.append(self._cache[pair])
                self._cache.move_to_end(pair)
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
            return out

    def least_supported(self, hypothesis: str, premise: str) -> WeakPart | None:
        """The clause and words of `hypothesis` the model doubts most against `premise`."""
        spans = clauses(hypothesis)
        clause: str | None = None
        clause_p: float | None = None
        scope_start, scope_end = 0, len(hypothesis)
        if len(spans) > 1:
            texts = [hypothesis[a:b].strip(" ,;") for a, b in spans]
            probs = self.probabilities([(premise, t) for t in texts])
            i = min(range(len(spans)), key=lambda k: probs[k])
            clause, clause_p = texts[i], probs[i]
            scope_start, scope_end = spans[i]

        candidates = [
            m
            for m in _WORD.finditer(hypothesis, scope_start, scope_end)
            if (w := m.group(0).casefold()) not in STOPWORDS and w not in sg.NEGATORS and len(w) > 1
        ]
        if not candidates:
            return WeakPart(clause, clause_p, ()) if clause is not None else None
        variants = [_without(hypothesis, m.start(), m.end()) for m in candidates]
        base = self.probabilities([(premise, hypothesis)])[0]
        probs = self.probabilities([(premise, v) for v in variants])
        gains = sorted(((p - base, k) for k, p in enumerate(probs)), key=lambda t: (-t[0], t[1]))
        chosen = [candidates[k].group(0) for gain, k in gains[:2] if gain > 0]
        if not chosen:
            chosen = [candidates[gains[0][1]].group(0)]
        return WeakPart(clause, clause_p, tuple(dict.fromkeys(chosen)))
