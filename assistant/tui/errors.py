"""`describe_error`: any exception from the core as one line an editor can act on.

The TUI shows this in a notification; it never shows a traceback. A `DeskError` is shown as
its message (it already names the file, setting or URL); anything else is a bug, reported with
the CLI's wording: "internal error: <Type>: <msg>; the traceback is in <path>".
"""

from __future__ import annotations

from assistant.crash_log import CrashLog
from assistant.errors import DeskError
from assistant.progress import Cancelled


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, Cancelled):
        return "cancelled; work done so far is kept"
    if isinstance(exc, DeskError):
        return " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, FileNotFoundError):  # a missing packaged model or data folder (as the CLI)
        return " ".join(str(exc).split()) or f"file not found: {exc.filename}"
    return CrashLog.write(exc).message()
