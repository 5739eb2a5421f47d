"""`SessionsScreen`: the workspace's sessions — open, create, rename, duplicate, delete — and,
under the table, the session files that cannot be opened and why.

Dismisses with the id of the session to open (or `None` to stay in the current one).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from assistant.sessions import SessionError, SessionStore
from assistant.tui.formatting import snippet, utc
from assistant.tui.screens.confirm_screen import ConfirmScreen
from assistant.tui.screens.prompt_screen import PromptScreen


class SessionsScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("enter", "open", "Open"),
        Binding("n", "new", "New"),
        Binding("r", "rename", "Rename"),
        Binding("d", "duplicate", "Duplicate"),
        Binding("delete,ctrl+d", "delete", "Delete"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(self, store: SessionStore, current: str | None) -> None:
        super().__init__()
        self.store = store
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Sessions", classes="dialog-title")
            yield DataTable(id="sessions-table", cursor_type="row", zebra_stripes=True)
            yield Label("", id="sessions-unreadable")
            yield Label(
                "enter open · n new · r rename · d duplicate · del delete · esc close",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(" ", "Name", "Topic", "Updated (UTC)", "Draft")
        self.reload(self.current)
        table.focus()

    def reload(self, select: str | None = None) -> None:
        table = self.query_one(DataTable)
        table.clear()
        listing = self.store.scan()
        problems = self.query_one("#sessions-unreadable", Label)
        problems.display = bool(listing.unreadable)
        problems.update(
            f"⚠ {len(listing.unreadable)} session file(s) cannot be opened:\n"
            + "\n".join(f"  {bad.path.name}: {bad.reason}" for bad in listing.unreadable)
        )
        for s in listing.sessions:
            table.add_row(
                "●" if s.id == self.current else " ",
                snippet(s.name, 28),
                snippet(s.topic, 40),
                utc(s.updated_at),
                "yes" if s.has_draft else "—",
                key=s.id,
            )
        if select is not None:
            try:
                table.move_cursor(row=table.get_row_index(select))
            except Exception:  # noqa: BLE001 - the row may be gone (deleted); keep the cursor
                pass

    @property
    def selected(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(str(event.row_key.value))

    def action_open(self) -> None:
        if self.selected:
            self.dismiss(self.selected)

    def action_new(self) -> None:
        def created(name: str | None) -> None:
            if name is not None:
                self.dismiss(self.store.create(name=name).id)

        self.app.push_screen(PromptScreen("Name of the new session"), created)

    def action_rename(self) -> None:
        sid = self.selected
        if sid is None:
            return

        def renamed(name: str | None) -> None:
            if name:
                self._guard(lambda: self.store.rename(sid, name))
                self.reload(sid)

        self.app.push_screen(PromptScreen("Rename session", self.store.load(sid).name), renamed)

    def action_duplicate(self) -> None:
        sid = self.selected
        if sid is not None:
            copy = self._guard(lambda: self.store.duplicate(sid))
            if copy is not None:
                self.notify(f"Duplicated as '{copy.name}'")
                self.reload(copy.id)

    def action_delete(self) -> None:
        sid = self.selected
        if sid is None:
            return
        if sid == self.current:
            self.notify(
                "This session is open; open another one before deleting it.", severity="warning"
            )
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._guard(lambda: self.store.delete(sid))
                self.reload()

        self.app.push_screen(ConfirmScreen("Delete this session? This cannot be undone."), answered)

    def action_close(self) -> None:
        self.dismiss(None)

    def _guard(self, fn):  # type: ignore[no-untyped-def]
        try:
            return fn()
        except SessionError as exc:
            self.notify(str(exc), title="Session", severity="error")
            return None
