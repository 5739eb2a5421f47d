"""`candidates_for`: the passages offered to the editor under a section the sources do not fill
("not provided by the sources"), chosen for that section's goal.

- structural frame (`causal`): analysis and opinion items, and passages with a causal or framing
  statement ("because", "designed to", "strategy");
- uncertain (`hedged`): passages with a hedged, disputed or denied statement, or a question;
- serious point (`stakes`): passages on what is at stake next ("will", "test", "deadline"), and
  opinion items;
- body sections (`aspect`, `central`, `newest`): passages the draft does not cite yet and that
  no goal above claims, in retrieval order.

A passage is offered under one section only: `taken` holds the documents already offered under
other sections of the draft, so an export lists each candidate once. The `why` of a candidate
names what qualifies it, with the words that do (`hedged: "may"`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence

from assistant.drafting.generators.base import NumberedPassage
from assistant.drafting.house_format import HouseSection
from assistant.models import CandidatePassage, Draft
from assistant.text import sentence_spans

FRAMING_GENRES = ("analysis", "opinion")
MAX_TEXT = 400
"""Characters of a candidate passage shown to the editor."""


def _cue(prefer: str) -> re.Pattern[str] | None:
    from assistant.drafting.generators.extractive import CAUSAL, HEDGED, STAKES

    return {"causal": CAUSAL, "hedged": HEDGED, "stakes": STAKES}.get(prefer)


def cue_words(text: str, prefer: str) -> list[str]:
    """The words of `text` that speak to the goal `prefer` (a question counts as hedged)."""
    cue = _cue(prefer)
    if cue is None:
        return []
    found = list(dict.fromkeys(m.group(0).casefold() for m in cue.finditer(text)))
    if prefer == "hedged" and any(
        text[a:b].rstrip().endswith("?") for a, b in sentence_spans(text)
    ):
        found.append("a question")
    return found


def goal_strengths(text: str, genre: str | None) -> dict[str, int]:
    """How strongly `text` speaks to each goal: its distinct cue words, plus one for an analysis
    or opinion item under the structural frame and the serious point."""
    framing = genre in FRAMING_GENRES
    return {g: len(cue_words(text, g)) + (framing and g != "hedged") for g in _GOALS}


def taken_by_other_sections(draft: Draft, section_id: str | None) -> set[str]:
    """Documents already offered as candidates under the draft's other sections."""
    return {
        c.doc_id
        for s in draft.sections
        if s.id != section_id and s.not_provided is not None
        for c in s.not_provided.candidates
    }


def candidates_for(
    spec: HouseSection,
    offered: Sequence[NumberedPassage],
    genre_of: Callable[[str], str | None],
    taken: Collection[str] = (),
    cited: Collection[str] = (),
    n: int = 3,
) -> tuple[CandidatePassage, ...]:
    """Up to `n` passages for the editor to fill `spec` from (see the module docstring);
    `cited` holds the documents the draft already cites."""
    prefer = spec.prefer
    ranked: list[tuple[int, int, NumberedPassage, str]] = []
    for i, np_ in enumerate(offered):
        p = np_.passage
        if p.doc_id in taken:
            continue
        genre = genre_of(p.doc_id)
        framing = genre in FRAMING_GENRES
        strength = goal_strengths(p.text, genre)
        if prefer in _GOALS:
            # Offered under the goal it serves best, so that each section gets its own.
            if not strength[prefer] or strength[prefer] < max(strength.values()):
                continue
            words = cue_words(p.text, prefer)
            shown = ", ".join(w if w == "a question" else f'"{w}"' for w in words[:3])
            cue = f"{prefer}: {shown}" if words else ""
            why = "; ".join(
                x for x in (f"{genre} item" if framing and prefer != "hedged" else "", cue) if x
            )
            rank = -strength[prefer]
        else:
            # A body section: new material only, leaving framing and hedged passages to the
            # sections whose goal they serve.
            if p.doc_id in cited or any(strength.values()):
                continue
            why, rank = "closest passage not yet in the draft", 0
        ranked.append((rank, i, np_, why))
    ranked.sort(key=lambda r: (r[0], r[1]))
    seen: set[str] = set()
    out: list[CandidatePassage] = []
    for _, _, np_, why in ranked:
        p = np_.passage
        if p.doc_id in seen:
            continue
        seen.add(p.doc_id)
        text = p.text if len(p.text) <= MAX_TEXT else p.text[:MAX_TEXT].rsplit(" ", 1)[0] + " …"
        out.append(
            CandidatePassage(
                passage_id=p.id,
                doc_id=p.doc_id,
                outlet=p.outlet,
                text=text,
                why=why,
                published_at=p.published_at,
            )
        )
        if len(out) >= n:
            break
    return tuple(out)


_GOALS = ("causal", "hedged", "stakes")
