"""`Casing`: whether a sentence's first word keeps its capital once an attribution prefix stands
before it ("According to Harbour at 10:30 UTC, negotiators ..." but "..., NATO leaders ...").

The evidence is the story's own sources: a word they also write in lower case is a common word;
a word they capitalise in mid-sentence (outside Title Case headlines) is a name. When they say
nothing of a word, the workspace's recent items may (`WordUsage`, built by the drafter once per
ingest): a word they write in lower case at least four times in five is common ("bond", "oil",
"growing"), one they capitalise as often is a name ("Wells"). A word neither says anything
about is judged by its form: acronyms, inner capitals ("McDonald"),
possessives ("Beijing's"), the first of several capitalised words ("Scott Bessent") and
nationality plurals ("Americans") stay capitalised; plain inflected common forms ("Negotiators",
"Stocks", "Jobless", "Early") are lowered; anything else keeps its capital, since lowering a
name is a worse mistake than keeping a capital.

A word whose only sign of being common is a final "-s" is lowered only when it reads as a
plural of an English word: its singular is a whole word of the embedding wheel's WordPiece
vocabulary (an offline English lexicon of ~22,000 words), ends like a common word, or is two
such words ("stablecoins", "stockmarkets"). "Brussels", "Hamas", "Texas" and "Caracas" have no
such singular and keep their capitals: on the wire archive's 969 sentences whose first word
only the "-s" lowered, this keeps 114 capitals, about 35 of them names (read on the archive:
"According to …, hamas has held tight control over coverage").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from assistant.text import STOPWORDS, normalize_quotes, sentence_spans

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# Endings of inflected common words: plurals, past forms, adverbs, abstract nouns.
_COMMON_ENDINGS = (
    "s",
    "ed",
    "ly",
    "less",
    "ness",
    "ment",
    "tion",
    "sion",
    "ity",
    "ance",
    "ence",
    "ful",
    "ive",
    "ous",
    "al",
    "er",
    "ers",
    "or",
    "ors",
    "ist",
    "est",
)
# Names of peoples and parties ("Americans", "Russian", "Chinese", "Israelis", "Swiss"),
# and "-ss" words, often names ("Congress"), whose plain "-s" test would lower them.
_PEOPLE_ENDINGS = ("ans", "ian", "ese", "ish", "is", "ites", "crats", "ss")
# Words that may open a sentence and are never names.
_ALWAYS_LOWER = frozenset(
    "the a an in on at for after before during while there some many most several both all plus "
    "this that these those its their his her our we they it he she even if when as with "
    "despite although though since because amid without once until "
    # prepositions and adverbs that open standfirsts ("Ahead of the government's delayed
    # January jobs report, ...": read on the archive, in a workspace that wrote "ahead" once)
    "ahead across against along among amongst around behind beneath beside besides beyond "
    "inside outside toward towards upon via within throughout unlike like near nearly "
    "still yet already now soon instead meanwhile however nonetheless nevertheless "
    "every another either neither whether "
    "somebody someone something anybody anyone anything everybody everyone everything nobody "
    "nothing".split()
)


# Words that stand before an office and its holder ("Former President Yoon", "Acting Gov.
# Lisa Cook"), and are never part of the name.
_BEFORE_A_TITLE = frozenset("former outgoing incoming acting interim".split())


# Common adjectives that also open names ("New York", "Former Yugoslavia"): lowered when the
# next word is lower case, so the sources' "New York Times" does not keep "New research".
_COMMON_BEFORE_LOWER = frozenset(
    "new old former early late top senior higher lower "
    # and counts ("Two governors are prepared to dissent": read on the archive; "Two Sessions",
    # "Three Gorges" keep theirs by the next capital)
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
    "hundred dozens hundreds thousands millions billions half".split()
)


def _mid_sentence_words(text: str) -> Iterable[tuple[str, bool]]:
    """(word without its possessive, whether it is written in lower case) for the words of
    `text` that tell how a word is written: every lower-case word, and capitalised words that
    do not open a sentence, outside Title Case headlines."""
    text = normalize_quotes(text)
    for a, b in sentence_spans(text):
        tokens = _WORD.findall(text[a:b])
        title_case = len(tokens) >= 4 and sum(t[0].isupper() for t in tokens) >= 0.75 * len(tokens)
        for i, tok in enumerate(tokens):
            base = re.sub(r"['’]s$", "", tok)
            if base.islower():
                yield base, True
            elif i > 0 and not title_case and base[:1].isupper():
                yield base.casefold(), False


class WordUsage:
    """How a larger body of text (the workspace's recent items) writes each word: counts of
    lower-case and of mid-sentence capitalised uses. The evidence when a story's own few
    sentences say nothing about a word: "Drop comes as ...", "Bond markets are ..." and "Market
    and economic trends ..." (read on the archive) kept their capitals after an attribution
    because their one-item stories never wrote "drop", "bond" or "market" in lower case."""

    MIN_USES = 3
    """Uses needed before the counts are evidence at all ..."""
    MIN_UNANIMOUS = 2
    """... or, for a word never once capitalised mid-sentence, lower-case uses. Read on the
    archive: "According to the Financial Times at 16:34 UTC, Sharp climb in Tokyo's bond
    yields ..." kept its capital in a workspace that wrote "sharp" twice, always in lower
    case; a name is written capitalised, so two uses and no capital are evidence enough."""
    LOWER_SHARE = 0.8
    """Share of lower-case uses that makes a word common; at or under `1 - LOWER_SHARE` it is
    a name. In between ("Bond" and "bond", "Apple" and "apple") the counts say nothing."""

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self.lower: dict[str, int] = {}
        self.capital: dict[str, int] = {}
        for text in texts:
            self.add(text)

    def add(self, text: str) -> None:
        for word, lower in _mid_sentence_words(text):
            counts = self.lower if lower else self.capital
            counts[word] = counts.get(word, 0) + 1

    def common(self, low: str) -> bool | None:
        """True for a word written mostly in lower case, False for one mostly capitalised
        (a name), None when the counts are too few or split."""
        n_low, n_cap = self.lower.get(low, 0), self.capital.get(low, 0)
        if n_cap == 0 and n_low >= self.MIN_UNANIMOUS:
            return True
        if n_low + n_cap < self.MIN_USES:
            return None
        share = n_low / (n_low + n_cap)
        if share >= self.LOWER_SHARE:
            return True
        if share <= 1 - self.LOWER_SHARE:
            return False
        return None


class Casing:
    """Knows how the sources write each word (see the module docstring)."""

    def __init__(self, texts: Iterable[str] = (), usage: WordUsage | None = None) -> None:
        self.lower: set[str] = set()
        """Words the sources write in lower case."""
        self.capital: set[str] = set()
        """Words the sources capitalise in mid-sentence, outside Title Case headlines."""
        self.usage = usage
        """How the wider workspace writes words: asked only when the sources are silent."""
        for text in texts:
            self.add(text)

    def add(self, text: str) -> None:
        for word, lower in _mid_sentence_words(text):
            (self.lower if lower else self.capital).add(word)

    def lowers(self, sentence: str) -> bool:
        """Whether `sentence`'s first word is lowered after an attribution prefix."""
        text = normalize_quotes(sentence).lstrip()
        tokens = text.split(None, 2)
        if not tokens:
            return False
        head = tokens[0].rstrip(",;:")
        base = re.sub(r"['’]s$", "", head)
        if not base[:1].isupper() or not base.isalpha() and "-" not in base:
            return False  # a quotation, a figure, a lower-case opener
        first, hyphen, later = base.partition("-")
        if (
            hyphen
            and first.isalpha()
            and first[1:] == first[1:].lower()
            and later.replace("-", "").isalpha()
            and later == later.lower()
        ):
            # "Face-to-face", "Long-term": a compound whose later parts are lower case is a
            # common word ("Jean-Pierre", "Al-Qaeda", "Coca-Cola" keep theirs).
            return first.casefold() not in self.capital
        if head == "I" or (len(base) > 1 and base[1:] != base[1:].lower()):
            return False  # "I", an acronym ("NATO"), an inner capital ("McDonald", "iPhone")
        low = base.casefold()
        if low in _ALWAYS_LOWER or low in STOPWORDS:
            return True
        if low == "may":
            return False  # the month as often as the verb
        nxt = tokens[1] if len(tokens) > 1 else ""
        if low in _BEFORE_A_TITLE:
            # "Former President Yoon Suk Yeol is expected to appeal ..." (read on the archive):
            # the capitalised word after it is the office, not the rest of a name.
            return True
        if nxt == "&" or (nxt[:1].isupper() and not _before_an_acronym(low, nxt)):
            # the first of several capitalised words: a name ("Scott Bessent", "Legal & General")
            return False
        if low in _COMMON_BEFORE_LOWER:
            return True  # "New research shows ..." ("New York", "New Delhi" are caught above)
        if low in self.lower:
            return True
        if low in self.capital or head != base:
            return False  # capitalised elsewhere, or a possessive ("Beijing's")
        common = self.usage.common(low) if self.usage is not None else None
        if common is not None:
            return common  # the story is silent; the workspace's recent items are not
        if low.endswith(_PEOPLE_ENDINGS):
            return False
        return _has_common_ending(low)

    def after_prefix(self, sentence: str) -> str:
        """`sentence` as it reads after "According to X, "."""
        stripped = sentence.lstrip()
        if self.lowers(stripped):
            return stripped[0].lower() + stripped[1:]
        return stripped


def _before_an_acronym(low: str, nxt: str) -> bool:
    """`low` reads as a common word and `nxt` is an acronym: no name, though both are
    capitalised ("Biggest US bank has moved to lock in higher yields", read on the archive)."""
    acronym = len(nxt) > 1 and nxt.strip(".,;:").replace(".", "").isupper()
    return acronym and not low.endswith(_PEOPLE_ENDINGS) and _has_common_ending(low)


def _has_common_ending(low: str) -> bool:
    """Whether `low` (lower case) reads as an inflected common word by its ending."""
    # An ending needs a stem before it: "Fed" is no past tense (read on the archive:
    # "Earlier, on 10 December 2025, fed to launch $40bn debt-buying scheme").
    endings = [e for e in _COMMON_ENDINGS if low.endswith(e) and len(low) - len(e) >= 3]
    if endings == ["s"]:
        return _plural_of_a_word(low)
    return bool(endings) or _ing_form(low)


def _ing_form(low: str) -> bool:
    """A verb's "-ing" form ("booming", "soaring", "checking", "managing", "flipping"): its
    stem, or the stem with its "e" back or its doubled consonant single, is a word of the
    vocabulary. "Beijing" and "Nanjing" have no such stem and keep their capitals (read on the
    archive: "According to ..., Booming demand is straining a supply chain ...")."""
    if not low.endswith("ing") or len(low) < 6:
        return False
    stem = low[:-3]
    stems = {stem, stem + "e"}
    if len(stem) > 2 and stem[-1] == stem[-2]:
        stems.add(stem[:-1])
    return any(w in _vocabulary() for w in stems)


# Endings of a singular that mark a common word, beside the vocabulary ("respondent", "politic-s").
_SINGULAR_ENDINGS = (*(e for e in _COMMON_ENDINGS if e != "s"), "ent", "ant", "ic", "ate", "ee")


@functools.cache
def _vocabulary() -> frozenset[str]:
    """The whole alphabetic words of the embedding wheel's (uncased) WordPiece vocabulary, read
    once; empty when the wheel is missing, and then every "-s" word keeps its capital."""
    try:
        from assistant.paths import default_embedding_model

        text = (default_embedding_model() / "vocab.txt").read_text(encoding="utf-8")
    except OSError:  # FileNotFoundError too: the wheel is not installed
        return frozenset()
    return frozenset(w for w in text.split() if w.isalpha() and w.islower())


def _plural_of_a_word(low: str) -> bool:
    """Whether `low` (lower case, ending in "s") is the plural of a common English word."""
    vocab = _vocabulary()
    singulars = {low[:-1]}
    if low.endswith("es"):
        singulars.add(low[:-2])
    if low.endswith("ies"):
        singulars.add(low[:-3] + "y")
    if low.endswith("ves"):
        singulars |= {low[:-3] + "f", low[:-3] + "fe"}
    for w in singulars:
        if w in vocab:
            return True
        if any(w.endswith(e) and len(w) - len(e) >= 3 for e in _SINGULAR_ENDINGS):
            return True
        # a compound of two words: "stablecoin", "stockmarket", "warplane"
        if any(w[:i] in vocab and w[i:] in vocab for i in range(3, len(w) - 2)):
            return True
    return False
