"""`Verifier`: does each sentence say only what the passages it cites say?

Two backends, one interface:

- **entailment** (the default): the project's trained cross-encoder reads the few best sentences
  of all cited passages together (`Premise.select`) and gives the probability that they support
  the sentence; the lexical hard checks below still cap its label (`learned.py`).
- **lexical** (the stated fallback, and `verifier = "lexical"` in the settings): signals of
  semantic similarity with the best sentence window and the whole passage, content-word and
  bigram coverage, figures, names, verbatim quotations and negation, combined by a logistic model
  calibrated on real consistency data (`thresholds.json`).

Hard checks (a figure or quotation absent from the sources, a name absent, a flipped negation)
cap the label whatever the score, and always come with a reason the editor can act on, e.g.
`'Russia' not in [2]`. If the entailment artefact is missing or corrupt the verifier says so (a
logged warning naming the file, and `fallback` set) and verifies lexically; `strict=True` raises.

`verify_draft` verifies every sentence of a draft in batches, removes markers that resolve to no
citation, and computes ALCE-style citation recall and precision. Given `only`, it re-verifies
just those paragraphs (and any sentence without a verdict), keeping the other verdicts.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from assistant.models import Citation, Draft, Sentence, Verdict, VerdictLabel
from assistant.text import strip_markers
from assistant.verify.entailment import EntailmentModelError
from assistant.verify.evidence import Assessment, Claim, Source, assess
from assistant.verify.judge import EntailmentJudge
from assistant.verify.learned import EntailmentVerdicts, Job, VerificationSuperseded
from assistant.verify.metrics import compute_metrics
from assistant.verify.signals import WordBag, supporting_spans
from assistant.verify.thresholds import Thresholds

if TYPE_CHECKING:
    from assistant.index.embedder import Embedder

__all__ = ["Verifier", "VerificationSuperseded", "citation_context"]

log = logging.getLogger(__name__)

Backend = Literal["entailment", "lexical"]

_CACHE_SIZE = 4096
"""Analysed passages kept between calls (least recently used dropped first)."""
_VECTORS_PER_SOURCE = 16
"""Vectors kept per cached passage: its sentences and the claims checked against it."""


def _markers(ns: Iterable[int]) -> str:
    return ", ".join(f"[{n}]" for n in ns)


def citation_context(c: Citation) -> str:
    """What a citation's metadata vouches for in an attribution: outlet, title, time, date."""
    parts = [c.outlet, c.title or ""]
    if c.published_at is not None:
        t = c.published_at
        parts.append(t.strftime("%H:%M %H.%M %d %B %b %Y %A UTC"))
        parts.append(str(t.day))
    return " ".join(p for p in parts if p)


class Verifier:
    """Scores how well cited passages support a sentence; see the module docstring."""

    def __init__(
        self,
        embedder: Embedder | None = None,
        thresholds: Thresholds | None = None,
        backend: Backend = "lexical",
        model_dir: Path | None = None,
        judge: EntailmentJudge | None = None,
        strict: bool = False,
        runtime: str = "torch",
    ) -> None:
        """`backend` is what is asked for; `model_dir` (default: the committed artefact) is the
        entailment model's folder. `strict` raises `EntailmentModelError` instead of falling
        back to the lexical verifier when that model cannot be loaded. `runtime` (`torch` or
        `onnx`) runs the entailment model."""
        if backend not in ("entailment", "lexical"):
            raise ValueError(f"unknown verifier backend {backend!r} (entailment or lexical)")
        self._embedder = embedder
        self.thresholds = thresholds or Thresholds.load()
        self.requested: Backend = backend
        self.judge = judge or EntailmentJudge(model_dir, runtime=runtime)
        self.strict = strict
        self.fallback: str | None = None
        """Why the entailment model is not in use although it was asked for (None when it is)."""
        self._entailment: EntailmentVerdicts | None = None
        self._sources: OrderedDict[str, Source] = OrderedDict()
        self._vectors: OrderedDict[str, object] = OrderedDict()
        # The TUI re-verifies from worker threads while a draft may be verified elsewhere.
        self._lock = threading.RLock()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from assistant.index.embedder import Embedder

            self._embedder = Embedder.default()
        return self._embedder

    @property
    def backend(self) -> Backend:
        """What actually verifies: `entailment`, or `lexical` when asked for or fallen back to
        (asking loads the entailment model)."""
        return "entailment" if self._learned() is not None else "lexical"

    def describe(self) -> str:
        """One line for logs and run records, e.g. `entailment (assistant/verify/model)`."""
        if self.backend == "entailment":
            return f"entailment model ({self.judge.model.path}, {self.judge.runtime})"
        if self.fallback:
            return f"lexical (fallback: {self.fallback})"
        return "lexical"

    def _learned(self) -> EntailmentVerdicts | None:
        if self.requested != "entailment" or self.fallback is not None:
            return None
        with self._lock:
            if self._entailment is None:
                try:
                    self.judge.model  # noqa: B018 - loads it, or says why it cannot
                except EntailmentModelError as exc:
                    if self.strict:
                        raise
                    self.fallback = str(exc)
                    log.warning(
                        "%s; verifying with the lexical verifier instead (its own thresholds)", exc
                    )
                    return None
                self._entailment = EntailmentVerdicts(self.judge, self.thresholds.entailment)
            return self._entailment

    # --- public API ------------------------------------------------------------------------
    def verify_sentence(
        self, text: str, cited: Mapping[int, str], context: Mapping[int, str] | None = None
    ) -> Verdict:
        """Judge `text` against the cited passages (`marker → passage text`).

        `context` optionally maps markers to citation metadata (outlet, time) that may vouch for
        an attribution's names and figures; `verify_draft` supplies it from the citations.
        """
        claim = Claim.of(text)
        if not cited:
            return self._uncited()
        sources = {n: self._source(t) for n, t in cited.items()}
        ctx = {n: self._source(t) for n, t in (context or {}).items() if t}
        learned = self._learned()
        if learned is not None:
            return learned.verdicts([Job(claim, dict(cited), sources, ctx)])[0]
        self._embed([claim], sources.values())
        return self._judge(claim, sources, ctx, with_precision=True)

    def assess(self, text: str, cited: Mapping[int, str]) -> Assessment:
        """The raw signals of `text` against `cited`, before any cut-off (for calibration)."""
        claim = Claim.of(text)
        sources = {n: self._source(t) for n, t in cited.items()}
        self._embed([claim], sources.values())
        return assess(claim, sources)

    def decide(self, a: Assessment) -> tuple[float, VerdictLabel, list[str]]:
        """(score, label, failed hard checks) of an assessment under the current thresholds."""
        return self._decide(a)

    def verify_draft(
        self,
        draft: Draft,
        only: Collection[tuple[str, str]] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Draft:
        """A copy of `draft` with its sentences verified and the metrics recomputed.

        `only` names `(section id, paragraph id)` pairs to re-verify; other sentences keep their
        verdict when they have one (the TUI re-verifies just the paragraph being edited).
        `cancelled` is asked before each sentence; when it says yes the run stops with
        `VerificationSuperseded` (a newer keystroke won)."""
        out = draft.model_copy(deep=True)
        by_n = {c.n: c for c in out.citations}
        jobs: list[tuple[Sentence, Claim, list[int], list[int]]] = []
        for section in out.sections:
            for paragraph in section.paragraphs:
                redo = only is None or (section.id, paragraph.id) in only
                for sentence in paragraph.sentences:
                    clean, in_text = strip_markers(sentence.text)
                    wanted = list(dict.fromkeys([*sentence.citations, *in_text]))
                    resolved = [n for n in wanted if n in by_n]
                    unresolved = [n for n in wanted if n not in by_n]
                    if not redo and sentence.verdict is not None and not unresolved:
                        continue
                    sentence.text, sentence.citations = clean, resolved
                    jobs.append((sentence, Claim.of(clean), resolved, unresolved))

        used = {n for job in jobs for n in job[2]}
        sources = {n: self._source(by_n[n].text) for n in used}
        ctx = {n: self._source(citation_context(by_n[n])) for n in used}
        learned = self._learned()
        verdicts: dict[int, Verdict] = {}
        if learned is not None:
            cited_jobs = [(i, j) for i, j in enumerate(jobs) if j[2]]
            judged = learned.verdicts(
                [
                    Job(
                        claim,
                        {n: by_n[n].text for n in resolved},
                        {n: sources[n] for n in resolved},
                        {n: ctx[n] for n in resolved},
                    )
                    for _, (_, claim, resolved, _) in cited_jobs
                ],
                cancelled=cancelled,
            )
            verdicts = {i: v for (i, _), v in zip(cited_jobs, judged, strict=True)}
        else:
            self._embed([j[1] for j in jobs], sources.values())

        for i, (sentence, claim, resolved, unresolved) in enumerate(jobs):
            if learned is None and cancelled is not None and cancelled():
                raise VerificationSuperseded
            note = (
                [f"marker {_markers(unresolved)} resolves to no source; removed"]
                if unresolved
                else []
            )
            if not resolved:
                verdict = self._uncited()
            elif i in verdicts:
                verdict = verdicts[i]
            else:
                verdict = self._judge(
                    claim,
                    {n: sources[n] for n in resolved},
                    {n: ctx[n] for n in resolved},
                    with_precision=True,
                )
            if note:
                verdict = verdict.model_copy(update={"reasons": (*note, *verdict.reasons)})
            sentence.verdict = verdict
        out.metrics = compute_metrics(out)
        return out

    def texts_to_encode(self, text: str, cited: Mapping[int, str]) -> list[str]:
        """The strings `assess(text, cited)` embeds (to pre-compute vectors in bulk)."""
        out = [Claim.of(text).claim]
        for t in cited.values():
            out.extend(self._source(t).sentence_texts())
        return out

    def remember_vectors(self, texts: Sequence[str], vectors: object) -> None:
        """Seed the vector cache (e.g. from a file) so those texts are not encoded again."""
        with self._lock:
            for t, v in zip(texts, vectors, strict=True):  # type: ignore[call-overload]
                self._cache_vector(t, v)

    # --- internals -------------------------------------------------------------------------
    def _uncited(self) -> Verdict:
        return Verdict(
            label="uncited", score=0.0, reasons=("no citation: the sentence cites no source",)
        )

    def _source(self, text: str) -> Source:
        with self._lock:
            return self._source_locked(text)

    def _source_locked(self, text: str) -> Source:
        src = self._sources.get(text)
        if src is None:
            src = Source.of(text, self.thresholds.max_window_sentences)
            self._sources[text] = src
            if len(self._sources) > _CACHE_SIZE:
                self._sources.popitem(last=False)
        else:
            self._sources.move_to_end(text)
        return src

    def _embed(self, claims: Sequence[Claim], sources: Iterable[Source]) -> None:
        """Attach vectors to claims and sources, encoding everything new in one call."""
        with self._lock:
            self._embed_locked(claims, list(sources))

    def _embed_locked(self, claims: Sequence[Claim], sources: list[Source]) -> None:
        import numpy as np

        sources = [s for s in sources if s.vec is None]
        wanted: list[str] = [c.claim for c in claims]
        for s in sources:
            wanted.extend(s.sentence_texts())
        # The batch reads its vectors from this local dict, never back from the cache: the
        # cache may evict any entry (even one just computed) as soon as it is over its size.
        batch = {t: v for t in dict.fromkeys(wanted) if (v := self._cached_vector(t)) is not None}
        missing = [t for t in dict.fromkeys(wanted) if t not in batch]
        if missing:
            vecs = self.embedder.encode(missing)
            for t, v in zip(missing, vecs, strict=True):
                batch[t] = v
                self._cache_vector(t, v)
        for c in claims:
            c.vec = batch[c.claim]  # type: ignore[assignment]
        for s in sources:
            s.attach(np.vstack([batch[t] for t in s.sentence_texts()]))  # type: ignore[misc]

    def _cached_vector(self, text: str) -> object | None:
        """The cached vector of `text`, marked as recently used; None if not cached."""
        vec = self._vectors.get(text)
        if vec is not None:
            self._vectors.move_to_end(text)
        return vec

    def _cache_vector(self, text: str, vec: object) -> None:
        """Remember a vector, dropping the least recently used beyond the cache's size."""
        self._vectors[text] = vec
        self._vectors.move_to_end(text)
        while len(self._vectors) > _VECTORS_PER_SOURCE * _CACHE_SIZE:
            self._vectors.popitem(last=False)

    def _decide(self, a: Assessment) -> tuple[float, VerdictLabel, list[str]]:
        failed = [
            k
            for k in ("missing_numbers", "missing_names", "quote_missing", "negation_mismatch")
            if a.features[k] > 0
        ]
        if a.features["coverage"] < self.thresholds.min_coverage:
            failed.append("low_coverage")
        score = 1.0 if a.verbatim and not failed else self.thresholds.score(a.features)
        return score, self.thresholds.label(score, failed, verbatim=a.verbatim), failed

    def _supported_alone(
        self, claim: Claim, sources: Mapping[int, Source], ctx: Mapping[int, Source]
    ) -> bool:
        a = assess(claim, sources, list(ctx.values()))
        return self._decide(a)[1] == "supported"

    def _judge(
        self,
        claim: Claim,
        sources: Mapping[int, Source],
        ctx: Mapping[int, Source],
        with_precision: bool = False,
    ) -> Verdict:
        if not claim.tokens:
            return Verdict(label="unsupported", reasons=("the sentence has no words",))
        a = assess(claim, sources, list(ctx.values()))
        score, label, failed = self._decide(a)
        cited = list(sources)
        reasons = self._reasons(a, cited, label)

        overcited: list[int] = []
        if with_precision and label == "supported" and len(cited) > 1:
            # ALCE: a citation is irrelevant when it does not support the sentence alone and the
            # others support it without it.
            for n in cited:
                if self._supported_alone(claim, {n: sources[n]}, {n: ctx[n]} if n in ctx else {}):
                    continue
                rest = [m for m in cited if m != n]
                if self._supported_alone(
                    claim, {m: sources[m] for m in rest}, {m: ctx[m] for m in rest if m in ctx}
                ):
                    overcited.append(n)
            if overcited:
                reasons.append(f"{_markers(overcited)} not needed: the other citations support it")

        wanted = WordBag.of([*claim.content, *claim.numbers])
        supporting = {n: supporting_spans(sources[n].text, wanted) for n in cited}
        signals = {k: round(v, 4) for k, v in a.features.items()}
        signals["verbatim"] = 1.0 if a.verbatim else 0.0
        return Verdict(
            label=label,
            score=round(score, 4),
            reasons=tuple(reasons),
            signals=signals,
            supporting=supporting,
            overcited=tuple(overcited),
        )

    def _reasons(self, a: Assessment, cited: list[int], label: str) -> list[str]:
        where = _markers(cited)
        reasons = [f"number '{n}' not in {where}" for n in a.missing_numbers]
        reasons += [f"'{n}' not in {where}" for n in a.missing_names]
        reasons += [f'quote not found verbatim in {where}: "{q}"' for q in a.missing_quotes]
        if a.negation_mismatch:
            reasons.append(f"negation mismatch with {where}")
        if a.features["coverage"] < self.thresholds.min_coverage and a.novel:
            shown = ", ".join(f"'{w}'" for w in a.novel[:4])
            reasons.append(
                f"only {a.features['coverage']:.0%} of its words are in {where}; missing {shown}"
            )
        if label != "supported" and not reasons:
            f = a.features
            reasons.append(
                f"weak support from {where}: similarity {f['sim_window']:.2f}, "
                f"word coverage {f['coverage']:.2f}"
            )
            if a.novel:
                shown = ", ".join(f"'{w}'" for w in a.novel[:4])
                reasons.append(f"words not in {where}: {shown}")
        return reasons
