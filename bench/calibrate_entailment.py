"""Calibrate the entailment verifier's cut-offs and write them into `thresholds.json`.

    python -m bench.calibrate_entailment [--artefact DIR] [--out PATH]

The same data and the same split as `calibrate_verifier.py` (its seed is read from the file, by
source document, per data set): the cut-offs are chosen on the calibration halves only, and the
held-out halves are scored for the record. The lexical weights in the file are left as they are.

- every example is judged as the verifier judges it at run time (`EntailmentJudge.probability`):
  each sentence of the example at its best premise of `premise.premises(sentence, [evidence])`
  (the selection, then the article's windows), the weakest sentence counting, with the lexical
  hard checks applied as caps and the verbatim rule (`assistant.verify.learned.decide`);
- `supported`: the probability that maximises balanced accuracy (supported vs not) averaged over
  the three data sets on the calibration halves;
- `unsupported`: the highest probability below which at least 80% of calibration sentences are
  really unsupported; between the two a sentence is `weak`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.verify.evidence import Assessment, Claim, Source, assess
from assistant.verify.judge import EntailmentJudge
from assistant.verify.learned import decide
from assistant.verify.thresholds import THRESHOLDS_PATH, EntailmentCuts, Thresholds
from bench.calibrate_verifier import UNSUPPORTED_PRECISION, figures, objective
from bench.verify_sets import DATASETS, Example, load_examples, roc_auc, split


def judge_all(
    judge: EntailmentJudge,
    examples: Sequence[Example],
    log: Callable[[str], None] | None = None,
) -> tuple[list[float], list[Assessment]]:
    """(probability, lexical assessment) of every example, as the run-time verifier sees it."""
    claims = [Claim.of(e.sentence) for e in examples]
    # Every premise of a claim (the selection, then a long source's windows); the best counts.
    per_claim = [
        judge.pairs(c.claim, {1: e.evidence}) for c, e in zip(claims, examples, strict=True)
    ]
    probs: list[float] = []
    t0 = time.perf_counter()
    step = 32
    for i in range(0, len(per_claim), step):
        # One batch for the chunk's pairs; then each claim's probability (its weakest sentence
        # at that sentence's best premise) is read from the judge's cache.
        judge.probabilities([p for pairs in per_claim[i : i + step] for p in pairs])
        for c, e in zip(claims[i : i + step], examples[i : i + step], strict=True):
            probs.append(judge.probability(c.claim, {1: e.evidence}))
        if log:
            log(f"  judged {len(probs)}/{len(per_claim)} ({time.perf_counter() - t0:.0f}s)")
    sources: dict[str, Source] = {}
    assessments = []
    for c, e in zip(claims, examples, strict=True):
        src = sources.setdefault(e.evidence, Source.of(e.evidence))
        assessments.append(assess(c, {1: src}))
    return probs, assessments


def predictions(
    cuts: EntailmentCuts, probs: Sequence[float], assessments: Sequence[Assessment]
) -> list[int]:
    return [
        1 if decide(cuts, a, p)[1] == "supported" else 0
        for p, a in zip(probs, assessments, strict=True)
    ]


def fit(
    examples: Sequence[Example], probs: Sequence[float], assessments: Sequence[Assessment]
) -> EntailmentCuts:
    base = EntailmentCuts()
    best = (-1.0, 0.5)
    for c in sorted(set(round(p, 4) for p in probs)):
        ba = objective(
            examples, predictions(base.model_copy(update={"supported": c}), probs, assessments)
        )
        if ba > best[0] + 1e-12:
            best = (ba, c)
    t_sup = best[1]
    t_uns = 0.0
    y = [e.label for e in examples]
    for c in sorted(set(round(p, 4) for p in probs if p <= t_sup)):
        below = [lab for p, lab in zip(probs, y, strict=True) if p < c]
        if below and below.count(0) / len(below) >= UNSUPPORTED_PRECISION:
            t_uns = c
    return base.model_copy(update={"supported": t_sup, "unsupported": t_uns})


def calibrate(
    examples: Sequence[Example],
    seed: int,
    judge: EntailmentJudge,
    log: Callable[[str], None] | None = None,
) -> EntailmentCuts:
    calib, held = split(examples, seed)
    if log:
        log(f"calibration part: {len(calib)} sentences; held-out part: {len(held)}")
    p_cal, a_cal = judge_all(judge, calib, log)
    p_held, a_held = judge_all(judge, held, log)
    cuts = fit(calib, p_cal, a_cal)
    auc = {
        ds: round(
            roc_auc(
                [e.label for e in held if e.dataset == ds],
                [p for p, e in zip(p_held, held, strict=True) if e.dataset == ds],
            ),
            4,
        )
        for ds in DATASETS
    }
    record = {
        "data": "../shared/data/verify: summedits_news.json, mturk_cnndm.jsonl, mturk_xsum.jsonl",
        "seed": seed,
        "split": "the lexical calibration's split (by source document, 50/50)",
        # Relative to the checkout, so the committed file names no machine's folders.
        "model": _relative(judge.model.path),
        "model_training": judge.model.config.get("training", {}),
        "sizes": {"calibration": len(calib), "held_out": len(held)},
        "binary": "supported = consistent; weak and unsupported = not",
        "calibration": figures(calib, predictions(cuts, p_cal, a_cal)),
        "held_out": figures(held, predictions(cuts, p_held, a_held)),
        "held_out_roc_auc": auc,
    }
    return cuts.model_copy(update={"calibration": record})


def _relative(path: Path) -> str:
    from assistant.paths import repo_root

    try:
        return str(path.resolve().relative_to(repo_root()))
    except ValueError:
        return path.name


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--artefact", type=Path, help="model folder (default: the committed one)")
    ap.add_argument(
        "--out", type=Path, default=None, help="default: assistant/verify/thresholds.json"
    )
    args = ap.parse_args(argv)
    path = args.out or THRESHOLDS_PATH
    th = Thresholds.load(path if path.is_file() else None)
    seed = int(th.calibration.get("seed", 20261122))
    cuts = calibrate(
        load_examples(),
        seed,
        EntailmentJudge(args.artefact, runtime="onnx"),  # the default runtime, torch's labels
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    th.model_copy(update={"entailment": cuts}).save(path)
    print(f"wrote {path}")
    print(f"entailment: supported >= {cuts.supported:.4f}, unsupported < {cuts.unsupported:.4f}")
    for part in ("calibration", "held_out"):
        for ds, f in cuts.calibration[part].items():
            print(
                f"{part:12s} {ds:15s} n={int(f['n']):4d} acc={f['accuracy']:.3f} "
                f"bal_acc={f['balanced_accuracy']:.3f} macro_f1={f['macro_f1']:.3f}"
            )
    print("held-out ROC AUC:", cuts.calibration["held_out_roc_auc"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
