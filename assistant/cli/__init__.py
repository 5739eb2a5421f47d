"""The `desk` command line. Each subcommand lives in its own module and is imported only when
it runs, so `desk --help` stays fast. `desk` with no subcommand opens the TUI.
"""

from __future__ import annotations

import importlib

import click

# name -> (module, attribute, one-line help). Kept here so `desk --help` imports nothing heavy.
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("assistant.cli.workspace_cmd", "init_cmd", "Create a workspace."),
    "ingest": (
        "assistant.cli.ingest_cmd",
        "ingest_cmd",
        "Ingest files or folders into the workspace.",
    ),
    "watch": (
        "assistant.cli.watch_cmd",
        "watch_cmd",
        "Poll the [[sources]] in desk.toml and keep the index current.",
    ),
    "reindex": (
        "assistant.cli.reindex_cmd",
        "reindex_cmd",
        "Re-embed every passage with the configured embedding model.",
    ),
    "search": ("assistant.cli.search_cmd", "search_cmd", "Search the index (hybrid dense + BM25)."),
    "draft": (
        "assistant.cli.draft_cmd",
        "draft_cmd",
        "Draft a grounded desk synthesis on a topic.",
    ),
    "render": (
        "assistant.cli.render_cmd",
        "render_cmd",
        "Render a draft JSON as Markdown, HTML or JSON.",
    ),
    "provenance": (
        "assistant.cli.render_cmd",
        "provenance_cmd",
        "Regenerate the provenance footer of a draft.",
    ),
    "batch": ("assistant.cli.batch_cmd", "batch_cmd", "Summarise a day's wire unattended."),
    "tui": ("assistant.cli.tui_cmd", "tui_cmd", "Open the drafting TUI."),
    "sessions": (
        "assistant.cli.sessions_cmd",
        "sessions_cmd",
        "List saved sessions and any that cannot be opened.",
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return None
        module, attr, _ = _COMMANDS[cmd_name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, text) for name, (_, _, text) in _COMMANDS.items()])


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.option(
    "--workspace",
    "-w",
    envvar="DESK_WORKSPACE",
    type=click.Path(file_okay=False),
    help="Workspace directory (default: DESK_WORKSPACE, else the per-user data dir).",
)
@click.version_option(package_name="desk-assistant")
@click.pass_context
def cli(ctx: click.Context, workspace: str | None) -> None:
    """desk: a grounded drafting assistant for news desks."""
    ctx.obj = {"workspace": workspace}
    if ctx.invoked_subcommand is None:
        tui = cli.get_command(ctx, "tui")
        assert tui is not None
        ctx.invoke(tui)


def main() -> None:
    from assistant.cli.common import run_cli

    run_cli(cli)
