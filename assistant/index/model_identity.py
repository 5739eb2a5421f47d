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
(resolved path, size, mtime): in this process, and in a small JSON file the caller names (the
index keeps it in the workspace's `index/` folder), so a new process only `stat`s the files.
A JSON file rather than the store: the index hashes in its background opener thread, which must
not share the store's SQLite connection.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

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
# One hash at a time: a caller arriving while the background opener hashes a file waits for its
# digest instead of reading the same 90 MB again.
_HASHING = threading.Lock()


class IndexModelError(DeskError, RuntimeError):
    """The index's vectors were written by another embedding model than the configured one (or
    by an interrupted `desk reindex`); the message names both and says to run `desk reindex`."""

    exit_code = 2


@dataclass(frozen=True)
class ModelIdentity:
    """What vectors were made with. Two identities are the same model when weights and
    dimension agree; the backend (torch or ONNX Runtime, which run the same weights to cosine
    ≥ 0.9999) is recorded but does not make vectors incompatible; `model` (the path) is only
    shown to the editor."""

    weights: str
    """SHA-256 over the model's weight and module files (see the module docstring)."""
    dimension: int
    backend: str
    model: str

    def same_model(self, other: ModelIdentity) -> bool:
        return (self.weights, self.dimension) == (other.weights, other.dimension)

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


def weights_digest(model_dir: Path, cache_file: Path | None = None) -> str:
    """SHA-256 identifying the model in `model_dir` (files named and hashed by `model_files`);
    digests persist in `cache_file` when given. Raises `FileNotFoundError` when the folder
    holds no weight file."""
    model_dir = model_dir.resolve()
    files = model_files(model_dir) if model_dir.is_dir() else []
    if not any(p.suffix in WEIGHT_SUFFIXES for p in files):
        raise FileNotFoundError(
            f"embedding model folder {model_dir} holds no weight file "
            f"({', '.join(sorted(WEIGHT_SUFFIXES))})"
        )
    with _HASHING:
        stored = _read_cache(cache_file)
        combined = hashlib.sha256()
        fresh = False
        for path in files:
            digest, new = _file_digest(path, stored)
            fresh |= new
            combined.update(f"{path.relative_to(model_dir).as_posix()}\t{digest}\n".encode())
        if fresh and cache_file is not None:
            _write_cache(cache_file, stored)
    return combined.hexdigest()


def _file_digest(path: Path, stored: dict[str, dict[str, object]]) -> tuple[str, bool]:
    """(digest, whether `stored` gained an entry)."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    entry = stored.get(str(path)) or {}
    if entry.get("size") == st.st_size and entry.get("mtime_ns") == st.st_mtime_ns:
        _DIGESTS[key] = str(entry["sha256"])
        return _DIGESTS[key], False
    if key not in _DIGESTS:
        with path.open("rb") as fh:
            _DIGESTS[key] = hashlib.file_digest(fh, "sha256").hexdigest()
    stored[str(path)] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": _DIGESTS[key]}
    return _DIGESTS[key], True


def _read_cache(cache_file: Path | None) -> dict[str, dict[str, object]]:
    if cache_file is None:
        return {}
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_cache(cache_file: Path, stored: Mapping[str, object]) -> None:
    """Atomically (two processes may write it; either's content is right). A read-only
    workspace only costs a re-hash next time."""
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{cache_file.name}.", dir=cache_file.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(stored, fh, indent=1, sort_keys=True)
        os.replace(tmp, cache_file)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
