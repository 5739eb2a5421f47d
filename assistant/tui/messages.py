"""Past-tense events that thread workers post back to the UI (workers never touch widgets)."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from assistant.models import Draft, Hit
from assistant.sessions import Staleness


class PassagesRetrieved(Message):
    def __init__(self, topic: str, hits: list[Hit]) -> None:
        super().__init__()
        self.topic = topic
        self.hits = hits


class DraftUpdated(Message):
    """A new version of the draft: drafted, redrafted, edited and re-verified, or re-verified."""

    def __init__(
        self,
        draft: Draft,
        reason: str,
        *,
        generation: int | None = None,
        record: bool = True,
        edit_key: str | None = None,
    ) -> None:
        super().__init__()
        self.draft = draft
        self.reason = reason
        self.generation = generation
        self.record = record
        self.edit_key = edit_key
        """`section_id/paragraph_id` when the update comes from the paragraph editor."""


class TokenStreamed(Message):
    def __init__(self, section_id: str, token: str) -> None:
        super().__init__()
        self.section_id = section_id
        self.token = token


class ProgressReported(Message):
    """A stage started (`total` set, `advance` 0), advanced, or finished (`finished`)."""

    def __init__(
        self, task: str | None, total: int | None = None, advance: int = 0, finished: bool = False
    ) -> None:
        super().__init__()
        self.task = task
        self.total = total
        self.advance = advance
        self.finished = finished


class WorkFinished(Message):
    """A long job ended (successfully or not); the UI hides progress and re-enables actions."""

    def __init__(self, job: str) -> None:
        super().__init__()
        self.job = job


class WorkFailed(Message):
    """A job failed; `cause` is a one-line human explanation (never a traceback)."""

    def __init__(self, job: str, cause: str, severity: str = "error") -> None:
        super().__init__()
        self.job = job
        self.cause = cause
        self.severity = severity


class IngestFinished(Message):
    def __init__(self, report: Any) -> None:
        super().__init__()
        self.report = report


class StalenessChecked(Message):
    def __init__(self, staleness: Staleness) -> None:
        super().__init__()
        self.staleness = staleness


class ServiceWarmed(Message):
    """The heavy parts (embedding model, vector index) finished loading in the background."""

    def __init__(self, problem: str | None = None) -> None:
        super().__init__()
        self.problem = problem


class Exported(Message):
    def __init__(self, path: str, fmt: str) -> None:
        super().__init__()
        self.path = path
        self.fmt = fmt
