"""`Drafter`: drafts a desk synthesis section by section in the house format.

For each section: a section-specific retrieval (topic + the section's query words + the
editor's filters, pinned passages always offered) kept to the draft's story (on short feed
items, the story of the topic's best hit, assembled as `desk batch` assembles stories:
`story_set.StoryAssembler`; on long articles, passages close enough to the topic:
`focus.StoryFocus`), numbered passages to the generator, its
`[n]` markers parsed per sentence, every sentence verified against the passages it cites, and
for LLM generators a repair loop (one retry that rewrites only the rejected sentences, given
the previous attempt and the verifier's reasons; then the closest supported source sentence,
or the sentence is dropped; recorded in `Paragraph.repaired`).
Citations are numbered draft-wide: a passage keeps one number across sections.
`draft_section` and `regenerate_paragraph` redraft parts of a draft and never touch a locked
paragraph.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from assistant.drafting.candidates import candidates_for, taken_by_other_sections
from assistant.drafting.casing import WordUsage
from assistant.drafting.focus import StoryFocus
from assistant.drafting.generators import LLM_GENERATORS, get_generator
from assistant.drafting.generators.base import Generator, NumberedPassage, SectionRequest
from assistant.drafting.house_format import HouseFormat, HouseSection, derive_title
from assistant.drafting.repair import (
    Drafted,
    SentenceChecker,
    SupportsVerify,
    failures,
    fallback,
    parse_paragraph,
    retry,
)
from assistant.drafting.story_set import StoryAssembler, StorySet
from assistant.errors import DeskError
from assistant.models import (
    Citation,
    Draft,
    NotProvided,
    Paragraph,
    Passage,
    SearchFilters,
    Section,
    Sentence,
    utcnow,
)
from assistant.progress import NullProgress, Progress, check_cancel
from assistant.text import normalize_for_hash
from assistant.verify.verifier import citation_context

if TYPE_CHECKING:
    import numpy as np

    from assistant.config import Settings
    from assistant.index.retriever import Retriever
    from assistant.models import Hit
    from assistant.store import Store

OnToken = Callable[[str, str], None]


_QUOTED_HEADLINE = re.compile(r"\b(?:reported|ran) under the headline [“\"]")
_PREFIX = re.compile(r"^(?:According to [^,]+|Earlier, on [^,]+), ")


class EmptyDraftError(DeskError):
    """The draft holds no sentence its sources support: a failure, never an empty output."""

    def __init__(self, draft: Draft) -> None:
        sentences = sum(len(p.sentences) for s in draft.sections for p in s.paragraphs)
        super().__init__(
            f"no supported sentence for the topic '{draft.topic}': "
            + (
                f"the verifier supports none of the {sentences} sentence(s) drafted"
                if sentences
                else "the sources retrieved for it gave no usable sentence"
            )
            + "; widen the filters (--since/--until/--source) or ingest sources on it"
        )
        self.draft = draft


class _Numbering:
    """Draft-wide citation numbers: a passage keeps its number; new passages get the next one."""

    def __init__(self, citations: Sequence[Citation]) -> None:
        self.citations = {c.n: c for c in citations}
        self.by_passage = {c.passage_id: c.n for c in citations}

    def number(self, passage: Passage) -> int:
        if passage.id not in self.by_passage:
            n = max(self.citations, default=0) + 1
            self.by_passage[passage.id] = n
            self.citations[n] = citation_for(passage, n)
        return self.by_passage[passage.id]

    def referenced(self, sections: Sequence[Section]) -> list[Citation]:
        used = {
            n
            for s in sections
            for p in s.paragraphs
            for sent in p.sentences
            for n in sent.citations
        }
        return [self.citations[n] for n in sorted(used) if n in self.citations]


def citation_for(passage: Passage, n: int) -> Citation:
    return Citation.from_passage(passage, n)


class Drafter:
    """Drafts, redrafts and repairs syntheses; see the module docstring."""

    def __init__(
        self,
        store: Store,
        retriever: Retriever,
        verifier: SupportsVerify,
        settings: Settings,
        house_format: HouseFormat | None = None,
        k: int | None = None,
        assembly: str = "auto",
    ) -> None:
        self.store = store
        self.retriever = retriever
        self.verifier = verifier
        self.settings = settings
        self.house = house_format or HouseFormat.load()
        self.k = k or max(settings.retrieval_k, 12) + 4
        """Passages offered to the generator per section."""
        self._generators: dict[tuple[str, str | None], Generator] = {}
        self._lock = threading.Lock()
        if assembly not in ("auto", "focus"):
            raise ValueError(f"unknown story assembly '{assembly}' (auto or focus)")
        self.assembly = assembly
        """`auto`: a topic's story assembled as batch does on short feed items, the cosine gate
        on long articles; `focus`: the cosine gate always (the path before story assembly,
        kept for `bench/eval_wire.py`'s before/after)."""
        self._anchors: dict[str, list[Hit]] = {}
        self._thresholds: dict[str, float] = {}
        self._stories: dict[str, StorySet | None] = {}
        self._focus: StoryFocus | None = None
        self._assembler: StoryAssembler | None = None
        self._usage: tuple[int, WordUsage] | None = None

    USAGE_DOCUMENTS = 2000
    """Recent documents whose wording tells the composer which words are common (`usage`)."""
    USAGE_CHARS = 4000
    """Characters read of each: a long article's opening says as much as all of it."""

    def usage(self) -> WordUsage:
        """How the workspace's recent items write each word, rebuilt after an ingest (the
        store's generation changes): the evidence for a claim's first word after "According
        to X, " when the story's own passages never write it mid-sentence."""
        generation = self.store.generation() if self.store is not None else 0
        with self._lock:
            if self._usage is not None and self._usage[0] == generation:
                return self._usage[1]
        texts = self.store.recent_texts(self.USAGE_DOCUMENTS) if self.store is not None else []
        usage = WordUsage(t[: self.USAGE_CHARS] for t in texts)
        with self._lock:
            self._usage = (generation, usage)
        return usage

    @property
    def focus(self) -> StoryFocus:
        if self._focus is None:
            from assistant.index.embedder import Embedder

            self._focus = StoryFocus(Embedder.for_settings(self.settings))
        return self._focus

    def _generator_for(self, draft: Draft, generator: str | None, model: str | None) -> Generator:
        """For a redraft: the generator (and model) that made `draft`, unless told otherwise."""
        name = generator or draft.generator
        if model is None and name == draft.generator:
            with self._lock:
                same = [
                    g
                    for (n, _), g in self._generators.items()
                    if n == name and g.model == draft.model
                ]
            if same:
                return same[0]
        return self.generator(name, model)

    @property
    def assembler(self) -> StoryAssembler:
        if self._assembler is None:
            from assistant.index.embedder import Embedder

            self._assembler = StoryAssembler(
                self.store, Embedder.for_settings(self.settings).encode, self.settings.timezone
            )
        return self._assembler

    def _key(self, draft: Draft, pinned: Sequence[str]) -> str:
        # The store's generation is in the key: after an ingest the anchor is looked up again.
        generation = self.store.generation() if self.store is not None else 0
        return "\x00".join(
            [str(generation), draft.topic, draft.filters.model_dump_json(), *sorted(pinned)]
        )

    def _anchor(self, draft: Draft, pinned: Sequence[str]) -> list[Hit]:
        """The retrieval for the bare topic (cached): the story's best hits and the relevance
        scale of the cosine gate."""
        key = self._key(draft, pinned)
        with self._lock:
            if key in self._anchors:
                return self._anchors[key]
        anchor = self.retriever.search(
            draft.topic, draft.filters, k=self.k, one_per_lineage=False, mmr=False, pinned=pinned
        )
        with self._lock:
            if len(self._anchors) > 1000:
                self._anchors.clear()
            self._anchors[key] = anchor
        return anchor

    def _threshold(self, draft: Draft, pinned: Sequence[str]) -> float:
        """The story relevance a passage needs, from a retrieval for the bare topic (cached)."""
        key = self._key(draft, pinned)
        if key not in self._thresholds:
            if len(self._thresholds) > 1000:
                self._thresholds.clear()
            self._thresholds[key] = self.focus.threshold(draft.topic, self._anchor(draft, pinned))
        return self._thresholds[key]

    def story_for(self, draft: Draft) -> StorySet | None:
        """The story the draft's topic is about (cached), or `None`: the cosine gate applies
        (long articles, `assembly="focus"`, nothing retrieved)."""
        if self.assembly == "focus" or self.store is None:
            return None  # no store (a unit test's drafter): nothing to cluster
        # What the editor pinned never chooses the story (pinning its best item must not move
        # the draft to another story): the story is assembled from the unpinned retrieval.
        key = self._key(draft, ())
        if key not in self._stories:
            filters = self.retriever.canonical(draft.filters)
            story = self.assembler.assemble(self._anchor(draft, ()), filters)
            with self._lock:
                if len(self._stories) > 1000:
                    self._stories.clear()
                self._stories[key] = story
        return self._stories[key]

    def story_of(self, doc_ids: Sequence[str], wire: bool | None = None) -> StorySet:
        """A story given by its members (a batch `Story`'s `doc_ids`); `wire`: whether its
        window was clustered as short feed items (`None`: judged on the members)."""
        docs = [d for d in (self.store.get_document(i) for i in doc_ids) if d is not None]
        return StorySet.of(docs, wire=wire)

    def generator(self, name: str, model: str | None = None) -> Generator:
        """One generator per (name, model), kept: models load once, embeddings are cached."""
        with self._lock:
            key = (name, model)
            if key not in self._generators:
                self._generators[key] = get_generator(name, self.settings, model)
            return self._generators[key]

    # --- whole drafts ------------------------------------------------------------------------
    def draft(
        self,
        topic: str,
        filters: SearchFilters | None = None,
        generator: str = "extractive",
        sections: Sequence[str] | None = None,
        pinned: Sequence[str] = (),
        on_token: OnToken | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        model: str | None = None,
        story: StorySet | None = None,
    ) -> Draft:
        """Draft every section of the house format (or only `sections`) on `topic`: on the
        items of `story` (batch passes its `Story`'s members), else of the story the topic is
        about (`story_for`)."""
        if not topic.strip():
            raise ValueError("a draft needs a topic")
        gen = self.generator(generator, model)
        filters = filters or SearchFilters()
        specs = self.house.select(sections)
        draft = Draft(
            id=f"draft-{uuid.uuid4().hex[:12]}",
            topic=topic.strip(),
            filters=filters,
            generator=gen.name,
            model=gen.model,
            prompt_versions=gen.prompt_versions(),
        )
        numbering = _Numbering([])
        progress = progress or NullProgress()
        progress.start("drafting", total=len(specs))
        for spec in specs:
            check_cancel(cancel)
            section = self._section(
                draft, spec, gen, numbering, pinned, on_token, cancel, story=story
            )
            if section.paragraphs or not spec.optional:
                draft.sections.append(section)
            progress.advance()
        progress.done()
        draft = self._finish(draft, numbering, gen)
        if not any(
            sent.verdict is not None and sent.verdict.label == "supported"
            for sec in draft.sections
            for p in sec.paragraphs
            for sent in p.sentences
        ):
            raise EmptyDraftError(draft)
        return draft

    def draft_section(
        self,
        draft: Draft,
        section_id: str,
        generator: str | None = None,
        pinned: Sequence[str] = (),
        on_token: OnToken | None = None,
        cancel: threading.Event | None = None,
        model: str | None = None,
    ) -> Draft:
        """Redraft one section; its locked paragraphs stay exactly as they are."""
        spec = self.house.section(section_id)
        gen = self._generator_for(draft, generator, model)
        draft = draft.model_copy(deep=True)
        numbering = _Numbering(draft.citations)
        old = draft.section(section_id)
        keep = [p for p in old.paragraphs if p.locked] if old else []
        fresh = self._section(
            draft,
            spec,
            gen,
            numbering,
            pinned,
            on_token,
            cancel,
            exclude_section=section_id,
            avoid=keep,
        )
        merged: list[Paragraph] = []
        new_iter = iter(fresh.paragraphs)
        for p in old.paragraphs if old else []:
            merged.append(p if p.locked else next(new_iter, None) or p)
        merged += list(new_iter)
        fresh.paragraphs = _unique_ids(section_id, merged)
        if old is not None and old.title and any(p.locked for p in merged):
            fresh.title = old.title  # a locked lead paragraph keeps the title drawn from it
        self._put_section(draft, fresh)
        return self._finish(draft, numbering, gen)

    def regenerate_paragraph(
        self,
        draft: Draft,
        section_id: str,
        paragraph_id: str,
        generator: str | None = None,
        pinned: Sequence[str] = (),
        on_token: OnToken | None = None,
        cancel: threading.Event | None = None,
        model: str | None = None,
    ) -> Draft:
        """Replace one paragraph by a new one avoiding its current sentences (unless locked)."""
        section = draft.section(section_id)
        if section is None:
            raise KeyError(f"the draft has no section '{section_id}'")
        index = next((i for i, p in enumerate(section.paragraphs) if p.id == paragraph_id), None)
        if index is None:
            raise KeyError(f"section '{section_id}' has no paragraph '{paragraph_id}'")
        if section.paragraphs[index].locked:
            return draft
        spec = self.house.section(section_id)
        gen = self._generator_for(draft, generator, model)
        draft = draft.model_copy(deep=True)
        numbering = _Numbering(draft.citations)
        one = dataclasses.replace(spec, paragraphs=1)
        fresh = self._section(draft, one, gen, numbering, pinned, on_token, cancel)
        if fresh.paragraphs and fresh.paragraphs[0].sentences:
            target = draft.section(section_id)
            assert target is not None
            target.paragraphs[index] = fresh.paragraphs[0].model_copy(update={"id": paragraph_id})
        return self._finish(draft, numbering, gen)

    # --- one section ---------------------------------------------------------------------------
    def _section(
        self,
        draft: Draft,
        spec: HouseSection,
        gen: Generator,
        numbering: _Numbering,
        pinned: Sequence[str],
        on_token: OnToken | None,
        cancel: threading.Event | None,
        exclude_section: str | None = None,
        avoid: Sequence[Paragraph] = (),
        story: StorySet | None = None,
    ) -> Section:
        query = spec.retrieval_query(draft.topic)
        offered = self.offered(draft, spec, pinned, story)
        previous = [
            s.text
            for sec in draft.sections
            if sec.id != exclude_section
            for p in sec.paragraphs
            for s in p.sentences
        ]
        previous += [s.text for p in avoid for s in p.sentences]
        request = SectionRequest(
            topic=draft.topic,
            section=spec,
            passages=offered,
            previous=previous,
            usage=self.usage() if gen.name == "extractive" else None,
        )
        token = (lambda t: on_token(spec.id, t)) if on_token is not None else None
        checker = SentenceChecker(
            self.verifier,
            offered,
            {p.n: citation_context(citation_for(p.passage, p.n)) for p in offered},
        )
        notes: list[str] = []
        llm = gen.name in LLM_GENERATORS
        # Extractive sentences are source sentences: no repair, so they are verified once, with
        # the whole draft (one batched call) in `_finish`. LLM output is checked here, for repair.
        parsed = checker.check_all(
            [parse_paragraph(p) for p in gen.compose(request, token, cancel)], verify=llm
        )
        if llm and failures(parsed):
            check_cancel(cancel)
            # Only the rejected sentences are rewritten; the supported ones stay as written.
            parsed, note = retry(gen, request, parsed, checker, token, cancel)
            notes.append(note)
        used = {normalize_for_hash(t) for t in previous}
        earlier = set(used)
        used |= {normalize_for_hash(s.text) for para in parsed for s in para}
        local = {p.n: p.passage for p in offered}

        def number(n: int) -> int:
            return numbering.number(local[n])

        paragraphs: list[Paragraph] = []
        for i, para in enumerate(parsed):
            repaired = list(notes) if i == 0 else []
            final: list[Drafted] = []
            for s in para:
                if s.unresolved:
                    repaired.append(
                        f"removed marker(s) {s.unresolved} that resolve to no offered passage"
                    )
                if llm and normalize_for_hash(s.text) in earlier:
                    # A model copying a sentence an earlier section already says adds nothing.
                    repaired.append(f'dropped repeated sentence "{s.text[:80]}"')
                    continue
                if llm:
                    earlier.add(normalize_for_hash(s.text))
                if llm and not s.ok:
                    replacement, note = fallback(
                        s, offered, checker, self._similarity, used, number=number
                    )
                    repaired.append(note)
                    if replacement is None:
                        continue
                    s = replacement
                final.append(s)
            sentences = [
                Sentence(text=s.text, citations=[number(n) for n in s.markers], verdict=s.verdict)
                for s in final
            ]
            if sentences:
                paragraphs.append(
                    Paragraph(
                        id=f"{spec.id}-p{len(paragraphs) + 1}",
                        sentences=sentences,
                        repaired=repaired,
                    )
                )
        title = spec.title
        if spec.derive_title and paragraphs:
            title = self._title(draft, paragraphs, numbering, exclude_section or spec.id)
        flag = None
        if not paragraphs and not avoid:
            # Never a bare heading: the section says the sources do not provide it, and offers
            # the editor what comes closest (framing items, hedged statements).
            flag = NotProvided(
                candidates=candidates_for(
                    spec,
                    offered,
                    self._genre,
                    taken=taken_by_other_sections(draft, exclude_section or spec.id),
                    cited={numbering.citations[n].doc_id for n in numbering.citations},
                )
            )
            if spec.derive_title and not title:
                title = _purpose_title(spec)
        return Section(
            id=spec.id, title=title, paragraphs=paragraphs, query=query, not_provided=flag
        )

    def offered(
        self,
        draft: Draft,
        spec: HouseSection,
        pinned: Sequence[str] = (),
        story: StorySet | None = None,
    ) -> list[NumberedPassage]:
        """The passages one section is offered: the section's retrieval (pinned first) kept to
        the draft's story (`story`, else `story_for`), its framing items marked; on wire, the
        story's passages the section retrieval missed are added, closest to the section's
        query first, up to `k`. Without a wire story (long articles), passages whose relevance
        reaches the cosine gate (`StoryFocus`), as before story assembly."""
        from assistant.index.retriever import passes

        query = spec.retrieval_query(draft.topic)
        hits = self.retriever.search(
            query, draft.filters, k=self.k, one_per_lineage=False, mmr=True, pinned=pinned
        )
        story = story or self.story_for(draft)
        if story is None or not story.wire:
            hits = self.focus.keep(draft.topic, hits, self._threshold(draft, pinned), pinned)
        pins = set(pinned)
        kept = [
            h.passage
            for h in hits
            if h.passage.id in pins or story is None or story.holds(h.passage)
        ]
        if story is not None and story.wire and len(kept) < self.k:
            taken = {p.id for p in kept}
            filters = self.retriever.canonical(draft.filters)
            excluded = set(filters.exclude_passages)
            rest = [
                p
                for doc_id in sorted(story.doc_ids)
                for p in self.store.passages_of(doc_id)
                if p.id not in taken and p.id not in excluded and passes(p, filters)
            ]
            if rest:
                closeness = self._similarity(query, [p.text for p in rest])
                order = sorted(range(len(rest)), key=lambda i: (-closeness[i], rest[i].id))
                kept += [rest[i] for i in order[: self.k - len(kept)]]
        return [
            NumberedPassage(i + 1, p, framing=story is not None and story.is_framing(p))
            for i, p in enumerate(kept)
        ]

    def _genre(self, doc_id: str) -> str | None:
        doc = self.store.get_document(doc_id) if self.store is not None else None
        return doc.genre if doc is not None else None

    def _title(
        self, draft: Draft, paragraphs: list[Paragraph], numbering: _Numbering, section_id: str
    ) -> str | None:
        """A body title lifted from the section's own sentences, distinct from other titles."""
        taken = {(s.title or "").casefold() for s in draft.sections if s.id != section_id}
        for sentence in (s for p in paragraphs for s in p.sentences):
            if _QUOTED_HEADLINE.search(sentence.text):
                continue  # an earlier day's headline, quoted as background: no section's subject
            # The editor's prefix ("According to X at T, ", "Earlier, on 14 August 2025, ")
            # is no subject for a title: "14 August 2025" headed a section.
            claim = _PREFIX.sub("", sentence.text, count=1)
            title = derive_title(claim, draft.topic)
            if title and title.casefold() not in taken:
                return title
        first = paragraphs[0].sentences[0]
        if _QUOTED_HEADLINE.search(first.text):
            return None
        cited = numbering.citations.get(first.citations[0]) if first.citations else None
        return cited.title if cited is not None and cited.title else None

    def _similarity(self, text: str, candidates: Sequence[str]) -> list[float]:
        from assistant.index.embedder import Embedder

        vecs: np.ndarray = Embedder.for_settings(self.settings).encode([text, *candidates])
        return [float(v) for v in vecs[1:] @ vecs[0]]

    # --- helpers -------------------------------------------------------------------------------
    def _put_section(self, draft: Draft, section: Section) -> None:
        for i, s in enumerate(draft.sections):
            if s.id == section.id:
                draft.sections[i] = section
                return
        order = {sid: i for i, sid in enumerate(self.house.ids)}
        draft.sections.append(section)
        draft.sections.sort(key=lambda s: order.get(s.id, len(order)))

    def _finish(self, draft: Draft, numbering: _Numbering, gen: Generator) -> Draft:
        """Keep the citations still referenced, then verify every sentence and set the metrics."""
        draft.citations = numbering.referenced(draft.sections)
        draft.prompt_versions = {**draft.prompt_versions, **gen.prompt_versions()}
        draft.updated_at = utcnow()
        return self.verifier.verify_draft(draft)


def _unique_ids(section_id: str, paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Keep locked paragraphs' ids (sessions refer to them); give new ones fresh ids."""
    taken = {p.id for p in paragraphs if p.locked}
    out: list[Paragraph] = []
    counter = 1
    for p in paragraphs:
        if p.locked:
            out.append(p)
            continue
        while f"{section_id}-p{counter}" in taken:
            counter += 1
        pid = f"{section_id}-p{counter}"
        taken.add(pid)
        out.append(p.model_copy(update={"id": pid}))
    return out


def _purpose_title(spec: HouseSection) -> str:
    """A plain title for a flagged body section, from its purpose ("A titled section on the
    main event: ..." -> "The main event"), so its note stands under a heading of its own."""
    m = re.search(r"\bsection on (?:the )?([^:.;]+)", spec.purpose)
    what = m.group(1).strip() if m else spec.id.replace("_", " ")
    return f"The {what}" if m else what.capitalize()
