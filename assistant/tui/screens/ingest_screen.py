"""`IngestScreen`: ingest files or folders into the workspace from inside the app, with
progress, cancel, a summary, and a table of what was skipped or failed and why.

Dismisses with the `IngestReport` (or `None` if nothing ran), so the drafting screen can check
whether its draft's passages changed.
"""

from __future__ import annotations

import shlex
import threading
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, ProgressBar

from assistant.service import DeskService
from assistant.tui.errors import describe_error
from assistant.tui.formatting import steady_cursors
from assistant.tui.messages import IngestFinished, ProgressReported, WorkFailed
from assistant.tui.progress_bridge import ProgressBridge


class IngestScreen(ModalScreen[Any]):
    BINDINGS = [Binding("escape", "close", "Close / cancel")]

    def __init__(self, service: DeskService, initial: str = "") -> None:
        super().__init__()
        self.service = service
        self.initial = initial
        self.report: Any = None
        self._cancel: threading.Event | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Ingest files or folders", classes="dialog-title")
            with Horizontal(classes="ingest-row"):
                yield Input(
                    value=self.initial,
                    placeholder="paths, space-separated (quote names with spaces)",
                    id="ingest-paths",
                )
                yield Button("Ingest", id="ingest-go", variant="primary")
            yield Label("", id="ingest-stage")
            yield ProgressBar(id="ingest-progress", show_eta=False)
            yield Label("", id="ingest-summary")
            yield DataTable(id="ingest-problems", zebra_stripes=True)
            yield Label("enter ingests · esc cancels a run or closes", classes="dialog-hint")

    def on_mount(self) -> None:
        steady_cursors(self)
        self.query_one(ProgressBar).display = False  # an idle bar would pulse
        table = self.query_one(DataTable)
        table.add_columns("", "File", "Why")
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.start()

    def start(self) -> None:
        if self._cancel is not None:
            return
        raw = self.query_one(Input).value
        try:
            paths = [Path(p).expanduser() for p in shlex.split(raw)]
        except ValueError as exc:
            self.notify(f"cannot read the paths: {exc}", severity="error")
            return
        if not paths:
            self.notify("Type one or more files or folders to ingest.", severity="warning")
            return
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            self.notify(
                f"no such file or folder: {', '.join(missing)}", title="Ingest", severity="error"
            )
            return
        self._cancel = threading.Event()
        self.query_one("#ingest-stage", Label).update("starting… (esc cancels)")
        self.query_one("#ingest-summary", Label).update("")
        self.query_one(DataTable).clear()
        self.query_one(ProgressBar).display = True
        self.run_worker(lambda: self._run(paths), thread=True, group="ingest", exit_on_error=False)

    def _run(self, paths: list[Path]) -> None:
        assert self._cancel is not None
        try:
            report = self.service.ingest(paths, progress=ProgressBridge(self), cancel=self._cancel)
        except Exception as exc:  # noqa: BLE001 - shown to the editor, never a traceback
            self.post_message(WorkFailed("ingest", describe_error(exc)))
            return
        self.post_message(IngestFinished(report))

    def on_progress_reported(self, event: ProgressReported) -> None:
        bar = self.query_one(ProgressBar)
        if event.task:
            self.query_one("#ingest-stage", Label).update(f"{event.task}… (esc cancels)")
            bar.update(total=event.total, progress=0)
        elif event.advance:
            bar.advance(event.advance)

    def on_ingest_finished(self, event: IngestFinished) -> None:
        self._cancel = None
        self.report = r = event.report
        self.query_one("#ingest-stage", Label).update("done")
        self.query_one("#ingest-summary", Label).update(
            f"{r.files} file(s): {r.new} new, {r.updated} updated, {r.duplicates} duplicates, "
            f"{r.versions} versions, {r.unchanged} unchanged, {len(r.skipped)} skipped, "
            f"{len(r.failed)} failed — {r.documents} documents, {r.passages} passages in all"
        )
        table = self.query_one(DataTable)
        for path, reason in r.failed:
            table.add_row("failed", path, reason)
        for path, reason in r.skipped:
            table.add_row("skipped", path, reason)
        if r.failed:
            self.notify(
                f"{len(r.failed)} file(s) failed; see the table for why.",
                title="Ingest",
                severity="warning",
            )

    def on_work_failed(self, event: WorkFailed) -> None:
        self._cancel = None
        self.query_one("#ingest-stage", Label).update(f"stopped: {event.cause}")
        self.notify(
            event.cause, title="Ingest", severity="warning" if "cancel" in event.cause else "error"
        )

    def action_close(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.query_one("#ingest-stage", Label).update("cancelling… (work done so far is kept)")
            return
        self.dismiss(self.report)
