"""`ParagraphEditor`: edit one paragraph in place as text with `[n]` markers; every pause in
typing asks the screen to re-verify it (debounced), and the verdicts show under the text.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Label, Static, TextArea

from assistant.models import Paragraph
from assistant.tui.formatting import steady_cursors, verdict_glyph

DEBOUNCE_S = 0.4
"""Pause in typing after which the paragraph is re-verified."""


class ParagraphEditor(Vertical):
    BINDINGS = [
        Binding("escape", "screen.close_editor", "Done editing"),
    ]

    class TextEdited(Message):
        """The editor's text settled (no typing for `DEBOUNCE_S`)."""

        def __init__(self, key: str, text: str) -> None:
            super().__init__()
            self.key = key
            self.text = text

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.key: str | None = None
        self._timer: Timer | None = None
        self._loading = False

    def compose(self):  # type: ignore[no-untyped-def]
        yield Label("", id="editor-title")
        yield TextArea(id="editor-text", soft_wrap=True, show_line_numbers=False)
        yield Static("", id="editor-verdicts")

    def on_mount(self) -> None:
        steady_cursors(self)

    def open(self, key: str, title: str, text: str) -> None:
        self.key = key
        self.query_one("#editor-title", Label).update(
            Text(f"Editing {title}: [n] cites a passage; c on a passage inserts one; esc when done")
        )
        area = self.query_one(TextArea)
        self._loading = True
        area.load_text(text)
        area.move_cursor(area.document.end)
        self.display = True
        area.focus()

    def close(self, keep_pending: bool = True) -> None:
        """Hide the editor; a pending (not yet sent) edit is sent first unless discarded."""
        if keep_pending:
            self.flush()
        elif self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.key = None
        self.display = False

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def insert_marker(self, n: int) -> None:
        area = self.query_one(TextArea)
        area.insert(f" [{n}]")
        area.focus()

    def show_verdicts(self, paragraph: Paragraph | None) -> None:
        out = Text()
        if paragraph is not None:
            for sentence in paragraph.sentences:
                out.append_text(verdict_glyph(sentence.verdict))
                out.append(" ")
                reasons = sentence.verdict.reasons if sentence.verdict is not None else ()
                out.append(sentence.text[:60] + ("…" if len(sentence.text) > 60 else ""))
                if reasons:
                    out.append("  — " + "; ".join(reasons[:2]), style="yellow")
                out.append("\n")
        out.rstrip()
        self.query_one("#editor-verdicts", Static).update(out)

    def flush(self) -> None:
        """Send the pending edit now (closing the editor or quitting must not lose it)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
            self._emit()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if self._loading:
            self._loading = False
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_S, self._emit)

    def _emit(self) -> None:
        self._timer = None
        if self.key is not None:
            self.post_message(self.TextEdited(self.key, self.text))
