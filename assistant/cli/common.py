"""Helpers shared by the CLI commands: opening the service, errors as one-line messages (and
the exit statuses: 1 failed, 2 usage or settings, 70 internal error, 130 interrupted), rich
progress."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.crash_log import CrashLog
from assistant.errors import DeskError
from assistant.service import DeskService

err_console = Console(stderr=True)
out_console = Console()


def open_service(ctx: click.Context, overrides: Mapping[str, Any] | None = None) -> DeskService:
    return DeskService.open((ctx.obj or {}).get("workspace"), overrides)


INTERNAL_ERROR_EXIT = 70
"""Exit status of a bug (an exception that is not a `DeskError`): EX_SOFTWARE from sysexits.h,
so scripts can tell "desk is broken" from "the input is wrong" (1) and "the usage is wrong" (2)."""


def fail(message: str, code: int) -> NoReturn:
    """Print `desk: <message>` on stderr as one unwrapped line and exit with `code`."""
    click.echo(f"desk: {message}", err=True)
    sys.exit(code)


def run_cli(group: click.Group) -> None:
    """Run the click group. A `DeskError` prints `desk: error: <message>` and exits with its
    `exit_code`; any other exception prints `desk: internal error: ...` with the path of the
    log file holding its traceback, and exits 70. Never a traceback on the terminal."""
    try:
        # standalone_mode=False makes click *return* the code of `ctx.exit(n)`; pass it on.
        code = group.main(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:  # click's own wording, with the usage line and --help hint
        exc.show()
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # a command's own failure: worded like a DeskError
        fail(f"error: {exc.format_message()}", exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except DeskError as exc:
        fail(f"error: {one_line(exc)}", exc.exit_code)
    except FileNotFoundError as exc:  # a missing packaged model or data folder: says which
        fail(f"error: {one_line(exc)}", 2)
    except Exception as exc:  # noqa: BLE001 - a bug: one line here, the traceback in a file
        fail(CrashLog.write(exc).message(), INTERNAL_ERROR_EXIT)


def one_line(exc: BaseException) -> str:
    """The exception's message with its line breaks folded, so the error stays one line."""
    return " ".join(str(exc).split()) or type(exc).__name__


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
