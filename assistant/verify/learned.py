"""`EntailmentVerdicts`: the verifier's decision when the trained entailment model is loaded.

One calibrated decision per sentence:
- the model's probability that the premise supports the sentence is the score: the best over
  `Premise.select` across all cited passages and, for a long passage, each window of it
  (`premise.premises`), cut into a label by `thresholds.json`'s `entailment` cut-offs; a text
  of several sentences counts its weakest sentence (`EntailmentJudge.probability`);
- the lexical hard checks stay and cap the label, with their reasons: a figure or quotation the
  sources lack → `unsupported`; a name they lack, or a flipped negation → at best `weak`;
- a sentence copied verbatim from a source is supported unless a hard check fails;
- when the model rejects a sentence that no hard check explains, the reason names the clause and
  the words with the least support (`EntailmentJudge.least_supported`);
- with several citations, ALCE precision asks of each citation whether it is needed: it is
  irrelevant when it does not support the sentence alone and the others support it without it.

Pairs are batched across sentences; `cancelled` (checked before each sentence) lets the TUI's
latest keystroke stop an older run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from assistant.models import Verdict, VerdictLabel
from assistant.verify.evidence import Assessment, Claim, Source, assess
from assistant.verify.judge import EntailmentJudge
from assistant.verify.signals import WordBag, supporting_spans
from assistant.verify.thresholds import EntailmentCuts

HARD_CHECKS = ("missing_numbers", "missing_names", "quote_missing", "negation_mismatch")


class VerificationSuperseded(Exception):
    """A newer request replaced this verification run (raised between sentences)."""


@dataclass
class Job:
    """One sentence to judge: its claim, cited passages (marker → text) and analysed sources."""

    claim: Claim
    cited: dict[int, str]
    sources: dict[int, Source]
    context: dict[int, Source]

    def subset(self, keys: Iterable[int]) -> Job:
        ks = list(keys)
        return Job(
            self.claim,
            {k: self.cited[k] for k in ks},
            {k: self.sources[k] for k in ks},
            {k: self.context[k] for k in ks if k in self.context},
        )


def _markers(ns: Iterable[int]) -> str:
    return ", ".join(f"[{n}]" for n in ns)


def failed_checks(a: Assessment) -> list[str]:
    return [k for k in HARD_CHECKS if a.features[k] > 0]


def decide(
    cuts: EntailmentCuts, a: Assessment, prob: float
) -> tuple[float, VerdictLabel, list[str]]:
    """(score, label, failed hard checks) from the lexical assessment and the model's probability."""
    failed = failed_checks(a)
    score = 1.0 if a.verbatim and not failed else prob
    return score, cuts.label(prob, failed, verbatim=a.verbatim), failed


class EntailmentVerdicts:
    """Verdicts for batches of jobs from the judge and the calibrated cut-offs."""

    def __init__(self, judge: EntailmentJudge, cuts: EntailmentCuts) -> None:
        self.judge = judge
        self.cuts = cuts

    def pairs(self, job: Job) -> list[tuple[str, str]]:
        """(premise, hypothesis) pairs the model reads for a job: the selected premise, then
        each long cited passage's windows. The hypothesis is the claim without the editor's
        attribution ("According to Reuters, …"), which citation metadata vouches for."""
        return self.judge.pairs(job.claim.claim, job.cited)

    def pair(self, job: Job) -> tuple[str, str]:
        """The claim's least supported sentence and the premise that supports it best."""
        sentence, premise, _ = self.judge.weakest(job.claim.claim, job.cited)
        return premise, sentence

    def probability(self, job: Job) -> float:
        """Each sentence of the claim (usually one) at its best premise; the weakest counts."""
        return self.judge.probability(job.claim.claim, job.cited)

    def verdicts(
        self,
        jobs: Sequence[Job],
        with_precision: bool = True,
        cancelled: Callable[[], bool] | None = None,
    ) -> list[Verdict]:
        """One verdict per job. Without `cancelled` every pair goes in one batch; with it, the
        jobs run one by one so that a superseded run stops at its next sentence."""
        assessed = [self._assess(j) for j in jobs]
        if cancelled is None:
            self.judge.probabilities(
                [
                    pair
                    for j, a in zip(jobs, assessed, strict=True)
                    if self._needs_model(j, a)
                    for pair in self.pairs(j)
                ]
            )
        out = []
        for job, a in zip(jobs, assessed, strict=True):
            if cancelled is not None and cancelled():
                raise VerificationSuperseded
            out.append(self._verdict(job, a, with_precision))
        return out

    @staticmethod
    def _assess(job: Job) -> Assessment:
        return assess(job.claim, job.sources, list(job.context.values()))

    @staticmethod
    def _needs_model(job: Job, a: Assessment) -> bool:
        # A verbatim copy that passes every hard check is supported whatever the model says, so
        # the model is not asked (most extractive sentences): that keeps drafts fast.
        return bool(job.claim.tokens) and not (a.verbatim and not failed_checks(a))

    def _probability(self, job: Job, a: Assessment) -> float | None:
        return self.probability(job) if self._needs_model(job, a) else None

    def _verdict(self, job: Job, a: Assessment, with_precision: bool) -> Verdict:
        claim = job.claim
        if not claim.tokens:
            return Verdict(label="unsupported", reasons=("the sentence has no words",))
        prob = self._probability(job, a)
        score, label, failed = decide(self.cuts, a, 1.0 if prob is None else prob)
        cited = list(job.cited)
        where = _markers(cited)
        reasons = [f"number '{n}' not in {where}" for n in a.missing_numbers]
        reasons += [f"'{n}' not in {where}" for n in a.missing_names]
        reasons += [f'quote not found verbatim in {where}: "{q}"' for q in a.missing_quotes]
        if a.negation_mismatch:
            reasons.append(f"negation mismatch with {where}")
        if label != "supported" and not reasons and prob is not None:
            premise, hypothesis = self.pair(job)
            reasons.append(f"the entailment model finds little support in {where} (p={prob:.2f})")
            weak = self.judge.least_supported(hypothesis, premise)
            if weak is not None:
                reasons.append(weak.describe())

        overcited: list[int] = []
        if with_precision and label == "supported" and len(cited) > 1:
            overcited = self._overcited(job)
            if overcited:
                reasons.append(f"{_markers(overcited)} not needed: the other citations support it")

        wanted = WordBag.of([*claim.content, *claim.numbers])
        signals = {
            "coverage": round(a.features["coverage"], 4),
            "bigram_coverage": round(a.features["bigram_coverage"], 4),
            **{k: round(a.features[k], 4) for k in HARD_CHECKS},
            "verbatim": 1.0 if a.verbatim else 0.0,
        }
        if prob is not None:
            signals["entailment"] = round(prob, 4)
        return Verdict(
            label=label,
            score=round(score, 4),
            reasons=tuple(reasons),
            signals=signals,
            supporting={n: supporting_spans(job.cited[n], wanted) for n in cited},
            overcited=tuple(overcited),
        )

    def _supported(self, job: Job) -> bool:
        a = self._assess(job)
        prob = self._probability(job, a)
        return decide(self.cuts, a, 1.0 if prob is None else prob)[1] == "supported"

    def _overcited(self, job: Job) -> list[int]:
        cited = list(job.cited)
        subsets = [job.subset([n]) for n in cited] + [
            job.subset([m for m in cited if m != n]) for n in cited
        ]
        # Every subset's pair in one batch before the decisions read them from the cache.
        self.judge.probabilities(
            [
                pair
                for j in subsets
                if self._needs_model(j, self._assess(j))
                for pair in self.pairs(j)
            ]
        )
        alone, rest = subsets[: len(cited)], subsets[len(cited) :]
        return [
            n
            for n, one, others in zip(cited, alone, rest, strict=True)
            if not self._supported(one) and self._supported(others)
        ]
