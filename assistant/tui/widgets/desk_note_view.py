"""`DeskNoteView`: the computed desk note — independent sources, kinds, time span, single-source
and Telegram-only claims, disagreements — for the current draft."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from assistant.models import Draft
from assistant.tui.formatting import utc


class DeskNoteView(VerticalScroll):
    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="desk-note-body")

    def show(self, draft: Draft | None) -> None:
        body = self.query_one("#desk-note-body", Static)
        note = draft.desk_note if draft is not None else None
        if note is None:
            body.update(
                Text(
                    "No desk note yet (it is computed when a draft is verified).",
                    style="dim italic",
                )
            )
            return
        parts = [Text("DESK NOTE", style="bold underline"), Text(note.text), Text("")]
        facts = Text()
        facts.append(f"Independent sources: {note.independent_sources}\n", style="bold")
        if note.kinds:
            facts.append(
                "Kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(note.kinds.items())) + "\n"
            )
        facts.append(f"Span: {utc(note.span_start)} – {utc(note.span_end)} UTC\n")
        for title, items in (
            ("Single-source claims", note.single_source_claims),
            ("Telegram-only claims", note.telegram_only_claims),
            ("Disagreements", note.disagreements),
        ):
            if items:
                facts.append(f"{title}:\n", style="bold yellow")
                for item in items:
                    facts.append(f"  • {item}\n")
        facts.rstrip()
        parts.append(facts)
        body.update(Group(*parts))
