"""The editor's filters on the command line, shared by `desk search` and `desk draft`.

`--since` / `--until` mean what they mean everywhere (`assistant.dates`): a date or a date-time,
read in the workspace's `timezone` setting (UTC unless configured) when it has no offset; a
date-only `--until` includes that whole day, so `--since D --until D` is the day D.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, get_args

import click

from assistant.dates import DateError, Window, parse_bound
from assistant.models import SearchFilters, SourceKind

F = TypeVar("F", bound=Callable[..., Any])


def parse_when(value: str, *, end_of_day: bool = False, tz: str = "UTC") -> datetime:
    """A date or ISO datetime as aware UTC (`assistant.dates.parse_bound`); `end_of_day` makes a
    bare date the next midnight, so an exclusive `until` still covers the day."""
    try:
        return parse_bound(value, end=end_of_day, tz=tz, what="")
    except DateError as exc:
        raise click.BadParameter(str(exc).strip()) from None


def filter_options(what: str) -> Callable[[F], F]:
    """`--since`, `--until`, `--source` and `--kind`, worded for `what` (passages, sources)."""

    def decorate(fn: F) -> F:
        for option in reversed(
            [
                click.option(
                    "--since",
                    help=f"Only {what} published at or after this date/time (a date: from the "
                    "start of that day; zone: the `timezone` setting, UTC by default).",
                ),
                click.option(
                    "--until",
                    help=f"Only {what} published before this time; a date includes the day.",
                ),
                click.option(
                    "--source", "sources", multiple=True, help="Outlet or channel (repeatable)."
                ),
                click.option(
                    "--kind",
                    "kinds",
                    multiple=True,
                    type=click.Choice(get_args(SourceKind)),
                    help="Source kind (repeatable).",
                ),
            ]
        ):
            fn = option(fn)
        return fn

    return decorate


def build_filters(
    since: str | None,
    until: str | None,
    sources: tuple[str, ...],
    kinds: tuple[str, ...],
    languages: tuple[str, ...] = (),
    tz: str = "UTC",
) -> SearchFilters:
    """SearchFilters from the options, the window read in `tz`; a window that ends before it
    starts is a usage error."""
    try:
        window = Window.parse(since, until, tz)
    except DateError as exc:
        raise click.BadParameter(str(exc)) from None
    return SearchFilters(
        since=window.since,
        until=window.until,
        outlets=sources,
        kinds=kinds,  # type: ignore[arg-type]
        languages=languages,
    )
