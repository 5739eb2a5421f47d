"""`PassageTable`: the retrieved passages (outlet, UTC time, score, lineage count), with pins and
exclusions marked, as a table the editor moves through to pin, exclude, open or cite a passage.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from assistant.models import Hit
from assistant.tui.formatting import snippet, utc


class PassageTable(DataTable):
    BINDINGS = [
        Binding("p", "screen.pin_passage", "Pin"),
        Binding("x", "screen.exclude_passage", "Exclude"),
        Binding("o", "screen.open_passage", "Open"),
        Binding("c", "screen.cite_passage", "Cite in ¶"),
    ]

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.hits: dict[str, Hit] = {}

    def on_mount(self) -> None:
        self.add_column(" ", key="mark", width=2)
        self.add_column("Outlet", key="outlet", width=14)
        self.add_column("UTC", key="time", width=11)
        self.add_column("Score", key="score", width=6)
        self.add_column("Lin", key="lineage", width=3)
        self.add_column("Passage", key="text")

    def show(self, hits: list[Hit], pinned: list[str], excluded: list[str]) -> None:
        current = self.current_passage_id
        self.clear()
        self.hits = {}
        for hit in hits:
            p = hit.passage
            if p.id in self.hits:
                continue
            self.hits[p.id] = hit
            self.add_row(
                self._mark(p.id, pinned, excluded),
                Text(snippet(p.outlet, 14)),
                utc(p.published_at, "%m-%d %H:%M"),
                f"{hit.score:.3f}",
                str(hit.lineage_size),
                Text(snippet(p.text, 200), style="dim" if p.id in excluded else ""),
                key=p.id,
            )
        if current in self.hits:
            self.move_cursor(row=self.get_row_index(current))

    def refresh_marks(self, pinned: list[str], excluded: list[str]) -> None:
        for pid in self.hits:
            self.update_cell(pid, "mark", self._mark(pid, pinned, excluded))

    @staticmethod
    def _mark(pid: str, pinned: list[str], excluded: list[str]) -> Text:
        if pid in pinned:
            return Text("P", style="bold green")
        if pid in excluded:
            return Text("X", style="bold red")
        return Text(" ")

    @property
    def current_passage_id(self) -> str | None:
        if not self.hits or self.cursor_row < 0 or self.cursor_row >= self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return str(key.value) if key is not None else None
