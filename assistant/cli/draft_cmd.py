"""`desk draft "topic"`: draft a grounded desk synthesis, print it with its citations, the
sentences the verifier flagged (and why) and the citation metrics; optionally write it to files.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from assistant.cli.common import RichProgress, err_console, open_service, out_console
from assistant.cli.filters import build_filters, filter_options
from assistant.models import Draft

_FLAG = {"supported": "", "weak": "WEAK", "unsupported": "UNSUPPORTED", "uncited": "UNCITED"}


@click.command("draft")
@click.argument("topic")
@filter_options("sources")
@click.option(
    "--generator",
    type=click.Choice(["extractive", "llama-cpp", "openai"]),
    default=None,
    help="Who writes: extractive (default, no model), llama-cpp (local GGUF), openai (endpoint).",
)
@click.option("--model", default=None, help="GGUF path (llama-cpp) or model name (openai).")
@click.option(
    "--sections", default=None, help="Comma-separated section ids to draft (default: all)."
)
@click.option(
    "--out", "out", type=click.Path(dir_okay=False), default=None, help="Write the draft here."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json"]),
    default="md",
    show_default=True,
    help="Format printed and written to --out.",
)
@click.option(
    "--also-json",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the full draft as JSON to this file.",
)
@click.pass_context
def draft_cmd(
    ctx: click.Context,
    topic: str,
    since: str | None,
    until: str | None,
    sources: tuple[str, ...],
    kinds: tuple[str, ...],
    generator: str | None,
    model: str | None,
    sections: str | None,
    out: str | None,
    fmt: str,
    also_json: str | None,
) -> None:
    """Draft a desk synthesis on TOPIC from the workspace's sources; every sentence is cited
    and verified."""
    wanted = [s.strip() for s in sections.split(",") if s.strip()] if sections else None
    service = open_service(ctx)
    try:
        filters = build_filters(since, until, sources, kinds, tz=service.settings.timezone)
        if service.store.count_passages() == 0:
            raise click.ClickException(
                f"the workspace {service.workspace.root} holds no passages yet; "
                "run `desk ingest PATH`"
            )
        from assistant.drafting.generators.base import GeneratorError

        # Checked here, not by catching KeyError around the draft: a KeyError from anywhere
        # inside drafting or verification would then be reported as a bad `--sections`.
        known = service.drafter.house.ids
        unknown = [s for s in wanted or [] if s not in known]
        if unknown:
            raise click.BadParameter(
                f"unknown section {', '.join(repr(s) for s in unknown)}; "
                f"the house format has: {', '.join(known)}",
                param_hint="--sections",
            )
        try:
            with RichProgress() as progress:
                draft = service.draft(
                    topic,
                    filters,
                    generator=generator,
                    sections=wanted,
                    progress=progress,
                    model=model,
                )
        except (GeneratorError, FileNotFoundError) as exc:
            raise click.ClickException(str(exc)) from None
        text = service.render(draft, fmt)
        json_text = service.render(draft, "json") if also_json else None
        verifier = service.verifier.backend
    finally:
        service.close()
    if out:
        _write(Path(out), text)
    if also_json and json_text is not None:
        _write(Path(also_json), json_text)
    if fmt == "json":
        click.echo(text)
        _report(draft, err_console, verifier)
        return
    click.echo(text)
    _report(draft, out_console, verifier)


def _write(path: Path, text: str) -> None:
    from assistant.files import atomic_write

    try:
        atomic_write(path, text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None
    err_console.print(f"wrote {path}", highlight=False, markup=False, emoji=False)


def _report(draft: Draft, console: Console, verifier: str = "") -> None:
    """The flagged sentences with the verifier's reasons, then the metrics."""
    from rich.table import Table
    from rich.text import Text

    flagged = Table(title="Sentences the verifier flagged", show_lines=False, expand=False)
    flagged.add_column("section")
    flagged.add_column("flag")
    flagged.add_column("sentence")
    flagged.add_column("why")
    count = 0
    for section in draft.sections:
        for p in section.paragraphs:
            for s in p.sentences:
                label = s.verdict.label if s.verdict else "uncited"
                if label == "supported":
                    continue
                count += 1
                reasons = "; ".join(s.verdict.reasons) if s.verdict else "not verified"
                # Text, not markup: `[x]` or `:x:` in a source sentence is shown as written.
                flagged.add_row(section.id, _FLAG[label], Text(s.text), Text(reasons))
            for note in p.repaired:
                console.print(Text(f"repair in {section.id}: {note}", style="dim"))
    if count:
        console.print(flagged)
    m = draft.metrics
    console.print(
        f"[bold]{m.sentences}[/] sentences: {m.supported} supported, {m.weak} weak, "
        f"{m.unsupported} unsupported, {m.uncited} uncited · citation recall "
        f"[bold]{m.citation_recall:.2f}[/] · citation precision "
        f"[bold]{m.citation_precision:.2f}[/] · "
        f"{len(draft.citations)} citations · generator {draft.generator}"
        + (f" ({draft.model})" if draft.model else "")
        + (f" · verifier {verifier}" if verifier else ""),
        highlight=False,
    )
