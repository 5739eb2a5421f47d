"""`ModelIdentity`: which embedding model wrote an index's vectors, and the error raised when the
configured model is another one.

A model's name says nothing (the wheel's model folder is simply called `model`, and a fine-tune
keeps its base's name), so the identity is a SHA-256 over the files that decide its vectors:
every weight file (`*.safetensors`, `*.bin`, `*.onnx`, ...) and every module's `config.json`
plus `modules.json` (pooling and a `Dense` layer change the vectors without touching the
transformer's weights), with their paths relative to the model folder. Tokenizer files and
READMEs are left out. Next to it: the vectors' dimension and the backend that runs the model
(`torch` today).

Hashing all-MiniLM-L6-v2 reads 90 MB (about 0.3 s), so each file's digest is cached under its
(resolved path, size, mtime): in this process, and in a `digests` mapping the caller keeps (the
index keeps it in the store's `meta` table), so a new process only `stat`s the files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from assistant.errors import DeskError

WEIGHT_SUFFIXES = frozenset(
    {".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".onnx", ".gguf", ".h5", ".msgpack"}
)
"""Files holding weights, in any folder of the model."""
SHAPE_FILES = frozenset({"modules.json", "config.json"})
"""Small files that decide the vectors as much as the weights do (module list, pooling mode,
`Dense` sizes and activation)."""

_METADATA_KEYS = {
    "weights": "desk_model_weights",
    "dimension": "desk_model_dimension",
    "backend": "desk_model_backend",
    "model": "desk_model_path",
}
_DIGESTS: dict[tuple[str, int, int], str] = {}


class IndexModelError(DeskError, RuntimeError):
    """The index's vectors were written by another embedding model than the configured one (or
    by an interrupted `desk reindex`); the message names both and says to run `desk reindex`."""

    exit_code = 2


class DigestCache(Protocol):
    """Where file digests persist between processes (the store: `get_meta` / `set_meta`)."""

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...


@dataclass(frozen=True)
class ModelIdentity:
    """What vectors were made with. Two identities are the same model when weights, dimension
    and backend agree; `model` (the path) is only shown to the editor."""

    weights: str
    """SHA-256 over the model's weight and module files (see the module docstring)."""
    dimension: int
    backend: str
    model: str

    def same_model(self, other: ModelIdentity) -> bool:
        return (self.weights, self.dimension, self.backend) == (
            other.weights,
            other.dimension,
            other.backend,
        )

    def describe(self) -> str:
        dims = f"{self.dimension} dimensions, " if self.dimension else ""
        return f"{self.model} (weights sha256 {self.weights[:12]}, {dims}{self.backend})"

    # --- as collection metadata (flat str/int values, as Chroma requires) --------------------
    def to_metadata(self, prefix: str = "") -> dict[str, str | int]:
        return {prefix + key: getattr(self, name) for name, key in _METADATA_KEYS.items()}

    @classmethod
    def from_metadata(
        cls, meta: Mapping[str, object] | None, prefix: str = ""
    ) -> ModelIdentity | None:
        """The identity stored in `meta`, or None when there is none (an index written before
        identities were recorded)."""
        if not meta or not meta.get(prefix + _METADATA_KEYS["weights"]):
            return None
        return cls(
            weights=str(meta[prefix + _METADATA_KEYS["weights"]]),
            dimension=int(str(meta.get(prefix + _METADATA_KEYS["dimension"]) or 0)),
            backend=str(meta.get(prefix + _METADATA_KEYS["backend"]) or "torch"),
            model=str(meta.get(prefix + _METADATA_KEYS["model"]) or "?"),
        )


def model_files(model_dir: Path) -> list[Path]:
    """The files whose bytes make up a model's identity, in a stable order."""
    return sorted(
        p
        for p in model_dir.rglob("*")
        if p.is_file() and (p.suffix in WEIGHT_SUFFIXES or p.name in SHAPE_FILES)
    )


def weights_digest(model_dir: Path, cache: DigestCache | None = None) -> str:
    """SHA-256 identifying the model in `model_dir` (files named and hashed by
    `model_files`). Raises `FileNotFoundError` when the folder holds no weight file."""
    model_dir = model_dir.resolve()
    files = model_files(model_dir) if model_dir.is_dir() else []
    if not any(p.suffix in WEIGHT_SUFFIXES for p in files):
        raise FileNotFoundError(
            f"embedding model folder {model_dir} holds no weight file "
            f"({', '.join(sorted(WEIGHT_SUFFIXES))})"
        )
    combined = hashlib.sha256()
    for path in files:
        combined.update(
            f"{path.relative_to(model_dir).as_posix()}\t{_file_digest(path, cache)}\n".encode()
        )
    return combined.hexdigest()


def _file_digest(path: Path, cache: DigestCache | None) -> str:
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key in _DIGESTS:
        return _DIGESTS[key]
    meta_key = f"model.file_sha256:{path}"
    if cache is not None:
        try:
            stored = json.loads(cache.get_meta(meta_key) or "{}")
        except ValueError:
            stored = {}
        if stored.get("size") == st.st_size and stored.get("mtime_ns") == st.st_mtime_ns:
            _DIGESTS[key] = str(stored["sha256"])
            return _DIGESTS[key]
    with path.open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    _DIGESTS[key] = digest
    if cache is not None:
        record = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}
        try:
            cache.set_meta(meta_key, json.dumps(record))
        except Exception:  # noqa: BLE001 - a busy or read-only store only costs a re-hash
            pass
    return digest
