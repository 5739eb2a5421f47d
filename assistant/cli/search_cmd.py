"""`desk search "query"`: ranked passages from the hybrid index, as a table or JSON.

`--since` / `--until` take a date (`2026-06-29`) or an ISO datetime; a value without a UTC
offset is taken as UTC. A date-only `--until` includes that whole day.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import get_args

import click

from assistant.cli.common import open_service, out_console
from assistant.models import SearchFilters, SourceKind


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


def _utc(dt: datetime | None) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if dt else "undated"


@click.command("search")
@click.argument("query")
@click.option("--since", help="Only passages published at or after this date/time (UTC).")
@click.option("--until", help="Only passages published before this time; a date includes the day.")
@click.option("--source", "sources", multiple=True, help="Outlet or channel (repeatable).")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(get_args(SourceKind)),
    help="Source kind (repeatable).",
)
@click.option("--language", "languages", multiple=True, help="Language code, e.g. en (repeatable).")
@click.option("-k", "k", type=click.IntRange(1, 500), default=None, help="How many passages.")
@click.option("--all-versions", is_flag=True, help="Allow several passages from one lineage.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
@click.pass_context
def search_cmd(
    ctx: click.Context,
    query: str,
    since: str | None,
    until: str | None,
    sources: tuple[str, ...],
    kinds: tuple[str, ...],
    languages: tuple[str, ...],
    k: int | None,
    all_versions: bool,
    as_json: bool,
) -> None:
    """Search the workspace's index (dense + BM25, fused) for QUERY."""
    filters = SearchFilters(
        since=parse_when(since) if since else None,
        until=parse_when(until, end_of_day=True) if until else None,
        outlets=sources,
        kinds=kinds,  # type: ignore[arg-type]
        languages=languages,
    )
    if filters.since and filters.until and filters.since >= filters.until:
        raise click.BadParameter("--since must be before --until")
    service = open_service(ctx)
    try:
        if service.store.count_passages() == 0:
            raise click.ClickException(
                f"the workspace {service.workspace.root} holds no passages yet; "
                "run `desk ingest PATH`"
            )
        hits = service.search(query, filters, k, one_per_lineage=not all_versions)
    finally:
        service.close()
    if as_json:
        click.echo(
            json.dumps([h.model_dump(mode="json") for h in hits], ensure_ascii=False, indent=2)
        )
        return
    if not hits:
        out_console.print("No passages match.")
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("source", ratio=1, overflow="fold")
    table.add_column("passage", ratio=3)
    for h in hits:
        p = h.passage
        versions = f"\n{h.lineage_size} versions" if h.lineage_size > 1 else ""
        where = f"{escape(p.outlet)}\n{_utc(p.published_at)}{versions}"
        if p.url:
            where += f"\n[link={escape(p.url)}]{escape(p.url)}[/link]"
        title = f"[bold]{escape(p.title)}[/bold]\n" if p.title else ""
        table.add_row(str(h.rank), f"{h.score:.4f}", where, title + escape(p.text))
    out_console.print(table)
