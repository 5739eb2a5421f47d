"""`desk tui` (and `desk` with no subcommand): open the drafting TUI on the workspace."""

from __future__ import annotations

import click


@click.command("tui")
@click.option("--session", "session_id", help="Open this session (default: the most recent one).")
@click.option("--new", "new_session", is_flag=True, help="Start a new session.")
@click.pass_context
def tui_cmd(ctx: click.Context, session_id: str | None, new_session: bool) -> None:
    """Open the drafting TUI: draft, inspect and fix a grounded synthesis at the keyboard."""
    from assistant.cli.common import open_service
    from assistant.sessions import SessionError
    from assistant.tui.app import make_app

    service = open_service(ctx)
    try:
        app = make_app(service, session_id, new_session=new_session)
    except SessionError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        app.run()
    finally:
        service.close()
