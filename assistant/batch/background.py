"""`BackgroundFinder`: earlier wire on a batch story's event, offered to its draft as background.

A batch story is clustered from one window's items (a day), so its draft could only tell that
day: "Fed cuts rates for third time" never said that the Fed had signalled the cut a week
before, though the workspace held that item. An editor expects the draft to place the day's
news against what came before, and to say which is which.

For a story, the finder looks at the documents published in the `lookback` before the story's
first item and keeps those that are on the same event:
- news only (no opinion, analysis, markets wraps or newsletters: background is what happened);
- title+lead vector (the clustering's own, `title_lead_vectors`) within `min_cosine` of the
  story's central item;
- sharing a rare name (`names_of`, on at most 5% of the lookback's items)
  with the story's items: a cosine alone paired the Philippine central bank's rate cut with
  India's (0.66), and "Central Bank" is on every such item;
- not of a lineage already in the story (an update of a member is the story itself).

The best `max_docs` (by cosine, from distinct outlets where there is a choice) have their lead
passages pinned into the draft, after the story's own pins. The composer then tells material at
least two days older than the story's latest development last, as "Earlier, on 3 December
2025, ..." (`ExtractiveGenerator.background`), and dates the attribution of a day-old item.
Nothing is added when nothing passes: a story with no earlier coverage in the workspace reads as
before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from assistant.batch.clustering import DocVectors, Story, names_in
from assistant.models import Document, SearchFilters
from assistant.text import title_case

if TYPE_CHECKING:
    from assistant.store import Store

BACKGROUND_GENRES = (None, "news")
"""Genres an earlier item may have to serve as background (None: not a feed item)."""


@dataclass(frozen=True)
class BackgroundParams:
    """Knobs, each documented: how far back, how close, how many."""

    lookback: timedelta = timedelta(days=10)
    """How far before the story's first item to look."""
    min_cosine: float = 0.6
    """Title+lead cosine to the story's central item an earlier item needs (all-MiniLM-L6-v2;
    the clustering joins same-day items from about 0.55)."""
    rare_share: float = 0.05
    """A shared name counts when at most this share of the lookback's items carry it ..."""
    rare_min: int = 5
    """... or at most this many, whichever is more."""
    max_docs: int = 2
    """Earlier items pinned at most: a synthesis has one background paragraph, not a history."""


class BackgroundFinder:
    """Finds earlier items on a story's event in the store (see the module docstring)."""

    def __init__(
        self, store: Store, vectors: DocVectors, params: BackgroundParams | None = None
    ) -> None:
        self.store = store
        self.vectors = vectors
        self.params = params or BackgroundParams()

    def earlier(self, story: Story) -> list[Document]:
        """The story's background items, closest first."""
        import numpy as np

        p = self.params
        members = [d for d in map(self.store.get_document, story.doc_ids) if d is not None]
        central = self.store.get_document(story.central_doc_id)
        if not members or central is None:
            return []
        lineages = {d.lineage_id or d.id for d in members}
        window = SearchFilters(since=story.start - p.lookback, until=story.start)
        pool = [
            d
            for d in self.store.documents(window)
            if (d.lineage_id or d.id) not in lineages and d.genre in BACKGROUND_GENRES
        ]
        if not pool:
            return []
        # A shared name must be a rare one in the lookback: "Central Bank" or "U.S." are on
        # half of a fortnight's items, "Machado" or "Oracle" on a handful.
        names = set().union(*(names_of(d) for d in members))
        found = {d.id: names_of(d) for d in pool}
        df = Counter(n for ents in found.values() for n in ents)
        rare = max(p.rare_min, int(p.rare_share * len(pool)))
        pool = [d for d in pool if any(df[n] <= rare for n in found[d.id] & names)]
        if not pool:
            return []
        vecs = self.vectors([central, *pool])
        cos = (
            vecs[1:]
            @ vecs[0]
            / np.maximum(np.linalg.norm(vecs[1:], axis=1) * np.linalg.norm(vecs[0]), 1e-12)
        )
        order = sorted(
            (i for i in range(len(pool)) if cos[i] >= p.min_cosine),
            key=lambda i: (-float(cos[i]), pool[i].id),
        )
        chosen: list[Document] = []
        for fresh_outlet in (True, False):  # distinct outlets first, then the closest rest
            for i in order:
                d = pool[i]
                if len(chosen) >= p.max_docs or d in chosen:
                    continue
                if fresh_outlet and d.outlet in {c.outlet for c in chosen}:
                    continue
                if (d.lineage_id or d.id) in {c.lineage_id or c.id for c in chosen}:
                    continue
                chosen.append(d)
        return chosen

    def pins(self, story: Story, per_doc: int = 1) -> list[str]:
        """The lead passages (`per_doc` each) of the story's background items."""
        out: list[str] = []
        for d in self.earlier(story):
            out += [p.id for p in self.store.passages_of(d.id)[:per_doc]]
        return out


def names_of(doc: Document) -> set[str]:
    """The names an item gives, lower-cased: capitalised words of its lead that do not open a
    sentence, and of its title only when the title is in sentence case (in "Philippine Central
    Bank Cuts Rates Again" every word is capitalised, "Again" included). Figures do not count:
    a "25" (basis points) is on every rate cut."""
    title = doc.title or ""
    lead = doc.text[len(title) :] if title and doc.text.startswith(title) else doc.text
    found = names_in(lead)
    if title and not title_case(title, min_letters=3):
        found |= names_in(title)
    return {n for n in found if n[:1].isalpha()}


def background_of(docs: Sequence[Document]) -> str:
    """One line naming the background items, for logs and `run.json`."""
    return "; ".join(f"{d.outlet} {d.published_at:%Y-%m-%d}: {d.title}" for d in docs)
