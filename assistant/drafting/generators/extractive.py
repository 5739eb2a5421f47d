"""`ExtractiveGenerator`: the embedded default generator. No language model: every sentence it
writes is a source sentence, verbatim, with a `[n]` marker to the passage it came from.

How it chooses, per section (the `prefer` of the house format):
- candidates are the sentences of the offered passages, minus fragments, truncated teasers,
  link dumps, instruction-like text, and anything already used in an earlier section;
- relevance is the cosine between a sentence and the topic (all-MiniLM-L6-v2); sentences far
  below the best one are off-story and never used;
- each section adds its own signal: centrality for headline and dek, recency for the lede,
  closeness to the section's query for body sections, and cue words for the structural frame
  (causal/framing), the uncertain section (hedged/disputed) and the serious point (stakes);
- maximal marginal relevance keeps the chosen sentences from repeating each other.
The lede speaks in the editor's voice ("According to Reuters at 18:26 UTC, ..."; an opinion or
analysis item always as "According to a commentary in X at ..."): a prefix is
added, the claim's own wording never changes. Output is deterministic for the same passages.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from assistant.drafting.casing import Casing
from assistant.drafting.generators.base import (
    NumberedPassage,
    SectionRequest,
    SectionSpec,
    TokenCallback,
)
from assistant.drafting.headlinese import mend_headlinese
from assistant.drafting.house_format import HouseSection
from assistant.ingest.outlets import in_prose
from assistant.progress import check_cancel
from assistant.text import (
    content_words,
    normalize_for_hash,
    sentence_spans,
    strip_title_label,
    title_case,
    word_count,
    words,
)

if TYPE_CHECKING:
    import numpy as np

    from assistant.config import Settings
    from assistant.index.embedder import Embedder

HEDGED = re.compile(
    r"\b(may|might|could|unclear|uncertain|unknown|reportedly|allegedly|alleged|denied|denies|deny|"
    r"disputed?|disputes|unconfirmed|not clear|questions?|whether|possibl[ey]|apparently|appears?|"
    r"claim(?:s|ed)?|unlikely|likely|rumou?rs?|no details|did not (?:say|specify|elaborate)|"
    r"declined to|not yet|remains? to be seen|if)\b",
    re.IGNORECASE,
)
CAUSAL = re.compile(
    r"\b(because|means|meaning|designed to|aim(?:s|ed)? (?:to|at)|in order to|so that|therefore|"
    r"as a result|intended|purpose|strategy|reason|why|leads? to|led to|driven by|due to|"
    r"framework|posture|approach|assumption|in exchange|in return|seeks?|sought|goal)\b",
    re.IGNORECASE,
)
STAKES = re.compile(
    r"\b(will|would|must|test|credibility|stakes?|risks?|future|next|deadline|decide|decision|"
    r"key|crucial|critical|pressure|consequences?|ultimately|depends?|hinges?)\b",
    re.IGNORECASE,
)
_CUES = {"hedged": HEDGED, "causal": CAUSAL, "stakes": STAKES}
# Instruction-like text inside a source is data, not something a synthesis would quote.
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules)\b|\bsystem prompt\b|"
    r"\byou are now\b|\bas an ai\b",
    re.IGNORECASE,
)
# A sentence opening on one of these leans on a previous sentence the reader has not seen.
_ANAPHORIC = {
    "he",
    "she",
    "it",
    "they",
    "this",
    "these",
    "that",
    "those",
    "his",
    "her",
    "their",
    "its",
    "but",
    "and",
    "or",
    "also",
    "however",
    "meanwhile",
    "still",
    "yet",
    "so",
}
_END = re.compile(r"[.!?…]+[\"'”’)\]]*$")
# A newsletter's or feed's note about itself, not news: "This report will be the last one until
# mid-December.", "Also in this newsletter: ...", "Sign up here".
_HOUSEKEEPING = re.compile(
    r"\b(?:this|our|the) (?:report|newsletter|briefing|edition|column|blog|podcast) will\b|"
    r"\b(?:also )?in (?:this|today[’']s|our) (?:newsletter|edition|briefing)\b|"
    r"\bthe last one until\b|\bsign up (?:here|now|to (?:our|the) newsletter)\b|"
    r"\b(?:un)?subscribe (?:here|now|to (?:our|this))\b|\bprogramming note\b|"
    r"\bclick here\b|\bread more\b|\bemail us\b|"
    # An explainer's teaser line: "Here are the basics on why the president is complaining
    # about the yet unopened border crossing." (read on the archive)
    # "Here's a roundup of where things stand." (read on the archive)
    r"^here(?:['’]s| is| are) (?:what|how|why|the (?:basics|latest|key|main|things)|everything|"
    r"(?:a|our) (?:roundup|rundown|look|guide|summary|timeline|list|breakdown|primer))\b|"
    # A newsletter's contents line: "And our readers on the essence of economics" (read on
    # the archive, told as "According to the Financial Times at 06:30 UTC, our readers on ...")
    r"^(?:and |plus )?(?:our|your) (?:readers|letters)\b|\bletters? to the editor\b|"
    # A standfirst that names the piece: "A roundup of where things stand with tariffs ..."
    r"^(?:a|an|our) (?:roundup|rundown|look|guide|primer|explainer|timeline|visual guide) "
    r"(?:of|at|to|on|for)\b",
    re.IGNORECASE,
)
# What a lede must not open on: the latest item's statement that something is not known is a
# development of nobody's; the news it qualifies leads.
_UNSETTLED = re.compile(
    r"\b(?:unclear|unknown|remains? to be seen|not (?:yet )?clear|uncertain|unconfirmed)\b",
    re.IGNORECASE,
)
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass
class _Candidate:
    n: int
    np: NumberedPassage
    order: int
    """Position of the passage among those offered, then of the sentence in the passage."""
    text: str
    words: int
    title: bool = False
    """The sentence is its item's own headline."""
    quoted: bool = False
    """A headline in headline capitals, told only in quotation: an earlier day's as background
    ("Earlier, on 11 December 2025, The Wall Street Journal reported under the headline ..."),
    today's in a lede ("The Wall Street Journal reported under the headline ...")."""
    rel: float = 0.0
    score: float = 0.0
    also: tuple[NumberedPassage, ...] = ()
    """Passages of other outlets that report the same fact (a near-duplicate sentence that
    itself supports this one): cited beside `n`, so the draft shows corroboration."""

    @property
    def markers(self) -> list[int]:
        return [self.n, *(o.n for o in self.also)]


class ExtractiveGenerator:
    """Composes each section from retrieved source sentences (see the module docstring)."""

    name = "extractive"
    model: str | None = None

    def __init__(
        self,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        min_relevance: float = 0.3,
        relative_relevance: float = 0.6,
        mmr_lambda: float = 0.7,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self.min_relevance = min_relevance
        """Absolute floor of a sentence's cosine with the topic."""
        self.relative_relevance = relative_relevance
        """A sentence must reach this share of the best sentence's relevance (stays on-story)."""
        self.mmr_lambda = mmr_lambda
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    # --- the Generator protocol --------------------------------------------------------------
    def prompt_versions(self) -> dict[str, str]:
        return {}

    def compose(
        self,
        request: SectionRequest,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> list[str]:
        spec = HouseSection.of(request.section)
        prefer = spec.prefer
        check_cancel(cancel)
        if request.section.id == "headline":
            line = self.headline(request)
            if line is not None and on_token is not None:
                on_token(line)
            return [line] if line is not None else []
        chosen = self.choose(request)
        if not chosen:
            return []
        # A quoted headline is background only for an item that has nothing else to say: its
        # standfirst, when chosen, tells the same event in a sentence.
        told = {c.np.passage.doc_id for c in chosen if not c.quoted}
        chosen = [c for c in chosen if not (c.quoted and c.np.passage.doc_id in told)]
        background = self.background(chosen, request.passages)
        # Background is what happened before: an earlier item's question or teaser is not.
        asked = [c for c in background if c.text.rstrip().endswith("?")]
        chosen = [c for c in chosen if c not in asked]
        background = [c for c in background if c not in asked]
        if prefer == "newest":
            # A lede opens with the latest development, then tells the rest in time order.
            current = sorted((c for c in chosen if c not in background), key=_order_in_time)
            chosen = _latest_development_first(current)
        else:
            chosen = [c for c in chosen if c not in background]
        # Material clearly older than the section's latest development comes last, as background.
        chosen += sorted(background, key=_order_in_time)
        # An earlier day's question is a teaser, not something still open: it is never told
        # ("Earlier, on 23 October 2025, will America's new sanctions ...?").
        story_day = max(
            {d for c in chosen if (d := _day(c)) is not None}
            | {d for n in request.passages if (d := _passage_day(n)) is not None},
            default=None,
        )
        chosen = [c for c in chosen if not (c.text.rstrip().endswith("?") and _day(c) != story_day)]
        # Dates are told against the section's own newest sentence: a body section of last
        # night's news under a lede that already dated it reads undated. (Against the story's
        # newest passage, every sentence of the demo's 29 June summit read "Earlier, on 29 June
        # 2026" because a commentary came the next morning.)
        one_day = len({_day(c) for c in chosen if c.np.passage.published_at}) <= 1
        latest_day = max((d for c in chosen if (d := _day(c)) is not None), default=None)
        casing = Casing((np_.passage.text for np_ in request.passages), usage=request.usage)
        followers = self.followers(chosen, request.previous) if request.section.id != "dek" else {}
        paragraphs: list[str] = []
        per = max(1, spec.max_sentences)
        named: set[str] = set()
        for start in range(0, len(chosen), per):
            parts: list[str] = []
            followed = False
            dated: tuple[str, date | None] | None = None
            column: str | None = None  # the framing item the sentence before was told from
            for c in chosen[start : start + per]:
                text = c.text
                # Right after a sentence of the same earlier item told as "Earlier, on 10
                # December 2025, ...", the next reads on without the date again (read on the
                # archive: two "Earlier, on 10 December 2025," in a row, one item's headline
                # and standfirst).
                continuing = dated == (c.np.passage.doc_id, _day(c)) and not is_framing(c.np)
                if not c.quoted and request.section.id != "dek":
                    # A headlinese standfirst ("Donald Trump to raise tariffs ...") gets the
                    # auxiliary prose needs, past when it is told as earlier news.
                    past = c in background or (
                        not one_day
                        and c.np.passage.published_at is not None
                        and _day(c) != latest_day
                    )
                    text = mend_headlinese(
                        text, past=past, common=casing.lower, names=casing.capital
                    )
                mended = text
                if c.quoted:
                    text = (
                        as_background_headline(text, c.np)
                        if c in background or _day(c) != latest_day
                        else quoted_headline(text, c.np)
                    )
                elif request.section.id == "dek" and is_framing(c.np):
                    # The dek speaks in the draft's voice: an opinion or analysis line under a
                    # news headline says whose it is ("Iran Is Trump's Deterrence Moment").
                    text = (
                        framing_headline(text, c.np)
                        if c.title
                        else attribute(text, c.np, casing=casing)
                    )
                elif c in background:
                    text = text if continuing else as_background(text, c.np, casing)
                elif spec.attribution and is_framing(c.np) and not _attributed(text):
                    # Opinion and analysis are framing, not fact: every such sentence says so,
                    # even when its outlet was already named for a news item. Right after a
                    # sentence of the same column, briefly (read on the archive: two sentences
                    # in a row each opening "According to a commentary in the Financial Times
                    # at 05:00 UTC, ").
                    named.add(c.np.passage.outlet)
                    if column == c.np.passage.doc_id:
                        text = f"According to the same commentary, {casing.after_prefix(text)}"
                    else:
                        text = attribute(text, c.np, with_date=not one_day, casing=casing)
                elif spec.attribution and c.np.passage.outlet not in named:
                    # Each outlet is named once; a sentence that attributes itself keeps its own.
                    named.add(c.np.passage.outlet)
                    if not _attributed(text):
                        text = attribute(text, c.np, with_date=not one_day, casing=casing)
                if (
                    text == mended
                    and not one_day
                    and c.np.passage.published_at is not None
                    and _day(c) != latest_day
                    and not _attributed(text)
                    and not continuing
                ):
                    # From an earlier day than the section's news and not dated by an
                    # attribution: the reader is told when ("Earlier, on 10 December 2025, ...").
                    text = as_background(text, c.np, casing)
                # Dated: "Earlier, on ...", or an attribution with its day ("According to the
                # Financial Times at 23:29 UTC on 10 December 2025, oil price jumps ..." was
                # followed by "Earlier, on 10 December 2025, US seizes oil tanker ...", the
                # same item's headline, as if it were older).
                if (
                    text.startswith("Earlier, on ")
                    or (text.startswith("According to ") and not one_day and text != mended)
                    or (continuing and text == mended)
                ):
                    dated = (c.np.passage.doc_id, _day(c))
                else:
                    dated = None
                framed = text.startswith("According to ") and is_framing(c.np)
                column = c.np.passage.doc_id if framed else None
                sentence = with_markers(text, c.markers)
                parts.append(sentence)
                follower = followers.get(id(c))
                if follower is not None and not followed:
                    # Told right after the sentence it leans on, from the same passage, as the
                    # source told it: "... the U.S. ignored the drone threat [2]. It got lucky
                    # when that threat blew up in Russia's face [2]." One per paragraph.
                    parts.append(with_markers(follower, [c.n]))
                    sentence += " " + parts[-1]
                    followed = True
                if on_token is not None:
                    on_token(sentence + " ")
            paragraphs.append(" ".join(parts))
            if len(paragraphs) >= max(1, spec.paragraphs):
                break
        return paragraphs

    @staticmethod
    def followers(chosen: Sequence[_Candidate], previous: Sequence[str] = ()) -> dict[int, str]:
        """For chosen sentences (by `id`), the sentence that follows each in its passage when
        that one leans back on it ("It got lucky ...", "He said ..."): unusable on its own
        (`_usable` turns away every pointer back), it reads right after what it points to. Only
        a usable, new sentence follows: not a question, a bare quotation, a feed's note about
        itself, instruction-like text, or anything said already in the draft."""
        told = [content_words(t) for t in (*previous, *(c.text for c in chosen))]
        out: dict[int, str] = {}
        for c in chosen:
            # A quoted headline too: a standfirst that leans on it reads right after it ("The
            # Wall Street Journal reported under the headline “What to Know About Trump's Trade
            # Deal With China's Xi” [2]. Tariffs, soybean purchases and a crackdown on fentanyl
            # were among the issues discussed by the two leaders [2].", read on the archive).
            # One that does not lean is a candidate of its own, and its item's headline is then
            # not quoted at all.
            text = c.np.passage.text
            spans = sentence_spans(text)
            si = c.order % 1000
            if si + 1 >= len(spans):
                continue
            a, b = spans[si + 1]
            nxt = text[a:b].strip()
            if not _leans_back(nxt) or not _END.search(nxt) or "|" in nxt:
                continue  # not leaning back (it is a candidate of its own), a fragment, debris
            if not _usable(nxt, "central", False, 60, follows=True):
                continue
            cw = content_words(nxt)
            if any(_jaccard(cw, u) >= 0.8 for u in told):
                continue
            told.append(cw)
            out[id(c)] = nxt
        return out

    def background(
        self, chosen: Sequence[_Candidate], offered: Sequence[NumberedPassage] = ()
    ) -> list[_Candidate]:
        """The chosen sentences whose source is at least `BACKGROUND_AFTER` older than the
        story's latest development (the newest passage offered or chosen): background, never
        today's news."""
        stamps = [_ts(c) for c in chosen if c.np.passage.published_at is not None]
        stamps += [n.passage.published_at.timestamp() for n in offered if n.passage.published_at]
        if not stamps:
            return []
        latest = max(stamps)
        return [
            c
            for c in chosen
            if c.np.passage.published_at is not None
            and latest - _ts(c) >= BACKGROUND_AFTER.total_seconds()
        ]

    # --- the headline ------------------------------------------------------------------------
    def headline(self, request: SectionRequest) -> str | None:
        """A headline in headline form, cited: the story's own source headlines first (a feed
        item's text opens with its headline), then its short lead sentences; at most
        `HEADLINE_WORDS` words, no time stamp, no closing full stop. The most central of the
        candidates wins, news headlines before opinion ones and before questions."""
        cands: list[tuple[str, NumberedPassage, bool]] = []
        seen: set[str] = set()
        for lead_only in (True, False):
            # Headlines and lead sentences first; any short sentence only when none is usable.
            for np_ in request.passages:
                p = np_.passage
                spans = sentence_spans(p.text)
                for i, (a, b) in enumerate(spans[:1] if lead_only else spans):
                    text = _headline_form(p.text[a:b])
                    if text is None or normalize_for_hash(text) in seen:
                        continue
                    is_title = i == 0 and p.start == 0 and bool(p.title)
                    seen.add(normalize_for_hash(text))
                    cands.append((text, np_, is_title and _is_title(text, p.title or "")))
            if cands:
                break
        if not cands:
            # Every headline and sentence runs long (WSJ titles are often whole standfirsts):
            # a main clause of a lead sentence, cut before its subordinate part, is the headline.
            for np_ in request.passages:
                p = np_.passage
                for a, b in sentence_spans(p.text)[:2]:
                    for clause in _clauses(p.text[a:b]):
                        text = _headline_form(clause)
                        if text is not None and normalize_for_hash(text) not in seen:
                            seen.add(normalize_for_hash(text))
                            cands.append((text, np_, False))
        if not cands:
            return None
        # The headline is the news: an item clearly older than the story's latest is background.
        stamps = [n.passage.published_at for n in request.passages if n.passage.published_at]
        if stamps:
            latest = max(stamps)
            current = [
                c
                for c in cands
                if c[1].passage.published_at is None
                or latest - c[1].passage.published_at < BACKGROUND_AFTER
            ]
            cands = current or cands
        vecs = self._embed([t for t, _, _ in cands])
        topic = self._embed([request.topic])[0]
        centroid = vecs.mean(axis=0)
        centroid = centroid / (float((centroid @ centroid) ** 0.5) or 1.0)

        def framing(i: int) -> bool:
            np_ = cands[i][1]
            return np_.framing or _FRAMING_LABEL.match(np_.passage.title or "") is not None

        def question(i: int) -> bool:
            return cands[i][0].rstrip().endswith("?")

        # A question is a column's or an explainer's hook ("Is China winning the innovation
        # race?", "Can Merz Restore Germany's Leadership Role in Europe?"), not the news: a news
        # statement comes first. Among framing items alone it competes as before (read on the
        # archive: the hook kept a two-column story's lede, which the other title took).
        news_statement = any(not framing(i) and not question(i) for i in range(len(cands)))

        def score(i: int) -> float:
            _, _, is_title = cands[i]
            return (
                0.5 * float(vecs[i] @ topic)
                + 0.5 * float(vecs[i] @ centroid)
                + 0.1 * is_title
                - 0.2 * framing(i)
                - 0.5 * (news_statement and question(i))
            )

        best = max(range(len(cands)), key=lambda i: (score(i), -i))
        text, np_, _ = cands[best]
        return f"{text} {''.join(f'[{n}]' for n in self.corroborating(text, np_, request))}"

    def corroborating(self, text: str, np_: NumberedPassage, request: SectionRequest) -> list[int]:
        """`np_`'s marker, then those of other outlets' passages whose lead sentences say all
        that `text` says (a headline two outlets ran in near the same words)."""
        out = [np_.n]
        outlets = {np_.passage.outlet}
        for other in request.passages:
            p = other.passage
            if p.outlet in outlets or other.n in out:
                continue
            if any(corroborates(text, p.text[a:b]) for a, b in sentence_spans(p.text)[:2]):
                out.append(other.n)
                outlets.add(p.outlet)
        return out

    # --- choosing sentences ------------------------------------------------------------------
    def choose(self, request: SectionRequest) -> list[_Candidate]:
        """The source sentences for one section, best first (MMR order)."""

        spec = HouseSection.of(request.section)
        prefer = spec.prefer
        cands = self._candidates(request.passages, spec, request.previous)
        if spec.id == "dek":
            # The dek is a second headline: the latest day's news when it has a candidate,
            # never an earlier day's item (which would stand undated under the headline).
            days = [d for np_ in request.passages if (d := _passage_day(np_)) is not None]
            latest = max(days, default=None)
            today = [c for c in cands if _day(c) in (latest, None)]
            cands = today or [c for c in cands if c not in self.background(cands, request.passages)]
        if not cands:
            return []
        vecs = self._embed([c.text for c in cands])
        topic_vec = self._embed([request.topic])[0]
        rel = vecs @ topic_vec
        for c, r in zip(cands, rel, strict=True):
            c.rel = float(r)
        # An item is about one thing: a sentence shares the relevance of its item's most
        # on-topic sentence, used or not ("Rising jobless claims ..." under the headline "Stocks
        # ended Thursday slightly lower after weak economic data").
        texts = {c.np.passage.id: c.np.passage for c in cands}
        whole = [(p.doc_id, p.text[a:b]) for p in texts.values() for a, b in sentence_spans(p.text)]
        best_of: dict[str, float] = {}
        if whole:
            for (doc_id, _), r in zip(
                whole, self._embed([t for _, t in whole]) @ topic_vec, strict=True
            ):
                best_of[doc_id] = max(best_of.get(doc_id, float(r)), float(r))
        for c in cands:
            c.rel = max(c.rel, SAME_ITEM * best_of[c.np.passage.doc_id])
        # The bar is set by the sentences' own relevance, so an inherited one does not raise it.
        floor = max(self.min_relevance, self.relative_relevance * float(rel.max()))
        keep = [i for i, c in enumerate(cands) if c.rel >= floor]
        if spec.id == "dek" and not any(cands[i].title for i in keep):
            # The dek is another item's headline when one is on topic at all, even below the
            # relative bar a standfirst sets: taking the news item's standfirst instead left the
            # lede only a column's line (read on the archive: "Zelensky's Top Aide Resigns ...",
            # whose lede was "According to a commentary ..., Kyiv's critics see an excuse ...").
            # A column that story assembly put in the story (`framing`) is on topic by then.
            keep += [
                i
                for i, c in enumerate(cands)
                if c.title and (c.np.framing or c.rel >= self.min_relevance)
            ]
        if not keep and spec.id == "lede":
            # The offered passages were assembled as one story; its lede is not left empty
            # because the topic's wording is far from every sentence ("The spectre of dollar
            # doomsday still looms" over "The president's turnover of the economic order ...").
            keep = [max(range(len(cands)), key=lambda i: cands[i].rel)]
        if not keep:
            return []
        cands = [cands[i] for i in keep]
        vecs = vecs[keep]
        self._score(cands, vecs, request, prefer)
        total = max(1, spec.paragraphs) * max(1, spec.max_sentences)
        cue = _CUES.get(prefer)
        pool = list(range(len(cands)))
        if spec.id == "dek":
            # The dek is a second headline: another item's own headline when there is one, so
            # the standfirsts (the facts) are left for the lede.
            titled = [i for i in pool if cands[i].title]
            pool = titled or pool
        if cue is not None:
            cued = [i for i in pool if _cue_strength(cands[i].text, cue, prefer) > 0]
            # Without any cued sentence, one clearly on-topic sentence is better than none.
            pool, total = (cued, total) if cued else (pool, 1)
        selected: list[int] = []
        sims = vecs @ vecs.T
        while pool and len(selected) < total:

            def mmr(i: int) -> tuple[float, int]:
                redundancy = max((float(sims[i, j]) for j in selected), default=0.0)
                # Several sentences from one document make a section one source's summary.
                same_doc = sum(
                    1 for j in selected if cands[j].np.passage.doc_id == cands[i].np.passage.doc_id
                )
                value = (
                    self.mmr_lambda * cands[i].score
                    - (1 - self.mmr_lambda) * redundancy
                    - 0.08 * same_doc
                )
                return (value, -cands[i].order)

            best = max(pool, key=mmr)
            pool.remove(best)
            twin = next(
                (j for j in selected if self._twins(cands[best], cands[j], sims[best, j])), None
            )
            if twin is not None:
                # A near-verbatim repost of a sentence already chosen. From another outlet, and
                # saying all the chosen sentence says, it corroborates it: one sentence, two
                # citations. From the same outlet it adds nothing.
                kept, other = cands[twin], cands[best]
                outlets = {kept.np.passage.outlet, *(o.passage.outlet for o in kept.also)}
                if other.np.passage.outlet not in outlets and corroborates(kept.text, other.text):
                    kept.also = (*kept.also, other.np)
                elif (
                    other.np.passage.outlet == kept.np.passage.outlet
                    and len(content_words(other.text)) > len(content_words(kept.text))
                    and corroborates(kept.text, other.text)
                ):
                    # One outlet saying it twice: the fuller telling stays ("EU industry chief
                    # says bloc is becoming ..." over "EU fears becoming ...").
                    other.also = kept.also
                    selected[selected.index(twin)] = best
                continue
            selected.append(best)
        return [cands[i] for i in selected]

    @staticmethod
    def _twins(a: _Candidate, b: _Candidate, sim: float) -> bool:
        """`a` and `b` say the same thing: near-verbatim, or (from two outlets) one says all
        the other says in other words ("Trump orders blockade ..." / "Trump Orders Blockade")."""
        wa, wb = content_words(a.text), content_words(b.text)
        jac = _jaccard(wa, wb)
        if sim > 0.9 or jac >= 0.8:
            return True
        if a.np.passage.outlet == b.np.passage.outlet and jac >= 0.5:
            # One outlet's headline and standfirst in other words, the shorter's words nearly
            # all in the longer (read on the archive: "EU fears becoming ‘collateral damage’ in
            # race to secure rare earth minerals" after "EU industry chief says bloc is becoming
            # ‘collateral damage’ in race to secure rare earth minerals"): it adds nothing.
            if _restates(wa, wb):
                return True
        return (
            jac >= 0.5
            and a.np.passage.outlet != b.np.passage.outlet
            and corroborates(b.text, a.text)
        )

    def _score(
        self, cands: list[_Candidate], vecs: np.ndarray, request: SectionRequest, prefer: str
    ) -> None:
        if prefer == "central":
            weights = [max(c.rel, 0.0) for c in cands]
            centroid = (vecs * [[w] for w in weights]).sum(axis=0)
            norm = float((centroid @ centroid) ** 0.5) or 1.0
            central = vecs @ (centroid / norm)
            for c, v in zip(cands, central, strict=True):
                c.score = 0.5 * c.rel + 0.5 * float(v)
        elif prefer == "newest":
            stamps = sorted({_ts(c) for c in cands if c.np.passage.published_at})
            rank = {t: (i + 1) / len(stamps) for i, t in enumerate(stamps)}
            for c in cands:
                c.score = c.rel + 0.3 * rank.get(_ts(c), 0.0)
        elif prefer == "aspect":
            qtext = HouseSection.of(request.section).retrieval_query(request.topic)
            qvec = self._embed([qtext])[0]
            for c, v in zip(cands, vecs @ qvec, strict=True):
                c.score = 0.5 * c.rel + 0.5 * float(v)
        else:
            cue = _CUES[prefer]
            for c in cands:
                c.score = c.rel + 0.25 * _cue_strength(c.text, cue, prefer)
        for c in cands:
            if _leans_back(c.text):
                c.score -= 0.1
            if c.title and prefer == "newest" and not _news_title(c):
                c.score -= 0.1  # a lede tells in sentences; a headline reads as one only if needed
            if request.section.id in ("headline", "dek"):
                # A headline names its actors: reward proper names (not the sentence's first word).
                names = {w for w in re.findall(r"(?<!^)(?<![.!?] )\b[A-Z][\w'-]+", c.text)}
                c.score += 0.03 * min(len(names), 4)

    def _candidates(
        self, passages: Sequence[NumberedPassage], spec: SectionSpec, previous: Sequence[str]
    ) -> list[_Candidate]:
        prefer = HouseSection.of(spec).prefer
        short = spec.id in ("headline", "dek")
        max_words = 25 if spec.id == "headline" else 40 if spec.id == "dek" else 60
        used = [normalize_for_hash(p) for p in previous]
        # A sentence told above is compared without the prefix the composer gave it: "According
        # to The Wall Street Journal at 09:30 UTC, " is no part of what it says.
        used_words = [content_words(_TOLD_PREFIX.sub("", p, count=1)) for p in previous]
        out: list[_Candidate] = []
        seen: set[str] = set()
        for pi, np_ in enumerate(passages):
            text = np_.passage.text
            spans = sentence_spans(text)
            subtitle = _subtitle_parts(np_, spans)
            for si, (a, b) in enumerate(spans):
                if si in subtitle:
                    # The second half of a title the splitter cut in two ("What's Israel's Next
                    # Move? Some Call for Full Takeover of Gaza") is a subtitle, leaning on the
                    # first: read on the archive, it stood as a dek, "Some Call for Full
                    # Takeover of Gaza." The first half stands ("Trump Is Winning His Trade
                    # War. What Will That Mean for the Economy?").
                    continue
                sentence = _drop_connective(text[a:b])
                if not _usable(sentence, prefer, short, max_words):
                    continue
                is_title = si == 0 and np_.passage.start == 0 and bool(np_.passage.title)
                if (
                    is_title
                    and sentence.rstrip().endswith("?")
                    and (_EXPLAINER_QUESTION.match(sentence) or is_framing(np_))
                ):
                    # An explainer's question ("What is Nuveen and why is it buying
                    # Schroders?", which stood alone as the uncertain section) or a column's
                    # hook ("Is Help Still on the Way for Iranian Protesters?") is answered by
                    # its own item: told bare, it reads as the draft asking. A news item's
                    # yes-or-no question ("Will the talks bring a deal?") may say what is open.
                    continue
                quoted = False
                dek_phrase = spec.id == "dek" and is_title and _headline_phrase(sentence)
                if dek_phrase and not is_framing(np_):
                    # "How the Bank of England can ..." is a headline, not a dek; a column's
                    # is quoted there ("A commentary ... ran under the headline").
                    continue
                if not short and is_title and _headline_only(sentence):
                    # A headline in headline capitals reads as a slogan among sentences; an
                    # earlier day's may still tell the background, quoted as a headline, and
                    # so may today's in the lede, for an item the draft tells nothing else of
                    # (its standfirst leans back or was used above): "The Wall Street Journal
                    # reported under the headline ...".
                    told_above = any(
                        normalize_for_hash(text[x:y]) in u
                        for x, y in sentence_spans(text)
                        for u in used
                    )
                    if told_above or (spec.id != "lede" and not _older(np_, passages)):
                        continue
                    quoted = True
                # A quoted headline reads in the draft without its full stop.
                key = normalize_for_hash(sentence.rstrip(".") if quoted else sentence)
                # Said above word for word, maybe quoted: a column's title the dek quoted ("ran
                # under the headline “The great inversion on emerging markets”") stood again as
                # a lede sentence (read on the archive).
                core = key.rstrip(" .!?…")
                if key in seen or any(
                    key in u or (len(core.split()) >= 4 and core in u) for u in used
                ):
                    continue
                cw = content_words(sentence)
                if any(
                    _jaccard(cw, u) >= 0.8
                    # nearly all its words told above: it adds nothing ("Different outlooks for
                    # inflation are likely to send the banks in different directions this year"
                    # after "The Bank of England and ECB kept interest rates unchanged, but
                    # different outlooks ...", one WSJ item's two feed copies)
                    or len(cw) >= 3
                    and len(cw & u) / len(cw) >= 0.8
                    or _jaccard(cw, u) >= 0.5
                    and (
                        corroborates(sentence, prev)
                        or corroborates(prev, sentence)
                        or _restates(cw, u)
                    )
                    for u, prev in zip(used_words, previous, strict=True)
                ):
                    continue  # said already, maybe in other words (another outlet's headline)
                seen.add(key)
                out.append(
                    _Candidate(
                        n=np_.n,
                        np=np_,
                        order=pi * 1000 + si,
                        text=sentence,
                        words=len(words(sentence)),
                        title=is_title,
                        quoted=quoted,
                    )
                )
        return out

    # --- embeddings --------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from assistant.index.embedder import Embedder

            self._embedder = (
                Embedder.for_settings(self.settings) if self.settings else Embedder.default()
            )
        return self._embedder

    def _embed(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        with self._lock:
            missing = sorted({t for t in texts if t not in self._vectors})
            if missing:
                for t, v in zip(missing, self.embedder.encode(missing), strict=True):
                    self._vectors[t] = v
            return np.stack([self._vectors[t] for t in texts])


def _usable(sentence: str, prefer: str, short: bool, max_words: int, follows: bool = False) -> bool:
    """Whether `sentence` may be told in a section: neither fragment, teaser, link, question
    (outside the uncertain section), bare quotation, shouting nor instruction-like text, and no
    pointer back unless it `follows` what it points at (`ExtractiveGenerator.followers`)."""
    n = len(words(sentence))
    if n < (5 if short else 6) or n > max_words:
        return False
    stripped = sentence.rstrip()
    if stripped.endswith(("...", "…")) or "http" in sentence or "www." in sentence:
        return False  # a teaser cut mid-sentence, or a link dump
    first = sentence.lstrip("\"'“‘([ ")[:1]
    if not first or first.islower() or not (first.isalnum()):
        return False  # a fragment
    if _INJECTION.search(sentence) or _HOUSEKEEPING.search(sentence):
        return False
    if stripped.endswith("?") and (prefer != "hedged" or _TO_THE_READER.search(sentence)):
        # A question to the reader ("Are you buying the dip, battening down the hatches or
        # carrying on as normal?", read on the archive) is a column's hook, not an open question.
        return False
    if _BARE_QUOTE.match(stripped):
        return False  # "“I could hear gunfire all around.”": a quotation without its speaker
    if (short and stripped.endswith("?")) or (_leans_back(sentence) and not follows):
        return False  # a pointer back whose referent the reader of the draft has not seen
    letters = [ch for ch in sentence if ch.isalpha()]
    return not letters or sum(ch.isupper() for ch in letters) / len(letters) < 0.5


_TO_THE_READER = re.compile(r"\byou(?:r|rs|rself|['’](?:re|ve|ll|d))?\b", re.IGNORECASE)
_BARE_QUOTE = re.compile(r"^[“\"‘][^“”\"]*[.!?,]?[”\"’]\.?$")


# "The statement came as ..." refers back to something the reader of a headline has not seen.
_BACKREF = re.compile(
    # "The president's announcement further escalates pressure ..." (read on the archive)
    r"^(the|this|that|these|those) (?:[\w-]+['’]s )?(statement|move|announcement|decision|remarks?|comments?|"
    r"opening|gathering|report|news|message|letter|measure|order|deal|plan|bill|law|proposal|"
    # "The ruling" is a court's ruling, not "the ruling LDP coalition".
    r"ruling(?!\s+(?:(?-i:[A-Z])|party|parties|coalition|class|elite|government|bloc|junta|family)))\b",
    re.IGNORECASE,
)


# A headlinese standfirst that points at its own headline with a bare noun: "Statement follows
# FT reporting on crude purchases …", "Measures mark Donald Trump's first effort …" (read on
# the archive, both told after an attribution as if they stood alone).
_BARE_BACKREF = re.compile(
    r"^(?:statement|move|decision|announcement|deal|plan|step|ruling|comments?|remarks?|"
    r"warning|measures?|action|proposal|appointment|departure|resignation|sale|purchase|"
    r"agreement|order|bid|offer|approval|vote|call|pledge)\s+"
    r"(?:(?:follow|come|mark|mean|signal|underline|highlight|add|raise)(?:s|ed)?|came)\b",
    re.IGNORECASE,
)


# "The gap between those two readings ...": a noun phrase whose demonstrative points back
# ("those who ..." and "that which ..." point forward and are left alone).
_BACKREF_OF = re.compile(
    r"^(?:the|a|an)\s+[\w'’-]+(?:\s+[\w'’-]+)?\s+(?:of|between|behind|over|about|from|with|"
    r"in|on|to|for)\s+(?:these|those|this|that)\s+(?!who\b|which\b|that\b)",
    re.IGNORECASE,
)


# "Now he'll have to decide what to do about it" (read on the archive, a column's standfirst
# under its headline): a sentence adverb, then a pronoun.
_ADVERB_PRONOUN = re.compile(
    r"^(?:now|then|instead|again|thus|hence|otherwise|there|here|soon|later)\s+"
    r"(?:he|she|it|they|we|his|her|their|its)\b",
    re.IGNORECASE,
)
# "... were among the issues discussed by the two leaders" (read on the archive): a group the
# sentence counts but does not name, unless two names come before it ("Trump and Xi met, and
# the two leaders agreed ...").
_DEFINITE_GROUP = re.compile(
    r"\b(?:the (?:two|three|four)|both) (?:leaders|sides|countries|nations|men|women|"
    r"presidents|governments|parties|companies|firms|banks|groups|allies|rivals|officials)\b",
    re.IGNORECASE,
)
# A demonstrative with a back-referring noun inside the sentence (read on the archive, 1 August
# 2025: "the tariffs set to go into effect next week will carry out that plan", told before the
# sentence naming the plan). "that" is also a conjunction ("warned that deal talks ..."), so it
# counts only where the noun phrase ends.
_BACK_NOUNS = (
    r"(?:plan|plans|move|decision|announcement|statement|proposal|deal|measures?|efforts?|"
    r"policy|idea|goal|strategy|approach|request|demand|threat|warning|pledge|promise|remarks?)"
)
_INNER_BACKREF = re.compile(
    rf"\b(?:this|these|those) {_BACK_NOUNS}\b|"
    rf"\bthat {_BACK_NOUNS}(?=\s*[.,;:!?]|\s+(?:to|for|of|in|on|by|with|at)\b|\s*$)",
    re.IGNORECASE,
)
_NAMES = re.compile(r"(?<!^)(?<![.!?] )\b[A-Z][\w'’-]+")


# "It is unclear whether ...", "It wouldn't take much for ...", "It's time to ...": the "it"
# stands for the clause that follows, not for anything before.
_EXPLETIVE_IT = re.compile(
    r"^It(?:['’]s|['’]d| is| was| will| would| could| might| may| remains| seems| appears)"
    r"(?:n['’]t| not)?(?: be)?\s+(?:(?:un)?likely|(?:un)?clear|(?:im)?possible|hard|easy|"
    r"difficult|time|too (?:early|soon|late)|worth|important|necessary|far from clear|"
    r"to be seen|takes? (?:much|long|little|years|months|time))\b"
)


HEADLINE_WORDS = 14
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b|\bUTC\b|\bGMT\b")
_FRAMING_LABEL = re.compile(r"^(?:Opinion|Analysis|Letters?|Lex|Comment)\b\s*[|:]", re.IGNORECASE)
_ATTRIBUTED = re.compile(r"\baccording to\b|\b\d{1,2}:\d{2} UTC\b", re.IGNORECASE)
# "Fund says ...", "Treasury Secretary Scott Bessent says ...": the sentence names its speaker.
_SELF_ATTRIBUTED = re.compile(
    r"^(?:[A-Z][\w.&'’-]* ){1,4}(?:said|says|reported|reports|wrote|writes|warns|warned|told)\b"
)


def _attributed(sentence: str) -> bool:
    """The sentence already says who and when: a second attribution would stack on it."""
    return bool(_ATTRIBUTED.search(sentence) or _SELF_ATTRIBUTED.match(sentence))


def _headline_form(sentence: str) -> str | None:
    """`sentence` as a headline (no closing full stop), or None when it cannot be one: too
    long or short, a time stamp, a fragment, a pointer back, shouting, a link."""
    text = sentence.strip()
    if text.endswith((".", "…")) and not text.endswith(("...", "…")):
        text = text[:-1].rstrip()
    elif text.endswith(("...", "…")):
        return None
    n = word_count(text)
    if n < 3 or n > HEADLINE_WORDS or _TIME.search(text) or "http" in text:
        return None
    if _leans_back(text) or _INJECTION.search(text) or _HOUSEKEEPING.search(text) or "|" in text:
        return None
    first = text.lstrip("\"'“‘([ ")[:1]
    if not first or first.islower() or not first.isalnum():
        return None
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(ch.isupper() for ch in letters) / len(letters) >= 0.5:
        return None
    return text


_CLAUSE_CUT = re.compile(
    r",\s+| (?=(?:that|which|who|as|after|while|but|amid|because|as well as) )"
)


_SUBORDINATE = {
    "as",
    "while",
    "after",
    "before",
    "although",
    "though",
    "if",
    "when",
    "because",
    "since",
    "unless",
    "whereas",
    "despite",
    "with",
}


def _clauses(sentence: str) -> list[str]:
    """Verbatim pieces of `sentence` that may stand as a headline: each stretch between
    commas, cut before a subordinate word ("that", "as", "after") once it has four words;
    the first letter raised."""
    text = sentence.strip().rstrip(".")
    out: list[str] = []
    for piece in re.split(r",\s+", text):
        cut = piece
        for m in _CLAUSE_CUT.finditer(piece):
            if len(words(piece[: m.start()])) >= 4:
                cut = piece[: m.start()]
                break
        cut = cut.strip()
        first = cut.split(None, 1)[0].casefold() if cut else ""
        if first in _SUBORDINATE:
            continue  # "As the U.S. stepped up ...": a clause that leans on the main one
        if len(words(cut)) >= 4 and not _leans_back(cut) and cut[:1].isalpha():
            out.append(cut[:1].upper() + cut[1:])
    return out


# A title that names a piece rather than stating a fact: "How the Bank of England can improve
# its decision-making", "Why Finding All the Bodies ... Is So Hard", "Inside the knotty
# economics of ...", "Meet the Multinational Cast of ...". Read on the archive, told after an
# attribution: "Earlier, on 4 February 2026, how the Bank of England can improve its
# decision-making." A comma lets a main clause follow ("When President Trump slapped tariffs
# ..., many economists feared ..." is a whole sentence), and a question is handled as one.
_HEADLINE_PHRASE = re.compile(r"^(?:How|Why|What|When|Where|Who|Whether|Inside|Meet|See)\b")


_EXPLAINER_QUESTION = re.compile(r"^(?:What|Why|How|Who|Where|When|Which)\b")


def _headline_only(title: str) -> bool:
    """Whether an item's title reads as a headline, never as a sentence of the draft: set in
    headline capitals (known to be a title, so words of three letters count: "Truth Is Hard to
    Get in Gaza" stood as a lede sentence), naming a piece ("How ..."), or "label: headline"."""
    return (
        title_case(title, min_letters=3, minor=True)
        or _headline_phrase(title)
        or _colon_title(title)
    )


_COLON_TITLE = re.compile(r"^(?:[^\s:]+\s){0,4}[^\s:]+:\s+\S")


def _colon_title(sentence: str) -> bool:
    """A title built as "label: headline" ("Sanctions and seizures: Trump turns up the heat on
    Venezuela", "Amrish Rau: India outshines even China on fintech"): a headline's form, read
    as a sentence it lost its label's sense ("Earlier, on 13 December 2025, sanctions and
    seizures: Trump turns up the heat on Venezuela", read on the archive)."""
    return _COLON_TITLE.match(sentence.strip()) is not None


def _headline_phrase(sentence: str) -> bool:
    """Whether `sentence`, an item's title, names a piece instead of stating a fact."""
    stripped = sentence.strip().rstrip(".")
    return (
        _HEADLINE_PHRASE.match(stripped) is not None
        and "," not in stripped
        and not stripped.endswith("?")
        and len(words(stripped)) <= 16
    )


def _subtitle_parts(np_: NumberedPassage, spans: Sequence[tuple[int, int]]) -> set[int]:
    """The indexes of the sentence spans after the first that an item's title was cut into
    (empty for a title that is one sentence)."""
    p = np_.passage
    # The text opens with the headline without its feed label: "Opinion | Hurrah! Europe Is
    # Fighting Over Economic Policy" is "Hurrah! Europe Is Fighting ..." there (read on the
    # archive: "According to the same commentary, Europe Is Fighting Over Economic Policy.").
    title = strip_title_label(p.title or "")
    if p.start != 0 or not title or not p.text.startswith(title):
        return set()
    return {i for i, (a, _) in enumerate(spans) if 0 < i and a < len(title)}


def _is_title(text: str, title: str) -> bool:
    head = normalize_for_hash(text)
    return bool(head) and head in normalize_for_hash(title)


_CONNECTIVE = re.compile(
    r"^(?:But|And|Yet|However,|Still,|Meanwhile,|"
    # "So Israel should ..." but never "So far, ...", "So much for ...".
    r"So(?!\s+(?:far|much|many|long|few|little|too|it|that|this)\b))\s+(?=\S)"
)


def _drop_connective(sentence: str) -> str:
    """ "But Trump's biggest challenge lies ahead." → "Trump's biggest challenge lies ahead.":
    a connective ties a claim to a sentence the draft may not carry; the claim stands alone
    (its own words unchanged) unless what follows points back too ("But it ...")."""
    m = _CONNECTIVE.match(sentence)
    if m is None:
        return sentence
    rest = sentence[m.end() :]
    if _leans_back(rest) or not rest[:1].isalpha():
        return sentence
    return rest[:1].upper() + rest[1:]


def _leans_back(sentence: str) -> bool:
    """The sentence opens on a pronoun, a connective or a back-referring noun phrase, also
    after a short opening phrase ("In April, they stayed ...")."""
    text = sentence.lstrip("\"'“‘( ")
    # "That’s Not Even the Hard Part": a contraction leans back as its first word does.
    head = re.split(r"['’]", text.split(None, 1)[0], maxsplit=1)[0] if text.split() else ""
    if _EXPLETIVE_IT.match(text):
        return False  # "It wouldn't take much for ...": an "it" that points at nothing
    if head.casefold().strip(",") in _ANAPHORIC or _BACKREF.match(text):
        return True
    if _BACKREF_OF.match(text) or _ADVERB_PRONOUN.match(text) or _BARE_BACKREF.match(text):
        return True
    if _INNER_BACKREF.search(text, 1):
        return True  # "... will carry out that plan": which plan, the sentence before said
    group = _DEFINITE_GROUP.search(text)
    if group and len(_NAMES.findall(text[: group.start()])) < 2:
        return True  # "... discussed by the two leaders": which two, the sentence never says
    opening, comma, rest = text.partition(", ")
    if comma and len(opening.split()) <= 4 and rest:
        return rest.split(None, 1)[0].casefold().strip(",") in _ANAPHORIC - {"and", "but", "so"}
    return False


def _cue_strength(text: str, cue: re.Pattern[str], prefer: str) -> float:
    hits = len(cue.findall(text))
    if prefer == "hedged" and text.rstrip().endswith("?"):
        hits += 1
    return min(hits, 3) / 3


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _ts(c: _Candidate) -> float:
    p = c.np.passage.published_at
    return p.timestamp() if p is not None else float("-inf")


def with_marker(sentence: str, n: int) -> str:
    """`'Putin spoke.'` → `'Putin spoke [3].'`: the marker goes before the final punctuation so
    the sentence splitter keeps it with its sentence; a sentence without one gets a full stop."""
    return with_markers(sentence, [n])


def with_markers(sentence: str, ns: Sequence[int]) -> str:
    """`with_marker` for one or more citations: `'Putin spoke [3][5].'`."""
    sentence = sentence.strip()
    marks = "".join(f"[{n}]" for n in ns)
    m = _END.search(sentence)
    if m is None:
        return f"{sentence} {marks}."
    return f"{sentence[: m.start()]} {marks}{sentence[m.start() :]}"


_TOLD_PREFIX = re.compile(r"^(?:(?:According to [^,]+|Earlier, on [^,]+), )+")
"""The prefixes the composer puts before a source's words (attribution, background date)."""


def _restates(wa: set[str], wb: set[str]) -> bool:
    """The shorter of two sentences' content words are nearly all in the longer: one restates
    the other, in other words or with more of them ("EU fears becoming ‘collateral damage’ ..."
    / "EU industry chief says bloc is becoming ‘collateral damage’ ..."; "the U.S. is betting $20
    billion that ..." / "The Trump administration is betting $20 billion that ..., writes WSJ's
    Greg Ip", one WSJ item's two feed copies, read on the archive)."""
    small = min(len(wa), len(wb))
    return bool(small) and len(wa & wb) / small >= 0.8


def corroborates(kept: str, other: str) -> bool:
    """`other` (another outlet's near-duplicate) says everything `kept` says: nearly all its
    content words, every figure and every name. Only then may it be cited beside `kept`."""
    from assistant.verify.signals import names, numbers

    mine, theirs = content_words(kept), content_words(other)
    if not mine or len(mine & theirs) / len(mine) < 0.8:
        return False
    if not numbers(kept) <= numbers(other):
        return False
    low = other.casefold()
    return all(n.casefold() in low for n in names(kept))


SAME_ITEM = 0.9
"""Share of its item's best relevance that a sentence of the same passage inherits."""
BACKGROUND_AFTER = timedelta(days=2)
"""A source this much older than the section's newest one is background, not the news."""


def as_background(sentence: str, np_: NumberedPassage, casing: Casing | None = None) -> str:
    """`'Talks began.'` → `'Earlier, on 3 March 2025, talks began.'` (the date is the source's)."""
    t = np_.passage.published_at
    if t is None:
        return sentence
    claim = (casing or Casing([np_.passage.text])).after_prefix(sentence)
    if claim.startswith("According to "):
        claim = "a" + claim[1:]
    return f"Earlier, on {t.day} {_MONTHS[t.month - 1]} {t.year}, {claim}"


def as_background_headline(headline: str, np_: NumberedPassage) -> str:
    """An earlier item's Title Case headline, quoted: `'Earlier, on 11 December 2025, The Wall
    Street Journal reported under the headline “U.S. Seizes Oil Tanker Off Venezuela”.'`"""
    t = np_.passage.published_at
    said = _under_headline(f"{in_prose(np_.passage.outlet)} reported", headline)
    if t is None:
        return said[0].upper() + said[1:]
    return f"Earlier, on {t.day} {_MONTHS[t.month - 1]} {t.year}, {said}"


def quoted_headline(headline: str, np_: NumberedPassage) -> str:
    """Today's Title Case headline of an item with nothing else to tell, quoted: `'The Wall
    Street Journal reported under the headline “Europe Moves to Reimpose Sanctions”.'` (a
    commentary's: `framing_headline`)."""
    if is_framing(np_):
        return framing_headline(headline, np_)
    said = _under_headline(f"{in_prose(np_.passage.outlet)} reported", headline)
    return said[0].upper() + said[1:]


def framing_headline(headline: str, np_: NumberedPassage) -> str:
    """An opinion or analysis item's headline in the draft's voice: `'A commentary in The Wall
    Street Journal ran under the headline “Iran Is Trump’s Deterrence Moment”.'`"""
    return _under_headline(f"A commentary in {in_prose(np_.passage.outlet)} ran", headline)


def _under_headline(who: str, headline: str) -> str:
    """`who` + ` under the headline “…”.`: the form the verifier reads as an attribution with
    the quotation as its claim (`verify.signals.strip_attribution`)."""
    return f"{who} under the headline \u201c{headline.strip().rstrip('.')}\u201d."


def _older(np_: NumberedPassage, passages: Sequence[NumberedPassage]) -> bool:
    """Whether `np_` is at least `BACKGROUND_AFTER` older than the newest of `passages`."""
    t = np_.passage.published_at
    stamps = [n.passage.published_at for n in passages if n.passage.published_at is not None]
    return t is not None and bool(stamps) and max(stamps) - t >= BACKGROUND_AFTER


def _order_in_time(c: _Candidate) -> tuple[float, int]:
    return (_ts(c), c.order)


def _latest_development_first(current: list[_Candidate]) -> list[_Candidate]:
    """`current` (in time order) with its latest development first: the newest news sentence,
    not a commentary's or a statement that something is still unknown (those follow in time
    order like the rest), unless nothing else is there."""
    if not current:
        return []
    news = [
        c
        for c in current
        if not is_framing(c.np) and not c.quoted and not _UNSETTLED.search(c.text)
    ]
    opener = news[-1] if news else current[-1]
    # The latest item's own headline, told as a sentence, is its news; its standfirst follows
    # it ("Japan raises interest rates to highest level in 30 years [3]. Yields on 10-year
    # government bonds hit …": read on the archive, the standfirst had opened and the
    # headline come last).
    same = [c for c in current if c.np.passage.doc_id == opener.np.passage.doc_id]
    head = next((c for c in same if c in news and _news_title(c)), opener)
    first = [head, *(c for c in same if c is not head)]
    return [*first, *(c for c in current if c not in first)]


def _news_title(c: _Candidate) -> bool:
    """A news item's headline written as a sentence (the FT's "Japan raises interest rates to
    highest level in 30 years"): the news itself, as fit to open a lede as its standfirst,
    which often tells a detail ("Yields on 10-year government bonds hit …")."""
    return c.title and not c.quoted and not is_framing(c.np) and not _headline_only(c.text)


def _passage_day(np_: NumberedPassage) -> date | None:
    p = np_.passage.published_at
    return p.date() if p is not None else None


def _day(c: _Candidate) -> date | None:
    p = c.np.passage.published_at
    return p.date() if p is not None else None


def attribute(
    sentence: str, np_: NumberedPassage, with_date: bool = False, casing: Casing | None = None
) -> str:
    """`'The Kremlin said X.'` → `'According to TASS at 18:26 UTC, the Kremlin said X.'`: the
    claim's first word is lowered when `casing` (the story's sources) says it is no name."""
    p = np_.passage
    head = sentence.split(None, 1)[0] if sentence.strip() else ""
    framing = is_framing(np_)
    if head.casefold() == "according" or (
        not framing and p.outlet.casefold() in sentence[:60].casefold()
    ):
        return sentence  # already attributed
    when = ""
    if p.published_at is not None:
        t = p.published_at
        when = f" at {t:%H:%M} UTC" + (
            f" on {t.day} {_MONTHS[t.month - 1]} {t.year}" if with_date else ""
        )
    sentence = (casing or Casing([p.text])).after_prefix(sentence)
    outlet = in_prose(p.outlet)
    source = f"a commentary in {outlet}" if framing else outlet
    return f"According to {source}{when}, {sentence}"


def is_framing(np_: NumberedPassage) -> bool:
    """An opinion or analysis item: marked by story assembly (`framing`) or by its title
    ("Opinion | ...")."""
    return np_.framing or _FRAMING_LABEL.match(np_.passage.title or "") is not None
