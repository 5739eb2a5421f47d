"""`Pair` (one labelled premise → hypothesis example) and the readers of `../shared/data/nli/`.

Every reader yields pairs with the *full* premise (a document or a list of cited passages); the
premise the model reads is cut later by `prepare.cut`, as at inference. Labels: 1 = the
premise supports the hypothesis, 0 = it does not (contradiction and "not enough info" alike: the
verifier must not certify what the sources do not say).

The traps of these files, handled here:
- FactCG's label is `orig_label` and its `.json` files are JSON Lines;
- CG2C_musique is kept only where the document is non-empty (about 1,042 rows, all label 0);
- FactCC is all inconsistent, and documents that QAGS-XSum (`../verify/mturk_xsum.jsonl`) also
  uses are dropped (matched by their casefolded sentences: QAGS lower-cases its articles);
- SummEdits-other: seven files, 3,862 summaries;
- Climate-FEVER (the mapping, stated): for a claim labelled SUPPORTS, REFUTES or
  NOT_ENOUGH_INFO, its five evidence sentences together are the premise, with SUPPORTS → 1 and
  REFUTES / NOT_ENOUGH_INFO → 0 (evidence that does not settle a claim does not support it). A
  DISPUTED claim has evidence both ways, so no claim-level label is right: it is replaced by its
  per-sentence judgements, each sentence alone labelled SUPPORTS → 1 or REFUTES → 0 (its
  NOT_ENOUGH_INFO sentences are dropped).
- AttributionBench is never read here: it is the held-out evaluation set.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant.paths import repo_root


@dataclass(frozen=True)
class Pair:
    """One labelled example before its premise is cut."""

    source: str
    """Which data set (or synthetic recipe) it comes from, e.g. `mnli`, `synthetic:name_swap`."""
    file: str
    """The file it was read from, relative to `../shared/data`."""
    group: str
    """Hash of the source document: the unit of the train/dev split."""
    passages: tuple[str, ...]
    """The full cited text (one or more passages)."""
    hypothesis: str
    label: int


def shared_data_dir() -> Path:
    path = repo_root().parent / "shared" / "data"
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: the shared data folder is missing (../shared/data)")
    return path


def doc_group(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]


def _rel(path: Path, data: Path) -> str:
    return str(path.relative_to(data))


def _jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError as exc:
                    raise ValueError(f"{path}:{lineno}: bad JSON ({exc})") from exc


def read_docnli(data: Path) -> Iterator[Pair]:
    """binary-MNLI, binary-FEVER-NLI and MCTest-NLI: `label<TAB>premise<TAB>hypothesis`."""
    folder = data / "nli" / "docnli"
    for path in sorted(folder.glob("*.txt")):
        name = path.name
        source = (
            "mnli" if name.startswith("binary-MNLI") else "fever" if "FEVER" in name else "mctest"
        )
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3:
                    raise ValueError(f"{path}:{lineno}: expected 3 tab-separated columns")
                label, premise, hypothesis = parts
                if label not in ("entailment", "not_entailment", "non_entailment"):
                    raise ValueError(f"{path}:{lineno}: unknown label {label!r}")
                if premise.strip() and hypothesis.strip():
                    yield Pair(
                        source,
                        _rel(path, data),
                        doc_group(premise),
                        (premise,),
                        hypothesis,
                        1 if label == "entailment" else 0,
                    )


def read_factcg(data: Path) -> Iterator[Pair]:
    """FactCG: JSON Lines despite `.json`; the label is `orig_label`; empty documents dropped."""
    for name, source in (
        ("CG2C_doc.json", "factcg_doc"),
        ("CG2C_musique_minhop3_rbt_mnli_failed.json", "factcg_musique"),
    ):
        path = data / "nli" / "factcg" / name
        for row in _jsonl(path):
            doc = row["text_a"].strip()
            claims = row["text_b"]
            if not doc or not claims or not claims[0].strip():
                continue
            yield Pair(
                source, _rel(path, data), doc_group(doc), (doc,), claims[0], int(row["orig_label"])
            )


def read_summedits_other(data: Path) -> Iterator[Pair]:
    for path in sorted((data / "nli" / "summedits_other").glob("summedits_*.json")):
        domain = path.stem.removeprefix("summedits_")
        for row in json.loads(path.read_text(encoding="utf-8")):
            yield Pair(
                f"summedits_{domain}",
                _rel(path, data),
                doc_group(row["doc"]),
                (row["doc"],),
                row["summary"],
                int(row["label"]),
            )


def _sentence_keys(text: str) -> set[str]:
    from assistant.text import sentence_spans

    return {
        " ".join(text[a:b].casefold().split())
        for a, b in sentence_spans(text)
        if len(text[a:b].split()) >= 8
    }


def read_factcc(data: Path) -> Iterator[Pair]:
    """FactCC: every summary inconsistent; documents shared with QAGS-XSum are dropped."""
    xsum = data / "verify" / "mturk_xsum.jsonl"
    taken: set[str] = set()
    for row in _jsonl(xsum):
        taken |= _sentence_keys(row["article"])
    path = data / "nli" / "factcc" / "factcc_explanation_annotation.json"
    for row in json.loads(path.read_text(encoding="utf-8")):
        if _sentence_keys(row["doc"]) & taken:
            continue
        yield Pair(
            "factcc", _rel(path, data), doc_group(row["doc"]), (row["doc"],), row["summary"], 0
        )


def read_climate_fever(data: Path) -> Iterator[Pair]:
    """Climate-FEVER under the mapping in the module docstring."""
    path = data / "nli" / "climate_fever" / "climate-fever.jsonl"
    for row in _jsonl(path):
        claim, label = row["claim"], row["claim_label"]
        evidences = row["evidences"]
        group = doc_group(claim)
        if label in ("SUPPORTS", "REFUTES", "NOT_ENOUGH_INFO"):
            premise = " ".join(e["evidence"].strip() for e in evidences)
            yield Pair(
                "climate_fever",
                _rel(path, data),
                group,
                (premise,),
                claim,
                1 if label == "SUPPORTS" else 0,
            )
        elif label == "DISPUTED":
            for e in evidences:
                if e["evidence_label"] in ("SUPPORTS", "REFUTES"):
                    yield Pair(
                        "climate_fever_disputed",
                        _rel(path, data),
                        group,
                        (e["evidence"].strip(),),
                        claim,
                        1 if e["evidence_label"] == "SUPPORTS" else 0,
                    )
        else:
            raise ValueError(f"{path}: claim {row['claim_id']}: unknown label {label!r}")


READERS = (read_docnli, read_factcg, read_summedits_other, read_factcc, read_climate_fever)


def read_all(data: Path | None = None) -> list[Pair]:
    """Every labelled pair of `nli/` except AttributionBench, in a fixed order."""
    data = data or shared_data_dir()
    return [p for reader in READERS for p in reader(data)]


def evaluation_texts(data: Path | None = None) -> tuple[set[str], set[str]]:
    """(hypotheses, document sentences) of the data that must never be trained on:
    `../verify/` (SummEdits news, QAGS) and AttributionBench dev, casefolded."""
    data = data or shared_data_dir()
    hyps: set[str] = set()
    sents: set[str] = set()

    def key(t: str) -> str:
        return " ".join(t.casefold().split())

    for it in json.loads((data / "verify" / "summedits_news.json").read_text(encoding="utf-8")):
        hyps.add(key(it["summary"]))
        sents |= _sentence_keys(it["doc"])
    for name in ("mturk_cnndm.jsonl", "mturk_xsum.jsonl"):
        for row in _jsonl(data / "verify" / name):
            sents |= _sentence_keys(row["article"])
            hyps |= {key(s["sentence"]) for s in row["summary_sentences"]}
    for row in _jsonl(data / "nli" / "attributionbench" / "dev_all_subset_balanced.jsonl"):
        hyps.add(key(row["claim"]))
        for ref in row["references"]:
            sents |= _sentence_keys(ref)
    return hyps, sents
