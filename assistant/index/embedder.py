"""Sentence embeddings with sentence-transformers, loaded offline from a local path.

`Embedder.for_settings(settings)` returns a process-wide cached instance per model path, so the
model (and torch) is loaded once and only when first needed. Vectors are L2-normalised, so a dot
product is the cosine similarity.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.paths import default_embedding_model

if TYPE_CHECKING:
    import numpy as np

    from assistant.config import Settings

_CACHE: dict[str, Embedder] = {}
_CACHE_LOCK = threading.Lock()
_QUERY_LOCK = threading.Lock()


def resolve_model_path(name: str) -> Path:
    if name in ("default", "", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        return default_embedding_model()
    path = Path(name).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"embedding model '{name}' is not a local path; models are never downloaded at run "
            "time, so point `embedding_model` at a sentence-transformers folder"
        )
    return path


BACKENDS = ("torch", "onnx")


class Embedder:
    """Batched, normalised sentence embeddings from one local sentence-transformers model, run
    by torch (sentence-transformers) or by ONNX Runtime (`onnx_encoder.OnnxEncoder`, the same
    weights exported once; vectors agree to cosine ≥ 0.9999)."""

    backend: str = "torch"
    """What runs the model; recorded in an index's `ModelIdentity`."""

    def __init__(
        self,
        model_path: Path,
        batch_size: int = 64,
        backend: str = "torch",
        cache_root: Path | None = None,
    ) -> None:
        # Never reach for the hub, whatever the caller's environment says.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if backend not in BACKENDS:
            raise ValueError(f"embedding backend '{backend}' is not one of {', '.join(BACKENDS)}")
        self.model_path = model_path
        self.batch_size = batch_size
        self.backend = backend
        self.name = model_path.name
        self._onnx: Any = None
        self._model: Any = None
        if backend == "onnx":
            from assistant.index.onnx_encoder import OnnxEncoder
            from assistant.paths import model_cache_dir

            self._onnx = OnnxEncoder(model_path, cache_root or model_cache_dir(), batch_size)
            self.dimension = self._onnx.dimension
            return
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        # The "Loading weights" bar would land in every CLI command's output.
        hf_logging.disable_progress_bar()
        self._model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
        model = self._model
        dim = getattr(model, "get_embedding_dimension", None)
        dim = dim or model.get_sentence_embedding_dimension
        self.dimension = int(dim() or 384)

    @property
    def model(self) -> Any:
        """The sentence-transformers model itself, for a baseline that must run the very same
        weights (the ingest benchmark's bare `encode()`). Torch backend only."""
        if self._model is None:
            raise RuntimeError("the ONNX backend has no sentence-transformers model")
        return self._model

    @classmethod
    def for_settings(cls, settings: Settings) -> Embedder:
        path = resolve_model_path(settings.embedding_model)
        key = f"{path}|{settings.embedding_backend}"
        with _CACHE_LOCK:
            if key not in _CACHE:
                _CACHE[key] = cls(
                    path, settings.embedding_batch_size, backend=settings.embedding_backend
                )
            return _CACHE[key]

    @classmethod
    def default(cls) -> Embedder:
        from assistant.config import Settings

        return cls.for_settings(Settings())

    def encode_query(self, text: str) -> np.ndarray:
        """One short text on one thread. For a handful of tokens, splitting the work across
        threads costs more in synchronisation than it saves, and on a busy machine waiting for
        a second core turns milliseconds into hundreds of them."""
        if self._onnx is not None:
            return self._onnx.encode_query(text)
        import torch

        with _QUERY_LOCK:
            before = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                return self.encode([text])[0]
            finally:
                torch.set_num_threads(before)

    def encode(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Embed texts in batches; `progress(n)` is called with the number done after each batch."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._onnx is not None:
            return self._onnx.encode(texts, progress)
        if progress is None:
            # One call: sentence-transformers sorts the whole list by length before batching.
            vecs = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            return np.asarray(vecs, dtype=np.float32)
        out = []
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            out.append(
                self._model.encode(
                    batch,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            )
            if progress is not None:
                progress(len(batch))
        return np.vstack(out).astype(np.float32)
