"""The drafting TUI (Textual): a thin layer over `DeskService` and `SessionStore`.

`make_app(service_or_workspace, ...)` builds the app for the CLI and the tests. Only this package
and `assistant.cli` import Textual; the core never does (tests/test_core_imports.py proves it).
"""

from assistant.tui.app import DeskApp, make_app

__all__ = ["DeskApp", "make_app"]
