"""Editing a draft the way an editor does, as plain functions on `Draft` records: a paragraph as
text with `[n]` markers and back, citing a passage from the passage list (numbers are reused
for a passage already cited), paragraph locks and carrying locked paragraphs over a redraft,
and refreshing citations from the index before re-verification. Verification itself is the
service's job (`DeskService.edit_paragraph`, `DeskService.reverify`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.models import Citation, Draft, Paragraph, Passage, Sentence, utcnow
from assistant.text import ends_on_initialism, sentence_spans, strip_markers

if TYPE_CHECKING:
    from assistant.store import Store


# --- locks ---------------------------------------------------------------------------------
def locks_of(draft: Draft) -> list[str]:
    return [f"{s.id}/{p.id}" for s in draft.sections for p in s.paragraphs if p.locked]


def apply_locks(draft: Draft, locks: list[str]) -> Draft:
    """A copy of the draft whose `Paragraph.locked` flags match `locks`."""
    wanted = set(locks)
    if set(locks_of(draft)) == wanted & {
        f"{s.id}/{p.id}" for s in draft.sections for p in s.paragraphs
    }:
        return draft
    out = draft.model_copy(deep=True)
    for section in out.sections:
        for paragraph in section.paragraphs:
            paragraph.locked = f"{section.id}/{paragraph.id}" in wanted
    return out


def carry_locked(old: Draft, new: Draft) -> Draft:
    """Put the old draft's locked paragraphs back into a redraft, citations renumbered.

    The redraft keeps its own paragraphs elsewhere; a locked paragraph replaces the paragraph
    with the same id in the same section (or is appended if the redraft has none such).
    """
    out = new.model_copy(deep=True)
    for old_section in old.sections:
        for old_par in old_section.paragraphs:
            if not old_par.locked:
                continue
            par = old_par.model_copy(deep=True)
            for sentence in par.sentences:
                renumbered = []
                for n in sentence.citations:
                    cited = old.citation(n)
                    if cited is not None:
                        out, new_n = cite_passage_record(out, cited)
                        renumbered.append(new_n)
                sentence.citations = renumbered
            section = out.section(old_section.id)
            if section is None:
                section = old_section.model_copy(deep=True, update={"paragraphs": []})
                out.sections.append(section)
            idx = next((i for i, p in enumerate(section.paragraphs) if p.id == par.id), None)
            if idx is None:
                section.paragraphs.append(par)
            else:
                section.paragraphs[idx] = par
    return out


# --- editing a paragraph as text -------------------------------------------------------------
def paragraph_text(paragraph: Paragraph) -> str:
    """The paragraph as the editor edits it: sentences with their `[n]` markers."""
    parts = []
    for s in paragraph.sentences:
        markers = "".join(f"[{n}]" for n in s.citations)
        if markers and ends_on_initialism(s.text):
            parts.append(f"{s.text} {markers}.")  # "in the U.S. [1].", as rendered
        elif markers and s.text and s.text[-1] in ".!?…" and not s.text.endswith("..."):
            parts.append(f"{s.text[:-1]} {markers}{s.text[-1]}")
        elif markers:
            parts.append(f"{s.text} {markers}")
        else:
            parts.append(s.text)
    return " ".join(parts)


_TRAILING_MARKERS = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)")


def sentences_from_text(text: str) -> list[Sentence]:
    """Split edited text into sentences and their markers (verdicts are set by verification)."""
    # "claim.[2] Next" -> "claim [2]. Next", so the marker stays with its sentence.
    text = _TRAILING_MARKERS.sub(lambda m: f" {m.group(2).strip()}{m.group(1)}", text)
    out: list[Sentence] = []
    for start, end in _marker_aware_spans(text):
        clean, markers = strip_markers(text[start:end])
        if clean:
            out.append(Sentence(text=clean, citations=markers))
        elif markers and out:
            # A marker standing alone after a sentence belongs to that sentence.
            out[-1].citations.extend(n for n in markers if n not in out[-1].citations)
    return out


def _marker_aware_spans(text: str) -> list[tuple[int, int]]:
    # "... claim. [2] Next" : a marker right after the full stop belongs to the sentence before.
    spans = sentence_spans(text)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and re.fullmatch(r"(\s*\[\d+(?:\s*[,;]\s*\d+)*\])+\s*[.!?]?", text[start:end]):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def with_paragraph_text(draft: Draft, section_id: str, paragraph_id: str, text: str) -> Draft:
    """A copy of the draft with one paragraph replaced by the editor's text (marked edited).

    Verdicts of the new sentences are cleared; run the service's verification on the result.
    """
    out = draft.model_copy(deep=True)
    section = out.section(section_id)
    if section is None:
        raise KeyError(f"no section {section_id!r} in the draft")
    for i, par in enumerate(section.paragraphs):
        if par.id == paragraph_id:
            section.paragraphs[i] = par.model_copy(
                update={"sentences": sentences_from_text(text), "edited": True}
            )
            break
    else:
        raise KeyError(f"no paragraph {paragraph_id!r} in section {section_id!r}")
    out.updated_at = utcnow()
    return out


def citation_for(passage: Passage, n: int) -> Citation:
    return Citation.from_passage(passage, n)


def cite_passage(draft: Draft, passage: Passage) -> tuple[Draft, int]:
    """The draft with `passage` in its citation list, and the marker number that cites it."""
    return cite_passage_record(draft, citation_for(passage, 0))


def cite_passage_record(draft: Draft, citation: Citation) -> tuple[Draft, int]:
    for existing in draft.citations:
        if existing.passage_id == citation.passage_id:
            return draft, existing.n
    n = max((c.n for c in draft.citations), default=0) + 1
    out = draft.model_copy(deep=True)
    out.citations.append(citation.model_copy(update={"n": n}))
    return out, n


def refresh_citations(draft: Draft, store: Store) -> Draft:
    """A copy whose citations carry the index's current passage text and hash.

    Citations whose passage is gone are dropped, so verification reports their markers as
    resolving to nothing instead of checking the sentence against text no longer in the index.
    """
    current = store.get_passages([c.passage_id for c in draft.citations])
    kept = [
        citation_for(current[c.passage_id], c.n) for c in draft.citations if c.passage_id in current
    ]
    out = draft.model_copy(deep=True)
    out.citations = kept
    return out
