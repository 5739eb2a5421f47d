"""`DeskError`: the one base class of every error the project raises on purpose.

Each subclass's message is already worded for the editor (it names the file, setting or URL and
what is wrong with it), so the CLI's top level and the TUI can show `str(exc)` as one line and
never a traceback. Anything that is *not* a `DeskError` is a bug, and is reported as one.
"""

from __future__ import annotations


class DeskError(Exception):
    """An expected failure with a message an editor can act on."""

    exit_code: int = 1
    """The CLI's exit status for this kind of failure (usage errors use 2)."""
