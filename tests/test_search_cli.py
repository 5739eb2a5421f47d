"""`desk search`: ranked passages with outlet, UTC time, score and permalink; JSON output;
--since/--until/--source/--kind/-k; clear errors for bad dates and an empty workspace."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from _index_corpus import add_all, allsides_documents, telegram_documents
from click.testing import CliRunner
from conftest import shared_data

from assistant.cli import cli
from assistant.cli.filters import parse_when
from assistant.index.passage_index import PassageIndex
from assistant.store import Store
from assistant.workspace import Workspace


@pytest.fixture(scope="module")
def ws_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("search-cli") / "ws"
    ws = Workspace.init(root)
    store = Store(ws.db_path)
    add_all(
        store, allsides_documents(shared_data(), stories=6) + telegram_documents(shared_data(), 3)
    )
    index = PassageIndex(ws, store)
    index.sync()
    index.close()
    store.close()
    return root


def run(root, *args):
    result = CliRunner().invoke(
        cli, ["--workspace", str(root), "search", *args], env={"COLUMNS": "200"}
    )
    return result


def test_table_shows_outlet_utc_time_score_and_permalink(ws_root):
    result = run(ws_root, "Colin Powell died of COVID-19", "-k", "3")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Powell" in out
    assert "2021-10-18" in out and "UTC" in out
    assert "https://" in out
    assert any(o in out for o in ("Reuters", "Politico", "Washington Examiner"))


def test_json_output_and_filters(ws_root):
    result = run(
        ws_root, "Powell", "--json", "-k", "4", "--source", "reuters", "--source", "Politico"
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert 1 <= len(hits) <= 4
    assert {h["passage"]["outlet"] for h in hits} <= {"Reuters", "Politico"}
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))

    result = run(ws_root, "Powell", "--json", "--since", "2021-10-16", "--until", "2021-10-16")
    hits = json.loads(result.output)
    assert hits and all(h["passage"]["published_at"].startswith("2021-10-16") for h in hits)

    result = run(ws_root, "crater", "--json", "--kind", "telegram", "-k", "2")
    hits = json.loads(result.output)
    assert hits and all(h["passage"]["url"].startswith("https://t.me/") for h in hits)


def test_bad_date_and_empty_workspace_are_clear_errors(ws_root, tmp_path):
    result = run(ws_root, "Powell", "--since", "last tuesday")
    assert result.exit_code == 2
    assert "'last tuesday' is not a date" in result.output

    empty = tmp_path / "empty"
    Workspace.init(empty)
    result = run(empty, "Powell")
    assert result.exit_code == 1
    assert "holds no passages yet" in result.output


def test_dates_are_taken_as_utc():
    assert parse_when("2026-06-29").isoformat() == "2026-06-29T00:00:00+00:00"
    assert parse_when("2026-06-29", end_of_day=True).isoformat() == "2026-06-30T00:00:00+00:00"
    assert parse_when("2026-06-29T18:26").isoformat() == "2026-06-29T18:26:00+00:00"
    assert parse_when("2026-06-29T20:26+02:00") == datetime.fromisoformat(
        "2026-06-29T18:26:00+00:00"
    )
    assert parse_when("2026-06-29T18:26:00Z").isoformat() == "2026-06-29T18:26:00+00:00"


def test_source_text_in_the_table_is_shown_as_written(tmp_path):
    """`:x:` is not an emoji, `[Blog](...)` and `[bold]` are not markup: they are the source's."""
    from _hostile_sources import hostile_workspace

    ws = hostile_workspace(tmp_path)
    result = run(ws, "harbour ferry deal costs", "-k", "5")
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "deal :x: and" in flat and "❌" not in flat
    assert "Harbour [Blog](javascript:window.pwned=8)" in "".join(result.output.split("│"))
