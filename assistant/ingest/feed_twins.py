"""`FeedTwins`: one outlet's feeds carrying the same item. WSJ World and WSJ Economy both list
"China Vows to Boost Domestic Demand" under one GUID, sometimes with a different headline or
standfirst; it is one document seen twice, not two sources. An item is a twin of a stored
document when both are feed items of the same outlet with the same GUID or the same canonical
link (archive wrappers unwrapped, query and fragment dropped). The pipeline then records a
sighting, as for a verbatim repost.

When the second copy says something the first does not (WSJ Economy runs a standfirst-length
sentence as its title, WSJ World a headline), the document is rewritten to hold both
(`merged_version`): the copy with the shorter title, the headline, leads, and the other
copy's sentences follow. Read on the archive: 60 of 8,558 items, among them "Bank of England
Holds Rates But Signals It Is Likely to Cut Again", which no draft could cite because the
Economy copy was stored first.

Keys of the documents already stored are read once per ingest run, on the first feed item.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlparse

from assistant.ingest.outlets import unwrap_archive
from assistant.text import normalize_for_hash, split_sentences, word_count

if TYPE_CHECKING:
    from assistant.ingest.items import Item
    from assistant.models import Document
    from assistant.store import Store

_FEEDS = ("rss", "atom")


def canonical_link(url: str | None) -> str | None:
    """`archive.is/newest/https://www.wsj.com/x?mod=rss` -> `wsj.com/x`: host and path only."""
    inner = unwrap_archive(url)
    if not inner:
        return None
    parsed = urlparse(inner)
    host = (parsed.hostname or "").lower().removeprefix("www.")
    if not host:
        return None
    return f"{host}{parsed.path.rstrip('/')}"


_CLOSERS = tuple(".?!…\"'”’)")


def _key(sentence: str) -> str:
    return normalize_for_hash(sentence).rstrip(" .!?…")


def merged_version(stored: Document, item: Item) -> tuple[str, str | None] | None:
    """(text, title) of one document holding both copies' sentences, the headline-like copy
    first, or None when `item` adds no sentence to `stored`."""
    mine, theirs = split_sentences(stored.text), split_sentences(item.text)
    have = {_key(s) for s in mine}
    if all(_key(s) in have for s in theirs):
        return None
    lead_item = bool(item.title) and (
        not stored.title or word_count(item.title or "") < word_count(stored.title)
    )
    first, second = (theirs, mine) if lead_item else (mine, theirs)
    seen = {_key(s) for s in first}
    extra = []
    for sentence in second:
        if _key(sentence) not in seen:
            seen.add(_key(sentence))
            extra.append(sentence)
    # A standfirst often ends without a full stop; joined to the next copy's sentence it would
    # run on into it ("... in the coming months The Bank of England and ECB kept ...").
    text = " ".join(s if s.rstrip()[-1:] in _CLOSERS else f"{s}." for s in [*first, *extra])
    return text, (item.title if lead_item else stored.title)


class FeedTwins:
    def __init__(self) -> None:
        self._doc_of: dict[tuple[str, str], str] | None = None

    @staticmethod
    def _keys(outlet: str, guid: str | None, url: str | None) -> list[tuple[str, str]]:
        keys = [(outlet, f"guid:{guid}")] if guid else []
        link = canonical_link(url)
        if link:
            keys.append((outlet, f"link:{link}"))
        return keys

    def add(self, doc: Document, guid: str | None = None) -> None:
        """Remember a stored feed document under its GUID (given, or read back from its
        location when that is not a position in the file) and its canonical link."""
        if self._doc_of is None or doc.format not in _FEEDS:
            return
        item = doc.location.item
        if guid is None and item and not (item.isdigit() and len(item) < 6):
            guid = item
        for key in self._keys(doc.outlet, guid, doc.url):
            self._doc_of.setdefault(key, doc.id)

    def moved(self, old_id: str, new_id: str) -> None:
        """The document `old_id` is now `new_id` (a merged twin): its keys follow it."""
        if self._doc_of is not None:
            for key, doc_id in self._doc_of.items():
                if doc_id == old_id:
                    self._doc_of[key] = new_id

    def twin(self, store: Store, item: Item) -> Document | None:
        """The stored document `item` is another feed's copy of, if any."""
        if item.format not in _FEEDS:
            return None
        if self._doc_of is None:
            self._doc_of = {}
            for doc in store.documents():
                self.add(doc)
        for key in self._keys(item.outlet, item.guid, item.url):
            doc_id = self._doc_of.get(key)
            if doc_id is not None:
                found = store.get_document(doc_id)
                if found is not None:
                    return found
        return None
