"""`make eval`: accuracy, balanced accuracy and macro-F1 of the lexical verifier (the entailment
verifier's fallback) on real consistency data.

The held-out part (documents never seen by `calibrate_verifier.py`, same seed as recorded in
`thresholds.json`) is judged through the public API, `Verifier.verify_sentence`, exactly as the
drafter calls it; "supported" counts as consistent, "weak" and "unsupported" as not. Printed next
to the figures recorded on the calibration part and to baselines tuned on that same part
(majority class, content-word coverage alone, similarity alone).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from assistant.models import Verdict
from assistant.verify.thresholds import Thresholds
from assistant.verify.verifier import Verifier
from bench.verify_sets import DATASETS, Example, load_examples, roc_auc, scores, split


def judge(verifier: Verifier, examples: Sequence[Example]) -> list[Verdict]:
    return [verifier.verify_sentence(e.sentence, {1: e.evidence}) for e in examples]


def held_out_figures(
    thresholds: Thresholds, verdicts: Sequence[Verdict], held: Sequence[Example]
) -> dict[str, dict[str, dict[str, float]]]:
    """Per system (verifier and baselines), per data set: the three scores on the held-out part."""
    cuts = thresholds.calibration.get("baselines", {}).get("cuts", {})
    systems: dict[str, list[int]] = {
        "verifier": [1 if v.label == "supported" else 0 for v in verdicts]
    }
    if cuts:
        systems["majority class"] = [int(cuts["majority"])] * len(held)
        for signal in ("coverage", "sim_window"):
            systems[f"{signal} alone"] = [
                1 if v.signals.get(signal, 0.0) >= cuts[signal] else 0 for v in verdicts
            ]
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, pred in systems.items():
        out[name] = {}
        for ds in (*DATASETS, "all"):
            idx = [i for i, e in enumerate(held) if ds == "all" or e.dataset == ds]
            out[name][ds] = scores([held[i].label for i in idx], [pred[i] for i in idx])
    return out


def _table(title: str, figs: dict[str, dict[str, dict[str, float]]]) -> str:
    """One row per system: acc / balanced acc / macro-F1 on all, then balanced acc per data set."""
    head = f"{'system':16s} {'n':>5s} {'acc':>6s} {'bal_acc':>8s} {'macro_f1':>9s} | " + " ".join(
        f"{ds:>15s}" for ds in DATASETS
    )
    lines = [f"\n{title}", head, "-" * len(head)]
    for system, per_ds in figs.items():
        f = per_ds["all"]
        lines.append(
            f"{system:16s} {int(f['n']):5d} {f['accuracy']:6.3f} {f['balanced_accuracy']:8.3f} "
            f"{f['macro_f1']:9.3f} | "
            + " ".join(
                f"{per_ds[ds]['balanced_accuracy']:15.3f}" if ds in per_ds else f"{'-':>15s}"
                for ds in DATASETS
            )
        )
    lines.append("(per data set: balanced accuracy)")
    return "\n".join(lines)


def run() -> None:
    thresholds = Thresholds.load()
    rec = thresholds.calibration
    if not rec:
        raise RuntimeError(
            "assistant/verify/thresholds.json is not calibrated; run "
            "`python -m bench.calibrate_verifier` first"
        )
    _, held = split(load_examples(), int(rec["seed"]))
    # The lexical verifier, the entailment verifier's stated fallback; bench/eval_entailment.py
    # compares the two.
    verifier = Verifier(thresholds=thresholds, backend="lexical")
    t0 = time.perf_counter()
    verdicts = judge(verifier, held)
    elapsed = time.perf_counter() - t0
    figs = held_out_figures(thresholds, verdicts, held)

    print(
        f"Verifier on ../shared/data/verify (split seed {rec['seed']}, by document; "
        f"supported = consistent, weak/unsupported = not)"
    )
    print(
        f"cut-offs: supported >= {thresholds.supported:.3f}, "
        f"unsupported < {thresholds.unsupported:.3f}"
    )
    print(
        _table(
            "calibration part (recorded by calibrate_verifier.py)", {"verifier": rec["calibration"]}
        )
    )
    print(
        _table(f"held-out part ({len(held)} sentences, judged now through verify_sentence)", figs)
    )
    print("\nROC AUC on the held-out part (ranking quality, whatever the cut-off):")
    for name, key in (
        ("verifier score", None),
        ("similarity alone", "sim_window"),
        ("coverage alone", "coverage"),
    ):
        row = []
        for ds in DATASETS:
            idx = [i for i, e in enumerate(held) if e.dataset == ds]
            vals = [
                verdicts[i].score if key is None else verdicts[i].signals.get(key, 0.0) for i in idx
            ]
            row.append(f"{ds} {roc_auc([held[i].label for i in idx], vals):.3f}")
        print(f"  {name:17s} " + "  ".join(row))
    labels = {
        k: sum(1 for v in verdicts if v.label == k) for k in ("supported", "weak", "unsupported")
    }
    print(
        f"held-out labels: {labels}; {len(held) / elapsed:.1f} sentences/s through verify_sentence"
    )
    recorded = rec.get("held_out", {}).get("all", {})
    if (
        recorded
        and abs(recorded["balanced_accuracy"] - figs["verifier"]["all"]["balanced_accuracy"]) > 1e-3
    ):
        print(
            "WARNING: held-out figures differ from those recorded at calibration: "
            f"{recorded['balanced_accuracy']:.4f} recorded"
        )


if __name__ == "__main__":
    run()
