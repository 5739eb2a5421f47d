"""Progress and cancellation hooks the core calls during long work, free of any UI library.

The CLI adapts `Progress` to rich progress bars, the TUI to progress widgets; tests and batch
runs without a terminal use `NullProgress`. `Cancelled` is raised by the core when a
`threading.Event` passed as `cancel` is set.
"""

from __future__ import annotations

import threading
from typing import Protocol

from assistant.errors import DeskError


class Cancelled(DeskError, RuntimeError):
    """The user asked to stop; work done so far is kept."""


class Progress(Protocol):
    def start(self, task: str, total: int | None = None) -> None:
        """Begin a stage, e.g. `embedding` with the number of passages to embed."""

    def advance(self, n: int = 1) -> None:
        """Report `n` more units of the current stage done."""

    def done(self) -> None:
        """The current stage is finished."""


class NullProgress:
    def start(self, task: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def done(self) -> None:
        pass


def check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled")
