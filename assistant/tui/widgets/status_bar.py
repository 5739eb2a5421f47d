"""`StatusBar`: the draft's citation recall/precision and verdict counts, the stale-index
warning, and the progress of the running job (with how to cancel it)."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from assistant.models import Metrics
from assistant.tui.formatting import metrics_text


class StatusBar(Horizontal):
    def compose(self):  # type: ignore[no-untyped-def]
        yield Label("", id="status-metrics")
        yield Label("", id="status-warning")
        yield Label("", id="status-job")
        yield ProgressBar(id="status-progress", show_eta=False)

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False

    def show_metrics(self, metrics: Metrics | None) -> None:
        self.query_one("#status-metrics", Label).update(
            metrics_text(metrics) if metrics is not None else Text("no draft", style="dim")
        )

    def warn(self, message: str | None) -> None:
        self.query_one("#status-warning", Label).update(
            Text(f"⚠ {message}", style="bold yellow") if message else ""
        )

    def job_started(self, job: str) -> None:
        self.query_one("#status-job", Label).update(Text(f"{job}… (esc cancels)", style="bold"))
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True

    def stage(self, task: str | None, total: int | None) -> None:
        bar = self.query_one(ProgressBar)
        if task:
            self.query_one("#status-job", Label).update(
                Text(f"{task}… (esc cancels)", style="bold")
            )
        bar.update(total=total, progress=0)

    def advance(self, n: int) -> None:
        self.query_one(ProgressBar).advance(n)

    def job_finished(self) -> None:
        self.query_one("#status-job", Label).update("")
        self.query_one(ProgressBar).display = False
