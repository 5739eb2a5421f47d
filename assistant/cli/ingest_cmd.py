"""`desk ingest PATH|URL... [--prune]`: ingest files, folders and URLs (feeds, `t.me/s/`
channels, article pages) with progress bars, then a summary
table and every skipped or failed file with its reason, names escaped so that none can rewrite
the terminal. Exit status 1 if anything failed (including an unreadable subfolder).
`--follow-symlinks` reads what symlinks lead to outside the named folders (refused otherwise)."""

from __future__ import annotations

import click
from rich.table import Table

from assistant.cli.common import RichProgress, err_console, open_service, out_console
from assistant.ingest.walk import printable

_MAX_DATE_LINES = 20


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True)
@click.option("--prune", is_flag=True, help="Remove documents whose files no longer exist.")
@click.option(
    "--follow-symlinks",
    is_flag=True,
    help="Also read files that symlinks lead to outside the folders named (refused by default).",
)
@click.option(
    "--max-file-bytes",
    type=int,
    default=None,
    help="Refuse files larger than this (overrides the max_file_bytes setting).",
)
@click.option(
    "--since",
    default=None,
    help="How far back to page t.me/s/ channels: a date (2026-11-30) or an age (36h, 7d). "
    "Default 7d.",
)
@click.option(
    "--max-items",
    type=click.IntRange(min=1),
    default=None,
    help="Most posts to read from a t.me/s/ channel (default 200).",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="Seconds to wait for another writer (desk watch, desk ingest) to release the workspace.",
)
@click.pass_context
def ingest_cmd(
    ctx: click.Context,
    paths: tuple[str, ...],
    prune: bool,
    follow_symlinks: bool,
    max_file_bytes: int | None,
    since: str | None,
    max_items: int | None,
    wait: float,
) -> None:
    """Ingest files, folders or URLs (text, Markdown, HTML, RSS/Atom, Telegram, JSONL; feed,
    article and t.me/s/ channel URLs)."""
    from assistant.intake.since import parse_since

    when = parse_since(since) if since else None
    service = open_service(ctx, {"max_file_bytes": max_file_bytes})
    try:
        with RichProgress() as progress:
            report = service.ingest(
                list(paths),
                prune=prune,
                progress=progress,
                follow_symlinks=follow_symlinks,
                wait=wait,
                since=when,
                max_items=max_items,
            )
    finally:
        service.close()

    table = Table(title="Ingest summary", show_header=True, header_style="bold")
    table.add_column("what")
    table.add_column("count", justify="right")
    for name, value in report.counts():
        style = "red" if name == "failed" and value else None
        table.add_row(name, str(value), style=style)
    out_console.print(table)
    from rich.text import Text

    # File names and reasons quote the sources: Text, so `[x]` or `:x:` in them is not markup.
    for where, flag in report.date_flags[:_MAX_DATE_LINES]:
        out_console.print(
            Text.assemble(("date", "yellow"), f" {printable(where)}: {printable(flag)}")
        )
    if len(report.date_flags) > _MAX_DATE_LINES:
        more = len(report.date_flags) - _MAX_DATE_LINES
        out_console.print(f"[yellow]date[/] ... and {more} more documents with flagged dates")
    for warning in report.warnings:
        err_console.print(Text.assemble(("warning", "yellow"), f" {printable(warning)}"))
    for path in report.pruned:
        out_console.print(Text.assemble(("pruned", "yellow"), f" {printable(path)}"))
    for path, reason in report.skipped:
        out_console.print(
            Text.assemble(("skipped", "yellow"), f" {printable(path)}: {printable(reason)}")
        )
    for path, reason in report.failed:
        err_console.print(
            Text.assemble(("failed", "bold red"), f" {printable(path)}: {printable(reason)}")
        )
    if report.failed:
        ctx.exit(1)
