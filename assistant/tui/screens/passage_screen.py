"""`PassageScreen`: one passage in full, highlighted inside its document, with the source's
metadata (outlet, author, title, URL or permalink, UTC times, kind, lineage, hash, file)."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from assistant.models import Document, Passage
from assistant.tui.formatting import utc


class PassageScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,o", "dismiss", "Close")]

    def __init__(
        self,
        passage: Passage,
        document: Document | None,
        lineage_size: int = 1,
        also_seen: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.passage = passage
        self.document = document
        self.lineage_size = lineage_size
        self.also_seen = also_seen or []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(self.passage.title or self.passage.outlet, classes="dialog-title")
            yield Static(self._metadata(), id="passage-meta")
            with VerticalScroll(id="passage-body"):
                yield Static(self._body())
            yield Label("esc to close", classes="dialog-hint")

    def on_mount(self) -> None:
        # Start with the passage in view, not the top of a long article.
        d, p = self.document, self.passage
        if d is not None and d.text[p.start : p.end] == p.text and p.start > 0:
            self.call_after_refresh(self._show_passage, p.start / max(1, len(d.text)))

    def _show_passage(self, ratio: float) -> None:
        # Wrapped lines make the row approximate; aim a little above the passage.
        body = self.query_one("#passage-body", VerticalScroll)
        body.scroll_to(y=max(0, int(body.max_scroll_y * ratio) - 2), animate=False)

    def _metadata(self) -> Text:
        p, d = self.passage, self.document
        rows = [
            ("Outlet", p.outlet + (f" (@{d.channel})" if d and d.channel else "")),
            ("Author", d.author if d and d.author else "—"),
            ("Kind", p.kind),
            (
                "Published",
                f"{utc(p.published_at)} UTC" + (f" — {d.date_flag}" if d and d.date_flag else ""),
            ),
            ("Ingested", f"{utc(d.ingested_at)} UTC" if d else "—"),
            ("URL", p.url or "—"),
            ("Lineage", f"{self.lineage_size} version(s) of this story"),
            ("Also seen", ", ".join(self.also_seen) or "—"),
            ("Hash", p.content_hash[:12]),
            ("Span", f"characters {p.start}–{p.end}" + (f" of {d.location}" if d else "")),
        ]
        text = Text()
        for key, value in rows:
            text.append(f"{key:>10}  ", style="bold")
            text.append(f"{value}\n")
        text.rstrip()
        return text

    def _body(self) -> Group:
        d, p = self.document, self.passage
        if d is None or d.text[p.start : p.end] != p.text:
            return Group(Text(p.text, style="bold"))
        text = Text(d.text)
        text.stylize("bold black on yellow", p.start, p.end)
        return Group(text)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
