"""`ProvenanceView`: the wire provenance footer of the current draft, one entry per source,
navigable so a citation can jump to its entry."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from assistant.models import Draft, ProvenanceEntry
from assistant.tui.formatting import utc


class ProvenanceView(OptionList):
    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.entries: list[ProvenanceEntry] = []

    def show(self, draft: Draft | None) -> None:
        self.clear_options()
        provenance = draft.provenance if draft is not None else None
        self.entries = list(provenance.entries) if provenance is not None else []
        if not self.entries:
            self.add_option(
                Option(
                    Text(
                        "No provenance yet (it is built when a draft is verified).",
                        style="dim italic",
                    ),
                    disabled=True,
                )
            )
            return
        head = Text(f"WIRE PROVENANCE — as of {utc(provenance.as_of)} UTC", style="bold underline")  # type: ignore[union-attr]
        options: list[Option | None] = [Option(head, disabled=True)]
        for entry in self.entries:
            options.append(Option(self._entry_text(entry), id=entry.key))
        self.add_options(options)

    @staticmethod
    def _entry_text(entry: ProvenanceEntry) -> Text:
        text = Text()
        text.append("".join(f"[{n}]" for n in entry.markers) + " ", style="bold cyan")
        text.append(entry.outlet, style="bold")
        if entry.author:
            text.append(f" ({entry.author})")
        text.append(f" · {utc(entry.published_at)} UTC")
        if entry.title:
            text.append(f"\n  {entry.title}", style="italic")
        if entry.url:
            text.append(f"\n  {entry.url}", style="underline blue")
        text.append(
            f"\n  #{entry.short_hash} · cited in {', '.join(entry.cited_by) or '—'}", style="dim"
        )
        if entry.also_carried_by:
            text.append(f"\n  also carried by {', '.join(entry.also_carried_by)}", style="dim")
        return text

    def focus_marker(self, n: int) -> bool:
        """Highlight the entry that citation `[n]` resolves to."""
        for entry in self.entries:
            if n in entry.markers:
                self.highlighted = self.get_option_index(entry.key)
                return True
        return False
