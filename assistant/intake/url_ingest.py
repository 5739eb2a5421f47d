"""`UrlIngest`: URLs in, the same items a saved file would give, stored as sightings of the URL.

One URL is fetched (`Fetcher`, with the URL's stored ETag / Last-Modified), what came back is
sniffed (`ContentKind`: the content decides, a disagreeing Content-Type is a warning) and read
by the loader a saved file of that kind would use: RSS/Atom by the feed loader, an HTML page by
trafilatura as an article, a `t.me/s/<channel>` preview by the preview loader, following its
`?before=<id>` pages back to `since` or `max_items` (whichever comes first) and stopping early
at a page it has already stored.

Each item becomes a sighting at the URL (`SourceLocation(path=url, item=guid or post id)`) with
the fetch time and HTTP status, so reposts and updates fold into lineages as for files
(`Ingestor.add_fetched`). An undated item keeps `published_at` empty; its `fetched_at` places it
in batch windows and its `date_flag` says so. The URL's conditional-GET state is written only
after its items are committed: killed in between, the next run fetches them again, and a 304
can never hide items that were never stored.

A problem with one URL goes into the report's `failed` (URL, message) and the others carry on.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from assistant.ingest.items import IngestError, Item
from assistant.intake.content_kind import ContentKind, advertised_feeds
from assistant.intake.fetcher import Fetcher, FetchError, FetchResult
from assistant.models import SourceKind, utcnow

if TYPE_CHECKING:
    from assistant.ingest.pipeline import Ingestor, IngestReport

DEFAULT_SINCE = timedelta(days=7)
DEFAULT_MAX_ITEMS = 200
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
UNDATED_FLAG = "no date; the fetch time stands in for it in batch windows"


def looks_like_url(arg: str) -> bool:
    """A command-line argument that names a URL (any scheme) rather than a path; a file that
    exists under that name (`notes:2024.txt`) stays a path."""
    if not _URL.match(arg) or re.match(r"^[a-zA-Z]:[\\/]", arg):
        return False
    return "://" in arg or not Path(arg).exists()


@dataclass
class UrlOutcome:
    """What one URL gave: for the watch loop's status table."""

    url: str
    requests: int = 0
    new: int = 0
    not_modified: bool = False
    error: str | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)


class UrlIngest:
    """Fetches URLs and stores their items through one `Ingestor` (the caller holds the lock)."""

    def __init__(
        self,
        ingestor: Ingestor,
        fetcher: Fetcher,
        since: datetime | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        conditional: bool = True,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.ingestor = ingestor
        self.store = ingestor.store
        self.fetcher = fetcher
        self.since = since if since is not None else utcnow() - DEFAULT_SINCE
        self.max_items = max_items
        self.conditional = conditional
        self._warn = warn or (lambda message: None)

    def ingest(
        self,
        url: str,
        report: IngestReport,
        expect_feed: bool = False,
        outlet: str | None = None,
        kind: SourceKind | None = None,
    ) -> UrlOutcome:
        """Fetch and store one URL; failures are recorded in `report.failed`, never raised.
        `expect_feed`: the URL is listed as a feed source, so an HTML page there is an error."""
        outcome = UrlOutcome(url)
        before = self.fetcher.requests
        new_before = report.new + report.versions
        try:
            self._ingest(url, report, outcome, expect_feed, outlet, kind)
        except (FetchError, IngestError) as exc:
            message = exc.problem if isinstance(exc, FetchError) else str(exc)
            report.failed.append((url, message))
            outcome.error = message
        finally:
            outcome.requests = self.fetcher.requests - before
            outcome.new = report.new + report.versions - new_before
        return outcome

    def _ingest(
        self,
        url: str,
        report: IngestReport,
        outcome: UrlOutcome,
        expect_feed: bool,
        outlet: str | None,
        kind: SourceKind | None,
    ) -> None:
        report.files += 1
        state = self.store.fetch_state(url) if self.conditional else None
        result = self.fetcher.get(url, *(state or (None, None)))
        if result.not_modified:
            report.unchanged += 1
            outcome.not_modified = True
            return
        text = _decode(result)
        content = ContentKind.of(text, result.content_type)
        if content.warning:
            self._note(url, content.warning, outcome)
        if content.kind is None:
            raise IngestError("the response is not a feed, a Telegram channel page or an HTML page")
        if expect_feed and content.kind == "html":
            feeds = advertised_feeds(text, result.final_url)
            named = f"; it advertises {', '.join(feeds)}" if feeds else "; it advertises no feed"
            raise IngestError(f"an HTML page where a feed was expected{named}")
        if content.kind == "feed":
            from assistant.ingest.loaders.feeds import load_feed

            items = load_feed(Path("fetched.xml"), text)
        elif content.kind == "telegram_preview":
            items = self._channel(url, result, text)
        else:
            from assistant.ingest.loaders.html import load_html

            items = [
                dataclasses.replace(it, url=it.url or result.final_url)
                for it in load_html(Path("fetched.html"), text)
            ]
        items = [self._fitted(it, outlet, kind) for it in items]
        from assistant.ingest.pipeline import Fetched

        self.ingestor.add_fetched(url, items, Fetched(result.fetched_at, result.status), report)
        if not self.conditional:
            return
        # Only now, with the items committed: a kill before this line refetches them.
        with self.store.transaction():
            self.store.set_fetch_state(
                url, result.etag, result.last_modified, result.status, result.fetched_at
            )

    def _note(self, url: str, message: str, outcome: UrlOutcome) -> None:
        outcome.warnings.append(message)
        self._warn(f"{url}: {message}")

    def _fitted(self, item: Item, outlet: str | None, kind: SourceKind | None) -> Item:
        changes: dict[str, object] = {}
        if outlet:
            changes["outlet"] = outlet
        if kind:
            changes["kind"] = kind
        if item.published_at is None:
            changes["date_flag"] = (
                f"{item.date_flag}; {UNDATED_FLAG}" if item.date_flag else UNDATED_FLAG
            )
        return dataclasses.replace(item, **changes) if changes else item  # type: ignore[arg-type]

    # --- t.me/s/<channel>: page back with ?before=<id> -------------------------------------
    def _channel(self, url: str, first: FetchResult, text: str) -> list[Item]:
        from assistant.ingest.loaders.telegram_preview import load_preview

        items = load_preview(Path("fetched.html"), text)
        seen = {it.item for it in items}
        base = _without_query(first.final_url)
        while items and len(items) < self.max_items:
            ids = [int(it.item) for it in items if it.item and it.item.isdigit()]
            if not ids:
                break
            oldest = min(ids)
            page = [it for it in items if it.item == str(oldest)]
            if page and page[0].published_at is not None and page[0].published_at < self.since:
                break
            if self.store.sighted_at(url, str(oldest)) is not None:
                break  # the rest was stored by an earlier run
            result = self.fetcher.get(f"{base}?before={oldest}")
            more = [
                it
                for it in load_preview(Path("fetched.html"), _decode(result))
                if it.item not in seen
            ]
            if not more:
                break
            seen.update(it.item for it in more)
            items += more
        dated_ok = [it for it in items if it.published_at is None or it.published_at >= self.since]
        dated_ok.sort(key=lambda it: -int(it.item) if it.item and it.item.isdigit() else 0)
        return dated_ok[: self.max_items]


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _decode(result: FetchResult) -> str:
    from assistant.ingest.sniff import binary_kind, decode

    if not result.body.strip():
        raise IngestError("the server sent an empty response")
    what = binary_kind(result.body)
    if what:
        raise IngestError(f"the response is binary ({what}), not a feed or a page")
    charset = None
    if result.content_type and "charset=" in result.content_type.lower():
        charset = result.content_type.lower().split("charset=")[1].split(";")[0].strip(" \"'")
    if charset and charset not in ("utf-8", "utf8"):
        try:
            return result.body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(result.body)
