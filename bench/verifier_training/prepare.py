"""The training set: every pair's premise cut as the entailment verifier reads it (of
`premise.premises` — the whole text when it fits, else `Premise.select` across several passages
and each long passage's windows — the one holding most of the claim's words), rows
that touch the evaluation data removed, per-source caps, labels balanced, and a seeded train/dev
split by source document.

    python -m bench.verifier_training prepare [--seed N] [--sample N] [--out DIR]

Writes `DIR/pairs.jsonl` (one row per pair: source, file, group, premise, hypothesis, label,
split) and `DIR/stats.json` (counts per source and label, files and rows read, what was dropped
and why), which the data card is built from.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.paths import repo_root
from assistant.text import sentence_spans
from assistant.verify.premise import premises
from bench.verifier_training.pairs import Pair, evaluation_texts, read_all, shared_data_dir
from bench.verifier_training.synthetic import coverage, make_pairs, nli_twins, read_stories

SEED = 20261201
MAX_PREMISE_TOKENS = 160
DEV_SHARE = 0.04
MAX_SUPPORT_LOST = 0.2
"""A positive is dropped when the cut premise holds this much less of its content words than
the full passages do: its label would no longer be true of what the model reads."""
CAPS: dict[str, int] = {}
"""Per-source row caps (label mix kept) before the cut, e.g. {"mnli": 9000}. None by default:
balancing already thins MNLI and FEVER the most, and a 90-minute run sees every pair about
1.4 times."""


def default_out() -> Path:
    return repo_root() / "bench" / "results" / "verifier_training"


@dataclass(frozen=True)
class Row:
    """A pair ready for training: the premise as the model will read it."""

    source: str
    file: str
    group: str
    premise: str
    hypothesis: str
    label: int
    split: str


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def touches_evaluation(premise: str, hypothesis: str, hyps: set[str], sents: set[str]) -> bool:
    """Is the hypothesis an evaluation claim, or any long sentence of the premise an evaluation
    document's sentence?"""
    if _key(hypothesis) in hyps:
        return True
    for a, b in sentence_spans(premise):
        if len(premise[a:b].split()) >= 8 and _key(premise[a:b]) in sents:
            return True
    return False


def support_lost(pair: Pair, premise: str) -> bool:
    """Is `pair` a positive whose support the cut `premise` no longer holds?"""
    if pair.label != 1:
        return False
    full = coverage(pair.hypothesis, " ".join(pair.passages))
    return full - coverage(pair.hypothesis, premise) > MAX_SUPPORT_LOST


PREMISE_SELECTION = (
    "of `assistant.verify.premise.premises` (the whole text when it fits the budget; else "
    "`Premise.select` across several passages and each long passage's windows, as the verifier "
    "judges a claim), the premise holding most of the claim's words"
)


def cut(pair: Pair) -> str:
    """The premise the model reads for `pair`, from the premises the verifier judges the claim
    against (`premise.premises`): the one that holds most of the claim's words (the first on a
    tie). For a positive that is where its support is; for a negative it is the hardest premise,
    the one the verifier's best-of-all would most likely be fooled by. A long source is read as
    a natural run of its text, as at run time, not as sentences picked by the claim's words."""
    cited = dict(enumerate(pair.passages))
    candidates = premises(pair.hypothesis, cited, MAX_PREMISE_TOKENS)
    return max(candidates, key=lambda text: coverage(pair.hypothesis, text))


def build(
    seed: int = SEED, sample: int | None = None, data: Path | None = None
) -> tuple[list[Row], dict]:
    """(rows, stats). `sample` keeps that many pairs (balanced) for a smoke run."""
    data = data or shared_data_dir()
    rng = random.Random(seed)
    pairs = read_all(data)
    stories = read_stories(data)
    synthetic = [*make_pairs(stories, seed), *nli_twins(pairs, seed)]
    files = Counter(p.file for p in [*pairs, *synthetic])
    read_counts = Counter((p.source, p.label) for p in [*pairs, *synthetic])
    everything = [*pairs, *synthetic]

    # Caps first (cheap), then the premise cut only for what may be kept.
    by_source: dict[str, list[Pair]] = {}
    for p in everything:
        by_source.setdefault(p.source, []).append(p)
    kept: list[Pair] = []
    for source in sorted(by_source):
        group = by_source[source]
        cap = CAPS.get(source)
        if cap is not None and len(group) > cap:
            group = _stratified(group, cap, rng)
        kept.extend(group)
    if sample is not None:
        kept = _stratified(kept, min(len(kept), int(sample * 1.6)), rng)

    hyps, sents = evaluation_texts(data)
    dropped: Counter[str] = Counter()
    cut_pairs: list[tuple[Pair, str]] = []
    for p in kept:
        premise = cut(p)
        if not premise.strip():
            dropped["empty premise"] += 1
            continue
        if support_lost(p, premise):
            # A long abstractive summary (SummEdits podcasts, sales e-mails) whose support does
            # not fit 160 tokens would teach the model to accept what the premise lacks.
            dropped[f"positive whose support the cut lost ({p.source})"] += 1
            continue
        if touches_evaluation(premise, p.hypothesis, hyps, sents) or any(
            touches_evaluation(t, "", hyps, sents) for t in p.passages
        ):
            dropped[f"overlaps the evaluation data ({p.source})"] += 1
            continue
        cut_pairs.append((p, premise))

    balanced = _balance(cut_pairs, rng)
    if sample is not None:
        pos = [x for x in balanced if x[0].label == 1][: sample // 2]
        neg = [x for x in balanced if x[0].label == 0][: sample // 2]
        balanced = pos + neg
        rng.shuffle(balanced)
    groups = sorted({p.group for p, _ in balanced})
    random.Random(f"{seed}:split").shuffle(groups)
    dev_groups = set(groups[: max(1, round(len(groups) * DEV_SHARE))])
    rows = [
        Row(
            p.source,
            p.file,
            p.group,
            premise,
            p.hypothesis,
            p.label,
            "dev" if p.group in dev_groups else "train",
        )
        for p, premise in balanced
    ]
    assert_no_overlap(rows, hyps, sents)
    stats = {
        "seed": seed,
        "sample": sample,
        "max_premise_tokens": MAX_PREMISE_TOKENS,
        "premise_selection": PREMISE_SELECTION,
        "caps": CAPS,
        "files": dict(sorted(files.items())),
        "read": {f"{s}|{lab}": n for (s, lab), n in sorted(read_counts.items())},
        "dropped": dict(dropped),
        "used": {
            f"{s}|{lab}|{sp}": n
            for (s, lab, sp), n in sorted(
                Counter((r.source, r.label, r.split) for r in rows).items()
            )
        },
        "labels": dict(Counter(str(r.label) for r in rows)),
        "splits": dict(Counter(r.split for r in rows)),
    }
    return rows, stats


def assert_no_overlap(rows: Iterable[Row], hyps: set[str], sents: set[str]) -> None:
    bad = [r for r in rows if touches_evaluation(r.premise, r.hypothesis, hyps, sents)]
    if bad:
        raise AssertionError(
            f"{len(bad)} training rows overlap the evaluation data, e.g. {bad[0].hypothesis!r}"
        )


def _stratified(pairs: Sequence[Pair], n: int, rng: random.Random) -> list[Pair]:
    """`n` pairs keeping the label mix (seeded)."""
    by_label: dict[int, list[Pair]] = {}
    for p in pairs:
        by_label.setdefault(p.label, []).append(p)
    out: list[Pair] = []
    for label in sorted(by_label):
        group = by_label[label]
        k = round(n * len(group) / len(pairs))
        out.extend(rng.sample(group, min(k, len(group))))
    rng.shuffle(out)
    return out


def _balance(pairs: list[tuple[Pair, str]], rng: random.Random) -> list[tuple[Pair, str]]:
    """Equal labels, in two steps. A source with both labels is balanced in itself first (its
    majority thinned at random), so that no source teaches "this style of text is usually
    supported". Then the labels overall are equalised by water-filling over sources: the sources
    with the most rows of the majority label give way first (MNLI and FEVER), so the scarce
    one-label hard cases (synthetic swaps and deletions, FactCC, CG2C_musique) are kept whole
    where possible."""
    per_source: dict[str, dict[int, list[tuple[Pair, str]]]] = {}
    for x in pairs:
        per_source.setdefault(x[0].source, {}).setdefault(x[0].label, []).append(x)
    by_label: dict[int, dict[str, list[tuple[Pair, str]]]] = {0: {}, 1: {}}
    for source in sorted(per_source):
        groups = per_source[source]
        m = min(len(g) for g in groups.values()) if len(groups) == 2 else None
        for label, group in sorted(groups.items()):
            if m is not None and len(group) > m:
                group = rng.sample(group, m)
            by_label[label][source] = group
    sizes = {lab: sum(len(v) for v in d.values()) for lab, d in by_label.items()}
    n = min(sizes.values())
    out: list[tuple[Pair, str]] = []
    for per_source in by_label.values():
        counts = {s: len(v) for s, v in per_source.items()}
        quota = _water_fill(counts, n)
        for source in sorted(per_source):
            group = per_source[source]
            out.extend(rng.sample(group, quota[source]) if quota[source] < len(group) else group)
    rng.shuffle(out)
    return out


def _water_fill(counts: dict[str, int], total: int) -> dict[str, int]:
    """Per-source quotas summing to `total` (≤ the sum of counts): every source keeps
    min(count, level) for the highest level that fits, the remainder spread over the largest."""
    if sum(counts.values()) <= total:
        return dict(counts)
    lo, hi = 0, max(counts.values())
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(min(c, mid) for c in counts.values()) <= total:
            lo = mid
        else:
            hi = mid - 1
    quota = {s: min(c, lo) for s, c in counts.items()}
    left = total - sum(quota.values())
    for s in sorted(counts, key=lambda s: (-counts[s], s)):
        if left <= 0:
            break
        if quota[s] < counts[s]:
            quota[s] += 1
            left -= 1
    return quota


def write(rows: Sequence[Row], stats: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "pairs.jsonl.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r.__dict__, ensure_ascii=False) + "\n")
    tmp.replace(out / "pairs.jsonl")
    (out / "stats.json").write_text(json.dumps(stats, indent=1), encoding="utf-8")


def read_rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8") as fh:
        return [Row(**json.loads(line)) for line in fh if line.strip()]


def counts_table(stats: dict) -> str:
    """Per source: rows used (train + dev) by label."""
    per: dict[str, Counter[str]] = {}
    for key, n in stats["used"].items():
        source, label, _split = key.split("|")
        per.setdefault(source, Counter())[label] += n
    lines = [f"{'source':30s} {'label 1':>8s} {'label 0':>8s}"]
    for source in sorted(per):
        lines.append(f"{source:30s} {per[source]['1']:8d} {per[source]['0']:8d}")
    lines.append(
        f"{'total':30s} {sum(c['1'] for c in per.values()):8d} {sum(c['0'] for c in per.values()):8d}"
    )
    return "\n".join(lines)
