"""`desk render DRAFT.json` (Markdown, HTML or JSON) and `desk provenance FILE` (regenerate the
wire provenance footer of a draft JSON or of an editor's hand-edited Markdown)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from assistant.cli.common import open_service
from assistant.migrations import FormatTooNewError
from assistant.models import Draft


def _load_draft(path: Path) -> Draft:
    try:
        return Draft.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot read: {exc.strerror}") from exc
    except FormatTooNewError as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    except ValueError as exc:
        first = str(exc).splitlines()
        raise click.ClickException(f"{path}: not a draft JSON: {' '.join(first[:3])}") from exc


def _write(path: Path, text: str) -> None:
    """Atomically, so an interrupted write never leaves half a file behind."""
    from assistant.files import atomic_write

    try:
        atomic_write(path, text)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None


def _output_path(out: str | None, out_dir: str | None, default_name: str) -> Path | None:
    """`--out FILE` (its name checked inside its folder) or `--out-dir DIR` with a name derived
    from the draft (which came from sources, so it is slugified and kept inside DIR; a name
    already taken there gets a `-2`, `-3` ... suffix instead of being overwritten)."""
    from assistant.render.renderer import UnsafePathError, safe_output_path

    try:
        if out is not None:
            target = Path(out).expanduser()
            parent = target.parent if str(target.parent) else Path(".")
            if not parent.is_dir():
                raise click.ClickException(f"{out}: folder {parent} does not exist")
            return safe_output_path(parent, target.name)
        if out_dir is not None:
            folder = Path(out_dir).expanduser()
            folder.mkdir(parents=True, exist_ok=True)
            # Two drafts whose topics make the same name must not overwrite each other.
            from assistant.files import unique_path

            return unique_path(safe_output_path(folder, default_name))
    except UnsafePathError as exc:
        raise click.ClickException(str(exc)) from exc
    return None


@click.command("render")
@click.argument("draft_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True
)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write to this file.")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Write into this folder under a name made from the draft's topic (a taken name gets -2).",
)
@click.pass_context
def render_cmd(
    ctx: click.Context, draft_file: Path, fmt: str, out: str | None, out_dir: str | None
) -> None:
    """Render DRAFT_FILE (a draft JSON) as Markdown, HTML or JSON; prints it without --out."""
    from assistant.render.renderer import slugify

    draft = _load_draft(draft_file)
    target = _output_path(out, out_dir, f"{slugify(draft.topic, 60) or draft.id}.{fmt}")
    service = open_service(ctx)
    try:
        text = service.render(draft, fmt)
    finally:
        service.close()
    if target is None:
        click.echo(text, nl=False)
    else:
        _write(target, text)
        click.echo(f"wrote {target}", err=True)


@click.command("provenance")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--draft",
    "draft_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The draft JSON whose citations a Markdown file's [n] refer to "
    "(default: the .json beside FILE with the same name).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json"]),
    default="md",
    show_default=True,
    help="Footer as Markdown, or as JSON (schema desk.provenance/1).",
)
@click.option(
    "--write", is_flag=True, help="Replace the footer in FILE itself instead of printing it."
)
@click.pass_context
def provenance_cmd(
    ctx: click.Context, file: Path, draft_path: Path | None, fmt: str, write: bool
) -> None:
    """Regenerate the wire provenance footer of FILE: a draft JSON, or an editor's hand-edited
    Markdown whose [n] markers refer to the draft's citation list. Markers that refer to nothing
    are reported with their line numbers (exit status 1)."""
    from assistant.provenance.desk_note import build_desk_note
    from assistant.provenance.footer import build_provenance
    from assistant.provenance.markdown import check_draft_markers, read_markdown, replace_footer
    from assistant.render.renderer import Renderer

    is_json = file.suffix.lower() == ".json"
    if write and fmt == "json" and not is_json:
        raise click.BadParameter(
            "--write replaces a Markdown footer with Markdown; drop --format json"
        )
    if is_json:
        draft = _load_draft(file)
        dangling = check_draft_markers(draft)
    else:
        source = draft_path or file.with_suffix(".json")
        if not source.is_file():
            raise click.ClickException(
                f"{file}: no draft JSON to read its citations from ({source} does not exist); "
                "pass --draft DRAFT.json"
            )
        markdown = file.read_text(encoding="utf-8")
        draft, dangling = read_markdown(markdown, _load_draft(source))
    service = open_service(ctx)
    try:
        draft = draft.model_copy(update={"provenance": build_provenance(draft, service.store)})
        if is_json:
            draft = draft.model_copy(update={"desk_note": build_desk_note(draft, service.store)})
        renderer = Renderer(service.settings.templates_dir)
    finally:
        service.close()
    known = sorted(c.n for c in draft.citations)
    for d in dangling:
        click.echo(
            d.message(str(file), known), err=True
        )  # one unwrapped line each, for editors' tools
    assert draft.provenance is not None
    if fmt == "json":
        footer = (
            json.dumps(draft.provenance.model_dump(mode="json"), indent=2, ensure_ascii=False)
            + "\n"
        )
    else:
        footer = renderer.render_footer(draft)
    if not write:
        click.echo(footer, nl=False)
    elif is_json:
        _write(file, draft.model_dump_json(indent=2) + "\n")
        click.echo(f"updated the footer and desk note in {file}", err=True)
    else:
        _write(file, replace_footer(markdown, renderer.render_footer(draft)))
        click.echo(f"replaced the footer of {file}", err=True)
    if dangling:
        ctx.exit(1)
