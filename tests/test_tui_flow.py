"""The drafting TUI driven like an editor would, on a real index (the demo corpus embedded with the
real model) and the real extractive generator, verifier and renderer."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TextArea

from assistant.tui.app import make_app
from assistant.tui.screens.drafting_screen import DraftingScreen
from assistant.tui.widgets.draft_view import DraftView
from assistant.tui.widgets.evidence_panel import EvidencePanel
from assistant.tui.widgets.passage_table import PassageTable

SIZE = (140, 42)


async def wait_until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 240.0) -> None:
    start = time.monotonic()
    while not condition():
        await pilot.pause(0.1)
        if time.monotonic() - start > timeout:
            raise AssertionError("the app did not get there in time")


async def wait_idle(pilot: Pilot, screen: DraftingScreen) -> None:
    await pilot.pause(0.2)
    await wait_until(pilot, lambda: not screen.busy)
    await pilot.pause(0.1)


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """What the terminal shows, as plain lines (from the app's own SVG screenshot)."""
    lines: dict[int, list[str]] = {}
    for m in re.finditer(
        r'<text [^>]*clip-path="url\(#terminal-\d+-line-(\d+)\)"[^>]*>([^<]*)</text>',
        app.export_screenshot(),
    ):
        lines.setdefault(int(m.group(1)), []).append(html.unescape(m.group(2)).replace("\xa0", " "))
    return "\n".join("".join(parts) for _, parts in sorted(lines.items()))


def notes(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in app._notifications]


@pytest.mark.slow
async def test_editor_drafts_inspects_edits_exports_and_reopens(demo_service) -> None:
    app = make_app(demo_service, new_session=True, warm_up=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.drafting
        session_id = screen.session.id
        # Type a topic; enter retrieves passages with outlet, time, score and lineage count.
        await pilot.click("#topic")
        await pilot.press(*"Ankara NATO summit", "enter")
        await wait_idle(pilot, screen)
        table = screen.query_one(PassageTable)
        assert table.row_count >= 5
        first = table.hits[table.current_passage_id]
        assert first.passage.outlet in table.get_row_at(0)[1].plain

        # Pin the top passage; draft the whole synthesis with the extractive generator.
        table.focus()
        await pilot.press("p")
        assert screen.session.pinned == [first.passage.id]
        await pilot.press("ctrl+g")
        await wait_idle(pilot, screen)
        draft = screen.session.draft
        assert draft is not None and draft.metrics.sentences > 5
        assert draft.metrics.citation_recall >= 0.9
        assert any("citation recall" in n for n in notes(app))
        assert any(c.passage_id == first.passage.id for c in draft.citations)  # pinned was offered

        # Move the cursor down the draft to a supported sentence: its sources show beside it.
        view = screen.query_one(DraftView)
        view.focus()
        await pilot.press("home")
        for _ in range(40):
            located = view.locate(view.current_key)
            if (
                located
                and located[2]
                and located[2].verdict
                and located[2].verdict.label == "supported"
                and located[0].id not in ("headline", "dek")
            ):
                break
            await pilot.press("down")
        section, paragraph, sentence = view.locate(view.current_key)
        assert sentence.verdict.label == "supported" and sentence.citations
        n = sentence.citations[0]
        cited = draft.citation(n)
        shown = screen_text(app)
        assert cited.outlet in shown and "supported" in shown
        panel_parts = EvidencePanel.render_evidence(draft, sentence)
        assert any(span for span in panel_parts if span.spans), "supporting words are highlighted"

        # Jump from the citation to its provenance entry, and back to the draft.
        await pilot.press("g")
        assert screen.query_one("#tabs").active == "tab-provenance"
        await pilot.press("f6")
        assert screen.query_one("#tabs").active == "tab-draft"

        # Edit the paragraph in place into a claim its source does not support: it gets flagged.
        view.focus()
        await pilot.press("e")
        area = screen.query_one(TextArea)
        assert f"[{n}]" in area.text
        area.select_all()  # what shift+ctrl+end / mouse selection would do; typing replaces it
        claim = f"Turkey announced that NATO would be dissolved by 2031 [{n}]."
        await pilot.press(*claim)
        await wait_until(
            pilot, lambda: _sentence_label(screen, section.id, paragraph.id, 0) == "unsupported"
        )
        edited = screen.session.draft.section(section.id)
        par = next(p for p in edited.paragraphs if p.id == paragraph.id)
        assert par.edited and par.sentences[0].text.startswith("Turkey announced")
        assert par.sentences[0].citations == [n]  # the citation was kept
        assert "✗" in screen_text(app)
        await pilot.press("escape")
        assert screen.session.draft.metrics.citation_recall < draft.metrics.citation_recall

        # Lock the edited paragraph; export Markdown from inside the app.
        view.focus()
        await pilot.press("l")
        assert f"{section.id}/{paragraph.id}" in screen.session.locks
        await pilot.press("f3", "m")
        await wait_idle(pilot, screen)
        exported = list(demo_service.workspace.exports_dir.glob("*.md"))
        assert exported and any(
            "Turkey announced that NATO would be dissolved" in p.read_text() for p in exported
        )
        assert any("Exported MD" in n for n in notes(app))

        before = screen.session.model_dump(exclude={"updated_at"})
        await pilot.press("ctrl+q")

    # Reopen: exactly as it was (topic, filters, pins, passages, draft, edits, locks).
    again = make_app(demo_service, session_id, warm_up=False)
    async with again.run_test(size=SIZE, notifications=True) as pilot:
        screen = again.drafting
        await pilot.pause(0.3)
        assert screen.session.model_dump(exclude={"updated_at"}) == before
        assert screen.query_one("#topic", Input).value == "Ankara NATO summit"
        assert screen.query_one(PassageTable).row_count == len(before["hits"])
        view = screen.query_one(DraftView)
        assert view.current_key == before["cursor"]
        assert _sentence_label(screen, section.id, paragraph.id, 0) == "unsupported"
        assert "🔒" in screen_text(again)
        # Undo brings back the sentence before the edit.
        view.focus()
        await pilot.press("ctrl+z")
        restored = screen.session.draft.section(section.id)
        par = next(p for p in restored.paragraphs if p.id == paragraph.id)
        assert not par.sentences[0].text.startswith("Turkey announced")
        await pilot.press("ctrl+y")
        assert _sentence_label(screen, section.id, paragraph.id, 0) == "unsupported"
        await pilot.press("ctrl+q")


def _sentence_label(
    screen: DraftingScreen, section_id: str, paragraph_id: str, index: int
) -> str | None:
    draft = screen.session.draft
    section = draft.section(section_id) if draft else None
    par = next((p for p in section.paragraphs if p.id == paragraph_id), None) if section else None
    if par is None or index >= len(par.sentences) or par.sentences[index].verdict is None:
        return None
    return par.sentences[index].verdict.label


@pytest.mark.slow
async def test_missing_model_is_a_notification_not_a_crash(demo_service) -> None:
    app = make_app(demo_service, new_session=True, warm_up=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.drafting
        await pilot.click("#topic")
        await pilot.press(*"Ankara summit")
        await pilot.click("#model")
        await pilot.press(*"/nonexistent/model.gguf")
        screen.query_one("#generator").value = "llama-cpp"
        await pilot.pause(0.2)
        assert screen.session.generator == "llama-cpp"
        await pilot.press("ctrl+g")
        await wait_idle(pilot, screen)
        assert screen.session.draft is None
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "model.gguf" in errors[0].message
        assert "Traceback" not in errors[0].message
        assert app.is_running


@pytest.mark.slow
async def test_pin_exclude_and_open_a_passage(demo_service) -> None:
    app = make_app(demo_service, new_session=True, warm_up=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.drafting
        await pilot.click("#topic")
        await pilot.press(*"Anchorage talks", "enter")
        await wait_idle(pilot, screen)
        table = screen.query_one(PassageTable)
        table.focus()
        await pilot.press("down")
        second = table.current_passage_id
        await pilot.press("x")
        assert screen.session.excluded == [second]
        assert screen.session.search_filters().exclude_passages == (second,)
        await pilot.press("ctrl+r")
        await wait_idle(pilot, screen)
        assert second not in table.hits  # excluded passages are not retrieved again
        await pilot.press("o")
        await pilot.pause()
        shown = screen_text(app)
        hit = table.hits[table.current_passage_id]
        assert "Published" in shown and hit.passage.outlet in shown
        await pilot.press("escape")
        assert isinstance(app.screen, DraftingScreen)


async def test_sessions_dialog_renames_duplicates_deletes(service) -> None:
    store = service.sessions
    other = store.create(name="Older desk", topic="Anchorage")
    app = make_app(service, new_session=True, warm_up=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        current = app.drafting.session.id
        await pilot.press("ctrl+o")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(other.id))
        await pilot.press("r", "ctrl+u", *"Anchorage desk", "enter")
        await pilot.pause()
        assert store.load(other.id).name == "Anchorage desk"
        await pilot.press("d")
        await pilot.pause()
        assert any(s.name == "Anchorage desk (copy)" for s in store.list())
        table.move_cursor(row=table.get_row_index(other.id))
        await pilot.press("delete", "y")
        await pilot.pause()
        assert other.id not in {s.id for s in store.list()}
        copy = next(s for s in store.list() if s.name == "Anchorage desk (copy)")
        table.move_cursor(row=table.get_row_index(copy.id))
        await pilot.press("enter")
        await pilot.pause()
        assert app.drafting.session.id == copy.id
        assert app.drafting.query_one("#topic", Input).value == "Anchorage"
        assert current in {s.id for s in store.list()}


async def test_help_and_command_palette_list_the_actions(service) -> None:
    app = make_app(service, new_session=True, warm_up=False)
    async with app.run_test(size=SIZE) as pilot:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for expected in (
            "Retrieve",
            "Draft all",
            "Edit ¶",
            "Lock ¶",
            "Redraft ¶",
            "Pin",
            "Exclude",
            "Cite in ¶",
            "Export",
            "Ingest",
            "Sessions",
            "Re-verify",
            "Undo",
            "Help",
        ):
            assert expected in titles
        await pilot.press("f1")
        await pilot.pause()
        shown = screen_text(app)
        for key, what in (("ctrl+g", "Draft all"), ("f3", "Export"), ("ctrl+o", "Sessions")):
            assert key in shown and what in shown
        await pilot.press("escape", "ctrl+p")
        await pilot.pause()
        await pilot.press(*"Help", "enter")
        await pilot.pause(0.3)
        assert "keys" in screen_text(app)


async def test_sessions_dialog_shows_files_that_cannot_be_opened(service) -> None:
    store = service.sessions
    kept = store.create(name="Older desk", topic="Anchorage")
    (store.root / "s-cut.json").write_text('{"id": "s-cut", "name": ', encoding="utf-8")
    (store.root / "s-newer.json").write_text(
        '{"schema_version": "desk.session/9", "id": "s-newer"}', encoding="utf-8"
    )
    app = make_app(service, new_session=True, warm_up=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert kept.id in {str(k.value) for k in table.rows}
        shown = screen_text(app)
        assert "2 session file(s) cannot be opened" in shown
        assert "s-cut.json: not valid JSON" in shown
        assert "s-newer.json: desk.session/9 was written by a newer desk" in shown


async def test_every_brief_hint_fits_its_field_at_160_columns(service) -> None:
    from rich.cells import cell_len

    from assistant.tui.widgets.brief_form import BriefForm

    app = make_app(service, new_session=True, warm_up=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        inputs = list(app.drafting.query_one(BriefForm).query(Input).results(Input))
        assert {i.id for i in inputs} == {"topic", "since", "until", "outlets", "kinds", "model"}
        shown = screen_text(app)
        for field in inputs:
            width = field.content_region.width
            assert cell_len(field.placeholder) <= width, (field.id, field.placeholder, width)
            assert field.placeholder in shown, (field.id, field.placeholder)
            assert field.tooltip, field.id  # the full explanation, shown on hover
