"""`desk batch`: draft the day's stories and a digest, unattended (cron/CI friendly).

No prompts and no terminal needed: logs go to stderr, progress bars only when stderr is a
terminal, a one-line-per-story summary goes to stdout. Exit codes: 0 all stories done, 1 some
story (or the digest) failed — see `failures` in run.json —, 2 bad usage or configuration,
130 interrupted (SIGINT/SIGTERM stop the run between stories; rerun to resume).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

import click

from assistant.cli.common import RichProgress, err_console, open_service


def _install_stop_handlers(cancel: threading.Event) -> None:
    def stop(signum: int, _frame: object) -> None:
        logging.getLogger("assistant.batch").warning(
            "signal %d: stopping after the current story", signum
        )
        cancel.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, stop)
        except ValueError:  # not the main thread (e.g. called from a test runner thread)
            pass


@click.command("batch")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="The local day to cover (in --tz).")
@click.option(
    "--since",
    metavar="WHEN",
    help="Window start: date or date-time (local to --tz unless it has an offset).",
)
@click.option(
    "--until",
    metavar="WHEN",
    help="Window end, exclusive; a date includes that day (--since D --until D is day D).",
)
@click.option(
    "--tz",
    default=None,
    help="IANA time zone of the window, e.g. Europe/London (default: setting `timezone`, UTC).",
)
@click.option(
    "--min-sources",
    type=int,
    default=2,
    show_default=True,
    help="Draft only stories with at least N independent sources (lineages).",
)
@click.option(
    "--max-stories",
    type=int,
    default=10,
    show_default=True,
    help="Draft at most K stories, best ranked first.",
)
@click.option(
    "--generator",
    default=None,
    help="extractive | llama-cpp | openai (default: setting `generator`).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory (default: <workspace>/exports/batch/<window>).",
)
@click.option("--quiet", "-q", is_flag=True, help="Log only warnings and errors.")
@click.pass_context
def batch_cmd(
    ctx: click.Context,
    day: str | None,
    since: str | None,
    until: str | None,
    tz: str | None,
    min_sources: int,
    max_stories: int,
    generator: str | None,
    out_dir: Path | None,
    quiet: bool,
) -> None:
    """Cluster a window's documents into stories; draft, verify, render the top ones + a digest."""
    from assistant.batch import BatchConfigError, BatchInterrupted

    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    service = open_service(ctx, {"generator": generator} if generator else None)
    cancel = threading.Event()
    _install_stop_handlers(cancel)
    try:
        with RichProgress() as progress:
            report = service.batch(
                day=day,
                since=since,
                until=until,
                tz=tz,
                min_sources=min_sources,
                max_stories=max_stories,
                generator=generator,
                out_dir=out_dir,
                progress=progress,
                cancel=cancel,
            )
    except BatchConfigError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
    except BatchInterrupted as exc:
        err_console.print(
            f"interrupted: {exc}; outputs so far in {exc.report.out_dir}", highlight=False
        )
        sys.exit(130)
    finally:
        service.close()
    run = report.run
    click.echo(
        f"window {run['window']['label']} ({run['window']['tz']}): {run['documents']} documents, "
        f"{run['stories_found']} stories"
    )
    for story in run["stories"]:
        synthesis = story.get("synthesis")
        if synthesis is None:
            continue
        if synthesis["status"] == "ok":
            click.echo(
                f"  #{story['rank']} {story['id']}  {story['sources']} sources  "
                f"recall {synthesis['citation_recall']:.2f}  "
                f"precision {synthesis['citation_precision']:.2f}  "
                f"{story['title'][:70]}"
            )
        else:
            click.echo(
                f"  #{story['rank']} {story['id']}  FAILED at {synthesis['stage']}: "
                f"{synthesis['reason']}"
            )
    click.echo(f"run report: {report.out_dir / 'run.json'}")
    sys.exit(report.exit_code)
