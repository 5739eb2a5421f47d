"""`ExportScreen`: choose Markdown, HTML or JSON; dismisses with the format (or `None`)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class ExportScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("m", "choose('md')", "Markdown"),
        Binding("h", "choose('html')", "HTML"),
        Binding("j", "choose('json')", "JSON"),
        Binding("escape", "choose(None)", "Cancel"),
    ]

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Export the draft", classes="dialog-title")
            yield Label(f"into {self.where}", classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Markdown (m)", id="md", variant="primary")
                yield Button("HTML (h)", id="html")
                yield Button("JSON (j)", id="json")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)

    def action_choose(self, fmt: str | None) -> None:
        self.dismiss(fmt)
