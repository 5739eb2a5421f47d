"""The real consistency data the verifier is calibrated and measured on (`../shared/data/verify`),
loaded as (sentence, evidence, label) examples, plus the held-out split shared by
`calibrate_verifier.py` and `eval_verifier.py`.

- SummEdits news: a summary and its news document; label 1 = consistent.
- QAGS (CNN/DM and XSum): a model-written summary sentence judged against the full article by
  three crowd workers; the majority "yes" = supported.

The split is by source document (never the same article on both sides), per data set, from a
fixed seed, so calibration and evaluation never share an article.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.paths import repo_root

DATASETS = ("summedits_news", "qags_cnndm", "qags_xsum")


@dataclass(frozen=True)
class Example:
    dataset: str
    group: str
    """Hash of the source document: the unit of the split."""
    sentence: str
    evidence: str
    label: int
    """1 = supported by the evidence, 0 = not."""
    original: str | None = None
    """SummEdits: the consistent summary this one was edited from (the diff is the edit)."""
    edit_types: tuple[str, ...] = ()
    """SummEdits: the kinds of edit made, e.g. `entity`, `antonym`, `negation`."""


def verify_data_dir() -> Path:
    path = repo_root().parent / "shared" / "data" / "verify"
    if not path.is_dir():
        raise FileNotFoundError(
            f"{path}: the verifier's real data is missing (../shared/data/verify)"
        )
    return path


def _group(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _edit_types(value: object) -> tuple[str, ...]:
    """SummEdits stores the list as a Python-literal string, e.g. "['entity', 'antonym']"."""
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, str):
        return tuple(re.findall(r"[A-Za-z_]+", value))
    return ()


def load_examples(data_dir: Path | None = None) -> list[Example]:
    data_dir = data_dir or verify_data_dir()
    out: list[Example] = []
    path = data_dir / "summedits_news.json"
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read SummEdits ({exc})") from exc
    for it in items:
        out.append(
            Example(
                "summedits_news",
                _group(it["doc"]),
                it["summary"],
                it["doc"],
                int(it["label"]),
                original=it.get("original_summary"),
                edit_types=_edit_types(it.get("edit_types")),
            )
        )
    for name in ("cnndm", "xsum"):
        path = data_dir / f"mturk_{name}.jsonl"
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{lineno}: bad JSON ({exc})") from exc
            article = row["article"]
            for s in row["summary_sentences"]:
                yes = sum(r["response"] == "yes" for r in s["responses"])
                label = 1 if yes * 2 > len(s["responses"]) else 0
                out.append(Example(f"qags_{name}", _group(article), s["sentence"], article, label))
    return out


def split(
    examples: Sequence[Example], seed: int, calibration_share: float = 0.5
) -> tuple[list[Example], list[Example]]:
    """(calibration, held-out): documents shuffled with `seed` and cut per data set."""
    calib: list[Example] = []
    held: list[Example] = []
    for dataset in sorted({e.dataset for e in examples}):
        groups = sorted({e.group for e in examples if e.dataset == dataset})
        random.Random(f"{seed}:{dataset}").shuffle(groups)
        cut = set(groups[: round(len(groups) * calibration_share)])
        for e in examples:
            if e.dataset == dataset:
                (calib if e.group in cut else held).append(e)
    return calib, held


def roc_auc(truth: Sequence[int], score: Sequence[float]) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half): how well `score` ranks
    supported above unsupported sentences, whatever the cut-off."""
    pos = [s for t, s in zip(truth, score, strict=True) if t == 1]
    neg = [s for t, s in zip(truth, score, strict=True) if t == 0]
    if not pos or not neg:
        return float("nan")
    ranked = sorted([(s, 1) for s in pos] + [(s, 0) for s in neg])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mid = (i + j + 1) / 2  # average 1-based rank of the tie block
        rank_sum += mid * sum(1 for k in range(i, j) if ranked[k][1] == 1)
        i = j
    return (rank_sum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def scores(truth: Sequence[int], pred: Sequence[int]) -> dict[str, float]:
    """Accuracy, balanced accuracy and macro-F1 of binary predictions (1 = supported)."""
    tp = sum(1 for t, p in zip(truth, pred, strict=True) if t == 1 and p == 1)
    tn = sum(1 for t, p in zip(truth, pred, strict=True) if t == 0 and p == 0)
    fp = sum(1 for t, p in zip(truth, pred, strict=True) if t == 0 and p == 1)
    fn = sum(1 for t, p in zip(truth, pred, strict=True) if t == 1 and p == 0)
    n = len(truth)

    def f1(tp_: int, fp_: int, fn_: int) -> float:
        return 2 * tp_ / (2 * tp_ + fp_ + fn_) if tp_ else 0.0

    recall_pos = tp / (tp + fn) if tp + fn else 0.0
    recall_neg = tn / (tn + fp) if tn + fp else 0.0
    return {
        "n": float(n),
        "accuracy": (tp + tn) / n if n else 0.0,
        "balanced_accuracy": (recall_pos + recall_neg) / 2,
        "macro_f1": (f1(tp, fp, fn) + f1(tn, fn, fp)) / 2,
    }
