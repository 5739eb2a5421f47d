"""One meaning for dates everywhere (`assistant.dates`): the same since/until words give the same
window in the CLI, the TUI's brief form and batch, in the configured zone; sources' dates parse
in every real format we hold, and nothing ambiguous is guessed."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import CORPUS, shared_data
from textual.app import App, ComposeResult
from textual.widgets import Input

from assistant.batch import BatchConfigError, BatchWindow
from assistant.cli.filters import build_filters
from assistant.dates import DateError, Window, parse_date
from assistant.models import SearchFilters
from assistant.tui.widgets.brief_form import BriefForm


class FormApp(App[None]):
    """The brief form alone, as the drafting screen builds it for a workspace zone `tz`."""

    def __init__(self, tz: str) -> None:
        super().__init__()
        self.tz = tz

    def compose(self) -> ComposeResult:
        yield BriefForm(tz=self.tz)


async def tui_window(since: str, until: str, tz: str = "UTC") -> SearchFilters:
    """Type `since`/`until` into the TUI's brief form like an editor, and read the brief."""
    app = FormApp(tz)
    async with app.run_test(size=(120, 40)) as pilot:
        form = app.query_one(BriefForm)
        form.fill("NATO summit", SearchFilters(), "extractive", None)
        await pilot.pause()
        for field, text in (("since", since), ("until", until)):
            app.query_one(f"#{field}", Input).focus()
            await pilot.press(*text)
        await pilot.pause()
        assert app.query_one("#until", Input).value == until
        return form.read()[1]


@pytest.mark.parametrize("tz", ["UTC", "Europe/London", "Pacific/Honolulu"])
async def test_the_same_date_only_window_everywhere_and_same_day_is_one_day(tz):
    zi = ZoneInfo(tz)
    day = (
        datetime(2025, 8, 15, tzinfo=zi).astimezone(UTC),
        datetime(2025, 8, 16, tzinfo=zi).astimezone(UTC),
    )
    cli = build_filters("2025-08-15", "2025-08-15", (), (), tz=tz)
    tui = await tui_window("2025-08-15", "2025-08-15", tz)
    batch = BatchWindow.resolve(since="2025-08-15", until="2025-08-15", tz=tz)
    batch_day = BatchWindow.resolve("2025-08-15", tz=tz)
    windows = {
        "cli": (cli.since, cli.until),
        "tui": (tui.since, tui.until),
        "batch --since/--until": (batch.since, batch.until),
        "batch --date": (batch_day.since, batch_day.until),
    }
    assert set(windows.values()) == {day}, windows


async def test_tui_date_times_and_errors_read_as_in_the_cli():
    tui = await tui_window("2026-06-29 06:00", "2026-06-29T18:00+03:00", "Europe/Istanbul")
    cli = build_filters("2026-06-29 06:00", "2026-06-29T18:00+03:00", (), (), tz="Europe/Istanbul")
    assert (tui.since, tui.until) == (cli.since, cli.until)
    assert tui.since == datetime(2026, 6, 29, 3, 0, tzinfo=UTC)
    assert tui.until == datetime(2026, 6, 29, 15, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="until 2026-06-28 is not after since 2026-06-29"):
        await tui_window("2026-06-29", "2026-06-28")


async def test_tui_shows_a_saved_window_as_typed_so_reopening_does_not_shift_it():
    """A saved one-day window comes back as the day it covers, and reads back unchanged."""
    saved = Window.parse("2025-08-15", "2025-08-15", "Europe/London")
    app = FormApp("Europe/London")
    async with app.run_test(size=(120, 40)) as pilot:
        form = app.query_one(BriefForm)
        form.fill("NATO", SearchFilters(since=saved.since, until=saved.until), "extractive", None)
        await pilot.pause()
        shown = (app.query_one("#since", Input).value, app.query_one("#until", Input).value)
        assert shown == ("2025-08-15", "2025-08-15")
        again = form.read()[1]
    assert (again.since, again.until) == (saved.since, saved.until)


def test_batch_and_cli_refuse_an_empty_or_reversed_window_alike():
    with pytest.raises(BatchConfigError, match="not after"):
        BatchWindow.resolve(since="2025-08-15T10:00", until="2025-08-15T10:00")
    with pytest.raises(DateError, match="not after"):
        Window.parse("2025-08-16", "2025-08-15")


def test_cli_window_is_read_in_the_workspace_time_zone(tmp_path):
    """`desk search --since D --until D` is day D in the `timezone` setting, not in UTC."""
    from _index_corpus import add_all, telegram_documents
    from click.testing import CliRunner

    from assistant.cli import cli
    from assistant.index.passage_index import PassageIndex
    from assistant.store import Store
    from assistant.workspace import Workspace

    ws = Workspace.init(tmp_path / "ws")
    store = Store(ws.db_path)
    # Three real Telegram posts of 2024-12-04 between 04:43 and 09:00 UTC: 3 December in Honolulu.
    add_all(store, telegram_documents(shared_data(), 3))
    index = PassageIndex(ws, store)
    index.sync()
    index.close()
    store.close()

    def day(d: str, zone: str) -> list[str]:
        result = CliRunner().invoke(
            cli,
            ["--workspace", str(ws.root), "search", "crater", "--json"]
            + ["--since", d, "--until", d],
            env={"COLUMNS": "200", "DESK_TIMEZONE": zone},
        )
        assert result.exit_code == 0, result.output
        return [h["passage"]["published_at"] for h in json.loads(result.output)]

    honolulu = day("2024-12-03", "Pacific/Honolulu")
    assert honolulu and all(p.startswith("2024-12-04") for p in honolulu)
    assert day("2024-12-03", "UTC") == []
    assert day("2024-12-04", "UTC") == honolulu


# --- source dates ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "flag"),
    [
        ("Monday", "incomplete date 'Monday'"),
        ("12:30", "incomplete date '12:30'"),
        ("5 June", "incomplete date '5 June'"),
        ("June 2025", "incomplete date 'June 2025'"),
        ("5/6/25", "incomplete date '5/6/25'"),
        ("5/6/2025", "ambiguous date '5/6/2025': day and month order not stated"),
        ("05.06.2025 14:30", "ambiguous date '05.06.2025 14:30'"),
        ("Monday evening", "unparseable date 'Monday evening'"),
        ("5 June 2025 14:30 BST", "unparseable date '5 June 2025 14:30 BST': unknown time zone"),
    ],
)
def test_what_would_need_a_guess_stays_undated_with_a_flag(raw, flag):
    when, why = parse_date(raw)
    assert when is None
    assert why is not None and flag in why


def test_numeric_dates_follow_a_stated_day_first_policy():
    assert parse_date("5/6/2025", day_first=True) == (
        datetime(2025, 6, 5, tzinfo=UTC),
        "date only, no time of day",
    )
    assert parse_date("5/6/2025 14:30", day_first=False)[0] == datetime(
        2025, 5, 6, 14, 30, tzinfo=UTC
    )
    # A day above 12 cannot be a month: no policy needed.
    assert parse_date("25/12/2025")[0] == datetime(2025, 12, 25, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mon, 29 Jun 2026 21:26:00 +0300", datetime(2026, 6, 29, 18, 26, tzinfo=UTC)),
        ("Fri, 20 Feb 2026 17:52:47 GMT", datetime(2026, 2, 20, 17, 52, 47, tzinfo=UTC)),
        ("2026-06-29T18:26:00Z", datetime(2026, 6, 29, 18, 26, tzinfo=UTC)),
        ("2026-06-29T21:26:00.250+03:00", datetime(2026, 6, 29, 18, 26, 0, 250000, tzinfo=UTC)),
        ("2026-06-29 18:26:00+00:00", datetime(2026, 6, 29, 18, 26, tzinfo=UTC)),
        ("Thursday, 5 June 2025 14:30 +0100", datetime(2025, 6, 5, 13, 30, tzinfo=UTC)),
        ("June 5, 2025 14:30 UTC", datetime(2025, 6, 5, 14, 30, tzinfo=UTC)),
    ],
)
def test_rfc_822_iso_8601_and_written_dates_with_a_zone_parse_exactly(raw, expected):
    assert parse_date(raw) == (expected, None)


def test_feed_dates_go_through_the_one_parser_so_no_day_is_invented(tmp_path):
    """feedparser's own parse turns `2026-06` into 1 June and `2026` into 1 January."""
    from assistant.ingest.loaders import load
    from assistant.ingest.sniff import decode, sniff

    items = "".join(
        f"<item><title>Talks {i}</title><link>https://wire.example/{i}</link>"
        f"<description>Talks resumed in Ankara, report {i}.</description>"
        f"<pubDate>{when}</pubDate></item>"
        for i, when in enumerate(["2026-06", "2026", "Mon, 29 Jun 2026 21:26:00"])
    )
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Desk test wire</title>'
        f"<link>https://wire.example/</link><description>d</description>{items}</channel></rss>",
        encoding="utf-8",
    )
    text = decode(feed.read_bytes())
    month, year, no_zone = load(feed, sniff(feed, text), text)
    assert month.published_at is None and month.date_flag is not None
    assert month.date_flag.startswith("incomplete date '2026-06'")
    assert year.published_at is None and year.date_flag is not None
    assert no_zone.published_at == datetime(2026, 6, 29, 21, 26, tzinfo=UTC)
    assert no_zone.date_flag == "no time zone in source; read as UTC"


_PUBDATE = re.compile(r"<pubDate>([^<]+)</pubDate>")


def test_every_real_rss_wire_archive_and_telegram_date_parses_without_a_flag():
    data = shared_data()
    raws = [
        m for f in sorted((data / "rss").glob("*.xml")) for m in _PUBDATE.findall(f.read_text())
    ]
    assert len(raws) > 200
    for raw in raws:
        when, flag = parse_date(raw)
        assert when is not None and flag is None, (raw, flag)
    with (data / "wire-archive" / "items.jsonl").open(encoding="utf-8") as fh:
        wire = [json.loads(line) for line in fh]
    assert len(wire) > 8000
    for row in wire:
        rfc, iso = parse_date(row["pubDate"]), parse_date(row["published"])
        assert rfc[1] is None and iso[1] is None, row
        assert rfc[0] == iso[0], row
    posts = json.loads((data / "telegram" / "1001000724666_messages.json").read_text("utf-8"))
    for post in posts:
        when, flag = parse_date(post["date"])
        assert when is not None and when.tzinfo is not None and flag is None, post["date"]
    export = json.loads((CORPUS / "telegram" / "osintdefender" / "result.json").read_text("utf-8"))
    for message in export["messages"]:
        # Telegram Desktop writes local time without a zone beside the exact Unix seconds.
        assert parse_date(int(message["date_unixtime"]))[1] is None
