"""The entailment model against today's verifier, on data it never trained on.

    python -m bench.eval_entailment [--artefact DIR] [--limit N] [--no-lexical]

- Held-out halves of `../shared/data/verify` (SummEdits news, QAGS CNN/DM, QAGS XSum): the
  split `calibrate_verifier.py` records in `thresholds.json` (same seed, by source document).
- AttributionBench dev (`../shared/data/nli/attributionbench/`): claims with the references they
  cite; `attributable` = supported.

The model reads `Premise.select(sentence, cited passages)`, the premise its training used, and a
probability ≥ 0.5 counts as supported; today's verifier counts `supported` as supported and is
ranked by its score. Printed per set: n, balanced accuracy, macro-F1 and ROC AUC, both systems
side by side. In `make eval` it runs on the committed artefact and says so when there is none.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.verify_sets import DATASETS, load_examples, roc_auc, scores, split


@dataclass(frozen=True)
class Case:
    dataset: str
    sentence: str
    passages: tuple[str, ...]
    label: int


def held_out_cases(seed: int) -> list[Case]:
    _, held = split(load_examples(), seed)
    return [Case(e.dataset, e.sentence, (e.evidence,), e.label) for e in held]


def attributionbench_cases() -> list[Case]:
    from bench.verifier_training.pairs import shared_data_dir

    path = shared_data_dir() / "nli" / "attributionbench" / "dev_all_subset_balanced.jsonl"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            refs = tuple(r for r in row["references"] if r.strip())
            if refs:
                label = 1 if row["attribution_label"] == "attributable" else 0
                out.append(Case("attributionbench", row["claim"], refs, label))
    return out


def model_scores(artefact: Path | None, cases: Sequence[Case]) -> list[float]:
    from assistant.verify.entailment import EntailmentModel
    from assistant.verify.premise import Premise

    model = EntailmentModel.load(artefact)
    max_tokens = int(model.config.get("max_premise_tokens", 160))
    premises = [
        Premise.select(c.sentence, list(c.passages), max_tokens=max_tokens).text for c in cases
    ]
    return model.predict(premises, [c.sentence for c in cases])


def lexical_scores(cases: Sequence[Case]) -> tuple[list[float], list[int]]:
    from assistant.verify.verifier import Verifier

    verifier = Verifier()
    score, pred = [], []
    for c in cases:
        v = verifier.verify_sentence(c.sentence, {i + 1: p for i, p in enumerate(c.passages)})
        score.append(v.score)
        pred.append(1 if v.label == "supported" else 0)
    return score, pred


def table(cases: Sequence[Case], systems: dict[str, tuple[list[float], list[int]]]) -> str:
    sets = [*(d for d in (*DATASETS, "attributionbench") if any(c.dataset == d for c in cases))]
    news = [d for d in DATASETS if d in sets]
    groups = [(d, [d]) for d in sets]
    if len(news) > 1:
        groups.insert(len(news), ("held-out news (all)", news))
    head = f"{'set':22s} {'system':18s} {'n':>5s} {'bal_acc':>8s} {'macro_f1':>9s} {'roc_auc':>8s}"
    lines = [head, "-" * len(head)]
    for name, members in groups:
        idx = [i for i, c in enumerate(cases) if c.dataset in members]
        truth = [cases[i].label for i in idx]
        for system, (score, pred) in systems.items():
            s = scores(truth, [pred[i] for i in idx])
            auc = roc_auc(truth, [score[i] for i in idx])
            lines.append(
                f"{name:22s} {system:18s} {len(idx):5d} {s['balanced_accuracy']:8.3f} "
                f"{s['macro_f1']:9.3f} {auc:8.3f}"
            )
    return "\n".join(lines)


def evaluate(artefact: Path | None, limit: int | None = None, lexical: bool = True) -> str:
    from assistant.verify.thresholds import Thresholds

    seed = int(Thresholds.load().calibration["seed"])
    cases = held_out_cases(seed) + attributionbench_cases()
    if limit:
        # An even spread over the sets, for a quick check that the whole path works.
        by_set: dict[str, list[Case]] = {}
        for c in cases:
            by_set.setdefault(c.dataset, []).append(c)
        cases = [c for group in by_set.values() for c in group[:limit]]
    t0 = time.perf_counter()
    probs = model_scores(artefact, cases)
    t_model = time.perf_counter() - t0
    systems = {"entailment model": (probs, [1 if p >= 0.5 else 0 for p in probs])}
    if lexical:
        t0 = time.perf_counter()
        systems["today's verifier"] = lexical_scores(cases)
        t_lex = time.perf_counter() - t0
    out = [
        f"Entailment model {artefact or '(committed artefact)'} vs today's verifier; held-out "
        f"split seed {seed} (by document), AttributionBench dev never trained on; model "
        "cut-off 0.5",
        table(cases, systems),
        f"model: {len(cases) / t_model:.1f} sentences/s"
        + (f"; today's verifier: {len(cases) / t_lex:.1f} sentences/s" if lexical else ""),
    ]
    return "\n".join(out)


def run() -> None:
    """`make eval`: the committed artefact, or a note that there is none yet."""
    from assistant.verify.entailment import EntailmentModelError, default_model_dir

    try:
        print(evaluate(None))
    except EntailmentModelError as exc:
        print(f"no entailment model to evaluate ({exc}); run `make train-verifier` first")
        print(f"(looked in {default_model_dir()})")


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.eval_entailment")
    ap.add_argument("--artefact", type=Path, help="model folder (default: the committed one)")
    ap.add_argument("--limit", type=int, help="at most N cases per set (a quick check)")
    ap.add_argument("--no-lexical", action="store_true", help="skip today's verifier")
    args = ap.parse_args()
    print(evaluate(args.artefact, args.limit, lexical=not args.no_lexical))


if __name__ == "__main__":
    main()
