"""`DigestBuilder`: the day digest, one grounded paragraph per story, built from verified text.

Nothing in the digest is newly written: each story's paragraph is the sentences of its own
synthesis that the verifier marked `supported` (the lede first, then the body sections), with
their citations renumbered into one list for the whole digest. The digest is an ordinary
`Draft` (one section per story, titled with the story's headline and its rank), so it is
re-verified, gets its provenance footer and desk note from `DeskService.finalize`, and renders
through the same templates as any synthesis.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.batch.clustering import Story
from assistant.batch.window import BatchWindow
from assistant.models import Citation, Draft, Paragraph, SearchFilters, Section, Sentence

# Where a story's digest paragraph is taken from, in order of preference.
_SOURCE_SECTIONS = ("lede", "body_1", "body_2", "body_3", "dek")


def headline_of(draft: Draft, fallback: str) -> str:
    section = draft.section("headline")
    if section is not None:
        text = " ".join(s.text for p in section.paragraphs for s in p.sentences).strip()
        if text:
            return text
    return fallback


@dataclass
class DigestBuilder:
    """Collects verified sentences per story into one digest `Draft`."""

    max_sentences: int = 3
    """Sentences per story paragraph: the digest is a page to skim, the syntheses hold the rest."""

    def pick(self, draft: Draft) -> list[Sentence]:
        """The story's supported sentences, lede first, at most `max_sentences`."""
        picked: list[Sentence] = []
        for section_id in _SOURCE_SECTIONS:
            section = draft.section(section_id)
            if section is None:
                continue
            for paragraph in section.paragraphs:
                for sentence in paragraph.sentences:
                    if sentence.verdict is not None and sentence.verdict.label == "supported" and sentence.citations:
                        picked.append(sentence)
                    if len(picked) >= self.max_sentences:
                        return picked
            if picked:
                # One section's flow reads better than sentences stitched from several.
                return picked
        return picked

    def build(
        self,
        stories: Sequence[tuple[Story, Draft]],
        window: BatchWindow,
        generator: str,
        links: dict[str, str],
    ) -> Draft:
        """`links` maps story id to the relative path of its full synthesis (shown in titles)."""
        citations: list[Citation] = []
        by_passage: dict[str, int] = {}
        sections: list[Section] = []
        for story, draft in stories:
            sentences: list[Sentence] = []
            for sentence in self.pick(draft):
                markers: list[int] = []
                for n in sentence.citations:
                    cited = draft.citation(n)
                    if cited is None:
                        continue
                    if cited.passage_id not in by_passage:
                        by_passage[cited.passage_id] = len(citations) + 1
                        citations.append(cited.model_copy(update={"n": by_passage[cited.passage_id]}))
                    markers.append(by_passage[cited.passage_id])
                if markers:
                    sentences.append(Sentence(text=sentence.text, citations=markers))
            if not sentences:
                continue
            title = f"{story.rank}. {headline_of(draft, story.title)}"
            sections.append(
                Section(
                    id=story.id,
                    title=title,
                    paragraphs=[Paragraph(id=f"{story.id}-p1", sentences=sentences)],
                    query=links.get(story.id),
                )
            )
        ids = "\n".join(s.id for s, _ in stories)
        return Draft(
            id="digest-" + hashlib.sha256(f"{window.label}\n{ids}".encode()).hexdigest()[:12],
            topic=f"Day digest {window.label} ({window.tz})",
            filters=SearchFilters(since=window.since, until=window.until),
            generator=f"digest/{generator}",
            sections=sections,
            citations=citations,
        )
