"""Long work from inside the TUI: ingesting files (progress, a table of failures and why),
stale-index detection with re-verify, streaming and cancelling a draft."""

from __future__ import annotations

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
        assert "F5 re-verifies" in screen_text(app)
        await pilot.press("f5")
        await wait_idle(pilot, screen)
        now = screen.session.draft.citation(cited.n)
        assert now.text == changed and now.content_hash == sha256_hex(changed)
        assert service.staleness(screen.session).stale is False
        assert "F5 re-verifies" not in screen_text(app)
        await pilot.press("ctrl+q")
    assert service.sessions.load(SESSION_ID).draft.citation(cited.n).text == changed


@pytest.mark.slow
async def test_draft_streams_and_can_be_cancelled(demo_service) -> None:
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
