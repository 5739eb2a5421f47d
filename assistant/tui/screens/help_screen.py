"""`HelpScreen`: every key binding, grouped by where it works, plus the verdict legend.

Built from the same `BINDINGS` lists the footer shows, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from assistant.tui.formatting import GLYPHS


def _keys(binding: Binding) -> str:
    return " / ".join(k.strip() for k in binding.key.split(","))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,f1,question_mark", "close", "Close")]

    def __init__(self, groups: Sequence[tuple[str, Sequence[Binding]]]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("desk — keys", classes="dialog-title")
            with VerticalScroll():
                yield Static(self._table())
            yield Label(
                "The command palette (ctrl+p) lists every action too. Mouse: click panes, "
                "rows, tabs and buttons. esc closes this.",
                classes="dialog-hint",
            )

    def _table(self) -> Table:
        table = Table(show_header=False, box=None, padding=(0, 2), expand=True)
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for title, bindings in self.groups:
            table.add_row(Text(title, style="bold underline"), "")
            for binding in bindings:
                if binding.description:
                    table.add_row(_keys(binding), binding.description)
            table.add_row("", "")
        legend = Text()
        for label, (glyph, style) in GLYPHS.items():
            legend.append(f"{glyph} ", style=style)
            legend.append(f"{label or 'not verified yet'}   ")
        table.add_row(Text("Verdicts", style="bold underline"), legend)
        return table

    def action_close(self) -> None:
        self.dismiss(None)
