"""Provenance and rendering cost on real coverage (`make bench`).

Every AllSides story (2–3 outlets' opening paragraphs of one event) is stored as documents in a
temporary Store; per story, a draft citing every paragraph is given its footer, disagreements,
desk note and Markdown/HTML renderings, each timed. Then one large draft citing every paragraph
of every story shows how the pairwise disagreement search scales. No model is loaded: these are
the parts of `DeskService.finalize`/`render` that run after verification.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections import Counter
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
    SourceLocation,
    sha256_hex,
)
from assistant.paths import repo_root
from assistant.provenance.desk_note import build_desk_note
from assistant.provenance.disagreements import find_disagreements
from assistant.provenance.footer import build_provenance
from assistant.render.renderer import Renderer
from assistant.store import Store
from assistant.text import normalize_for_hash

ALLSIDES = repo_root().parent / "shared" / "data" / "allsides" / "allsides_dev.jsonl"


def _store_story(store: Store, story: dict) -> list[Citation]:
    published = datetime.fromisoformat(story["date"]).astimezone(UTC)
    citations: list[Citation] = []
    for stance, item in sorted(story["news"].items()):
        text = "\n\n".join(p.strip() for p in item["newBody"] if p.strip())
        digest = sha256_hex(normalize_for_hash(text))
        doc = Document(
            id="doc_" + digest[:16],
            kind="outlet",
            format="jsonl",
            outlet=item["newsSource"],
            title=item.get("newsTitle"),
            text=text,
            url=item.get("newsLink"),
            published_at=published,
            content_hash=digest,
            lineage_id="doc_" + digest[:16],
            location=SourceLocation(path=str(ALLSIDES), item=f"{story['id']}:{stance}"),
        )
        if store.has_document(doc.id):
            continue
        passages, pos = [], 0
        for para in text.split("\n\n"):
            start = text.index(para, pos)
            pos = start + len(para)
            passages.append(
                Passage(
                    id=f"{doc.id}:{start}-{pos}",
                    doc_id=doc.id,
                    lineage_id=doc.id,
                    text=para,
                    start=start,
                    end=pos,
                    content_hash=sha256_hex(para),
                    outlet=doc.outlet,
                    kind=doc.kind,
                    title=doc.title,
                    url=doc.url,
                    published_at=published,
                )
            )
        with store.transaction():
            store.add_document(doc, passages)
        citations += [
            Citation(
                n=0,
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
            for p in passages
        ]
    return citations


def _draft(topic: str, citations: list[Citation]) -> Draft:
    numbered = [c.model_copy(update={"n": i}) for i, c in enumerate(citations, start=1)]
    sentences = [Sentence(text=c.text[:200], citations=[c.n]) for c in numbered]
    return Draft(
        id="bench",
        topic=topic,
        generator="bench",
        citations=numbered,
        sections=[Section(id="body_1", paragraphs=[Paragraph(id="p", sentences=sentences)])],
    )


def _finalize(store: Store, renderer: Renderer, draft: Draft, times: dict[str, list[float]]) -> int:
    t0 = time.perf_counter()
    provenance = build_provenance(draft, store)
    t1 = time.perf_counter()
    found = find_disagreements(draft, store)
    t2 = time.perf_counter()
    note = build_desk_note(draft, store, found)
    t3 = time.perf_counter()
    done = draft.model_copy(update={"provenance": provenance, "desk_note": note})
    renderer.render(done, "md")
    t4 = time.perf_counter()
    renderer.render(done, "html")
    t5 = time.perf_counter()
    for name, value in zip(
        ("footer", "disagreements", "desk note", "render md", "render html"),
        (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4),
        strict=True,
    ):
        times.setdefault(name, []).append(value * 1000)
    return len(found)


def run() -> None:
    if not ALLSIDES.is_file():
        raise FileNotFoundError(f"{ALLSIDES} is missing (../shared/data beside the checkout)")
    stories = [
        json.loads(line) for line in ALLSIDES.read_text(encoding="utf-8").splitlines() if line
    ]
    renderer = Renderer()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "desk.sqlite")
        times: dict[str, list[float]] = {}
        all_citations: list[Citation] = []
        kinds: Counter[str] = Counter()
        for story in stories:
            citations = _store_story(store, story)
            if not citations:
                continue
            all_citations += citations
            draft = _draft(story["issue"], citations)
            _finalize(store, renderer, draft, times)
            kinds.update(d.kind for d in find_disagreements(draft, store))
        print(f"{len(times['footer'])} AllSides stories, {len(all_citations)} citations in all")
        print(f"{'stage':<15}{'mean ms':>10}{'p95 ms':>10}{'max ms':>10}")
        for name, values in times.items():
            p95 = statistics.quantiles(values, n=20)[-1]
            print(f"{name:<15}{statistics.mean(values):>10.1f}{p95:>10.1f}{max(values):>10.1f}")
        print(f"disagreements flagged within single stories: {dict(kinds)}")
        big: dict[str, list[float]] = {}
        found = _finalize(store, renderer, _draft("all stories", all_citations), big)
        print(
            f"one draft citing all {len(all_citations)} passages: "
            + ", ".join(f"{k} {v[0]:.0f} ms" for k, v in big.items())
            + f"; {found} disagreements"
        )
        store.close()
