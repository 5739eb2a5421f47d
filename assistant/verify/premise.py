"""`Premise`: the evidence an entailment model reads for one claim — the few best sentences of
all its cited passages taken together, in document order, within a token budget.

Today's verifier judges a claim by its best one- or two-sentence window (`evidence.py`), so a
sentence that joins facts from two sentences of a passage, or from two citations, finds no window
that holds it. `Premise.select` instead picks sentences across every cited passage at once:

1. If everything cited fits the budget (`max_tokens`, about 160 wordpieces), it is all kept.
2. Otherwise each long passage is cut into chunks of consecutive sentences (`chunk_tokens`); the
   chunk that covers the most of the claim is the one that counts for that passage.
3. From those chunks, sentences are taken greedily by the claim words they add that no chosen
   sentence has yet (figures and names weigh double: the hard checks care most about them), with
   the optional similarity as a tie-breaker, then the budget is filled with the most relevant
   remaining sentences, so a claim whose support is missing still reads realistic context.
4. The chosen sentences are put back in document order (passage by passage) and joined.

The same function cuts the premises of the training data (`bench/verifier_training/`), so the
model trains on what it sees at run time. Only `assistant.text` and the verifier's lexical
signals are used: nothing here loads a model. `similarity`, when given, scores each sentence
against the claim (e.g. cosine of cached MiniLM vectors) and adds to the lexical relevance.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from assistant.text import sentence_spans, strip_markers, words
from assistant.verify import signals as sg

_PIECE = re.compile(r"\w+|[^\w\s]", re.UNICODE)

Similarity = Callable[[str, Sequence[str]], Sequence[float]]
"""(claim, sentences) → one similarity in [-1, 1] per sentence."""


def approx_tokens(text: str) -> int:
    """Roughly the wordpieces BERT's tokenizer makes of `text`: words and punctuation marks,
    plus one piece per 7 letters of a long word (which the vocabulary splits)."""
    n = 0
    for m in _PIECE.finditer(text):
        n += 1 + max(0, (len(m.group(0)) - 6) // 7)
    return n


@dataclass(frozen=True)
class PremiseSentence:
    """One chosen sentence: which passage (its key), its character span there, and its text."""

    key: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Premise:
    """The evidence for one claim: the chosen sentences and their text joined in order."""

    text: str
    sentences: tuple[PremiseSentence, ...]
    tokens: int
    """`approx_tokens(text)`."""
    coverage: float
    """Share of the claim's (weighted) words that the chosen sentences contain."""

    @property
    def keys(self) -> tuple[int, ...]:
        """The passages that contributed at least one sentence, in citation order."""
        return tuple(dict.fromkeys(s.key for s in self.sentences))

    @classmethod
    def select(
        cls,
        claim: str,
        passages: Mapping[int, str] | Sequence[str],
        max_tokens: int = 160,
        chunk_tokens: int = 384,
        similarity: Similarity | None = None,
    ) -> Premise:
        """The premise for `claim` from its cited `passages` (marker → text, or a list)."""
        cited = dict(passages) if isinstance(passages, Mapping) else dict(enumerate(passages))
        weights = _claim_weights(claim)
        total_weight = sum(weights.values()) or 1.0

        units: list[_Sentence] = []
        for order, (key, text) in enumerate(cited.items()):
            units.extend(_sentences(order, key, text))
        if not units:
            return cls(text="", sentences=(), tokens=0, coverage=0.0)

        for u in units:
            u.hits = {w for w in weights if u.bag.has(w)}
        if similarity is not None:
            sims = list(similarity(claim, [u.text for u in units]))
            for u, s in zip(units, sims, strict=True):
                u.sim = float(s)
        for u in units:
            u.relevance = sum(weights[w] for w in u.hits) / total_weight + 0.5 * u.sim

        if sum(u.tokens for u in units) <= max_tokens:
            chosen = units
        else:
            pool: list[_Sentence] = []
            for order in range(len(cited)):
                mine = [u for u in units if u.order == order]
                pool.extend(_best_chunk(mine, weights, chunk_tokens, max_tokens))
            chosen = _greedy(pool, weights, max_tokens)
        chosen = sorted(chosen, key=lambda u: (u.order, u.index))
        covered = set().union(*(u.hits for u in chosen)) if chosen else set()
        text = " ".join(_clip(u.text, max_tokens) for u in chosen)
        return cls(
            text=text,
            sentences=tuple(PremiseSentence(u.key, u.start, u.end, u.text) for u in chosen),
            tokens=approx_tokens(text),
            coverage=sum(weights[w] for w in covered) / total_weight if weights else 1.0,
        )


def windows(text: str, max_tokens: int = 160) -> list[str]:
    """Runs of consecutive sentences of `text`, each within `max_tokens` and starting halfway
    into the one before (so a fact told across a boundary is whole in one of them); `[]` when
    `text` fits one premise. With the selected premise, the best of these is what counts for
    a long source: the selection picks sentences by the claim's words, and a paraphrase that
    shares few of them can lose its support there (QAGS CNN/DM)."""
    spans = sentence_spans(text)
    pieces = [(text[a:b], approx_tokens(text[a:b])) for a, b in spans]
    if sum(n for _, n in pieces) <= max_tokens:
        return []
    out: list[str] = []
    run: list[tuple[str, int]] = []
    size = 0
    for piece in pieces:
        if run and size + piece[1] > max_tokens:
            out.append(" ".join(_clip(t, max_tokens) for t, _ in run))
            run = run[len(run) // 2 :] if len(run) > 1 else []
            size = sum(n for _, n in run)
        run.append(piece)
        size += piece[1]
    if run:
        out.append(" ".join(_clip(t, max_tokens) for t, _ in run))
    return list(dict.fromkeys(out))


def premises(claim: str, passages: Mapping[int, str], max_tokens: int = 160) -> list[str]:
    """Every premise a claim is judged against; its probability is the best of them.

    - Sources that fit the budget together are one premise, all of their text.
    - Otherwise each source on its own: whole when it fits, else its `windows`. Measured on
      the calibration halves of `../shared/data/verify` with the committed model, natural runs
      of text judge better than a selection by the claim's words, which hands the model the
      very words a wrong claim shares with the source (held-out balanced accuracy 0.686 with
      windows alone, 0.658 with the selection alone, 0.653 with the best of both).
    - With several sources, `Premise.select` across all of them is judged too: a sentence
      joining facts from two citations is supported by no single source."""
    cited = list(passages.values())
    if sum(approx_tokens(t) for t in cited) <= max_tokens:
        return [Premise.select(claim, passages, max_tokens=max_tokens).text]
    out: list[str] = []
    if len(cited) > 1:
        out.append(Premise.select(claim, passages, max_tokens=max_tokens).text)
    for text in cited:
        out.extend(windows(text, max_tokens) or [text])
    return list(dict.fromkeys(out))


class _Sentence:
    """A candidate sentence with its claim-word hits (mutable scratch state of one selection)."""

    __slots__ = (
        "order",
        "key",
        "index",
        "start",
        "end",
        "text",
        "tokens",
        "bag",
        "hits",
        "sim",
        "relevance",
    )

    def __init__(self, order: int, key: int, index: int, start: int, end: int, text: str):
        self.order, self.key, self.index = order, key, index
        self.start, self.end, self.text = start, end, text
        self.tokens = approx_tokens(text)
        self.bag = sg.WordBag.of(words(text))
        self.hits: set[str] = set()
        self.sim = 0.0
        self.relevance = 0.0


def _sentences(order: int, key: int, text: str) -> list[_Sentence]:
    spans = sentence_spans(text) or ([(0, len(text))] if text.strip() else [])
    return [_Sentence(order, key, i, a, b, text[a:b]) for i, (a, b) in enumerate(spans)]


def _claim_weights(claim: str) -> dict[str, float]:
    """The claim's content words (weight 1) and its figures and names (weight 2), folded."""
    text, _ = strip_markers(claim)
    body, _ = sg.strip_attribution(text)
    tokens = words(body)
    out: dict[str, float] = {w: 1.0 for w in sg.content_tokens(tokens)}
    for n in sg.numbers(body):
        out[n.casefold()] = 2.0
    for name in sg.names(body):
        for w in words(name):
            if w in out:
                out[w] = 2.0
    return out


def _gain(u: _Sentence, covered: set[str], weights: Mapping[str, float]) -> float:
    return sum(weights[w] for w in u.hits - covered)


def _greedy(
    pool: Sequence[_Sentence], weights: Mapping[str, float], max_tokens: int
) -> list[_Sentence]:
    """Cover the claim's words first, then fill the budget with the most relevant sentences."""
    chosen: list[_Sentence] = []
    covered: set[str] = set()
    used = 0
    left = list(pool)
    while left:
        fits = [u for u in left if used + u.tokens <= max_tokens or not chosen]
        if not fits:
            break
        best = max(fits, key=lambda u: (_gain(u, covered, weights), u.relevance, -u.order))
        if _gain(best, covered, weights) <= 0:
            break
        chosen.append(best)
        covered |= best.hits
        used += best.tokens
        left.remove(best)
    for u in sorted(left, key=lambda u: (-u.relevance, u.order, u.index)):
        if used + u.tokens <= max_tokens:
            chosen.append(u)
            used += u.tokens
    return chosen or [max(pool, key=lambda u: u.relevance)]


def _best_chunk(
    sentences: Sequence[_Sentence],
    weights: Mapping[str, float],
    chunk_tokens: int,
    max_tokens: int,
) -> list[_Sentence]:
    """The chunk of consecutive sentences (≤ `chunk_tokens`) whose greedy pick covers the claim
    best; a passage that fits one chunk is its own chunk."""
    chunks: list[list[_Sentence]] = []
    current: list[_Sentence] = []
    size = 0
    for u in sentences:
        if current and size + u.tokens > chunk_tokens:
            chunks.append(current)
            # Overlap by one sentence so a fact split across a chunk boundary stays together.
            current, size = [current[-1]], current[-1].tokens
        current.append(u)
        size += u.tokens
    if current:
        chunks.append(current)
    if len(chunks) == 1:
        return chunks[0]

    def score(chunk: list[_Sentence]) -> tuple[float, float]:
        picked = _greedy(chunk, weights, max_tokens)
        covered = set().union(*(u.hits for u in picked))
        return (sum(weights[w] for w in covered), sum(u.sim for u in picked))

    return max(chunks, key=score)


def _clip(text: str, max_tokens: int) -> str:
    """A single sentence longer than the whole budget is cut at a word boundary."""
    if approx_tokens(text) <= max_tokens:
        return text
    out, n = [], 0
    for w in text.split():
        n += approx_tokens(w)
        if n > max_tokens:
            break
        out.append(w)
    return " ".join(out)
