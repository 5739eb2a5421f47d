"""`python -m bench.verifier_training {prepare,train,card,all} [--sample N] ...`"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench.verifier_training import card, prepare, train


def _root(sample: int | None) -> Path:
    return prepare.default_out() / (f"sample-{sample}" if sample else "full")


def cmd_prepare(sample: int | None, seed: int) -> Path:
    out = _root(sample)
    t0 = time.perf_counter()
    rows, stats = prepare.build(seed=seed, sample=sample)
    prepare.write(rows, stats, out)
    print(prepare.counts_table(stats))
    print(f"dropped: {stats['dropped'] or 'none'}; splits: {stats['splits']}")
    print(f"wrote {out / 'pairs.jsonl'} in {time.perf_counter() - t0:.0f}s")
    return out


def cmd_card(sample: int | None, artefact: Path | None) -> Path:
    from assistant.verify.entailment import default_model_dir

    root = _root(sample)
    stats = json.loads((root / "stats.json").read_text(encoding="utf-8"))
    artefact = artefact or (root / "model" if sample else default_model_dir())
    cfg_file = artefact / "config.json"
    config = json.loads(cfg_file.read_text(encoding="utf-8")) if cfg_file.is_file() else None
    artefact.mkdir(parents=True, exist_ok=True)
    (artefact / "DATA_CARD.md").write_text(card.render(stats, config), encoding="utf-8")
    print(f"wrote {artefact / 'DATA_CARD.md'}")
    return artefact


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("prepare", "train", "card", "all"):
        print(__doc__)
        return 2
    step, rest = argv[0], argv[1:]
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--sample", type=int)
    ap.add_argument("--seed", type=int, default=prepare.SEED)
    ap.add_argument("--artefact", type=Path)
    known, _ = ap.parse_known_args(rest)
    if step in ("prepare", "all"):
        if step == "all" and (_root(known.sample) / "pairs.jsonl").is_file():
            print(f"using the prepared {_root(known.sample) / 'pairs.jsonl'}")
        else:
            cmd_prepare(known.sample, known.seed)
    if step in ("train", "all"):
        code = train.main(rest)
        if code:
            return code
    if step in ("card", "all", "train"):
        cmd_card(known.sample, known.artefact)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
