"""Batch selection, clustering and ranking on real data (allsides articles, the real embedder).

These tests need no drafting: they check that the window picks the right local day, that the
clusterer recovers real stories from their titles and leads, keeps lineages together, and is
deterministic, and that ranking puts the best-sourced story first.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from assistant.batch.clustering import (
    ClusterParams,
    Story,
    StoryClusterer,
    lead_text,
    rank_stories,
    story_id,
    title_lead_vectors,
)
from assistant.batch.window import BatchConfigError, BatchWindow
from assistant.models import Document, SearchFilters, SourceLocation, sha256_hex


def _doc(
    text: str,
    outlet: str,
    when: datetime,
    title: str | None = None,
    item: str = "0",
    lineage: str | None = None,
    url: str | None = None,
) -> Document:
    digest = sha256_hex(text + outlet)
    doc_id = f"doc_{digest[:16]}"
    return Document(
        id=doc_id,
        kind="outlet",
        format="jsonl",
        outlet=outlet,
        title=title,
        text=text,
        url=url,
        published_at=when,
        content_hash=digest,
        location=SourceLocation(path="allsides_dev.jsonl", item=item),
        lineage_id=lineage or doc_id,
    )


def allsides_docs(data_dir, first: int, count: int) -> tuple[list[Document], dict[str, int]]:
    """Articles of `count` consecutive allsides stories as documents, with their true story."""
    rows = [
        json.loads(line)
        for line in (data_dir / "allsides" / "allsides_dev.jsonl").open(encoding="utf-8")
    ]
    docs, truth = [], {}
    for row in rows[first : first + count]:
        when = datetime.fromisoformat(row["date"]).astimezone(UTC)
        for side, art in sorted(row["news"].items()):
            doc = _doc(
                "\n\n".join(art["newBody"]),
                art["newsSource"],
                when,
                art["newsTitle"],
                item=f"{row['id']}-{side}",
                url=art["newsLink"],
            )
            docs.append(doc)
            truth[doc.id] = row["id"]
    return docs, truth


@pytest.fixture(scope="module")
def encode():
    from assistant.index.embedder import Embedder

    return Embedder.default().encode


# --- the window ----------------------------------------------------------------------------
def test_local_day_in_summer_starts_at_2300_utc_the_evening_before():
    w = BatchWindow.resolve("2025-08-15", tz="Europe/London")
    assert w.since == datetime(2025, 8, 14, 23, 0, tzinfo=UTC)
    assert w.until == datetime(2025, 8, 15, 23, 0, tzinfo=UTC)
    assert w.label == "2025-08-15"


def test_clock_change_day_is_23_hours_long():
    w = BatchWindow.resolve("2025-03-30", tz="Europe/London")
    assert (w.until - w.since) == timedelta(hours=23)


def test_since_until_without_offset_are_local_to_the_zone():
    w = BatchWindow.resolve(
        since="2026-06-29T06:00", until="2026-06-29T18:00", tz="Europe/Istanbul"
    )
    assert w.since == datetime(2026, 6, 29, 3, 0, tzinfo=UTC)
    assert w.until == datetime(2026, 6, 29, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"day": "2025-08-15", "since": "2025-08-14"}, "either --date"),
        ({"day": "15/08/2025"}, "YYYY-MM-DD"),
        ({"day": "2025-08-15", "tz": "Mars/Olympus"}, "unknown time zone"),
        ({"since": "2025-08-15"}, "both --since and --until"),
        ({"since": "2025-08-15", "until": "2025-08-14"}, "not after"),
    ],
)
def test_bad_window_options_are_clear_errors(kwargs, message):
    with pytest.raises(BatchConfigError, match=message):
        BatchWindow.resolve(**kwargs)


def test_store_selection_honours_local_day_boundaries(tmp_path):
    """Items a minute either side of London midnight fall on the right local day."""
    from assistant.store import Store

    store = Store(tmp_path / "desk.sqlite")
    times = {
        "before": datetime(2025, 8, 14, 22, 59, tzinfo=UTC),  # 23:59 BST on the 14th
        "first": datetime(2025, 8, 14, 23, 0, tzinfo=UTC),  # 00:00 BST on the 15th
        "last": datetime(2025, 8, 15, 22, 59, 59, tzinfo=UTC),  # 23:59:59 BST on the 15th
        "after": datetime(2025, 8, 15, 23, 0, tzinfo=UTC),  # 00:00 BST on the 16th
    }
    ids = {}
    for name, when in times.items():
        doc = _doc(f"Item {name} of the day.", "Wire", when)
        store.add_document(doc, [])
        ids[doc.id] = name
    london = BatchWindow.resolve("2025-08-15", tz="Europe/London")
    got = {
        ids[d.id] for d in store.documents(SearchFilters(since=london.since, until=london.until))
    }
    assert got == {"first", "last"}
    utc = BatchWindow.resolve("2025-08-15")
    got = {ids[d.id] for d in store.documents(SearchFilters(since=utc.since, until=utc.until))}
    assert got == {"last", "after"}
    store.close()


# --- clustering on real articles --------------------------------------------------------------
def test_clustering_recovers_real_allsides_stories(data_dir, encode):
    from sklearn.metrics import adjusted_rand_score

    docs, truth = allsides_docs(data_dir, first=100, count=20)
    stories = StoryClusterer(title_lead_vectors(encode)).cluster(docs)
    predicted = {d: s.id for s in stories for d in s.doc_ids}
    assert set(predicted) == set(truth)
    ids = sorted(truth)
    ari = adjusted_rand_score([truth[i] for i in ids], [predicted[i] for i in ids])
    assert ari >= 0.6, f"adjusted Rand index {ari:.3f} on 20 real stories"
    # Purity: most predicted stories are mostly one real story.
    majority = sum(
        max(sum(truth[d] == t for d in s.doc_ids) for t in {truth[d] for d in s.doc_ids})
        for s in stories
    )
    assert majority / len(docs) >= 0.8


def test_lineage_members_always_share_a_story(data_dir, encode):
    """An 'update' of story A's first article that reads like story B still joins A's story."""
    docs, truth = allsides_docs(data_dir, first=10, count=6)
    anchor = docs[0]
    stranger = next(d for d in docs if truth[d.id] != truth[anchor.id])
    linked = stranger.model_copy(update={"lineage_id": anchor.lineage_id})
    docs = [linked if d.id == stranger.id else d for d in docs]
    stories = StoryClusterer(title_lead_vectors(encode)).cluster(docs)
    home = {d: s for s in stories for d in s.doc_ids}
    assert home[anchor.id].id == home[stranger.id].id
    assert len(home[anchor.id].lineage_ids) < home[anchor.id].size  # the pair counts as one source


def test_clustering_is_deterministic_whatever_the_input_order(data_dir, encode):
    docs, _ = allsides_docs(data_dir, first=40, count=8)
    first = StoryClusterer(title_lead_vectors(encode)).cluster(docs)
    shuffled = docs[:]
    random.Random(7).shuffle(shuffled)
    second = StoryClusterer(title_lead_vectors(encode)).cluster(shuffled)
    assert [s.model_dump() for s in first] == [s.model_dump() for s in second]
    assert all(s.id == story_id(s.doc_ids) for s in first)


def test_time_penalty_separates_the_same_words_weeks_apart(encode):
    when = datetime(2025, 8, 15, 12, 0, tzinfo=UTC)
    text = "Leaders met in Anchorage to discuss a ceasefire in Ukraine. Talks lasted three hours."
    a = _doc(text, "Wire A", when, "Anchorage summit ends without deal")
    b = _doc(text + " ", "Wire B", when + timedelta(hours=2), "Anchorage summit ends without deal")
    c = _doc(text + "  ", "Wire C", when + timedelta(days=30), "Anchorage summit ends without deal")
    strict = ClusterParams(distance_threshold=0.2, time_weight=0.5, time_scale_h=72)
    stories = StoryClusterer(title_lead_vectors(encode), strict).cluster([a, b, c])
    groups = sorted(sorted(s.doc_ids) for s in stories)
    assert sorted([a.id, b.id]) in groups and [c.id] in groups


def test_a_storys_title_is_its_news_items_not_its_commentarys(encode):
    """Read on the archive: a two-item story was titled by its commentary ("Lessons from a
    stablecoin IPO") because the earlier of two equally central items won; the news leads."""
    when = datetime(2025, 6, 5, 17, 21, tzinfo=UTC)
    column = _doc(
        "Lessons from a stablecoin IPO: tech turns on a dime. Circle's tokens should preserve "
        "their value, but the same cannot be guaranteed of its shares.",
        "Financial Times",
        when,
        "Lessons from a stablecoin IPO: tech turns on a dime",
    ).model_copy(update={"genre": "opinion"})
    news = _doc(
        "Circle Internet shares soar 168% on NYSE debut. Stablecoin operator Circle rides a wave "
        "of enthusiasm for cryptocurrencies.",
        "Financial Times",
        when + timedelta(hours=4),
        "Circle Internet shares soar 168% on NYSE debut",
    ).model_copy(update={"genre": "news"})
    loose = ClusterParams(distance_threshold=1.5, time_weight=0.0)
    for order in ([column, news], [news, column]):
        (story,) = StoryClusterer(title_lead_vectors(encode), loose).cluster(order)
        assert story.central_doc_id == news.id
        assert story.title == "Circle Internet shares soar 168% on NYSE debut"


def test_lead_text_is_title_and_opening_sentences():
    doc = _doc(
        "First sentence here. Second one. " + "Filler sentence. " * 100,
        "X",
        datetime(2025, 1, 1, tzinfo=UTC),
        title="A title",
    )
    lead = lead_text(doc)
    assert lead.startswith("A title. First sentence here. Second one.")
    assert len(lead) < 500


# --- ranking ---------------------------------------------------------------------------------
def _story(name: str, sources: int, size: int, end_h: int) -> Story:
    start = datetime(2025, 8, 15, 0, 0, tzinfo=UTC)
    return Story(
        id=f"story-{name}",
        doc_ids=tuple(f"d{name}{i}" for i in range(size)),
        lineage_ids=tuple(f"l{name}{i}" for i in range(sources)),
        outlets=("X",),
        central_doc_id=f"d{name}0",
        title=name,
        start=start,
        end=start + timedelta(hours=end_h),
    )


def test_ranking_puts_independent_sources_first_then_recency_and_volume():
    since = datetime(2025, 8, 15, 0, 0, tzinfo=UTC)
    until = since + timedelta(days=1)
    stories = [
        _story("many-sources-old", sources=4, size=4, end_h=1),
        _story("few-sources-fresh-big", sources=2, size=30, end_h=23),
        _story("few-sources-fresh", sources=2, size=2, end_h=23),
        _story("few-sources-stale", sources=2, size=2, end_h=2),
    ]
    ranked = rank_stories(stories, since, until)
    assert [s.title for s in ranked] == [
        "many-sources-old",
        "few-sources-fresh-big",
        "few-sources-fresh",
        "few-sources-stale",
    ]
    assert [s.rank for s in ranked] == [1, 2, 3, 4]
