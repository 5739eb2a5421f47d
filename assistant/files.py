"""`atomic_write(path, data)`: the one way desk writes a file (exports, rendered drafts, batch
outputs, sessions); `fsync_dir(folder)`; and `unique_path(path)`, a free name beside `path`.

A write goes to a temporary file in the same folder, is fsynced, then renamed over the target
and the folder fsynced, so a killed process or a power cut leaves either the old file or the
new one, never half of one. The file gets `mode` minus the process umask, as `open()` would
have given it (the temporary file's own 0600 would make exports unreadable to the rest of the
desk).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    # Read, not set-and-restore: os.umask() changes it process-wide, and another thread creating
    # a file in that instant would get the wrong mode.
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fsync_dir(folder: str | Path) -> None:
    """Make a rename in `folder` durable (a no-op where folders cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | Path, data: bytes | str, mode: int = 0o644) -> Path:
    """Write `data` (str as UTF-8) to `path` atomically, creating its folder; returns `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), mode & ~_umask())
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        if not hasattr(os, "fchmod"):
            os.chmod(tmp, mode & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return path


def unique_path(path: str | Path) -> Path:
    """`path` if nothing is there yet, else the first free `stem-2.ext`, `stem-3.ext`, ..."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return path
    suffix = "".join(path.suffixes[-1:])
    stem = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    n = 2
    while True:
        candidate = path.with_name(f"{stem}-{n}{suffix}")
        if not candidate.exists() and not candidate.is_symlink():
            return candidate
        n += 1
