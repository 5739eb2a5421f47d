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
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.batch.clustering import Story
from assistant.batch.window import BatchWindow
from assistant.models import Citation, Draft, Paragraph, SearchFilters, Section, Sentence
from assistant.provenance.markdown import md_escape

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
                    if (
                        sentence.verdict is not None
                        and sentence.verdict.label == "supported"
                        and sentence.citations
                    ):
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
    ) -> Draft:
        """The digest draft (not yet verified: pass it through `DeskService.finalize`)."""
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
                        citations.append(
                            cited.model_copy(update={"n": by_passage[cited.passage_id]})
                        )
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


def link_markdown(text: str, digest: Draft, links: Mapping[str, str]) -> str:
    """Put a link to each story's full synthesis under its heading in the rendered Markdown.

    Headings start with the story's rank, so each is unique; a heading a custom template
    renders differently is listed in a "Full syntheses" section at the end instead."""
    missing = []
    for section in digest.sections:
        target = links.get(section.id)
        if target is None:
            continue
        # The title is a source's headline: the template wrote it escaped, and so is the link.
        heading = f"## {md_escape(section.title)}\n"
        if heading in text:
            text = text.replace(heading, f"{heading}\n[Full synthesis]({target})\n", 1)
        else:
            missing.append(f"- [{md_escape(section.title or section.id)}]({target})")
    if missing:
        text = text.rstrip("\n") + "\n\n## Full syntheses\n\n" + "\n".join(missing) + "\n"
    return text


def link_html(text: str, digest: Draft, links: Mapping[str, str]) -> str:
    """Put a link to each story's synthesis after its section heading in the rendered HTML.

    Link targets are built from story ids (hex), never from source text; titles are escaped."""
    missing = []
    for section in digest.sections:
        target = links.get(section.id)
        if target is None:
            continue
        anchor = html.escape(target, quote=True)
        pattern = re.compile(
            rf'(<section id="section-{re.escape(section.id)}">\s*<h2>.*?</h2>)', re.S
        )
        link = f'<p class="full-synthesis"><a href="{anchor}">Full synthesis</a></p>'
        text, n = pattern.subn(lambda m: f"{m.group(1)}\n{link}", text, count=1)  # noqa: B023
        if not n:
            missing.append(
                f'<li><a href="{anchor}">{html.escape(section.title or section.id)}</a></li>'
            )
    if missing:
        block = (
            '<nav id="full-syntheses"><h2>Full syntheses</h2><ul>'
            + "".join(missing)
            + "</ul></nav>"
        )
        text = (
            text.replace("</body>", block + "\n</body>", 1) if "</body>" in text else text + block
        )
    return text
