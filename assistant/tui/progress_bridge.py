"""`ProgressBridge`: the core's `Progress` protocol, reported as messages to a Textual widget.

Thread workers hand it to the service; `post_message` is thread-safe, so the core can call it
from any thread while the UI stays responsive.
"""

from __future__ import annotations

from textual.message_pump import MessagePump

from assistant.tui.messages import ProgressReported


class ProgressBridge:
    def __init__(self, target: MessagePump) -> None:
        self._target = target

    def start(self, task: str, total: int | None = None) -> None:
        self._target.post_message(ProgressReported(task, total=total))

    def advance(self, n: int = 1) -> None:
        self._target.post_message(ProgressReported(None, advance=n))

    def done(self) -> None:
        self._target.post_message(ProgressReported(None, finished=True))
