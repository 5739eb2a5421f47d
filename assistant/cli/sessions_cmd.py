"""`desk sessions`: the workspace's saved drafting sessions, and the session files that cannot be
opened with the reason for each (a file that no longer loads is reported, never skipped)."""

from __future__ import annotations

from datetime import UTC

import click


@click.command("sessions")
@click.pass_context
def sessions_cmd(ctx: click.Context) -> None:
    """List the saved drafting sessions (newest first) and any unreadable session files."""
    from assistant.cli.common import open_service

    listing = open_service(ctx).sessions.scan()
    if not listing.sessions and not listing.unreadable:
        click.echo("no sessions yet (start one with `desk tui --new`)")
    for s in listing.sessions:
        draft = "draft" if s.has_draft else "no draft"
        updated = s.updated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        click.echo(
            f"{s.id}  {updated}  {draft:<8}  {s.name}" + (f" — {s.topic}" if s.topic else "")
        )
    if listing.unreadable:
        click.echo(f"\n{len(listing.unreadable)} session file(s) cannot be opened:")
        for bad in listing.unreadable:
            click.echo(f"  {bad.path}: {bad.reason}")
