"""`desk search "query"`: ranked passages from the hybrid index, as a table or JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from assistant.cli.common import open_service, out_console
from assistant.cli.filters import build_filters, filter_options


def _utc(dt: datetime | None) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if dt else "undated"


@click.command("search")
@click.argument("query")
@filter_options("passages")
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
    service = open_service(ctx)
    try:
        filters = build_filters(
            since, until, sources, kinds, languages, tz=service.settings.timezone
        )
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
    from rich.style import Style
    from rich.table import Table
    from rich.text import Text

    # Source text goes in as `Text`, never as a markup string: `[bold]` or `:x:` in a passage
    # is what the source wrote, not rich markup or an emoji code.
    table = Table(show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("source", ratio=1, overflow="fold")
    table.add_column("passage", ratio=3)
    for h in hits:
        p = h.passage
        versions = f"\n{h.lineage_size} versions" if h.lineage_size > 1 else ""
        where = Text(p.outlet)
        where.append(f"\n{_utc(p.published_at)}{versions}")
        if p.url:
            # Only an http(s) URL becomes a terminal hyperlink; `javascript:` stays text.
            link = p.url.lower().startswith(("http://", "https://"))
            where.append("\n")
            where.append(p.url, style=Style(link=p.url) if link else None)
        passage = Text()
        if p.title:
            passage.append(p.title, style="bold")
            passage.append("\n")
        passage.append(p.text)
        table.add_row(str(h.rank), f"{h.score:.4f}", where, passage)
    out_console.print(table)
