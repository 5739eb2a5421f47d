"""`DigestBuilder`: the day digest, one or two grounded lines per story, in rank order.

Nothing in the digest is newly written. Each story's section is titled with its rank and its
synthesis's headline; its paragraph is the lead sentence of the story's central item (the member
closest to all the others), then the lead sentence of the next member item (in time order), each
verbatim and cited to its item's passage. A lead sentence does more than repeat the item's own
headline where the item says more (a feed item's text opens with its title), and is never a
fragment, a link dump or a sentence pointing back at something the reader has not seen; a
second line that repeats the first is left out. A story whose items offer no such sentence falls
back to its synthesis's supported sentences (the lede first).

Why (BBC liveblogs, four stories a day, the digest and the lead baseline at the same word count;
a sweep over the clustered stories before drafting, the final figures in `bench/eval_batch.py`):
the synthesis's lede opens with the latest development in the editor's voice ("According to BBC
Local Live at 13:22 UTC, ..."), which spends the budget on attribution the citation already
carries, and the latest block of a running story is more often a routine update than the one the
editors summarise. Share of picks from summary-worthy blocks (the liveblogs' `doc_label`, used
for scoring only): 0.60 for the central item's lead against 0.32 for the newest item's first
sentence. ROUGE-1/2 recall: 0.36/0.09 with two lines a story (lead baseline 0.28/0.05), 0.28/0.05
with one (baseline 0.21/0.04).

The digest is an ordinary `Draft` (one section per story), so it is re-verified, gets its
provenance footer and desk note from `DeskService.finalize`, and renders through the same
templates as any synthesis.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from assistant.batch.clustering import Story
from assistant.batch.window import BatchWindow
from assistant.models import Citation, Draft, Paragraph, Passage, SearchFilters, Section, Sentence
from assistant.provenance.markdown import md_escape
from assistant.text import content_words, sentence_spans, words

# Where a story's digest paragraph is taken from, in order of preference.
_SOURCE_SECTIONS = ("lede", "body_1", "body_2", "body_3", "dek")


def headline_of(draft: Draft, fallback: str) -> str:
    section = draft.section("headline")
    if section is not None:
        text = " ".join(s.text for p in section.paragraphs for s in p.sentences).strip()
        if text:
            return text
    return fallback


# A line opening on one of these leans on a sentence the digest reader has not seen.
_LEANS_BACK = frozenset(
    "he she it they this these that those his her their its but and so also meanwhile "
    "however there here".split()
)
MIN_WORDS = 6
"""Shorter lead sentences are fragments or labels ("Here's a reminder:")."""


def lead_line(text: str, title: str = "") -> tuple[int, int] | None:
    """Span of the first sentence of `text` fit to stand alone as a digest line: at least
    `MIN_WORDS` words, starting with a capital or digit, no link, not pointing back, not a
    question; a sentence that is the item's own headline again (`title`) only when the item
    says nothing else (a headline-only item); None if there is none."""
    head = content_words(title)
    headline: tuple[int, int] | None = None
    for start, end in sentence_spans(text):
        sentence = text[start:end].strip()
        if len(words(sentence)) < MIN_WORDS or "http" in sentence or "www." in sentence:
            continue
        first = sentence.lstrip("\"'“‘([ ")[:1]
        if not first or not (first.isupper() or first.isdigit()) or sentence.endswith("?"):
            continue
        if sentence.split(None, 1)[0].casefold().strip(",") in _LEANS_BACK:
            continue
        mine = content_words(sentence)
        if head and mine and len(mine & head) / len(mine | head) >= 0.6:
            headline = headline or (start, end)  # the section title may already say it
            continue
        return start, end
    return headline


@dataclass
class DigestBuilder:
    """Collects one grounded line per story into one digest `Draft`."""

    passages: Callable[[str], Sequence[Passage]] | None = None
    """Document id -> its passages in order (`Store.passages_of`): where the central item's
    lead sentence is read from. `None`: only the syntheses' sentences are used."""
    rejected: frozenset[str] = frozenset()
    """Lead lines the verifier did not mark `supported` in an earlier build (see `unsupported`):
    left out, so the item's next line or the synthesis's sentences stand in."""
    max_sentences: int = 2
    """Lines per story, each from a different member item: the digest is a page to skim, the
    syntheses hold the rest."""

    def lead(self, story: Story) -> list[tuple[str, Passage]]:
        """The central item's lead line, then the other members' in time order, up to
        `max_sentences` (one per item, none repeating another), verbatim, each with the
        passage it comes from."""
        if self.passages is None:
            return []
        order = [story.central_doc_id] + [d for d in story.doc_ids if d != story.central_doc_id]
        picked: list[tuple[str, Passage]] = []
        seen: list[set[str]] = []
        for doc_id in order:
            for passage in self.passages(doc_id):
                span = lead_line(passage.text, passage.title or "")
                if span is None:
                    continue
                text = passage.text[span[0] : span[1]].strip()
                # A standfirst often has no closing stop; two lines in a row must read as two.
                if text[-1] not in ".!?…\"'”’)":
                    text += "."
                if text in self.rejected:
                    continue
                mine = content_words(text)
                if any(len(mine & o) / max(1, len(mine | o)) >= 0.6 for o in seen):
                    break  # a second outlet saying the same thing adds nothing to a skim
                picked.append((text, passage))
                seen.append(mine)
                break
            if len(picked) >= self.max_sentences:
                break
        return picked

    def pick(self, draft: Draft) -> list[Sentence]:
        """The story's supported sentences, lede first, at most `max_sentences`: the fallback
        when no member item has a lead line."""
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

    @staticmethod
    def unsupported(digest: Draft) -> frozenset[str]:
        """Sentences of a verified digest that the verifier did not mark `supported`: a
        verbatim line can still fail a hard check against its passage (the lexical
        verifier's negation check on a sentence with "without", for one)."""
        return frozenset(
            s.text
            for sec in digest.sections
            for p in sec.paragraphs
            for s in p.sentences
            if s.verdict is None or s.verdict.label != "supported"
        )

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
            headline = headline_of(draft, story.title)
            for text, passage in self.lead(story):
                if passage.id not in by_passage:
                    by_passage[passage.id] = len(citations) + 1
                    citations.append(Citation.from_passage(passage, by_passage[passage.id]))
                sentences.append(Sentence(text=text, citations=[by_passage[passage.id]]))
            for sentence in [] if sentences else self.pick(draft):
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
            # Numbered as the editor reads the list: the day's rank counts single-source
            # stories too, which are not drafted, and ran "1., 2., 39." (`run.json` keeps it).
            title = f"{len(sections) + 1}. {headline}"
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
