"""`StageClock`: wall time per batch stage, with nested stages kept apart; and `TimedVerifier`,
the verifier the run's drafter gets, so time spent verifying inside drafting counts as verify.

A stage entered inside another (verification inside drafting) is charged to itself and not to
the outer one, so the stages add up to the time the run spent in them and no second counts
twice. Nothing is patched: the timed verifier is handed to the drafter the run builds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.drafting.repair import SupportsVerify
    from assistant.models import Draft, Verdict


class StageClock:
    """Seconds per stage; `stage(name)` times a block, minus the stages nested in it."""

    def __init__(self, stages: Iterable[str], timer: Callable[[], float] = time.perf_counter):
        self.seconds = dict.fromkeys(stages, 0.0)
        self._timer = timer
        self._nested: list[float] = []
        """Per open stage, the seconds its nested stages took so far."""

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = self._timer()
        self._nested.append(0.0)
        try:
            yield
        finally:
            spent = self._timer() - t0
            inner = self._nested.pop()
            self.seconds[name] = self.seconds.get(name, 0.0) + spent - inner
            if self._nested:
                self._nested[-1] += spent


class TimedVerifier:
    """A verifier whose every call is the clock's `verify` stage; otherwise the same verifier."""

    def __init__(self, verifier: SupportsVerify, clock: StageClock) -> None:
        self.verifier = verifier
        self.clock = clock

    def verify_sentence(
        self, text: str, cited: Mapping[int, str], context: Mapping[int, str] | None = None
    ) -> Verdict:
        with self.clock.stage("verify"):
            return self.verifier.verify_sentence(text, cited, context)

    def verify_draft(
        self,
        draft: Draft,
        only: Collection[tuple[str, str]] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Draft:
        with self.clock.stage("verify"):
            if only is None and cancelled is None:
                return self.verifier.verify_draft(draft)
            return self.verifier.verify_draft(draft, only=only, cancelled=cancelled)
