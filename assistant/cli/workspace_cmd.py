"""`desk init [DIR]`: create a workspace with a commented `desk.toml`."""

from __future__ import annotations

import click

from assistant.cli.common import out_console
from assistant.workspace import Workspace, resolve_workspace_path


@click.command("init")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option(
    "--quiet-if-exists", is_flag=True, help="Say nothing when the workspace already exists."
)
@click.pass_context
def init_cmd(ctx: click.Context, directory: str | None, quiet_if_exists: bool) -> None:
    """Create a workspace (default: --workspace, DESK_WORKSPACE, or the per-user data dir)."""
    root = resolve_workspace_path(directory or (ctx.obj or {}).get("workspace"))
    existed = (root / "desk.toml").exists()
    ws = Workspace.init(root)
    if existed and quiet_if_exists:
        return
    verb = "Workspace already exists at" if existed else "Created workspace at"
    out_console.print(f"{verb} {ws.root}\nSettings: {ws.toml_path}")
