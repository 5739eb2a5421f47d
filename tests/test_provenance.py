"""The wire provenance footer: one entry per distinct source, reposts and versions folded into
"also carried by", never a URL twice, chronological, schema-valid — on real texts (seed 000's
two OSINTdefender posts and the Kremlin line it quotes, AllSides coverage) in a real Store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from _provenance_data import add, allsides_stories, cite, draft_from, make_document, store_story

from assistant.models import ProvenanceEntry, Sighting, SourceLocation
from assistant.provenance.footer import build_provenance, provenance_schema
from assistant.provenance.sources import canonical_url
from assistant.store import Store

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
# The two posts seed 000 cites, in the seed's own quoted words (its footer lists their channel
# URL https://t.me/s/OSINTdefender twice: the defect the footer must not repeat).
KREMLIN_POST = (
    "Putin is ready to continue negotiations with the United States on topics discussed during "
    "the meeting in Anchorage, Alaska, and emphasised the importance of reaching compromises."
)
ANKARA_POST = (
    "NATO leaders arriving in Ankara, with concerns about effectively deterring Russia and "
    "fulfilling defence commitments."
)
ANKARA_UPDATE = ANKARA_POST + (
    " Members have agreed to higher defence spending; whether they will agree to "
    "the common procurement and shared production is the unfinished business."
)


def at(hh: int, mm: int) -> datetime:
    return datetime(2026, 6, 29, hh, mm, tzinfo=UTC)


def all_urls(entries: tuple[ProvenanceEntry, ...]) -> list[str]:
    """Every URL the footer shows, in entries and in "also carried by" (as `<url>`)."""
    urls = [canonical_url(e.url) for e in entries if e.url]
    for e in entries:
        urls += [
            canonical_url(c.split("<", 1)[1].split(">", 1)[0])
            for c in e.also_carried_by
            if "<" in c
        ]
    return urls


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "desk.sqlite")
    yield s
    s.close()


@pytest.fixture
def seed_posts(store: Store):
    """Seed 000's posts as Telegram items: a Kremlin post reposted verbatim by a second channel,
    and an Ankara post with a later near-duplicate update (same lineage)."""
    tg = "corpus/telegram/osintdefender/result.json"
    kremlin = make_document(
        KREMLIN_POST,
        "OSINTdefender",
        "telegram",
        "https://t.me/s/OSINTdefender/101",
        at(18, 26),
        SourceLocation(path=tg, item="101"),
        channel="OSINTdefender",
    )
    ankara = make_document(
        ANKARA_POST,
        "OSINTdefender",
        "telegram",
        None,
        at(18, 28),
        SourceLocation(path=tg, item="102"),
        channel="OSINTdefender",
    )
    p_kremlin, p_ankara = add(store, kremlin), add(store, ankara)
    update = make_document(
        ANKARA_UPDATE,
        "OSINTdefender",
        "telegram",
        "https://t.me/OSINTdefender/103",
        at(18, 40),
        SourceLocation(path=tg, item="103"),
        channel="OSINTdefender",
        lineage_id=ankara.id,
    )
    add(store, update)
    # The verbatim repost (seed 002 cites this channel): the same document seen in another file.
    store.add_sighting(
        Sighting(
            doc_id=kremlin.id,
            outlet="Alekhin_Telega",
            channel="Alekhin_Telega",
            url="https://t.me/Alekhin_Telega/14719",
            published_at=at(18, 31),
            location=SourceLocation(path="corpus/telegram/alekhin.html", item="14719"),
        )
    )
    return p_kremlin[0], p_ankara[0]


def seed_draft(kremlin, ankara):
    return draft_from(
        "Anchorage and Ankara",
        {
            "lede": [[(KREMLIN_POST, [1]), (ANKARA_POST, [2])]],
            "body_1": [
                [("NATO leaders arrived in Ankara with concerns about deterring Russia.", [2])]
            ],
            "uncertain": [[("Moscow's readiness to talk commits it to nothing.", [])]],
        },
        [cite(1, kremlin), cite(2, ankara)],
    )


def test_repost_and_update_fold_into_one_entry_each_and_no_url_repeats(store, seed_posts):
    prov = build_provenance(seed_draft(*seed_posts), store)

    assert [e.outlet for e in prov.entries] == ["OSINTdefender", "OSINTdefender"]
    kremlin, ankara = prov.entries
    assert kremlin.url == "https://t.me/OSINTdefender/101"  # the t.me/s/ preview as a permalink
    assert ankara.url == "https://t.me/OSINTdefender/102"  # built from channel + message id
    assert kremlin.also_carried_by == (
        "Alekhin_Telega <https://t.me/Alekhin_Telega/14719> (2026-06-29 18:31 UTC)",
    )
    assert ankara.also_carried_by == (
        "OSINTdefender <https://t.me/OSINTdefender/103> (later version, 2026-06-29 18:40 UTC)",
    )
    urls = all_urls(prov.entries)
    assert len(urls) == len(set(urls)) == 4


def test_entries_are_chronological_keyed_and_say_where_they_are_cited(store, seed_posts):
    kremlin, ankara = seed_posts
    # Cite the later post first: the footer still lists by publication time.
    draft = draft_from(
        "t",
        {"lede": [[(ANKARA_POST, [1])]], "body_1": [[(KREMLIN_POST, [2])], [(ANKARA_POST, [1])]]},
        [cite(1, ankara), cite(2, kremlin)],
    )
    prov = build_provenance(draft, store)

    assert [e.key for e in prov.entries] == ["src-1", "src-2"]
    assert [e.published_at for e in prov.entries] == [at(18, 26), at(18, 28)]
    assert prov.entries[0].markers == (2,) and prov.entries[0].cited_by == ("body_1 ¶1",)
    assert prov.entries[1].markers == (1,) and prov.entries[1].cited_by == ("lede ¶1", "body_1 ¶2")
    assert prov.as_of == at(18, 28)  # newest *cited* source, not the uncited 18:40 update
    doc = store.get_document(prov.entries[0].doc_id)
    assert prov.entries[0].short_hash == doc.content_hash[:12]
    assert prov.entries[0].ingested_at == doc.ingested_at


def test_seed_000_defect_two_posts_under_one_channel_url_listed_once(store):
    """Seed 000's footer: both posts carry only `https://t.me/s/OSINTdefender`. One page is one
    source: the two lineages become one entry and the URL appears once."""
    tg = str(SEEDS / "000_4ce8f303556d4e6f.txt")
    a = add(
        store,
        make_document(
            KREMLIN_POST,
            "OSINTdefender",
            "telegram",
            "https://t.me/s/OSINTdefender",
            at(18, 26),
            SourceLocation(path=tg, item="a"),
        ),
    )
    b = add(
        store,
        make_document(
            ANKARA_POST,
            "OSINTdefender",
            "telegram",
            "https://t.me/s/OSINTdefender/",
            at(18, 28),
            SourceLocation(path=tg, item="b"),
        ),
    )
    prov = build_provenance(seed_draft(a[0], b[0]), store)

    assert len(prov.entries) == 1
    assert prov.entries[0].markers == (1, 2)
    assert all_urls(prov.entries) == ["https://t.me/OSINTdefender"]


def test_only_cited_markers_count_and_unknown_markers_are_ignored(store, seed_posts):
    kremlin, ankara = seed_posts
    draft = draft_from(
        "t", {"lede": [[(KREMLIN_POST, [1, 7])]]}, [cite(1, kremlin), cite(2, ankara)]
    )
    prov = build_provenance(draft, store)
    assert [e.markers for e in prov.entries] == [(1,)]


def test_document_gone_from_store_is_described_by_its_citation(tmp_path, seed_posts):
    empty = Store(tmp_path / "other.sqlite")
    try:
        prov = build_provenance(seed_draft(*seed_posts), empty)
    finally:
        empty.close()
    assert [e.outlet for e in prov.entries] == ["OSINTdefender", "OSINTdefender"]
    assert prov.entries[0].ingested_at is None and prov.entries[0].also_carried_by == ()


def test_footer_json_validates_against_the_versioned_schema(store, seed_posts, data_dir):
    schema = provenance_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    # The schema documents every field of the model, no more, no less.
    assert set(schema["$defs"]["entry"]["properties"]) == set(ProvenanceEntry.model_fields)

    story = next(s for s in allsides_stories(data_dir) if len(s["news"]) == 3)
    coverage = store_story(store, story, data_dir)
    citations = [cite(i, ps[0]) for i, ps in enumerate(coverage.values(), start=1)]
    draft = draft_from(
        story["issue"], {"lede": [[(c.text.split(". ")[0], [c.n]) for c in citations]]}, citations
    )
    for prov in (build_provenance(draft, store), build_provenance(seed_draft(*seed_posts), store)):
        data = prov.model_dump(mode="json")
        errors = sorted(validator.iter_errors(data), key=str)
        assert not errors, errors
        assert data["schema_version"] == "desk.provenance/1"

    broken = build_provenance(draft, store).model_dump(mode="json")
    broken["entries"][0]["markers"] = []
    assert list(validator.iter_errors(broken)), "the schema must reject an entry nobody cites"


def test_allsides_coverage_one_entry_per_outlet_with_kinds(store, data_dir):
    story = next(
        s
        for s in allsides_stories(data_dir)
        if len(s["news"]) == 3 and any(v["newsSource"] == "Reuters" for v in s["news"].values())
    )
    coverage = store_story(store, story, data_dir)
    citations, n = [], 0
    for passages in coverage.values():
        for p in passages[:2]:
            n += 1
            citations.append(cite(n, p))
    draft = draft_from(
        story["issue"], {"body_1": [[(c.text, [c.n]) for c in citations]]}, citations
    )
    prov = build_provenance(draft, store)

    assert sorted(e.outlet for e in prov.entries) == sorted(coverage)
    assert {e.outlet: e.kind for e in prov.entries}["Reuters"] == "wire"
    assert sorted(n for e in prov.entries for n in e.markers) == list(range(1, n + 1))
    assert all(e.title and e.url for e in prov.entries)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://t.me/s/OSINTdefender/101", "https://t.me/OSINTdefender/101"),
        ("HTTPS://www.Reuters.com/world/x/?utm_source=tw#top", "https://reuters.com/world/x"),
        ("http://telegram.me/rybar/5/", "https://t.me/rybar/5"),
        # courlan's part: query order, default ports, its wider list of tracking parameters.
        ("https://x.com/a?b=2&id=1", "https://x.com/a?id=1&b=2"),
        ("https://Example.com:443/a/", "https://example.com/a"),
        ("https://x.com/a?id=1&fbclid=q&mc_cid=w&gclid=e", "https://x.com/a?id=1"),
    ],
)
def test_canonical_url_treats_trivial_variants_as_one_page(a, b):
    assert canonical_url(a) == canonical_url(b)


def test_canonical_url_keeps_different_pages_apart():
    assert canonical_url("https://t.me/OSINTdefender/101") != canonical_url(
        "https://t.me/OSINTdefender/102"
    )
    assert canonical_url("https://x.com/a?id=1") != canonical_url("https://x.com/a?id=2")


def test_as_of_is_the_newest_cited_item_even_a_later_version_inside_an_entry(store, seed_posts):
    kremlin, ankara = seed_posts
    update = next(d for d in store.documents() if d.published_at == at(18, 40))
    later = store.passages_of(update.id)[0]
    draft = draft_from(
        "t",
        {"lede": [[(KREMLIN_POST, [1]), (ANKARA_POST, [2]), (ANKARA_UPDATE, [3])]]},
        [cite(1, kremlin), cite(2, ankara), cite(3, later)],
    )
    prov = build_provenance(draft, store)
    assert len(prov.entries) == 2  # the update is a version of the Ankara post: same entry
    assert prov.entries[1].markers == (2, 3) and prov.entries[1].published_at == at(18, 28)
    assert prov.as_of == at(18, 40)
    assert prov.entries[1].also_carried_by == (
        "OSINTdefender <https://t.me/OSINTdefender/103> "
        "(later version, also cited, 2026-06-29 18:40 UTC)",
    )
