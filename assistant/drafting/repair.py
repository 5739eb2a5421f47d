"""Turning generator output into checked sentences, and repairing what the checker rejects.

- `parse_paragraph` splits a paragraph into sentences (`text.sentence_spans`) and their `[n]`
  markers (`text.strip_markers`); a marker that an LLM put after the full stop is moved back to
  the sentence it belongs to.
- `SentenceChecker` verifies parsed sentences against the numbered passages they cite.
- `feedback_for` words the verifier's reasons as feedback for one retry.
- `rewrite_request` asks the generator to rewrite only the rejected sentences: it carries the
  previous attempt sentence by sentence and each rejected sentence with the verifier's reasons.
- `merge_rewrites` puts each rewrite in place of the sentence it rewrites when it verifies
  better, and keeps every other sentence exactly as it was; `retry` does both for the drafter.
- `fallback` replaces a sentence that is still unsupported by the closest source sentence of
  the passages it cited (or of all offered passages), or drops it.
Unsupported text never leaves here without a verdict saying so.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from assistant.drafting.generators.base import (
    Generator,
    NumberedPassage,
    Rewrite,
    SectionRequest,
    TokenCallback,
)
from assistant.models import Draft, Verdict
from assistant.text import normalize_for_hash, sentence_spans, strip_markers, words

_LEADING_MARKERS = re.compile(r"^(\s*\[\d+(?:\s*[,;]\s*\d+)*\])+\s*")


class SupportsVerify(Protocol):
    """What the drafter needs of `assistant.verify.verifier.Verifier`."""

    def verify_sentence(
        self, text: str, cited: Mapping[int, str], context: Mapping[int, str] | None = None
    ) -> Verdict: ...

    def verify_draft(
        self,
        draft: Draft,
        only: Collection[tuple[str, str]] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Draft: ...


@dataclass
class Drafted:
    """One sentence as drafted: clean text, the local passage numbers it cites, its verdict."""

    text: str
    markers: list[int]
    verdict: Verdict | None = None
    unresolved: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict is not None and self.verdict.label == "supported"


def parse_paragraph(text: str) -> list[Drafted]:
    """`"A rose [1]. B fell. [2]"` → `[Drafted("A rose.", [1]), Drafted("B fell.", [2])]`."""
    out: list[Drafted] = []
    for a, b in sentence_spans(text):
        chunk = text[a:b]
        lead = _LEADING_MARKERS.match(chunk)
        if lead and out:
            # "... fell. [2] Next ..." — the marker closes the previous sentence.
            _, moved = strip_markers(lead.group(0))
            out[-1].markers += [n for n in moved if n not in out[-1].markers]
            chunk = chunk[lead.end() :]
        clean, markers = strip_markers(chunk)
        if not words(clean):
            if out:
                out[-1].markers += [n for n in markers if n not in out[-1].markers]
            continue
        out.append(Drafted(clean, markers))
    return out


class SentenceChecker:
    """Verifies drafted sentences against the passages offered to the generator."""

    def __init__(
        self,
        verifier: SupportsVerify,
        passages: Sequence[NumberedPassage],
        context: Mapping[int, str] | None = None,
    ) -> None:
        self.verifier = verifier
        self.by_n = {p.n: p for p in passages}
        self.context = dict(context or {})
        """Per passage number, the metadata (outlet, time) that may vouch for an attribution."""

    def resolve(self, sentence: Drafted) -> Drafted:
        """Keep the markers that name an offered passage; remember the others."""
        sentence.unresolved += [n for n in sentence.markers if n not in self.by_n]
        sentence.markers = [n for n in sentence.markers if n in self.by_n]
        return sentence

    def check(self, sentence: Drafted) -> Drafted:
        self.resolve(sentence)
        resolved = sentence.markers
        sentence.verdict = self.verifier.verify_sentence(
            sentence.text,
            {n: self.by_n[n].passage.text for n in resolved},
            {n: self.context[n] for n in resolved if n in self.context},
        )
        if sentence.unresolved:
            gone = ", ".join(f"[{n}]" for n in sentence.unresolved)
            sentence.verdict = sentence.verdict.model_copy(
                update={
                    "reasons": (
                        *sentence.verdict.reasons,
                        f"removed {gone}: resolves to no passage",
                    ),
                }
            )
        return sentence

    def check_all(
        self, paragraphs: Sequence[Sequence[Drafted]], verify: bool = True
    ) -> list[list[Drafted]]:
        """Resolve (and with `verify`, verify) every sentence."""
        return [[self.check(s) if verify else self.resolve(s) for s in para] for para in paragraphs]


def failures(paragraphs: Sequence[Sequence[Drafted]]) -> int:
    return sum(1 for para in paragraphs for s in para if not s.ok)


def feedback_for(paragraphs: Sequence[Sequence[Drafted]]) -> list[str]:
    """One line per failing sentence: what it said and why the verifier rejected it."""
    lines: list[str] = []
    for para in paragraphs:
        for s in para:
            if s.ok or s.verdict is None:
                continue
            why = "; ".join(s.verdict.reasons) or s.verdict.label
            lines.append(
                f'"{s.text}" is {s.verdict.label}: {why}. Rewrite it using only the '
                "numbered passages, and end it with the [n] of the passage that says it."
            )
    return lines


def with_markers(sentence: Drafted, valid: Collection[int] | None = None) -> str:
    """The sentence with its markers (those in `valid`, if given), as the model should have
    written it: `A rose [1].`"""
    marks = "".join(f"[{n}]" for n in sentence.markers if valid is None or n in valid)
    if not marks:
        return sentence.text
    stop = re.search(r"[.!?…]+[\"'”’)]*$", sentence.text)
    if stop is None:
        return f"{sentence.text} {marks}"
    return f"{sentence.text[: stop.start()].rstrip()} {marks}{sentence.text[stop.start() :]}"


def rewrite_request(
    request: SectionRequest, paragraphs: Sequence[Sequence[Drafted]]
) -> SectionRequest:
    """The retry of `request`: the previous attempt sentence by sentence, and the rejected
    sentences (labelled by their position in it) with the verifier's reasons."""
    flat = [s for para in paragraphs for s in para]
    valid = {p.n for p in request.passages}  # a marker naming no passage is never shown back
    rewrite = [
        Rewrite(
            label=i,
            text=with_markers(s, valid),
            verdict=s.verdict.label if s.verdict else "unchecked",
            reasons=tuple(s.verdict.reasons) if s.verdict else (),
        )
        for i, s in enumerate(flat, start=1)
        if not s.ok
    ]
    return dataclasses.replace(
        request,
        feedback=feedback_for(paragraphs),
        attempt=[with_markers(s, valid) for s in flat],
        rewrite=rewrite,
    )


_RANK = {"supported": 3, "weak": 2, "unsupported": 1, "uncited": 0}


def _rank(sentence: Drafted) -> int:
    return _RANK.get(sentence.verdict.label, -1) if sentence.verdict else -1


def merge_rewrites(
    paragraphs: Sequence[Sequence[Drafted]],
    rewrites: Sequence[str],
    checker: SentenceChecker,
    avoid: Collection[str] = (),
) -> tuple[list[list[Drafted]], int]:
    """Each rejected sentence (in attempt order) against its rewrite (`rewrites[i]` for the
    i-th rejected one; a missing or empty one changes nothing). A rewrite takes the sentence's
    place only if it verifies better and says something not already in the section or in
    `avoid` (normalised texts of earlier sections); supported sentences are never touched.
    Returns the merged paragraphs and how many sentences were replaced."""
    seen = {normalize_for_hash(strip_markers(t)[0]) for t in avoid}
    seen |= {normalize_for_hash(s.text) for para in paragraphs for s in para if s.ok}
    pending = iter(rewrites)
    replaced = 0
    merged: list[list[Drafted]] = []
    for para in paragraphs:
        out: list[Drafted] = []
        for s in para:
            if s.ok:
                out.append(s)
                continue
            text = next(pending, "")
            candidates = parse_paragraph(text) if text.strip() else []
            if not candidates:
                out.append(s)
                continue
            # One sentence for one: a model that runs on does not grow the section.
            fresh = checker.check(candidates[0])
            key = normalize_for_hash(fresh.text)
            if _rank(fresh) > _rank(s) and key not in seen:
                seen.add(key)
                out.append(fresh)
                replaced += 1
            else:
                out.append(s)
        merged.append(out)
    return merged, replaced


def retry(
    gen: Generator,
    request: SectionRequest,
    paragraphs: list[list[Drafted]],
    checker: SentenceChecker,
    on_token: TokenCallback | None = None,
    cancel: threading.Event | None = None,
) -> tuple[list[list[Drafted]], str]:
    """One repair round: ask `gen` to rewrite the rejected sentences, merge what verifies
    better. Returns the paragraphs and a note for `Paragraph.repaired`."""
    before = failures(paragraphs)
    texts = gen.compose(rewrite_request(request, paragraphs), on_token, cancel)
    merged, replaced = merge_rewrites(paragraphs, texts, checker, avoid=request.previous)
    after = failures(merged)
    if replaced:
        note = (
            f"retried with verifier feedback: {before} failing sentence(s) before, {after} "
            f"after; rewrote {replaced}, kept the {_supported(paragraphs)} supported as written"
        )
    else:
        note = f"retried with verifier feedback; kept the first attempt ({before} failing)"
    return merged, note


def _supported(paragraphs: Sequence[Sequence[Drafted]]) -> int:
    return sum(1 for para in paragraphs for s in para if s.ok)


Similarity = Callable[[str, Sequence[str]], list[float]]
"""Scores `candidates` by closeness to `text` (cosine of sentence embeddings in the drafter)."""


def fallback(
    sentence: Drafted,
    passages: Sequence[NumberedPassage],
    checker: SentenceChecker,
    similarity: Similarity,
    used: set[str],
    min_similarity: float = 0.35,
    number: Callable[[int], int] = lambda n: n,
) -> tuple[Drafted | None, str]:
    """Replace an unsupported sentence by the closest source sentence, or drop it.

    Candidates come from the passages the sentence cited, or from every offered passage when it
    cited none that resolve. A candidate already used in the draft is skipped. Returns the
    replacement (verified) or None, and a note for `Paragraph.repaired` (citing the passage by
    `number(n)`, its draft-wide number).
    """
    pool = [p for p in passages if p.n in sentence.markers] or list(passages)
    cands: list[tuple[str, int]] = []
    for p in pool:
        text = p.passage.text
        for a, b in sentence_spans(text):
            s = text[a:b]
            if len(words(s)) >= 5 and normalize_for_hash(s) not in used:
                cands.append((s, p.n))
    label = sentence.verdict.label if sentence.verdict else "unchecked"
    if cands:
        scores = similarity(sentence.text, [c[0] for c in cands])
        best = max(range(len(cands)), key=lambda i: (scores[i], -i))
        if scores[best] >= min_similarity:
            text, n = cands[best]
            replacement = checker.check(Drafted(text, [n]))
            if replacement.ok:
                used.add(normalize_for_hash(text))
                return replacement, (
                    f'replaced {label} sentence "{_short(sentence.text)}" '
                    f"with the closest source sentence from [{number(n)}]"
                )
    return (
        None,
        f'dropped {label} sentence "{_short(sentence.text)}": no source sentence supports it',
    )


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
