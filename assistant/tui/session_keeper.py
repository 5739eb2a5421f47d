"""`SessionKeeper`: saves the open session shortly after each change, off the UI thread.

Changes are debounced (`SAVE_DELAY_S`); each save writes a snapshot atomically in a thread
worker so the fsync of a large session never stalls typing, and an older snapshot never lands
after a newer one. `flush(wait=True)` writes synchronously (quitting, switching sessions).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual.timer import Timer
from textual.widget import Widget

from assistant.models import utcnow
from assistant.sessions import Session, SessionError, SessionStore
from assistant.tui.messages import WorkFailed

SAVE_DELAY_S = 0.5
"""Changes are saved this long after the last one (a killed terminal loses at most this)."""


class SessionKeeper:
    def __init__(self, host: Widget, store: SessionStore, current: Callable[[], Session]) -> None:
        self.host = host
        self.store = store
        self.current = current
        self.dirty = False
        self._timer: Timer | None = None
        self._seq = 0
        self._written = 0
        self._lock = threading.Lock()

    def changed(self) -> None:
        """Something in the session changed: save it shortly."""
        self.dirty = True
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.host.set_timer(SAVE_DELAY_S, self.flush)

    def flush(self, wait: bool = False) -> None:
        """Write the session now if it changed: in a thread, or synchronously with `wait`."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self.dirty:
            return
        self.dirty = False
        session = self.current()
        session.updated_at = utcnow()
        # A shallow copy is a consistent snapshot: the session's fields are replaced, never mutated.
        snapshot = session.model_copy()
        self._seq += 1
        seq = self._seq
        if wait:
            self._write(snapshot, seq)
        else:
            self.host.run_worker(
                lambda: self._write(snapshot, seq), thread=True, group="save", exit_on_error=False
            )

    def _write(self, snapshot: Session, seq: int) -> None:
        with self._lock:
            if seq < self._written:
                return  # a newer snapshot is already on disk
            try:
                self.store.save(snapshot, touch=False)
            except (OSError, SessionError) as exc:
                self.host.post_message(WorkFailed("session", f"could not save the session: {exc}"))
                return
            self._written = seq
