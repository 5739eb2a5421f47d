"""Real documents for the provenance and rendering tests: AllSides stories (2–3 outlets' own
opening paragraphs of one event) and seed texts, stored in a real `Store`, plus drafts built by
hand from their passages (real sentences, real citations) until a drafter is not needed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from assistant.models import (
    Citation,
    Document,
    Draft,
    Paragraph,
    Passage,
    Section,
    Sentence,
    SourceKind,
    SourceLocation,
    sha256_hex,
)
from assistant.store import Store
from assistant.text import normalize_for_hash

WIRES = {"Reuters", "Associated Press", "AP", "AFP", "Agence France-Presse", "Bloomberg"}


def allsides_stories(data_dir: Path) -> list[dict]:
    path = data_dir / "allsides" / "allsides_dev.jsonl"
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def make_document(
    text: str,
    outlet: str,
    kind: SourceKind,
    url: str | None,
    published_at: datetime | None,
    location: SourceLocation,
    title: str | None = None,
    lineage_id: str | None = None,
    channel: str | None = None,
    author: str | None = None,
) -> Document:
    content_hash = sha256_hex(normalize_for_hash(text))
    doc_id = "doc_" + content_hash[:16]
    return Document(
        id=doc_id,
        kind=kind,
        format="jsonl",
        outlet=outlet,
        channel=channel,
        author=author,
        title=title,
        text=text,
        url=url,
        published_at=published_at,
        content_hash=content_hash,
        location=location,
        lineage_id=lineage_id or doc_id,
    )


def paragraph_passages(doc: Document) -> list[Passage]:
    """One passage per paragraph, with exact offsets into the document text."""
    out, pos = [], 0
    for para in doc.text.split("\n\n"):
        start = doc.text.index(para, pos)
        end = start + len(para)
        pos = end
        out.append(
            Passage(
                id=f"{doc.id}:{start}-{end}",
                doc_id=doc.id,
                lineage_id=doc.lineage_id or doc.id,
                text=para,
                start=start,
                end=end,
                content_hash=sha256_hex(para),
                outlet=doc.outlet,
                kind=doc.kind,
                title=doc.title,
                url=doc.url,
                published_at=doc.published_at,
            )
        )
    return out


def add(store: Store, doc: Document) -> list[Passage]:
    passages = paragraph_passages(doc)
    with store.transaction():
        store.add_document(doc, passages)
    return passages


def store_story(store: Store, story: dict, data_dir: Path) -> dict[str, list[Passage]]:
    """Each outlet's coverage of an AllSides story as one document; outlet name -> passages."""
    published = datetime.fromisoformat(story["date"]).astimezone(UTC)
    out = {}
    for minutes, (stance, item) in enumerate(sorted(story["news"].items())):
        outlet = item["newsSource"]
        doc = make_document(
            "\n\n".join(p.strip() for p in item["newBody"] if p.strip()),
            outlet,
            "wire" if outlet in WIRES else "outlet",
            item.get("newsLink"),
            published.replace(minute=minutes * 7 % 60),
            SourceLocation(
                path=str(data_dir / "allsides" / "allsides_dev.jsonl"),
                item=f"{story['id']}:{stance}",
            ),
            title=item.get("newsTitle"),
        )
        out[outlet] = add(store, doc)
    return out


def cite(n: int, p: Passage) -> Citation:
    return Citation(
        n=n,
        passage_id=p.id,
        doc_id=p.doc_id,
        lineage_id=p.lineage_id,
        start=p.start,
        end=p.end,
        content_hash=p.content_hash,
        text=p.text,
        outlet=p.outlet,
        kind=p.kind,
        title=p.title,
        url=p.url,
        published_at=p.published_at,
    )


def draft_from(
    topic: str,
    layout: dict[str, list[list[tuple[str, list[int]]]]],
    citations: list[Citation],
    titles: dict[str, str] | None = None,
) -> Draft:
    """`layout`: section id -> paragraphs -> (sentence text, markers)."""
    sections = [
        Section(
            id=sid,
            title=(titles or {}).get(sid),
            paragraphs=[
                Paragraph(
                    id=f"{sid}-{i}", sentences=[Sentence(text=t, citations=ms) for t, ms in para]
                )
                for i, para in enumerate(paras, start=1)
            ],
        )
        for sid, paras in layout.items()
    ]
    return Draft(
        id="draft-test", topic=topic, generator="hand", sections=sections, citations=citations
    )


HOSTILE = (
    "Officials confirmed the talks. <script>document.title='pwned';window.pwned=1</script> "
    '<img src=x onerror="window.pwned=2"> Delegations will meet again & report "soon".'
)


def rendered_draft(store: Store, data_dir: Path) -> Draft:
    """A draft ready to render: AllSides coverage (story 5892) plus a hostile source whose text,
    title and URL try to inject markup; provenance and desk note computed, verdicts set by hand
    (one of each label) so rendering can be checked without the verifier."""
    from assistant.models import Verdict
    from assistant.provenance.desk_note import build_desk_note
    from assistant.provenance.footer import build_provenance

    story = next(s for s in allsides_stories(data_dir) if s["id"] == 5892)
    coverage = store_story(store, story, data_dir)
    hostile = make_document(
        HOSTILE,
        "<b>Evil</b> Outlet",
        "blog",
        "javascript:window.pwned=3",
        datetime(2021, 7, 6, 15, 0, tzinfo=UTC),
        SourceLocation(path="corpus/articles/evil.html"),
        title="</title><script>window.pwned=4</script>",
    )
    h = add(store, hostile)[0]
    npr, slate, fox = (
        coverage[k][0] for k in ("NPR (Online News)", "Slate", "Fox News (Online News)")
    )
    citations = [cite(1, npr), cite(2, fox), cite(3, h), cite(4, slate)]
    labels = {
        "supported": Verdict(label="supported", score=0.9),
        "weak": Verdict(
            label="weak", score=0.4, reasons=("weak support from [2]: <similarity> 0.5",)
        ),
        "unsupported": Verdict(label="unsupported", score=0.1, reasons=("'Chicago' not in [3]",)),
        "uncited": Verdict(label="uncited", reasons=("no citation",)),
    }

    def sent(text: str, markers: list[int], label: str):
        return (text, markers, labels[label])

    layout = {
        "headline": [
            [sent("Fourth of July weekend shootings leave scores dead", [1], "supported")]
        ],
        "dek": [[sent("Tolls differ between outlets.", [1, 2], "weak")]],
        "lede": [
            [
                sent(citations[0].text.split(",")[0] + ".", [1], "supported"),
                sent(
                    "Officials confirmed the talks <script>window.pwned=5</script>.",
                    [3],
                    "unsupported",
                ),
            ]
        ],
        "body_1": [
            [
                sent(citations[1].text.split(" that")[0].rstrip(".") + ".", [2], "weak"),
                sent("The editor's own remark.", [], "uncited"),
            ]
        ],
        "uncertain": [[sent("How many died remains unclear.", [2, 4], "supported")]],
    }
    draft = draft_from(
        story["issue"],
        {k: [[(t, m) for t, m, _ in p] for p in v] for k, v in layout.items()},
        citations,
        titles={"body_1": "What the tolls say"},
    )
    for section in draft.sections:
        for para, spec in zip(section.paragraphs, layout[section.id], strict=True):
            for sentence, (_, _, verdict) in zip(para.sentences, spec, strict=True):
                sentence.verdict = verdict
    return draft.model_copy(
        update={
            "provenance": build_provenance(draft, store),
            "desk_note": build_desk_note(draft, store),
        }
    )
