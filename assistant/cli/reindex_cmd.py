"""`desk reindex`: drop the vector index and re-embed every stored passage with the configured
`embedding_model`, with a progress bar. Run it after changing the model; rerun it if it was
killed, and it carries on where it stopped."""

from __future__ import annotations

import click

from assistant.cli.common import RichProgress, open_service, out_console


@click.command("reindex")
@click.pass_context
def reindex_cmd(ctx: click.Context) -> None:
    """Re-embed every passage with the configured embedding model (after changing it)."""
    service = open_service(ctx)
    try:
        with RichProgress() as progress:
            report = service.reindex(progress=progress)
    finally:
        service.close()
    how = "resumed: " if report.resumed else ""
    out_console.print(
        f"{how}embedded {report.embedded} of {report.passages} passages with "
        f"{report.model.describe()}",
        highlight=False,
    )
    if report.previous is not None and not report.previous.same_model(report.model):
        out_console.print(f"replaced vectors of {report.previous.describe()}", highlight=False)
