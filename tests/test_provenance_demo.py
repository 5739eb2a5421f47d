"""End to end on the demo corpus (real ingest, real model, real drafter and verifier): draft →
finalize → render Markdown, HTML and JSON. The footer never repeats a URL, and a verbatim repost
of the corpus (one post carried by both Kremlin Pool Watch and OSINTdefender) is one entry that
says "also carried by" once an editor cites it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import jsonschema
import pytest

from assistant.models import Citation, Draft, Sentence
from assistant.provenance.footer import provenance_schema
from assistant.provenance.sources import canonical_url
from assistant.text import sentence_spans

TOPIC = "Anchorage talks and the Ankara NATO summit"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def drafted(demo_service) -> Draft:
    return demo_service.draft(TOPIC)


def footer_urls(draft: Draft) -> list[str]:
    assert draft.provenance is not None
    urls = [canonical_url(e.url) for e in draft.provenance.entries if e.url]
    for e in draft.provenance.entries:
        urls += [canonical_url(m) for c in e.also_carried_by for m in re.findall(r"<([^>]+)>", c)]
    return urls


def with_repost_cited(draft: Draft, service) -> tuple[Draft, str]:
    """The draft after an editor adds a sentence citing the reposted document (a document seen
    in two channels), as the extractive drafter may not have chosen it."""
    doc = next(
        d
        for d in service.store.documents()
        if len({s.url for s in service.store.sightings(d.id)}) > 1
    )
    passage = service.store.passages_of(doc.id)[0]
    a, b = sentence_spans(passage.text)[0]
    n = max(c.n for c in draft.citations) + 1
    citation = Citation(
        n=n,
        passage_id=passage.id,
        doc_id=doc.id,
        lineage_id=passage.lineage_id,
        start=passage.start,
        end=passage.end,
        content_hash=passage.content_hash,
        text=passage.text,
        outlet=passage.outlet,
        kind=passage.kind,
        title=passage.title,
        url=passage.url,
        published_at=passage.published_at,
    )
    edited = draft.model_copy(deep=True)
    edited.citations.append(citation)
    edited.section("lede").paragraphs[0].sentences.append(
        Sentence(text=passage.text[a:b], citations=[n])
    )
    return edited, doc.id


def test_drafted_footer_is_complete_chronological_and_never_repeats_a_url(drafted):
    prov = drafted.provenance
    assert prov is not None and prov.entries
    urls = footer_urls(drafted)
    assert len(urls) == len(set(urls))
    cited = {
        n for s in drafted.sections for p in s.paragraphs for x in p.sentences for n in x.citations
    }
    assert sorted(n for e in prov.entries for n in e.markers) == sorted(cited)
    dated = [e.published_at for e in prov.entries if e.published_at]
    assert dated == sorted(dated) and prov.as_of == max(dated)
    assert len({e.lineage_id for e in prov.entries}) == len(prov.entries)
    jsonschema.validate(
        prov.model_dump(mode="json"), provenance_schema(), format_checker=jsonschema.FormatChecker()
    )
    note = drafted.desk_note
    # Independent sources are distinct outlets: one outlet's several items count once.
    assert note is not None and note.independent_sources == len({e.outlet for e in prov.entries})
    assert note.independent_sources < len(prov.entries)  # the demo cites one wire twice
    assert sum(note.kinds.values()) == len(prov.entries)


def test_cited_repost_is_one_entry_also_carried_by_the_other_channel(drafted, demo_service):
    edited, doc_id = with_repost_cited(drafted, demo_service)
    final = demo_service.finalize(edited)

    entries = [
        e
        for e in final.provenance.entries
        if doc_id == e.doc_id or edited.citations[-1].n in e.markers
    ]
    assert len(entries) == 1
    entry = entries[0]
    other = [
        s
        for s in demo_service.store.sightings(doc_id)
        if canonical_url(s.url) != canonical_url(entry.url)
    ]
    assert other, "the repost is seen under a second URL"
    carried = " ".join(entry.also_carried_by)
    assert all(
        canonical_url(s.url) in {canonical_url(u) for u in re.findall(r"<([^>]+)>", carried)}
        for s in other
    )
    urls = footer_urls(final)
    assert len(urls) == len(set(urls))
    added = final.section("lede").paragraphs[0].sentences[-1]
    assert (
        added.verdict is not None and added.verdict.label == "supported"
    )  # its own source's words

    md = demo_service.render(final, "md")
    footer = md[md.index("## Wire provenance") :]
    assert footer.count("also carried by:") >= 1
    shown = re.findall(r"https://\S+?(?=[\s>;),]|$)", footer)
    assert len({canonical_url(u) for u in shown}) == len(shown), (
        "a URL repeats in the Markdown footer"
    )

    html = demo_service.render(final, "html")
    ids, hrefs = set(), []

    class Page(HTMLParser):
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            ids.add(a.get("id"))
            if (a.get("href") or "").startswith("#"):
                hrefs.append(a["href"][1:])

    Page().feed(html)
    assert hrefs and set(hrefs) <= ids
    assert "<script" not in html.lower()  # sources quoting `<script>alert(1)</script>` stay text

    back = Draft.model_validate_json(demo_service.render(final, "json"))
    assert back.provenance == final.provenance and back.desk_note == final.desk_note
