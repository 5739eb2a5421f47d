"""Loaders on real files: the shared RSS feeds and Telegram dump by path, and the demo corpus
in each of its formats. Every item must come out with UTC dates, outlets and permalinks as
the format gave them, and nothing invented where the format gave nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import CORPUS

from assistant.dates import parse_date
from assistant.ingest.loaders import load
from assistant.ingest.sniff import decode, sniff


def load_path(path: Path):
    text = decode(path.read_bytes())
    fmt = sniff(path, text)
    assert fmt is not None, path
    return fmt, load(path, fmt, text)


@pytest.mark.parametrize(
    "name", ["economist.xml", "ft-home.xml", "nyt_econ.xml", "wsj_econ.xml", "wsj_world.xml"]
)
def test_real_rss_feeds_give_one_dated_item_per_entry(data_dir, name):
    path = data_dir / "rss" / name
    raw = path.read_text(encoding="utf-8")
    fmt, items = load_path(path)
    assert fmt == "feed"
    assert len(items) == raw.count("<item>")
    for it in items:
        assert it.format == "rss"
        assert it.text.strip() and it.title
        assert it.url and it.url.startswith("https://archive.is/")
        assert it.published_at is not None and it.published_at.tzinfo == UTC
        assert it.outlet and it.outlet != "unattributed"
    # pubDate "Fri, 20 Feb 2026 17:52:47 GMT" style dates arrive exact, in UTC
    first_pub = re.search(r"<pubDate>([^<]+)</pubDate>", raw).group(1)
    assert items[0].published_at == parse_date(first_pub)[0]


def test_real_wsj_feed_keeps_dc_creator_as_author(data_dir):
    _, items = load_path(data_dir / "rss" / "wsj_world.xml")
    raw = (data_dir / "rss" / "wsj_world.xml").read_text(encoding="utf-8")
    creators = re.findall(r"<dc:creator>([^<]+)</dc:creator>", raw)
    assert creators, "the real feed carries dc:creator"
    assert {it.author for it in items} & {c.strip() for c in creators}


def test_real_telegram_post_list_gets_permalinks_and_utc_dates(data_dir):
    path = data_dir / "telegram" / "1001000724666_messages.json"
    fmt, items = load_path(path)
    assert fmt == "json"
    assert len(items) == 967
    by_id = {it.item: it for it in items}
    first = by_id["11877"]
    assert first.format == "telegram_json" and first.kind == "telegram"
    assert first.outlet == "Naked Science"
    # "Naked Science" is a title, not a username: the channel-id permalink form is used
    assert first.url == "https://t.me/c/1000724666/11877"
    assert first.published_at == datetime(2024, 12, 4, 9, 0, 28, tzinfo=UTC)
    assert first.text.startswith("В Китае нашли ударный кратер необычной формы")
    assert "\n\nhttps://naked-science.ru/" in first.text  # line breaks kept as paragraphs
    assert all(it.published_at is not None and it.published_at.tzinfo == UTC for it in items)


def test_telegram_desktop_export_flattens_entities_skips_service_and_keeps_forwards():
    fmt, items = load_path(CORPUS / "telegram" / "osintdefender" / "result.json")
    assert fmt == "json"
    assert len(items) == 8  # 10 messages, 2 of them service messages
    by_id = {it.item: it for it in items}
    kremlin = by_id["118840"]
    assert kremlin.text.startswith("Kremlin: Putin is ready to continue negotiations")
    assert kremlin.published_at == datetime(2026, 6, 29, 18, 26, 3, tzinfo=UTC)
    assert kremlin.url == "https://t.me/OSINTdefender/118840"
    nato = by_id["118841"]
    assert nato.published_at == datetime(
        2026, 6, 29, 18, 28, 19, tzinfo=UTC
    )  # edited later: original time kept
    assert (
        "Financial Times, citing three people" in by_id["91077"].text
    )  # text_link entity flattened
    assert by_id["91080"].author == "Kremlin Pool Watch"  # forwarded_from
    assert all(it.kind == "telegram" and it.channel == "OSINTdefender" for it in items)


def test_channel_preview_page_posts():
    fmt, items = load_path(CORPUS / "telegram" / "t.me_s_kremlin_pool_watch.html")
    assert fmt == "telegram_preview"
    assert [it.item for it in items] == [
        "4410",
        "4416",
        "5120",
        "5121",
        "5123",
    ]  # service 5119 skipped
    fwd = items[3]
    assert fwd.author == "OSINTdefender" and fwd.outlet == "Kremlin Pool Watch"
    assert fwd.url == "https://t.me/kremlin_pool_watch/5121"
    assert fwd.published_at == datetime(2026, 6, 29, 18, 30, 15, tzinfo=UTC)
    assert "No ceasefire has been announced" in items[1].text.split("\n\n")[1]  # <br/> kept


def test_html_article_main_text_and_metadata_without_boilerplate():
    fmt, items = load_path(CORPUS / "articles" / "harbour-times-ankara-arrivals.html")
    assert fmt == "html"
    (it,) = items
    assert it.outlet == "Harbour Times" and it.author == "Selin Aydın"
    assert it.title == "NATO leaders arrive in Ankara as Kremlin offers more talks"
    assert it.url == "https://harbourtimes.com/world/europe/2026/06/29/nato-leaders-arrive-ankara"
    assert it.published_at == datetime(
        2026, 6, 29, 21, 5, tzinfo=UTC
    )  # from JSON-LD, to the minute
    assert "<script>alert(1)</script>" in it.text  # escaped text in the page is text
    for boilerplate in ("cookies", "Most read", "dataLayer", "Weather warning"):
        assert boilerplate not in it.text


def test_markdown_front_matter_and_markup():
    _, (it,) = load_path(CORPUS / "articles" / "2025-08-17-anchorage-package.md")
    assert it.format == "markdown"
    assert it.outlet == "Baltic Ledger" and it.author == "Marta Ozola" and it.kind == "outlet"
    assert it.published_at == datetime(2025, 8, 17, 7, 30, tzinfo=UTC)
    assert it.title.startswith("What was on the table in Anchorage")
    assert "**" not in it.text and "#" not in it.text
    assert not it.text.startswith("What was on the table")  # the H1 repeating the title is dropped


def test_atom_feed_entries():
    fmt, items = load_path(CORPUS / "feeds" / "northern-review.atom")
    assert fmt == "feed"
    assert [it.format for it in items] == ["atom"] * 3
    assert items[0].author == "Sigrid Hole" and items[0].outlet == "The Northern Review"
    assert items[2].published_at == datetime(2026, 6, 29, 20, 15, tzinfo=UTC)
    assert "\n\n" in items[0].text and "<p>" not in items[0].text


def test_rss_item_with_unparseable_date_is_kept_and_flagged():
    _, items = load_path(CORPUS / "feeds" / "meridian-wire.xml")
    explainer = next(it for it in items if it.title.startswith("Explainer"))
    assert explainer.published_at is None
    assert explainer.date_flag == "unparseable date 'Monday evening'"
    assert items[0].kind == "wire" and items[0].author == "Dana Keller"


def test_jsonl_wire_items_convert_zones_and_flag_missing_dates():
    fmt, items = load_path(CORPUS / "wire" / "desk-wire.jsonl")
    assert fmt == "jsonl" and len(items) == 8
    uk = next(it for it in items if it.item == "hw-20250815-2205")
    assert uk.published_at == datetime(2025, 8, 15, 21, 5, tzinfo=UTC)  # +01:00 to UTC
    undated = next(it for it in items if it.item == "hw-undated-0031")
    assert undated.published_at is None and undated.date_flag == "no date in source"
    kremlin = next(it for it in items if it.item == "kr-20260629-1826")
    assert kremlin.kind == "official" and kremlin.url is None


def test_content_sniffing_beats_the_extension(tmp_path, data_dir):
    feed_as_txt = tmp_path / "saved-feed.txt"
    feed_as_txt.write_bytes((data_dir / "rss" / "nyt_econ.xml").read_bytes())
    export_no_ext = tmp_path / "result"
    export_no_ext.write_bytes((CORPUS / "telegram" / "osintdefender" / "result.json").read_bytes())
    assert load_path(feed_as_txt)[0] == "feed"
    assert len(load_path(feed_as_txt)[1]) == 20
    assert load_path(export_no_ext)[0] == "json"
    assert sniff(tmp_path / "table.csv", "a,b\n1,2\n") is None


@pytest.mark.parametrize(
    ("raw", "expected", "flag"),
    [
        ("2026-06-29T18:26:00Z", datetime(2026, 6, 29, 18, 26, tzinfo=UTC), None),
        ("Mon, 29 Jun 2026 21:26:00 +0300", datetime(2026, 6, 29, 18, 26, tzinfo=UTC), None),
        ("1782757560", datetime.fromtimestamp(1782757560, UTC), None),
        (
            "2026-06-29T18:26:00",
            datetime(2026, 6, 29, 18, 26, tzinfo=UTC),
            "no time zone in source; read as UTC",
        ),
        ("2025-08-15", datetime(2025, 8, 15, tzinfo=UTC), "date only, no time of day"),
        ("yesterday", None, "unparseable date 'yesterday'"),
        ("", None, "no date in source"),
        (None, None, "no date in source"),
    ],
)
def test_dates_are_utc_or_flagged_never_invented(raw, expected, flag):
    assert parse_date(raw) == (expected, flag)


def test_importing_the_pipeline_loads_no_heavy_or_ui_library():
    import subprocess
    import sys

    code = (
        "import sys, assistant.ingest.pipeline, assistant.cli.ingest_cmd\n"
        "heavy = {'torch', 'sentence_transformers', 'chromadb', 'trafilatura', 'feedparser',"
        " 'fasttext', 'textual'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_full_telegram_data_archive_reads_each_channel(tmp_path):
    import json

    channel = json.loads((CORPUS / "telegram" / "osintdefender" / "result.json").read_text("utf-8"))
    archive = {
        "chats": {
            "list": [
                {"name": "Saved Messages", "type": "saved_messages", "id": 7, "messages": []},
                channel,
            ]
        }
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(archive), encoding="utf-8")
    _, items = load_path(path)
    assert [it.item for it in items][:2] == ["91012", "91019"] and len(items) == 8


def test_jsonl_saved_as_json_is_read_as_jsonl(tmp_path):
    path = tmp_path / "wire.json"
    path.write_bytes((CORPUS / "wire" / "desk-wire.jsonl").read_bytes())
    fmt, items = load_path(path)
    assert fmt == "json" and len(items) == 8 and items[0].format == "jsonl"
