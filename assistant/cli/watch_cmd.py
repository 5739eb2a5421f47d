"""`desk watch [--once] [--wait S]`: poll the workspace's `[[sources]]` (desk.toml) and keep the
index current. On a terminal, a live table of sources (last fetch, new items, errors); otherwise
one log line per poll. SIGINT and SIGTERM finish the poll under way and stop. `--once` polls
every source once (for cron) and exits 1 if any failed; a workspace held by another writer for
longer than `--wait` exits 2 naming the holder."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import click

from assistant.cli.common import err_console, open_service


def _table(statuses: list[Any]) -> Any:
    from rich.table import Table
    from rich.text import Text

    from assistant.ingest.walk import printable

    table = Table(title="desk watch", header_style="bold", expand=False)
    for col in ("source", "state", "last fetch", "new", "error"):
        table.add_column(col, justify="right" if col == "new" else "left")
    styles = {"failing": "red", "busy": "yellow", "fetching": "cyan", "ok": "green"}
    for st in statuses:
        when = st.last_fetch.strftime("%H:%M:%S") if st.last_fetch else "-"
        table.add_row(
            Text(printable(st.name)),
            Text(
                st.state + (f" x{st.failures}" if st.failures > 1 else ""),
                style=styles.get(st.state, ""),
            ),
            when,
            f"{st.new_items}" + (f" (+{st.last_new})" if st.last_new else ""),
            Text(printable(st.error or ""), style="red"),
        )
    return table


@click.command("watch")
@click.option("--once", is_flag=True, help="Poll every source once, then exit (for cron).")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="Seconds to wait for another writer (desk ingest) to release the workspace.",
)
@click.pass_context
def watch_cmd(ctx: click.Context, once: bool, wait: float) -> None:
    """Poll the [[sources]] listed in desk.toml and ingest what is new."""
    from assistant.intake.watcher import Watcher

    service = open_service(ctx)
    if not [s for s in service.settings.sources if s.enabled]:
        service.close()
        raise click.UsageError(
            f"no enabled [[sources]] in {service.workspace.toml_path}; add e.g.\n\n"
            '  [[sources]]\n  url = "https://www.ft.com/rss/home"\n'
        )
    stop = threading.Event()

    def stopping(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt  # a second Ctrl-C: the editor means it
        stop.set()
        err_console.print("[yellow]stopping after the current item…[/]")

    previous = {sig: signal.signal(sig, stopping) for sig in (signal.SIGINT, signal.SIGTERM)}
    live = None
    if err_console.is_terminal:
        from rich.live import Live

        # The table shows every error; log lines would tear through it.
        quiet = logging.getLogger("desk.watch")
        quiet.addHandler(logging.NullHandler())
        quiet.propagate = False
        live = Live(console=err_console, refresh_per_second=4, transient=False)
        live.start()
        on_update = lambda statuses: live.update(_table(statuses))  # noqa: E731
    else:
        logging.basicConfig(
            level=logging.INFO,
            format="%(asctime)s %(levelname)s %(message)s",
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )
        on_update = None
    try:
        report = Watcher(service, wait=wait, on_update=on_update).run(once=once, stop=stop)
    finally:
        if live is not None:
            live.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        service.close()
    if not err_console.is_terminal:
        logging.getLogger("desk.watch").info(
            "stopped: %d polls, %d requests, %d new items",
            report.polls,
            report.requests,
            report.new,
        )
    if once and report.failed:
        ctx.exit(1)
