"""`DeskApp` and `make_app`: wiring only — which screen shows, app-wide keys, the command
palette's actions, sessions switching, and the background warm-up after the first frame."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from assistant.service import DeskService
from assistant.sessions import Session, SessionError
from assistant.tui import jobs
from assistant.tui.screens.drafting_screen import DraftingScreen
from assistant.tui.widgets.draft_view import DraftView
from assistant.tui.widgets.paragraph_editor import ParagraphEditor
from assistant.tui.widgets.passage_table import PassageTable
from assistant.workspace import Workspace


class DeskApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "desk"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("ctrl+o", "sessions", "Sessions"),
        Binding("ctrl+n", "new_session", "New session"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, service: DeskService, session: Session, *, warm_up: bool = True) -> None:
        super().__init__()
        self.service = service
        self.first_session = session
        self.warm = warm_up
        self._drafting: DraftingScreen | None = None

    def get_default_screen(self) -> Screen:
        return self.drafting

    def on_mount(self) -> None:
        if self.warm:
            # After the first frame: torch, the embedding model and Chroma load in a thread.
            self.call_after_refresh(self._warm_up)

    def _warm_up(self) -> None:
        # A daemon thread, not a worker: quitting must not wait for torch to finish loading.
        threading.Thread(
            target=jobs.warm_up,
            args=(self.service, self.drafting),
            daemon=True,
            name="desk-warm-up",
        ).start()

    @property
    def drafting(self) -> DraftingScreen:
        """The one drafting screen (created on first use, shown first)."""
        if self._drafting is None:
            self._drafting = DraftingScreen(self.service, self.first_session)
        return self._drafting

    # --- app-wide actions ------------------------------------------------------------------------
    def key_groups(self) -> list[tuple[str, list[Binding]]]:
        """Every key, grouped by where it works: the help screen and the palette use this."""
        from assistant.tui.screens.sessions_screen import (
            SessionsScreen,  # dialogs load on first use
        )

        extra = {
            "Everywhere": [Binding("ctrl+p", "command_palette", "Command palette")],
            "Draft (cursor on a sentence)": [Binding("enter", "", "Edit ¶")],
            "Passages": [Binding("enter", "", "Open (or cite while editing)")],
            "Paragraph editor": [
                Binding("ctrl+z", "", "Undo typing"),
                Binding("ctrl+y", "", "Redo typing"),
            ],
        }
        groups: list[tuple[str, Sequence[object]]] = [
            ("Everywhere", self.BINDINGS),
            ("Drafting", DraftingScreen.BINDINGS),
            ("Draft (cursor on a sentence)", DraftView.BINDINGS),
            ("Passages", PassageTable.BINDINGS),
            ("Paragraph editor", ParagraphEditor.BINDINGS),
            ("Sessions dialog", SessionsScreen.BINDINGS),
        ]
        return [
            (title, [b for b in bindings if isinstance(b, Binding)] + extra.get(title, []))
            for title, bindings in groups
        ]

    def action_help(self) -> None:
        from assistant.tui.screens.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.key_groups()))

    def action_sessions(self) -> None:
        drafting = self.drafting
        drafting.save_before_leaving()
        store = self.service.sessions
        from assistant.tui.screens.sessions_screen import SessionsScreen

        def chosen(session_id: str | None) -> None:
            try:
                # A rename in the dialog must not be overwritten by the open copy.
                name = store.load(drafting.session.id).name
                if name != drafting.session.name:
                    drafting.session.name = name
                    drafting.changed()  # later saves must carry the new name
                drafting.sub_title = self.sub_title = drafting.session.name
                if session_id and session_id != drafting.session.id:
                    drafting.load_session(store.load(session_id))
            except SessionError as exc:
                self.notify(str(exc), title="Session", severity="error")

        self.push_screen(SessionsScreen(store, drafting.session.id), chosen)

    def action_new_session(self) -> None:
        drafting = self.drafting
        drafting.save_before_leaving()
        drafting.load_session(self.service.sessions.create())
        self.notify(f"New session '{drafting.session.name}'.")

    async def action_quit(self) -> None:
        if self.screen_stack:
            self.drafting.save_before_leaving()
            self.drafting.stop_work()  # a running job stops at its next check instead of finishing
        self.exit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for group, bindings in self.key_groups():
            for binding in bindings:
                if not binding.action or binding.action in seen or not binding.description:
                    continue
                seen.add(binding.action)
                if group == "Sessions dialog":
                    continue
                action = binding.action.removeprefix("screen.")
                target = self if group == "Everywhere" else self.drafting
                yield SystemCommand(
                    binding.description,
                    f"{group} · {binding.key}",
                    lambda a=action, t=target: self.run_action(a, t),
                )


def make_app(
    service_or_workspace: DeskService | Workspace | str | Path | None = None,
    session_id: str | None = None,
    *,
    new_session: bool = False,
    warm_up: bool = True,
) -> DeskApp:
    """Build the app for the CLI and the tests: a service (or workspace) and which session to
    open — `session_id`, a new one, or the most recently changed (a new one if there is none)."""
    if isinstance(service_or_workspace, DeskService):
        service = service_or_workspace
    elif isinstance(service_or_workspace, Workspace):
        service = DeskService(service_or_workspace)
    else:
        service = DeskService.open(service_or_workspace)
    store = service.sessions
    if session_id is not None:
        session = store.load(session_id)
    elif new_session:
        session = store.create()
    else:
        session = store.latest() or store.create()
    return DeskApp(service, session, warm_up=warm_up)
