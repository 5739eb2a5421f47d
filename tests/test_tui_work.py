"""Long work from inside the TUI: ingesting files (progress, a table of failures and why),
stale-index detection with re-verify, streaming and cancelling a draft."""

from __future__ import annotations

import threading

import pytest
from _tui_support import SESSION_ID, install_snapshot_session, put_passage
from test_tui_flow import SIZE, notes, screen_text, wait_idle, wait_until
from textual.widgets import DataTable, Label, Log

from assistant.models import sha256_hex
from assistant.tui.app import make_app
from assistant.tui.screens.ingest_screen import IngestScreen


@pytest.mark.slow
async def test_ingest_from_inside_the_app_reports_failures(service, tmp_path) -> None:
    good = tmp_path / "wire.md"
    good.write_text(
        "---\ntitle: Summit opens\nsource: Test Wire\npublished: 2026-06-29T18:00:00Z\n---\n"
        "NATO leaders opened the Ankara summit on Monday evening. Talks ran late.\n",
        encoding="utf-8",
    )
    bad = tmp_path / "broken.json"
    bad.write_text('[{"id": 1, "text": "cut off', encoding="utf-8")
    app = make_app(service, new_session=True, warm_up=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, IngestScreen)
        await pilot.press(*f"{good} {bad}", "enter")
        screen = app.screen
        await wait_until(
            pilot,
            lambda: (
                screen.report is not None
                or "stopped" in str(screen.query_one("#ingest-stage", Label).render())
            ),
        )
        report = screen.report
        assert report is not None and report.new >= 1
        table = screen.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert any(r[0] == "failed" and "broken.json" in r[1] and r[2] for r in rows)
        assert "1 failed" in screen_text(app)
        assert any("failed" in n for n in notes(app))
        await pilot.press("escape")
        assert service.store.count_documents() >= 1


async def test_stale_session_warns_and_reverify_updates_it(service) -> None:
    install_snapshot_session(service)
    session = service.sessions.load(SESSION_ID)
    cited = session.draft.citations[0]
    # The index now holds different text for a cited passage (as after re-ingesting an update).
    changed = "Officials denied that NATO leaders had arrived in Ankara."
    with service.store.transaction():
        put_passage(
            service,
            service.store.get_passages([cited.passage_id])[cited.passage_id].model_copy(
                update={"text": changed, "content_hash": sha256_hex(changed)}
            ),
        )
    app = make_app(service, SESSION_ID, warm_up=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.drafting
        await wait_until(pilot, lambda: "changed" in screen_text(app))
        assert any("Stale" in (n.title or "") for n in app._notifications)
        # The status line says which key fixes it, even while a job's progress bar shares it.
        assert "⚠ F5 re-verifies" in screen_text(app)
        await pilot.press("f5")
        await wait_idle(pilot, screen)
        now = screen.session.draft.citation(cited.n)
        assert now.text == changed and now.content_hash == sha256_hex(changed)
        assert service.staleness(screen.session).stale is False
        assert "F5 re-verifies" not in screen_text(app)
        await pilot.press("ctrl+q")
    assert service.sessions.load(SESSION_ID).draft.citation(cited.n).text == changed


@pytest.mark.slow
async def test_draft_streams_and_can_be_cancelled(demo_service, monkeypatch) -> None:
    # The extractive draft can finish before the key press lands on a quiet machine, so the
    # first draft holds after its first streamed piece until the editor's cancel arrives.
    real_draft = demo_service.draft
    held = {"first": True}

    def draft_held_at_first_token(*args, **kwargs):
        cancel, on_token = kwargs.get("cancel"), kwargs.get("on_token")
        hold, held["first"] = held["first"], False

        def token(section: str, text: str) -> None:
            if on_token is not None:
                on_token(section, text)
            if hold and cancel is not None:
                cancel.wait(30)

        kwargs["on_token"] = token
        return real_draft(*args, **kwargs)

    monkeypatch.setattr(demo_service, "draft", draft_held_at_first_token)
    app = make_app(demo_service, new_session=True, warm_up=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.drafting
        await pilot.click("#topic")
        await pilot.press(*"Anchorage talks")
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: screen.query_one("#stream", Log).line_count > 1)
        await pilot.press("escape")
        await wait_idle(pilot, screen)
        assert screen.session.draft is None  # nothing half-made replaces the (empty) draft
        assert any("cancelled" in n for n in notes(app))
        # Drafting again runs to the end, streaming each section as it is written.
        await pilot.press("ctrl+g")
        await wait_idle(pilot, screen)
        assert screen.session.draft is not None
        streamed = "\n".join(screen.query_one("#stream", Log).lines)
        assert "── lede ──" in streamed and "── headline ──" in streamed


async def test_citing_a_passage_from_the_list_while_editing(service) -> None:
    install_snapshot_session(service)
    session = service.sessions.load(SESSION_ID)
    app = make_app(service, SESSION_ID, warm_up=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.drafting
        view = screen.query_one("#draft")
        view.focus()
        await pilot.press("e")
        area = screen.query_one("#editor-text")
        before = area.text
        table = screen.query_one("#passages")
        # The passage keeps the number the draft already gives it (new ones get the next number:
        # see test_sessions.py::test_cite_passage_reuses_numbers).
        cited = {c.passage_id: c.n for c in session.draft.citations}
        row = next(i for i, h in enumerate(session.hits) if h.passage.id in cited)
        n = cited[session.hits[row].passage.id]
        table.focus()
        table.move_cursor(row=row)
        await pilot.press("c")
        assert area.text == before + f" [{n}]"
        assert screen.query_one("#editor-text").has_focus  # back to typing
        await wait_until(
            pilot,
            lambda: (
                _last_sentence(screen).citations[-1:] == [n]
                and _last_sentence(screen).verdict is not None
            ),
        )
        assert len(screen.session.draft.citations) == len(session.draft.citations)
        await pilot.press("ctrl+q")
    reopened = service.sessions.load(SESSION_ID)
    assert reopened.cursor == session.cursor


def _last_sentence(screen):  # type: ignore[no-untyped-def]
    section_id, paragraph_id, _ = screen.session.cursor.split("/")
    par = next(
        p for p in screen.session.draft.section(section_id).paragraphs if p.id == paragraph_id
    )
    return par.sentences[-1]


@pytest.mark.slow
async def test_llm_tokens_stream_live_when_redrafting_a_paragraph(service) -> None:
    """The packaged SmolLM2 GGUF through llama.cpp: tokens appear while the paragraph is written."""
    pytest.importorskip("llama_cpp")
    install_snapshot_session(service)
    app = make_app(service, SESSION_ID, warm_up=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.drafting
        await pilot.pause()
        screen.query_one("#generator").value = "llama-cpp"
        await pilot.pause(0.2)
        assert screen.session.generator == "llama-cpp"
        view = screen.query_one("#draft")
        view.focus()
        key = view.current_key
        await pilot.press("r")
        log = screen.query_one("#stream", Log)
        await wait_until(pilot, lambda: screen.busy and log.line_count > 1 or not screen.busy)
        await wait_idle(pilot, screen)
        streamed = "\n".join(log.lines)
        assert len(streamed.split()) > 5, "tokens were shown while the model generated"
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert not errors, errors
        section_id, paragraph_id, _ = key.split("/")
        par = next(
            p for p in screen.session.draft.section(section_id).paragraphs if p.id == paragraph_id
        )
        assert all(s.verdict is not None for s in par.sentences)  # LLM output is verified too


async def test_typing_is_saved_as_it_happens_without_quitting(service) -> None:
    """A killed terminal loses only the last moments: edits reach the session file on their own."""
    install_snapshot_session(service)
    path = service.sessions.path_of(SESSION_ID)
    app = make_app(service, SESSION_ID, warm_up=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.drafting
        screen.query_one("#draft").focus()
        await pilot.press("e")
        screen.query_one("#editor-text").select_all()
        await pilot.press(*"Leaders met in Ankara [1].")
        section_id, paragraph_id, _ = screen.session.cursor.split("/")

        def saved_paragraph():  # type: ignore[no-untyped-def]
            # Read the file as another process would; the app is still running, nothing was quit.
            on_disk = service.sessions.load(SESSION_ID)
            return next(
                p for p in on_disk.draft.section(section_id).paragraphs if p.id == paragraph_id
            )

        # Autosave may catch the text half typed ("Leaders met in Ankara [1"); what matters is
        # that the finished edit reaches the file without quitting, so wait for that state.
        await wait_until(
            pilot,
            lambda: (
                "Leaders met in Ankara" in path.read_text(encoding="utf-8")
                and saved_paragraph().sentences[0].text == "Leaders met in Ankara."
            ),
            timeout=30,
        )
        par = saved_paragraph()
        assert par.edited and par.sentences[0].text == "Leaders met in Ankara."
        assert not list(path.parent.glob(".*.tmp"))  # atomic writes leave no partial files


@pytest.mark.slow
async def test_dead_endpoint_is_a_notification_naming_it(demo_service) -> None:
    import socket

    from assistant.service import DeskService
    from assistant.workspace import Workspace

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    service = DeskService(Workspace.open(demo_service.workspace.root, {"openai_base_url": url}))
    app = make_app(service, new_session=True, warm_up=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.drafting
        await pilot.pause()
        await pilot.click("#topic")
        await pilot.press(*"Ankara summit")
        screen.query_one("#generator").value = "openai"
        await pilot.pause(0.2)
        await pilot.press("ctrl+g")
        await wait_idle(pilot, screen)
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors and f"127.0.0.1:{port}" in errors[0], errors
        assert "Traceback" not in errors[0]
        assert screen.session.draft is None and app.is_running


async def test_export_html_and_json_from_the_app(service) -> None:
    import json

    install_snapshot_session(service)
    app = make_app(service, SESSION_ID, warm_up=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.drafting
        await pilot.pause()
        for key in ("h", "j"):
            await pilot.press("f3", key)
            await wait_idle(pilot, screen)
        exports = service.workspace.exports_dir
        html_page = (exports / "ankara-desk.html").read_text(encoding="utf-8")
        data = json.loads((exports / "ankara-desk.json").read_text(encoding="utf-8"))
        draft = screen.session.draft
        assert html_page.lstrip().lower().startswith("<!doctype html")
        assert draft.sections[0].paragraphs[0].sentences[0].text.split()[0] in html_page
        assert len(data["citations"]) == len(draft.citations)
        assert [n for n in notes(app) if "Exported HTML" in n] and [
            n for n in notes(app) if "Exported JSON" in n
        ]


@pytest.mark.slow
async def test_redrafting_a_section_keeps_its_locked_paragraph(demo_service) -> None:
    app = make_app(demo_service, new_session=True, warm_up=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.drafting
        await pilot.click("#topic")
        await pilot.press(*"Anchorage talks and the Ankara NATO summit")
        await pilot.press("ctrl+g")
        await wait_idle(pilot, screen)
        view = screen.query_one("#draft")
        view.focus()
        # Lock the first paragraph of the first body section, then redraft that section.
        draft = screen.session.draft
        section = next(
            s for s in draft.sections if len(s.paragraphs) >= 1 and s.id.startswith("body")
        )
        locked = section.paragraphs[0]
        view.highlighted = view.get_option_index(f"{section.id}/{locked.id}/0")
        await pilot.press("l")
        assert f"{section.id}/{locked.id}" in screen.session.locks
        await pilot.press("s")
        await wait_idle(pilot, screen)
        assert any(f"redrafted {section.id}" in n for n in notes(app))
        after = screen.session.draft.section(section.id)
        kept = next(p for p in after.paragraphs if p.id == locked.id)
        assert kept.locked and [s.text for s in kept.sentences] == [
            s.text for s in locked.sentences
        ]
        # Locked paragraphs refuse a paragraph redraft too.
        await pilot.press("r")
        assert any("locked" in n for n in notes(app))


async def test_one_editing_session_is_one_undo_step_however_often_typing_pauses(service) -> None:
    from textual.widgets import TextArea

    from assistant.tui.widgets.draft_view import DraftView
    from assistant.tui.widgets.paragraph_editor import DEBOUNCE_S

    install_snapshot_session(service)
    app = make_app(service, SESSION_ID, warm_up=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.drafting
        view = screen.query_one(DraftView)
        view.focus()
        await pilot.press("home")
        while view.locate(view.current_key) is None:
            await pilot.press("down")
        section, paragraph, _ = view.locate(view.current_key)
        before = screen.session.draft
        undo_depth = len(screen.session.undo_stack)

        def text_now() -> str:
            par = screen.session.draft.section(section.id)
            return " ".join(
                s.text for p in par.paragraphs if p.id == paragraph.id for s in p.sentences
            )

        await pilot.press("e")
        screen.query_one(TextArea).select_all()
        # Typing stops long enough for the edit to be kept and verified, twice.
        await pilot.press(*"Turkey announced")
        await pilot.pause(DEBOUNCE_S * 2)
        await wait_until(pilot, lambda: text_now().startswith("Turkey announced"))
        await pilot.press(*" that NATO would be dissolved by 2031 [1].")
        await pilot.pause(DEBOUNCE_S * 2)
        await wait_until(pilot, lambda: "dissolved by 2031" in text_now())
        await wait_idle(pilot, screen)
        await pilot.press("escape")
        assert len(screen.session.undo_stack) == undo_depth + 1

        view.focus()
        await pilot.press("ctrl+z")
        assert screen.session.draft.model_dump() == before.model_dump()
        await pilot.press("ctrl+y")
        assert "dissolved by 2031" in text_now()
        await pilot.press("ctrl+q")


@pytest.mark.slow
async def test_ingest_beside_a_running_draft_both_finish(service, monkeypatch) -> None:
    from conftest import CORPUS, shared_data

    feeds = shared_data() / "rss"
    assert not service.ingest([CORPUS]).failed
    before = service.store.count_documents()
    # The draft waits after its first streamed piece until the ingest has begun, so the two
    # really run at once on the one service (a quiet machine would otherwise finish the draft
    # before the editor reaches the ingest screen).
    ingest_started = threading.Event()
    real_ingest, real_draft = service.ingest, service.draft

    def ingest(*args, **kwargs):
        ingest_started.set()
        return real_ingest(*args, **kwargs)

    def draft(*args, **kwargs):
        on_token, waited = kwargs.get("on_token"), []

        def token(section: str, text: str) -> None:
            if on_token is not None:
                on_token(section, text)
            if not waited:
                waited.append(ingest_started.wait(60))

        kwargs["on_token"] = token
        return real_draft(*args, **kwargs)

    monkeypatch.setattr(service, "ingest", ingest)
    monkeypatch.setattr(service, "draft", draft)
    app = make_app(service, new_session=True, warm_up=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        drafting = app.drafting
        await pilot.click("#topic")
        await pilot.press(*"Anchorage talks and the Ankara NATO summit")
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: drafting.query_one("#stream", Log).line_count > 1)
        assert drafting.busy
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, IngestScreen)
        ingesting = app.screen
        await pilot.press(*str(feeds), "enter")
        await wait_until(
            pilot,
            lambda: (
                ingesting.report is not None
                or "stopped" in str(ingesting.query_one("#ingest-stage", Label).render())
            ),
        )
        report = ingesting.report
        assert report is not None, str(ingesting.query_one("#ingest-stage", Label).render())
        assert not report.failed and report.new >= 200
        await pilot.press("escape")
        await wait_idle(pilot, drafting)
        assert not [n for n in app._notifications if n.severity == "error"], notes(app)
        made = drafting.session.draft
        assert made is not None and made.metrics.sentences > 5
        assert made.metrics.citation_recall >= 0.9
        # Every citation points at a passage the store holds, with the text it quotes.
        stored = service.store.get_passages(c.passage_id for c in made.citations)
        assert all(stored[c.passage_id].content_hash == c.content_hash for c in made.citations)
        await pilot.press("ctrl+q")
    assert service.store.count_documents() >= before + 200
    assert service.sessions.load(drafting.session.id).draft == made


@pytest.mark.slow
async def test_new_wire_from_desk_watch_beside_the_tui_shows_in_the_status_bar(
    service, monkeypatch
) -> None:
    import asyncio
    import os
    import subprocess
    import sys
    from pathlib import Path

    from _wire_server import WireServer, rss, wire_items

    import assistant.tui.screens.drafting_screen as drafting_screen

    monkeypatch.setattr(drafting_screen, "WIRE_CHECK_S", 0.2)
    install_snapshot_session(service)
    server = WireServer()
    url = server.serve("/wire.xml", rss(wire_items(n=3)))
    with service.workspace.toml_path.open("a", encoding="utf-8") as fh:
        fh.write(f'\n[[sources]]\nurl = "{url}"\n')
    env = {**os.environ, "DESK_FETCH_ALLOW_NETWORKS": '["127.0.0.0/8"]'}
    repo = Path(__file__).resolve().parent.parent
    app = make_app(service, SESSION_ID, warm_up=False)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = app.drafting
            await wait_idle(pilot, screen)
            await pilot.pause(0.5)
            assert "index changed" not in screen_text(app)
            watch = await asyncio.to_thread(
                subprocess.run,
                [
                    sys.executable,
                    "-m",
                    "assistant",
                    "-w",
                    str(service.workspace.root),
                    "watch",
                    "--once",
                ],
                cwd=repo,
                env=env,
                capture_output=True,
                text=True,
            )
            assert watch.returncode == 0, watch.stderr
            await wait_until(pilot, lambda: "index changed" in screen_text(app))
            assert "F5 re-verifies" in screen_text(app)
            await pilot.press("ctrl+q")
    finally:
        server.close()
