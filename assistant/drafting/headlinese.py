"""`mend_headlinese`: a wire standfirst written in headlinese, mended into a sentence of prose.

Feed items, the FT's above all, write their standfirsts like headlines: "Donald Trump to raise
tariffs on India over Russian oil purchases", "European Commission set to propose a levy of
50%", "Plan to be announced by European Commission". Told in a draft after "Earlier, on 4
August 2025, ..." they read as broken English. The headline convention drops the auxiliary, and
the mending puts back exactly that and nothing else: "Donald Trump is to raise tariffs ...",
"European Commission is set to propose ...". Told as background the auxiliary is past: "was to
raise". (A dropped article, as in "Plan to be announced ...", is not mended: such a subject is
left alone, see `mend_headlinese`.)

Only the unambiguous shape is touched: a subject of at most four words, every one capitalised
(apart from "of", "and", "&" between them) and none a verb, then "to" (or "set/poised/due/
expected/likely/about to") and a lower-case word that is not a determiner and does not look
like a noun ("Road to recovery"). Anything else comes back unchanged. The inserted words are
function words, so the sentence still says exactly what its source says (the verifier checks
it like any other).
"""

from __future__ import annotations

import re
from collections.abc import Container

_SHAPE = re.compile(
    r"^(?P<subject>[A-Z][\w’'.&-]*(?:\s+(?:of|and|&|[A-Z][\w’'.&-]*)){0,3})\s+"
    r"(?P<link>(?:set|poised|due|expected|likely|about)\s+)?to\s+(?P<verb>[a-z][a-z-]*)\b"
)
# Words that make the subject a clause already ("Trump wants to ...", "Powell says to ...").
_VERBS = frozenset(
    "is are was were be been being has have had will would could should may might must can "
    "shall do does did wants want wanted plans planned hopes hoped aims aimed seeks sought "
    "agrees agreed vows vowed threatens threatened says said tells told moves moved looks "
    "looked tries tried needs needed refuses refused decides decided expects prepares "
    "prepared fails failed offers offered pledges pledged promises promised intends intended "
    "appears appeared seems seemed urges urged asks asked vote votes voted goes went "
    "comes came returns returned turns turned heads headed".split()
)
# Openers that take "to" as a preposition ("Thanks to strong demand, ...").
_NOT_SUBJECT = frozenset(
    "thanks welcome according next close closer prior ahead due owing up down back home "
    "compared contrary similar relative only yes no it this that there what who how why "
    "when where".split()
)
_NOT_VERB_AFTER_TO = frozenset(
    "the a an his her its their our my your this that these those some any every each all "
    "peace war power victory office court market markets safety school work home zero "
    "date".split()
)
_NOUN_ENDINGS = ("tion", "sion", "ment", "ness", "ity", "ance", "ence", "ism", "ship", "ery")


_FINITE = frozenset(
    "is are was were will would could should has have had may might can must isn't aren't "
    "won't".split()
)
_ACTORS = ("ers", "ors", "ists", "ants", "ents", "ians", "ives", "makers")
"""Plural endings of the people and firms headlines make subjects ("Negotiators",
"Carmakers", "Economists"); other plurals ("Changes to ...") are too often a noun phrase."""


def mend_headlinese(
    sentence: str, past: bool = False, common: Container[str] = (), names: Container[str] = ()
) -> str:
    """`sentence` with the auxiliary a headline leaves out put back; unchanged unless it has
    the shape in the module docstring. `common`: words the story's sources write in lower
    case; `names`: words they capitalise mid-sentence. A one-word subject must be an acronym
    ("UK"), a name the sources use ("Walmart") or a plural of actors ("Negotiators"), since
    "Permission to offer ...", "Plan to shut ... follows ..." are noun phrases, not clauses."""
    text = sentence.strip()
    m = _SHAPE.match(text)
    if m is None or text.endswith("?"):
        return sentence
    subject, verb = m.group("subject"), m.group("verb")
    words = subject.split()
    if (
        words[0].casefold() in _NOT_SUBJECT
        or (  # "Failure of IPOs to match ...", "Proposal to ..." ("Federal Reserve to" is fine)
            words[0].casefold().endswith(_NOUN_ENDINGS + ("ure", "al"))
            and (len(words) == 1 or words[1] == "of")
        )
        or any(w.casefold() in _VERBS or "’" in w[1:] or "'" in w[1:] for w in words)
        or verb in _NOT_VERB_AFTER_TO
        or verb.endswith(_NOUN_ENDINGS + ("ly",))
    ):
        return sentence
    rest = text[m.end() :].split()
    if any(w.strip(",;:").casefold() in _FINITE for w in rest):
        return sentence  # "Deal to buy X is a bet ...": the infinitive modifies a noun
    plural = _plural(words, common)
    if len(words) == 1:
        word = words[0]
        acronym = len(word) > 1 and word.isupper()
        if not (acronym or word.casefold() in names or plural):
            return sentence
    aux = ("were" if plural else "was") if past else ("are" if plural else "is")
    return f"{subject} {aux} {text[len(subject) :].lstrip()}"


def _plural(words: list[str], common: Container[str]) -> bool:
    """A subject of names ("Donald Trump", "Bank of Japan", "Rachel Reeves", "EU") is
    singular; "X and Y" is plural, and so is a lone plural of actors ("Negotiators")."""
    if "and" in words or "&" in words:
        return True
    if len(words) > 1:
        return False
    word = words[0].casefold()
    return word.endswith("s") and (
        word.endswith(_ACTORS) or (word in common and word[:-1] in common)
    )
