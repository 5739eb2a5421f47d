"""The entailment verifier against today's lexical verifier, on data the model never trained on.

    python -m bench.eval_entailment [--artefact DIR] [--limit N] [--examples]

- Held-out halves of `../shared/data/verify` (SummEdits news, QAGS CNN/DM, QAGS XSum): the
  split `calibrate_verifier.py` records in `thresholds.json` (same seed, by source document); the
  calibration halves chose the cut-offs and are never scored here.
- AttributionBench dev (`../shared/data/nli/attributionbench/`): claims with the references they
  cite; `attributable` = supported. Held out: never trained on, never calibrated on.

Systems, each judged through `Verifier.verify_sentence` exactly as a draft is:
- `entailment` — the default verifier: the model's probability with its calibrated cut-off and
  the lexical hard checks;
- `model p>=0.5` — the model's probability alone at 0.5 (what the hard checks and calibration add);
- `lexical` — today's verifier, the stated fallback.

Then, on the SummEdits held-out half: how often each kind of edit is caught (one cut-off for all
sets; a 95% interval from resampling the articles, since ~12 articles carry ~410 summaries), and
whether "the part with the least support" points at the edit (scored against the words that
differ from `original_summary`). `--examples` prints real mistakes for the README.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.models import Verdict
from bench.verify_sets import DATASETS, Example, load_examples, roc_auc, scores, split

EDIT_TYPES = {
    "entity_modification": "entity",
    "antonym_swap": "antonym",
    "negation_insertion_removal": "negation",
    "hallucinated_fact_insertion": "hallucination",
}
_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True)
class Case:
    dataset: str
    sentence: str
    passages: tuple[str, ...]
    label: int
    example: Example | None = None


def held_out_cases(seed: int) -> list[Case]:
    _, held = split(load_examples(), seed)
    return [Case(e.dataset, e.sentence, (e.evidence,), e.label, e) for e in held]


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


def judge(
    verify: Callable[[str, dict[int, str]], Verdict], cases: Sequence[Case]
) -> tuple[list[Verdict], float]:
    t0 = time.perf_counter()
    out = [verify(c.sentence, {i + 1: p for i, p in enumerate(c.passages)}) for c in cases]
    return out, time.perf_counter() - t0


def table(cases: Sequence[Case], systems: dict[str, tuple[list[float], list[int]]]) -> str:
    sets = [d for d in (*DATASETS, "attributionbench") if any(c.dataset == d for c in cases)]
    news = [d for d in DATASETS if d in sets]
    groups = [(d, [d]) for d in sets]
    if len(news) > 1:
        groups.insert(len(news), ("held-out news (all)", news))
    head = (
        f"{'set':22s} {'system':14s} {'n':>5s} {'acc':>6s} {'bal_acc':>8s} {'macro_f1':>9s} "
        f"{'roc_auc':>8s}"
    )
    lines = [head, "-" * len(head)]
    for name, members in groups:
        idx = [i for i, c in enumerate(cases) if c.dataset in members]
        truth = [cases[i].label for i in idx]
        for system, (score, pred) in systems.items():
            s = scores(truth, [pred[i] for i in idx])
            auc = roc_auc(truth, [score[i] for i in idx])
            lines.append(
                f"{name:22s} {system:14s} {len(idx):5d} {s['accuracy']:6.3f} "
                f"{s['balanced_accuracy']:8.3f} {s['macro_f1']:9.3f} {auc:8.3f}"
            )
    return "\n".join(lines)


def _interval(groups: Sequence[str], hits: Sequence[int], seed: int = 7) -> tuple[float, float]:
    """95% interval of a rate by resampling whole articles (the summaries of one article are
    not independent)."""
    by: dict[str, list[int]] = {}
    for g, h in zip(groups, hits, strict=True):
        by.setdefault(g, []).append(h)
    keys = sorted(by)
    rng = random.Random(seed)
    rates = []
    for _ in range(1000):
        sample = [by[rng.choice(keys)] for _ in keys]
        n = sum(len(s) for s in sample)
        rates.append(sum(sum(s) for s in sample) / n if n else 0.0)
    rates.sort()
    return rates[25], rates[974]


def edit_type_table(cases: Sequence[Case], systems: dict[str, list[int]]) -> str:
    """Share of edited (inconsistent) SummEdits summaries each system does not call supported."""
    rows = [
        (
            label,
            [
                i
                for i, c in enumerate(cases)
                if c.example and c.label == 0 and key in c.example.edit_types
            ],
        )
        for key, label in EDIT_TYPES.items()
    ]
    rows.append(
        (
            "consistent (kept)",
            [i for i, c in enumerate(cases) if c.dataset == "summedits_news" and c.label == 1],
        )
    )
    head = f"{'edit':18s} {'n':>4s} {'art.':>4s} " + " ".join(f"{s:>24s}" for s in systems)
    lines = [head, "-" * len(head)]
    for label, idx in rows:
        if not idx:
            continue
        groups = [cases[i].example.group for i in idx]  # type: ignore[union-attr]
        cells = []
        for pred in systems.values():
            # Edited summaries: caught = not supported; consistent ones: kept = supported.
            hits = [pred[i] if cases[i].label == 1 else 1 - pred[i] for i in idx]
            lo, hi = _interval(groups, hits)
            cells.append(f"{sum(hits) / len(hits):.2f} [{lo:.2f}, {hi:.2f}]")
        lines.append(
            f"{label:18s} {len(idx):4d} {len(set(groups)):4d} "
            + " ".join(f"{c:>24s}" for c in cells)
        )
    lines.append("(edited rows: share caught; last row: share of consistent summaries supported)")
    return "\n".join(lines)


def _diff_words(summary: str, original: str) -> set[str]:
    from assistant.text import STOPWORDS

    before = {w.casefold() for w in _WORD.findall(original)}
    return {
        w.casefold()
        for w in _WORD.findall(summary)
        if w.casefold() not in before and w.casefold() not in STOPWORDS
    }


def weak_part_report(cases: Sequence[Case], verifier: object, limit: int | None = None) -> str:
    """Does the least supported part point at the edit? Over edited SummEdits summaries whose
    edit added words (a deletion leaves nothing to point at)."""
    from assistant.text import STOPWORDS
    from assistant.verify.evidence import Claim

    judge_ = verifier.judge  # type: ignore[attr-defined]
    n = word_hit = clause_hit = clauses = lexical_hit = 0
    chance = 0.0
    todo = [
        c
        for c in cases
        if c.example and c.label == 0 and c.example.original and c.example.edit_types
    ]
    for c in todo[:limit] if limit else todo:
        diff = _diff_words(c.sentence, c.example.original or "")  # type: ignore[union-attr]
        if not diff:
            continue
        hyp = Claim.of(c.sentence).claim
        hyp, premise, _ = judge_.weakest(hyp, {1: c.passages[0]})
        weak = judge_.least_supported(hyp, premise)
        if weak is None:
            continue
        n += 1
        content = [w.casefold() for w in _WORD.findall(hyp) if w.casefold() not in STOPWORDS]
        chance += min(1.0, 2 * len(diff) / max(len(content), 1))
        word_hit += any(w.casefold() in diff for w in weak.words)
        if weak.clause is not None:
            clauses += 1
            clause_hit += any(w.casefold() in diff for w in _WORD.findall(weak.clause))
        novel = [w for w in content if w not in set(_WORD.findall(c.passages[0].casefold()))][:2]
        lexical_hit += any(w in diff for w in novel)
    if not n:
        return "no edited summary with added words to score"
    return (
        f"least supported part vs the edit, {n} edited held-out SummEdits summaries:\n"
        f"  named words include an edited word: {word_hit / n:.2f} "
        f"(chance for two random content words ~{chance / n:.2f}; the lexical verifier's first "
        f"two words missing from the source: {lexical_hit / n:.2f})\n"
        + (
            f"  weakest clause contains an edited word: {clause_hit / clauses:.2f} "
            f"({clauses} summaries with more than one clause)"
            if clauses
            else ""
        )
    )


def examples_report(cases: Sequence[Case], verdicts: Sequence[Verdict], k: int = 4) -> str:
    """Real mistakes of the entailment verifier on the held-out news halves."""
    rng = random.Random(11)
    news = [i for i, c in enumerate(cases) if c.dataset in DATASETS]
    fp = [i for i in news if cases[i].label == 0 and verdicts[i].label == "supported"]
    fn = [i for i in news if cases[i].label == 1 and verdicts[i].label != "supported"]
    out = []
    for name, idx in (("passed but not consistent", fp), ("rejected but consistent", fn)):
        out.append(f"\n{name}: {len(idx)}")
        for i in rng.sample(idx, min(k, len(idx))):
            c, v = cases[i], verdicts[i]
            out.append(f"- [{c.dataset}] {c.sentence!r} -> {v.label} {v.score:.2f}; {v.reasons}")
            if c.example and c.example.original and c.example.original != c.sentence:
                out.append(f"    original: {c.example.original!r}")
    return "\n".join(out)


def evaluate(artefact: Path | None, limit: int | None = None, show_examples: bool = False) -> str:
    from assistant.verify.thresholds import Thresholds
    from assistant.verify.verifier import Verifier

    thresholds = Thresholds.load()
    seed = int(thresholds.calibration["seed"])
    cases = held_out_cases(seed) + attributionbench_cases()
    if limit:
        # An even spread over the sets, for a quick check that the whole path works.
        by_set: dict[str, list[Case]] = {}
        for c in cases:
            by_set.setdefault(c.dataset, []).append(c)
        cases = [c for group in by_set.values() for c in group[:limit]]

    # ONNX Runtime: the verifier's default runtime, torch's labels at a quarter of the time.
    learned = Verifier(
        thresholds=thresholds,
        backend="entailment",
        model_dir=artefact,
        strict=True,
        runtime="onnx",
    )
    learned.judge.model  # noqa: B018 - load before timing
    raw = Verifier(
        thresholds=thresholds.model_copy(
            update={
                "entailment": thresholds.entailment.model_copy(
                    update={"supported": 0.5, "unsupported": 0.5, "caps": {}}
                )
            }
        ),
        backend="entailment",
        judge=learned.judge,
    )
    lexical = Verifier(thresholds=thresholds, backend="lexical")
    v_learned, t_learned = judge(learned.verify_sentence, cases)
    v_raw, _ = judge(raw.verify_sentence, cases)
    v_lex, t_lex = judge(lexical.verify_sentence, cases)

    def system(vs: Sequence[Verdict], key: str | None = None) -> tuple[list[float], list[int]]:
        # A verbatim copy is not sent to the model (it is supported by rule): rank it as 1.0.
        score = [
            v.score if key is None else v.signals.get(key, v.signals.get("verbatim", 0.0))
            for v in vs
        ]
        return score, [1 if v.label == "supported" else 0 for v in vs]

    systems = {
        "entailment": system(v_learned, "entailment"),
        "model p>=0.5": system(v_raw, "entailment"),
        "lexical": system(v_lex),
    }
    cuts = thresholds.entailment
    out = [
        f"Entailment verifier ({learned.judge.model.path}) vs the lexical verifier; held-out "
        f"split seed {seed} (by document), AttributionBench dev never trained on; "
        f"calibrated cut-off supported >= {cuts.supported:.3f} (weak >= {cuts.unsupported:.3f})",
        table(cases, systems),
        "(roc_auc ranks by the model's probability for the first two, by the lexical score for "
        "the last)",
        f"speed through verify_sentence: entailment {len(cases) / t_learned:.1f} sentences/s, "
        f"lexical {len(cases) / t_lex:.1f} sentences/s",
        "\nSummEdits news, held-out half, by edit type:",
        edit_type_table(cases, {k: v[1] for k, v in systems.items()}),
        "",
        weak_part_report(cases, learned, limit=limit),
    ]
    if show_examples:
        out.append(examples_report(cases, v_learned))
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
    ap.add_argument("--examples", action="store_true", help="print real mistakes")
    args = ap.parse_args()
    print(evaluate(args.artefact, args.limit, show_examples=args.examples))


if __name__ == "__main__":
    main()
