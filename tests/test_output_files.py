"""Files desk writes for an editor: readable by the rest of the desk (0644 minus the umask,
not mkstemp's 0600), replaced atomically (a reader holding the old file keeps all of it), named
after non-Latin topics in their own script, and never overwriting another draft's file in
`--out-dir`."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from _provenance_data import rendered_draft
from click.testing import CliRunner

from assistant.cli import cli


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def drafts(service, data_dir, tmp_path, umask_022):
    """The workspace, and two draft JSONs whose topics make the same file name."""
    draft = rendered_draft(service.store, data_dir)
    folder = tmp_path / "drafts"
    folder.mkdir()
    paths = []
    for i, topic in enumerate(["Harbour deal: talks resume!", "Harbour deal — talks resume?"]):
        d = draft.model_copy(update={"topic": topic, "id": f"draft-{i}"})
        path = folder / f"d{i}.json"
        path.write_text(d.model_dump_json(indent=2), encoding="utf-8")
        paths.append(path)
    return service, paths


def desk(ws: Path, *args: str):
    result = CliRunner().invoke(cli, ["--workspace", str(ws), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_rendered_and_exported_files_are_readable_by_the_desk(drafts, tmp_path):
    service, (first, _) = drafts
    ws = service.workspace.root
    out = tmp_path / "out.md"
    desk(ws, "render", str(first), "--format", "md", "--out", str(out))
    desk(ws, "render", str(first), "--format", "html", "--out-dir", str(tmp_path / "dir"))
    exported = service.export(service_draft(first), "md", "Harbour deal")
    written = [out, *(tmp_path / "dir").iterdir(), exported]
    assert {p.name: mode(p) for p in written} == {p.name: 0o644 for p in written}


def service_draft(path: Path):
    from assistant.models import Draft

    return Draft.model_validate_json(path.read_text(encoding="utf-8"))


def test_atomic_write_gives_0644_minus_the_umask_and_leaves_no_temp_file(tmp_path):
    from assistant.files import atomic_write

    old = os.umask(0o027)
    try:
        path = atomic_write(tmp_path / "sub" / "x.md", "é\n")
    finally:
        os.umask(old)
    assert mode(path) == 0o640
    assert path.read_text(encoding="utf-8") == "é\n"
    assert [p.name for p in path.parent.iterdir()] == ["x.md"]


def test_render_out_replaces_the_file_so_a_reader_keeps_the_old_one_whole(drafts, tmp_path):
    service, (first, _) = drafts
    out = tmp_path / "out.md"
    out.write_text("the old draft\n", encoding="utf-8")
    held = tmp_path / "held.md"
    os.link(out, held)  # a viewer that has the old file open sees this inode
    desk(service.workspace.root, "render", str(first), "--format", "md", "--out", str(out))
    assert held.read_text(encoding="utf-8") == "the old draft\n"
    assert out.read_text(encoding="utf-8").startswith("# ")


@pytest.mark.slow
def test_draft_out_is_atomic_and_readable(demo_service, tmp_path, umask_022):
    out = tmp_path / "draft.md"
    out.write_text("the old draft\n", encoding="utf-8")
    held = tmp_path / "held.md"
    os.link(out, held)
    result = desk(
        demo_service.workspace.root,
        "draft",
        "Anchorage talks and the Ankara NATO summit",
        "--out",
        str(out),
    )
    assert f"wrote {out}" in result.output
    assert held.read_text(encoding="utf-8") == "the old draft\n"
    assert out.read_text(encoding="utf-8").startswith("# ") and mode(out) == 0o644


def test_non_latin_topics_name_their_files_in_their_own_script(drafts, tmp_path):
    service, (first, _) = drafts
    draft = service_draft(first).model_copy(update={"topic": "Путин в Анкаре"})
    assert service.export(draft, "md", draft.topic).name == "путин-в-анкаре.md"
    path = tmp_path / "ru.json"
    path.write_text(draft.model_dump_json(), encoding="utf-8")
    desk(service.workspace.root, "render", str(path), "--out-dir", str(tmp_path / "dir"))
    assert [p.name for p in (tmp_path / "dir").iterdir()] == ["Путин-в-Анкаре.md"]


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Путин в Анкаре", "Путин-в-Анкаре"),
        ("हिन्दी समाचार", "हिन्दी-समाचार"),
        ("../..\\etc/passwd", "etc-passwd"),
        (".hidden", "hidden"),
        ("tab\there\x07bell\x00nul", "tab-here-bell-nul"),
        ('a<b>c:d"e|f?g*h', "a-b-c-d-e-f-g-h"),
        ("CON", "_CON"),
        ("nul.md", "_nul.md"),
    ],
)
def test_slugify_keeps_letters_of_any_script_and_refuses_the_rest(name, slug):
    from assistant.render.renderer import slugify

    assert slugify(name) == slug


def test_slugify_keeps_names_within_the_filesystem_limit():
    from assistant.render.renderer import slugify

    assert len(slugify("日本語のニュース" * 40).encode("utf-8")) <= 240


def test_two_drafts_with_the_same_file_name_do_not_overwrite_each_other(drafts, tmp_path):
    service, (first, second) = drafts
    folder = tmp_path / "dir"
    results = [
        desk(service.workspace.root, "render", str(p), "--format", "json", "--out-dir", str(folder))
        for p in (first, second)
    ]
    taken, second_name = (
        folder / "Harbour-deal-talks-resume.json",
        "Harbour-deal-talks-resume-2.json",
    )
    assert sorted(p.name for p in folder.iterdir()) == [second_name, taken.name]
    assert f"wrote {folder / second_name}" in results[1].output  # says which file it wrote
    assert (
        service_draft(taken).id == "draft-0" and service_draft(folder / second_name).id == "draft-1"
    )
