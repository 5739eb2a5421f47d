"""The generator interface shared by the extractive, llama.cpp and OpenAI-compatible generators.

A generator turns one `SectionRequest` (the section's purpose, the topic, and numbered source
passages) into paragraph texts whose sentences carry inline `[n]` markers. It does not verify:
the drafter parses the markers, verifies every sentence and asks for a repair when needed.

A repair request carries the previous attempt sentence by sentence (`SectionRequest.attempt`)
and the sentences the verifier rejected with its reasons (`SectionRequest.rewrite`); the
generator then returns one rewritten sentence per rejected one, in the same order (an empty
string where it has none), and the drafter puts each in place of the sentence it rewrites, so
the supported sentences stay exactly as they were.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from assistant.errors import DeskError
from assistant.models import Passage

if TYPE_CHECKING:
    from assistant.drafting.casing import WordUsage

TokenCallback = Callable[[str], None]
"""Receives each streamed token (LLM generators) or each finished sentence (extractive)."""


@dataclass(frozen=True)
class SectionSpec:
    """One part of the house format (from `seeds/house_format.toml`)."""

    id: str
    title: str | None
    purpose: str
    paragraphs: int = 1
    max_sentences: int = 4


@dataclass(frozen=True)
class NumberedPassage:
    """A retrieved passage as the generator sees it: its citation number and the passage."""

    n: int
    passage: Passage
    framing: bool = False
    """Opinion or analysis about the story's event (`drafting.story_set`): argument, not fact."""


@dataclass(frozen=True)
class Rewrite:
    """A sentence of the previous attempt that the verifier rejected, to be rewritten alone."""

    label: int
    """Its position in `SectionRequest.attempt`, from 1 (shown to the model as `S<label>`)."""
    text: str
    """The sentence as drafted, with its `[n]` markers."""
    verdict: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class SectionRequest:
    topic: str
    section: SectionSpec
    passages: Sequence[NumberedPassage]
    feedback: Sequence[str] = ()
    """Verifier reasons from a previous attempt (one retry for LLM output), one line each."""
    previous: Sequence[str] = ()
    """Text already drafted in earlier sections, to avoid repeating the same sentences."""
    extra: dict[str, str] = field(default_factory=dict)
    attempt: Sequence[str] = ()
    """Repair: the previous attempt's sentences in order, each with its `[n]` markers."""
    rewrite: Sequence[Rewrite] = ()
    """Repair: the rejected sentences of `attempt`; the answer is one sentence for each."""
    usage: WordUsage | None = None
    """How the workspace's recent items write each word (lower case or capitalised), for the
    case of a claim after an attribution when the offered passages say nothing of a word."""

    @property
    def is_repair(self) -> bool:
        return bool(self.rewrite or self.feedback)


class Generator(Protocol):
    name: str
    model: str | None

    def compose(
        self,
        request: SectionRequest,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> list[str]:
        """Return the section's paragraphs as text with `[n]` markers after each sentence;
        for a repair (`request.rewrite`), one sentence per rejected sentence, in order."""
        ...

    def prompt_versions(self) -> dict[str, str]:
        """Prompt id -> short hash of the template used (empty for the extractive generator)."""
        ...


class GeneratorError(DeskError, RuntimeError):
    """The generator could not produce text (dead endpoint, missing model, ...); says why."""
