"""`CrashLog`: an unexpected exception's traceback written to a file, for a one-line report.

The CLI and the TUI never show a traceback. An exception that is not a `DeskError` is a bug;
they show "internal error: <Type>: <message>; the traceback is in <path>" and this module
writes that file under `paths.log_dir()`.
"""

from __future__ import annotations

import os
import sys
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.paths import log_dir


@dataclass(frozen=True)
class CrashLog:
    """One written traceback: the exception's one-line summary and the file holding the rest."""

    summary: str
    path: Path | None
    """`None` when the log folder could not be written (the traceback went to stderr)."""

    @classmethod
    def write(cls, exc: BaseException, folder: Path | None = None) -> CrashLog:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        summary = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
        text = "".join(traceback.format_exception(exc))
        now = datetime.now(UTC)
        header = f"{now.isoformat(timespec='seconds')} pid {os.getpid()}\nargv: {sys.argv!r}\n\n"
        try:
            folder = folder or log_dir()
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"crash-{now:%Y%m%dT%H%M%S}-{os.getpid()}.log"
            path.write_text(header + text, encoding="utf-8")
        except OSError:
            # Nowhere to put it: the traceback is better on stderr than lost.
            sys.stderr.write(text)
            return cls(summary, None)
        return cls(summary, path)

    def message(self) -> str:
        """ "internal error: <Type>: <msg>; the traceback is in <path>" (one line)."""
        where = f"the traceback is in {self.path}" if self.path else "the traceback is above"
        return f"internal error: {self.summary}; {where}"
