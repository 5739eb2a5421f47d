"""`describe_error`: any exception from the core as one line an editor can act on.

The TUI shows this in a notification; it never shows a traceback.
"""

from __future__ import annotations

from assistant.progress import Cancelled


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, Cancelled):
        return "cancelled; work done so far is kept"
    if isinstance(exc, NotImplementedError):
        return f"not available in this build: {exc}"
    name = type(exc).__name__
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if (
        isinstance(exc, (ConnectionError, TimeoutError))
        or "Connection" in name
        or "Timeout" in name
    ):
        return f"cannot reach the model endpoint ({name}): {message or 'no answer'}"
    if isinstance(exc, FileNotFoundError):
        return message or f"file not found: {exc.filename}"
    return f"{message} ({name})" if message else name
