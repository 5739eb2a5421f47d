"""The editor's filters on the command line, shared by `desk search` and `desk draft`.

`--since` / `--until` take a date (`2026-06-29`) or an ISO datetime; a value without a UTC
offset is taken as UTC. A date-only `--until` includes that whole day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar, get_args

import click

from assistant.models import SearchFilters, SourceKind

F = TypeVar("F", bound=Callable[..., Any])


def parse_when(value: str, *, end_of_day: bool = False) -> datetime:
    """A date or ISO datetime as aware UTC; naive values are UTC. `end_of_day` turns a bare date
    into the next midnight, so an exclusive `until` still covers the day."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end_of_day else start
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"'{value}' is not a date (YYYY-MM-DD) or ISO datetime (YYYY-MM-DDTHH:MM[:SS][+HH:MM])"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def filter_options(what: str) -> Callable[[F], F]:
    """`--since`, `--until`, `--source` and `--kind`, worded for `what` (passages, sources)."""

    def decorate(fn: F) -> F:
        for option in reversed(
            [
                click.option(
                    "--since", help=f"Only {what} published at or after this date/time (UTC)."
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
) -> SearchFilters:
    """SearchFilters from the options; a window that ends before it starts is a usage error."""
    filters = SearchFilters(
        since=parse_when(since) if since else None,
        until=parse_when(until, end_of_day=True) if until else None,
        outlets=sources,
        kinds=kinds,  # type: ignore[arg-type]
        languages=languages,
    )
    if filters.since and filters.until and filters.since >= filters.until:
        raise click.BadParameter("--since must be before --until")
    return filters
