"""`desk render` and `desk provenance` as an editor uses them: render a draft JSON to files,
regenerate the footer of a hand-edited Markdown (a marker that refers to nothing is reported with
its line number, exit 1), and of a draft JSON (schema-valid)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from _provenance_data import rendered_draft
from click.testing import CliRunner

from assistant.cli import cli
from assistant.models import Draft
from assistant.provenance.footer import provenance_schema
from assistant.render.renderer import Renderer


@pytest.fixture
def setup(service, data_dir, tmp_path):
    """A workspace holding the sources, and the draft saved as JSON and as Markdown beside it."""
    draft = rendered_draft(service.store, data_dir)
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "draft.json").write_text(draft.model_dump_json(indent=2), encoding="utf-8")
    (folder / "draft.md").write_text(Renderer().render(draft, "md"), encoding="utf-8")
    return service.workspace.root, folder, draft


def desk(ws: Path, *args: str):
    return CliRunner().invoke(cli, ["--workspace", str(ws), *args], catch_exceptions=False)


def test_render_writes_each_format(setup):
    ws, folder, draft = setup
    for fmt in ("md", "html", "json"):
        out = folder / f"out.{fmt}"
        result = desk(ws, "render", str(folder / "draft.json"), "--format", fmt, "--out", str(out))
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8") == Renderer().render(draft, fmt)
    printed = desk(ws, "render", str(folder / "draft.json"), "--format", "md")
    assert printed.stdout.startswith("# Fourth of July weekend shootings")


def test_render_names_from_the_topic_stay_inside_out_dir(setup, tmp_path):
    ws, folder, draft = setup
    hostile = draft.model_copy(update={"topic": "../../../tmp/owned"})
    (folder / "hostile.json").write_text(hostile.model_dump_json(), encoding="utf-8")
    result = desk(
        ws,
        "render",
        str(folder / "hostile.json"),
        "--format",
        "html",
        "--out-dir",
        str(tmp_path / "site"),
    )
    assert result.exit_code == 0, result.output
    written = list((tmp_path / "site").rglob("*.html"))
    assert [p.name for p in written] == ["tmp-owned.html"]
    assert not (tmp_path.parent / "tmp" / "owned.html").exists()


def test_render_refuses_a_file_that_is_not_a_draft(setup):
    ws, folder, _ = setup
    (folder / "notes.json").write_text('{"hello": 1}')
    result = CliRunner().invoke(cli, ["--workspace", str(ws), "render", str(folder / "notes.json")])
    assert result.exit_code == 1
    assert "notes.json: not a draft JSON" in result.output


def test_provenance_of_edited_markdown_reports_dangling_markers_by_line(setup):
    ws, folder, draft = setup
    md_path = folder / "draft.md"
    lines = md_path.read_text(encoding="utf-8").splitlines()
    # The editor cuts the sentence citing the hostile source [3], and adds a claim citing [9],
    # which the draft's citation list does not have.
    lede = next(i for i, line in enumerate(lines) if line.startswith("More than 180 people"))
    lines[lede] = lines[lede].split(" Officials confirmed")[0]
    lines.insert(lede + 1, "")
    lines.insert(lede + 2, "A claim the editor added from memory [9].")
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = desk(ws, "provenance", str(md_path))
    assert result.exit_code == 1
    assert (
        f"draft.md:{lede + 3}: [9] refers to no citation (the draft has [1]–[4])" in result.stderr
    )
    footer = result.stdout
    assert footer.startswith("## Wire provenance")
    assert "Evil" not in footer  # no longer cited
    assert re.findall(r"^- (?:\[\d+\])+ \*\*(.+?)\*\*", footer, re.M) == [
        "NPR (Online News)",
        "Slate",
        "Fox News (Online News)",
    ]
    assert re.search(
        r"^- \[1\] \*\*NPR.*\n  .*cited in headline ¶1, dek ¶1, lede ¶1$", footer, re.M
    )

    with md_path.open("a", encoding="utf-8") as fh:  # a section after the footer: read, checked
        fh.write("\n## Editor's addendum\n\nA note under the footer [11]. And one citing [2].\n")
    after = desk(ws, "provenance", str(md_path))
    assert f"draft.md:{len(lines) + 4}: [11] refers to no citation" in after.stderr
    assert re.search(
        r"^- \[2\] .*\n  .*cited in dek ¶1, body_1 ¶1, uncertain ¶1, editor_s_addendum ¶1$",
        after.stdout,
        re.M,
    )

    rewritten = desk(ws, "provenance", str(md_path), "--write")
    assert rewritten.exit_code == 1  # still reports the dangling marker
    text = md_path.read_text(encoding="utf-8")
    assert (
        text.count("## Wire provenance") == 1 and "Evil" not in text.split("## Wire provenance")[1]
    )
    assert "A claim the editor added from memory [9]." in text  # the editor's text is kept
    assert text.rstrip().endswith("A note under the footer [11]. And one citing [2].")


def test_provenance_of_markdown_needs_its_draft(setup, tmp_path):
    ws, folder, _ = setup
    lone = tmp_path / "lone.md"
    lone.write_text((folder / "draft.md").read_text(encoding="utf-8"), encoding="utf-8")
    result = desk(ws, "provenance", str(lone))
    assert result.exit_code == 1 and "pass --draft DRAFT.json" in result.output
    ok = desk(ws, "provenance", str(lone), "--draft", str(folder / "draft.json"))
    assert ok.exit_code == 0 and "## Wire provenance" in ok.stdout


def test_provenance_of_draft_json_is_schema_valid_and_can_be_written_back(setup):
    ws, folder, draft = setup
    result = desk(ws, "provenance", str(folder / "draft.json"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    jsonschema.validate(data, provenance_schema(), format_checker=jsonschema.FormatChecker())
    assert [e["outlet"] for e in data["entries"]] == [e.outlet for e in draft.provenance.entries]

    broken = draft.model_copy(deep=True)
    broken.sections[0].paragraphs[0].sentences[0].citations.append(12)
    (folder / "broken.json").write_text(broken.model_dump_json(), encoding="utf-8")
    result = desk(ws, "provenance", str(folder / "broken.json"), "--write")
    assert result.exit_code == 1
    assert "broken.json (headline ¶1): [12] refers to no citation" in result.stderr
    assert Draft.model_validate_json((folder / "broken.json").read_text()).provenance is not None
