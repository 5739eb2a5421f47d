"""The house format as data: `HouseFormat.load()` reads `seeds/house_format.toml` (derived from
seed 000) into `HouseSection`s, and `derive_title` gives a body section a title taken from its
own lead sentence, so a title is as grounded as the text under it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from assistant.drafting.generators.base import SectionSpec
from assistant.errors import DeskError
from assistant.paths import seeds_dir
from assistant.text import STOPWORDS, normalize_quotes

Preference = Literal["central", "newest", "aspect", "causal", "hedged", "stakes"]
_PREFERENCES = {"central", "newest", "aspect", "causal", "hedged", "stakes"}


class HouseFormatError(DeskError, ValueError):
    """The house format file is missing a key or has a bad value; the message names both."""


@dataclass(frozen=True)
class HouseSection(SectionSpec):
    """A `SectionSpec` plus what the drafter and the extractive generator need to know."""

    query: str = ""
    """Words added to the editor's topic for this section's own retrieval."""
    prefer: Preference = "central"
    optional: bool = False
    attribution: bool = False
    derive_title: bool = False

    def retrieval_query(self, topic: str) -> str:
        return f"{topic} {self.query}".strip()

    @classmethod
    def of(cls, spec: SectionSpec) -> HouseSection:
        """`spec` itself, or a plain `SectionSpec` (a caller's own) with the house defaults."""
        return spec if isinstance(spec, HouseSection) else cls(**asdict(spec))


@dataclass(frozen=True)
class HouseFormat:
    version: str
    sections: tuple[HouseSection, ...]

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.sections]

    def section(self, section_id: str) -> HouseSection:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(
            f"unknown section '{section_id}'; the house format has: {', '.join(self.ids)}"
        )

    def select(self, ids: Sequence[str] | None) -> list[HouseSection]:
        """The sections named in `ids` (in print order), or all of them."""
        if not ids:
            return list(self.sections)
        wanted = [self.section(i).id for i in ids]  # raises on an unknown id
        return [s for s in self.sections if s.id in wanted]

    @classmethod
    def load(cls, path: Path | None = None) -> HouseFormat:
        path = path or seeds_dir() / "house_format.toml"
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise HouseFormatError(f"{path}: cannot read the house format: {exc}") from exc
        sections: list[HouseSection] = []
        for i, raw in enumerate(data.get("sections", [])):
            where = f"{path}: sections[{i}]"
            try:
                prefer = raw.get("prefer", "central")
                if prefer not in _PREFERENCES:
                    raise HouseFormatError(
                        f"{where}: prefer = '{prefer}' is not one of {sorted(_PREFERENCES)}"
                    )
                sections.append(
                    HouseSection(
                        id=str(raw["id"]),
                        title=str(raw.get("title") or "") or None,
                        purpose=str(raw["purpose"]),
                        paragraphs=int(raw.get("paragraphs", 1)),
                        max_sentences=int(raw.get("max_sentences", 3)),
                        query=str(raw.get("query", "")),
                        prefer=prefer,
                        optional=bool(raw.get("optional", False)),
                        attribution=bool(raw.get("attribution", False)),
                        derive_title=bool(raw.get("derive_title", False)),
                    )
                )
            except KeyError as exc:
                raise HouseFormatError(f"{where}: missing key {exc}") from exc
        if not sections:
            raise HouseFormatError(f"{path}: no [[sections]] defined")
        return cls(version=str(data.get("version", "1")), sections=tuple(sections))


_TOKEN = re.compile(r"[$€£¥]?[^\W_]+(?:[-'’.][^\W_]+)*%?", re.UNICODE)
# Words that start a clause rather than name a thing: a title built from them reads badly.
_WEAK = STOPWORDS | {
    "like",
    "new",
    "now",
    "one",
    "two",
    "first",
    "last",
    "told",
    "say",
    "saying",
    "per",
    "whether",
    "although",
    "though",
    "unless",
    "whereas",
    # a hedge, not part of what is named ("a so-called mansion tax" → "Mansion tax")
    "so-called",
}


_VERBS = {
    "give",
    "gives",
    "make",
    "makes",
    "take",
    "takes",
    "say",
    "says",
    "get",
    "gets",
    "put",
    "set",
    "keep",
    "come",
    "comes",
    "go",
    "goes",
    "see",
    "seen",
    "known",
    "want",
    "wants",
    # irregular past forms, which the "-ed" test misses ("NATO leaders began" → "NATO leaders")
    "began",
    "begun",
    # and the markets' and economies' ("prices rose", "the economy shrank")
    "rose",
    "fell",
    "grew",
    "shrank",
    "sank",
    "met",
    "held",
    "made",
    "took",
    "taken",
    "gave",
    "given",
    "came",
    "went",
    "gone",
    "saw",
    "won",
    "sent",
    "spent",
    "brought",
    "thought",
    "sought",
    "fought",
    "drew",
    "drawn",
    "wrote",
    "written",
    "spoke",
    "spoken",
    "chose",
    "chosen",
    "broke",
    "broken",
    "stood",
    "paid",
    "meant",
    "heard",
}

# After these a lower-case word is a verb ("the alliance can deter Russia", "ready to continue
# negotiations"): it does not start a title.
_VERB_CUES = {
    "to",
    "can",
    "could",
    "will",
    "would",
    "shall",
    "should",
    "may",
    "might",
    "must",
    "cannot",
    "did",
    "does",
    "do",
}


_LINKS = frozenset(
    """against despite amid ahead since until among across inside within without toward towards
    via still even already yet earlier later well""".split()
)
"""Prepositions and adverbs that link a phrase to what follows: a title never ends on one."""


def _verbish(word: str) -> bool:
    """A lower-case word that is likely a verb or adverb: titles name things, so it is trimmed."""
    w = word.casefold()
    if word[:1].isupper():
        return False
    return w in _VERBS or w.endswith(("ly", "ed", "ing"))


def _common_possessive(word: str) -> bool:
    """A lower-case word in the possessive: "year's", "country’s", "investors'"."""
    return word[:1].islower() and bool(re.search(r"(?:['’]s|s['’])$", word))


_SPEAKER_TAIL = re.compile(
    r",\s+(?:writes|wrote|said|says|according to|reports|reported|told)\b[^,]*[.!?]?$|"
    # "..., Monex Europe said." titled a section "Monex Europe" (read on the archive).
    r",\s+(?:(?:the|a)\s+)?(?:[\w.&'’-]+\s+){1,5}(?:said|says|told|wrote|writes|reported|added|"
    r"warned|noted)\s*[.!?]?$",
)


def derive_title(lead_sentence: str, topic: str, max_words: int = 6) -> str | None:
    """A short title lifted verbatim from `lead_sentence`: its key noun phrase.

    Candidates are runs of consecutive non-stopwords; the best run has the most capitalised
    (named) words and words not already in the topic, so titles differ from the headline.
    Returns None when the sentence holds no phrase of at least two words.
    """
    # The speaker is no subject: "..., writes WSJ's Greg Ip" titled a section "Writes WSJ's
    # Greg Ip" (read on the archive).
    text = _SPEAKER_TAIL.sub("", normalize_quotes(lead_sentence))
    topic_words = {w.casefold() for w in _TOKEN.findall(normalize_quotes(topic))}
    runs: list[list[str]] = [[]]
    prev_end = 0
    prev = ""
    opener: list[str] | None = None  # the run holding the sentence's first word
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        # punctuation between words (a comma, a dash, a quote) ends a phrase
        gap = text[prev_end : m.start()]
        prev_end = m.end()
        if word.casefold() in _WEAK or (gap.strip() and runs[-1]):
            runs.append([])
        cued_verb = prev in _VERB_CUES and not runs[-1] and not word[:1].isupper()
        if word.casefold() not in _WEAK and not cued_verb:
            if not prev and opener is None:
                opener = runs[-1]
            runs[-1].append(word)
        prev = word.casefold()
    best: tuple[float, list[str]] | None = None
    for whole in runs:
        run = whole[:max_words]
        if len(run) < 2:
            continue
        while len(run) > 1 and (_verbish(run[-1]) or run[-1].casefold() in _LINKS):
            run = run[:-1]  # "talks ended abruptly" → "talks"; "Euro rose against" → …
        while len(run) > 1 and _common_possessive(run[0]):
            # "this year's Budget" lost its "this" as a weak word: "Year's Budget" headed a
            # section (read on the archive). A common noun's possessive without its determiner
            # is a fragment; a name's ("Russia's economy") is not.
            run = run[1:]
        if len(run) < 2 or _verbish(run[0]):
            continue
        # A sentence's first word is capitalised whatever it is: that alone does not make it a
        # name (an acronym such as "NATO" still is one).
        named = sum(
            1
            for i, w in enumerate(run)
            if w[:1].isupper() and (i or whole is not opener or w.isupper())
        )
        novel = sum(1 for w in run if w.casefold() not in topic_words)
        score = 2 * named + novel + 0.2 * len(run)
        if best is None or score > best[0]:
            best = (score, run)
    if best is None:
        return None
    title = " ".join(best[1])
    return title[:1].upper() + title[1:]
