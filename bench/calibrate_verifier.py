"""Calibrate the verifier on real consistency data and write `assistant/verify/thresholds.json`.

    python -m bench.calibrate_verifier [--seed N] [--out PATH] [--vectors CACHE.npz]

Reproducible: the split (by source document, per data set) comes from a fixed seed, the model is a
class-balanced, L2-regularised logistic regression over the verifier's signals with each weight's
sign constrained (`FEATURE_SIGNS`: more overlap never lowers support), fitted by deterministic
L-BFGS-B from zero, and the cut-offs are chosen by an exhaustive scan. The file records the seed,
the split sizes, and the figures reached on the calibration part and on the held-out part, next
to simple baselines.

- `supported` cut-off: maximises balanced accuracy (supported vs not), averaged over the three
  data sets, on the calibration part, with the verifier's hard checks and verbatim rule applied
  exactly as at run time;
- `unsupported` cut-off: the highest score below which at least 80% of calibration sentences are
  really unsupported; the band between the two is `weak`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.verify.evidence import FEATURE_SIGNS, FEATURES, Assessment, vector_of
from assistant.verify.thresholds import THRESHOLDS_PATH, Thresholds
from assistant.verify.verifier import Verifier
from bench.verify_sets import DATASETS, Example, load_examples, scores, split

SEED = 20261122
UNSUPPORTED_PRECISION = 0.8


def precompute(
    verifier: Verifier,
    examples: Sequence[Example],
    cache: Path | None,
    log: Callable[[str], None] | None = None,
) -> None:
    """Embed every sentence the assessments need in large batches, optionally via a file cache
    (`--vectors`), so re-running the calibration does not re-encode ~20k sentences."""
    import numpy as np

    texts: list[str] = []
    for e in examples:
        texts.extend(verifier.texts_to_encode(e.sentence, {1: e.evidence}))
    texts = list(dict.fromkeys(texts))
    known: dict[str, np.ndarray] = {}
    if cache is not None and cache.is_file():
        with np.load(cache, allow_pickle=False) as z:
            known = dict(zip(z["texts"].tolist(), z["vectors"], strict=True))
    missing = [t for t in texts if t not in known]
    if log:
        log(f"{len(texts)} distinct sentences, {len(missing)} to encode")
    if missing:
        t0 = time.perf_counter()
        step = 1024
        for i in range(0, len(missing), step):
            chunk = missing[i : i + step]
            known.update(zip(chunk, verifier.embedder.encode(chunk), strict=True))
            if log:
                done = min(i + step, len(missing))
                log(f"  encoded {done}/{len(missing)} ({time.perf_counter() - t0:.0f}s)")
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            keys = list(known)
            np.savez(cache, texts=np.array(keys), vectors=np.vstack([known[k] for k in keys]))
    verifier.remember_vectors(texts, [known[t] for t in texts])


def assess_all(
    verifier: Verifier, examples: Sequence[Example], log: Callable[[str], None] | None = None
) -> list[Assessment]:
    """Signals of every example; examples sharing a document reuse its cached windows."""
    out: list[Assessment] = []
    t0 = time.perf_counter()
    for i, e in enumerate(examples, 1):
        out.append(verifier.assess(e.sentence, {1: e.evidence}))
        if log and i % 200 == 0:
            log(f"  assessed {i}/{len(examples)} ({time.perf_counter() - t0:.0f}s)")
    return out


def predict(thresholds: Thresholds, assessments: Sequence[Assessment]) -> list[int]:
    verifier = Verifier(embedder=None, thresholds=thresholds)
    return [1 if verifier.decide(a)[1] == "supported" else 0 for a in assessments]


def objective(examples: Sequence[Example], pred: Sequence[int]) -> float:
    """Mean over the data sets of balanced accuracy: each data set (and each class) counts
    equally, so the largest or most lopsided set does not choose the cut-off alone."""
    out = []
    for ds in sorted({e.dataset for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.dataset == ds]
        out.append(
            scores([examples[i].label for i in idx], [pred[i] for i in idx])["balanced_accuracy"]
        )
    return sum(out) / len(out)


def _best_cut(
    values: Sequence[float], examples: Sequence[Example], to_pred: Callable[[float], list[int]]
) -> float:
    candidates = sorted(set(round(v, 4) for v in values))
    best = (-1.0, 0.0)
    for c in candidates:
        ba = objective(examples, to_pred(c))
        if ba > best[0] + 1e-12:
            best = (ba, c)
    return best[1]


def _fit_logistic(
    rows: Sequence[Sequence[float]], labels: Sequence[int], c: float = 1.0
) -> tuple[list[float], float]:
    """Class-balanced logistic regression with sign-constrained weights (L-BFGS-B from zero)."""
    import numpy as np
    from scipy.optimize import minimize

    X = np.asarray(rows, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    pos = max(float(y.sum()), 1.0)
    neg = max(len(y) - float(y.sum()), 1.0)
    cw = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * neg))

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        z = X @ w + b
        p = 1.0 / (1.0 + np.exp(-z))
        value = float(np.sum(cw * (np.logaddexp(0.0, z) - y * z)) + 0.5 / c * np.sum(w * w))
        grad = np.append(X.T @ (cw * (p - y)) + w / c, np.sum(cw * (p - y)))
        return value, grad

    bounds = [(0.0, None) if FEATURE_SIGNS[f] > 0 else (None, 0.0) for f in FEATURES]
    res = minimize(
        loss,
        np.zeros(len(FEATURES) + 1),
        jac=True,
        method="L-BFGS-B",
        bounds=[*bounds, (None, None)],
    )
    if not res.success:
        raise RuntimeError(f"calibration did not converge: {res.message}")
    return [float(v) for v in res.x[:-1]], float(res.x[-1])


def fit(examples: Sequence[Example], assessments: Sequence[Assessment], seed: int) -> Thresholds:
    """Fit weights and cut-offs on the calibration part."""
    weights, bias = _fit_logistic(
        [vector_of(a.features) for a in assessments], [e.label for e in examples]
    )
    th = Thresholds(
        weights={f: round(w, 6) for f, w in zip(FEATURES, weights, strict=True)},
        bias=round(bias, 6),
    )
    y = [e.label for e in examples]
    verifier = Verifier(thresholds=th)
    decided = [verifier.decide(a) for a in assessments]
    sc = [d[0] for d in decided]
    failed = [d[2] for d in decided]

    def as_pred(cut: float) -> list[int]:
        t = th.model_copy(update={"supported": cut, "unsupported": min(cut, th.unsupported)})
        return [
            1 if t.label(s, f, a.verbatim) == "supported" else 0
            for s, f, a in zip(sc, failed, assessments, strict=True)
        ]

    t_sup = _best_cut(sc, examples, as_pred)
    t_uns = 0.0
    for c in sorted(set(round(s, 4) for s in sc if s <= t_sup)):
        below = [lab for s, lab in zip(sc, y, strict=True) if s < c]
        if below and below.count(0) / len(below) >= UNSUPPORTED_PRECISION:
            t_uns = c
    return th.model_copy(update={"supported": t_sup, "unsupported": t_uns})


def figures(examples: Sequence[Example], pred: Sequence[int]) -> dict[str, dict[str, float]]:
    out = {}
    for ds in (*DATASETS, "all"):
        idx = [i for i, e in enumerate(examples) if ds == "all" or e.dataset == ds]
        if idx:
            out[ds] = {
                k: round(v, 4)
                for k, v in scores([examples[i].label for i in idx], [pred[i] for i in idx]).items()
            }
    return out


def baseline_cuts(
    examples: Sequence[Example], assessments: Sequence[Assessment]
) -> dict[str, float]:
    """Single-signal baselines tuned on the same calibration part, and the majority class."""
    y = [e.label for e in examples]
    cuts: dict[str, float] = {}
    for signal in ("coverage", "sim_window"):
        vals = [round(a.features[signal], 4) for a in assessments]  # as in Verdict.signals
        cuts[signal] = _best_cut(vals, examples, lambda c, v=vals: [1 if x >= c else 0 for x in v])
    cuts["majority"] = 1.0 if sum(y) * 2 >= len(y) else 0.0
    return cuts


def baseline_predictions(
    cuts: dict[str, float], assessments: Sequence[Assessment]
) -> dict[str, list[int]]:
    out = {"majority": [int(cuts["majority"])] * len(assessments)}
    for signal in ("coverage", "sim_window"):
        out[signal] = [
            1 if round(a.features[signal], 4) >= cuts[signal] else 0 for a in assessments
        ]
    return out


def calibrate(
    examples: Sequence[Example],
    seed: int = SEED,
    verifier: Verifier | None = None,
    log: Callable[[str], None] | None = None,
    vectors: Path | None = None,
) -> Thresholds:
    """Split, assess, fit; returns thresholds carrying the calibration record."""
    calib, held = split(examples, seed)
    verifier = verifier or Verifier(thresholds=Thresholds())
    if log:
        log(f"calibration part: {len(calib)} sentences; held-out part: {len(held)}")
    precompute(verifier, examples, vectors, log)
    a_cal = assess_all(verifier, calib, log)
    a_held = assess_all(verifier, held, log)
    th = fit(calib, a_cal, seed)
    cuts = baseline_cuts(calib, a_cal)
    record = {
        "data": "../shared/data/verify: summedits_news.json, mturk_cnndm.jsonl, mturk_xsum.jsonl",
        "seed": seed,
        "split": "by source document per data set, 50% calibration / 50% held-out",
        "sizes": {"calibration": len(calib), "held_out": len(held)},
        "binary": "supported = consistent; weak and unsupported = not",
        "calibration": figures(calib, predict(th, a_cal)),
        "held_out": figures(held, predict(th, a_held)),
        "baselines": {
            "cuts": cuts,
            "held_out": {
                k: figures(held, p)["all"] for k, p in baseline_predictions(cuts, a_held).items()
            },
        },
    }
    return th.model_copy(update={"calibration": record})


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument(
        "--out", type=Path, default=None, help="default: assistant/verify/thresholds.json"
    )
    ap.add_argument(
        "--vectors",
        type=Path,
        default=None,
        help="an .npz file caching the sentence vectors between runs",
    )
    args = ap.parse_args(argv)
    th = calibrate(
        load_examples(),
        args.seed,
        log=lambda m: print(m, file=sys.stderr, flush=True),
        vectors=args.vectors,
    )
    # The entailment verifier's cut-offs (bench/calibrate_entailment.py) are kept as they are.
    existing = args.out or THRESHOLDS_PATH
    if existing.is_file():
        th = th.model_copy(update={"entailment": Thresholds.load(existing).entailment})
    path = th.save(args.out)
    rec = th.calibration
    print(f"wrote {path}")
    print(f"supported >= {th.supported:.4f}, unsupported < {th.unsupported:.4f}")
    for part in ("calibration", "held_out"):
        for ds, f in rec[part].items():
            print(
                f"{part:12s} {ds:15s} n={int(f['n']):4d} acc={f['accuracy']:.3f} "
                f"bal_acc={f['balanced_accuracy']:.3f} macro_f1={f['macro_f1']:.3f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
