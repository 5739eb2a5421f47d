"""Helpers shared by the CLI commands: opening the service, errors as messages, rich progress."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.config import ConfigError
from assistant.service import DeskService
from assistant.workspace import WorkspaceError

err_console = Console(stderr=True)
out_console = Console()


def open_service(ctx: click.Context, overrides: Mapping[str, Any] | None = None) -> DeskService:
    return DeskService.open((ctx.obj or {}).get("workspace"), overrides)


def run_cli(group: click.Group) -> None:
    """Run the click group; known failures print one clear line and exit 2, never a traceback."""
    try:
        # standalone_mode=False makes click *return* the code of `ctx.exit(n)`; pass it on.
        code = group.main(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (ConfigError, WorkspaceError, FileNotFoundError) as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


class RichProgress:
    """`assistant.progress.Progress` drawn as rich progress bars on stderr (hidden when not a TTY)."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console or err_console
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self._console,
            transient=False,
            disable=not self._console.is_terminal,
        )
        self._task: Any = None

    def __enter__(self) -> RichProgress:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(*exc)  # type: ignore[arg-type]

    def start(self, task: str, total: int | None = None) -> None:
        self._task = self._bar.add_task(task, total=total)

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, n)

    def done(self) -> None:
        if self._task is not None:
            task = self._bar.tasks[self._task] if isinstance(self._task, int) else None
            if task is not None and task.total is None:
                self._bar.update(self._task, total=task.completed)
            self._task = None
