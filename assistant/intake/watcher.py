"""`Watcher`: the `desk watch` loop — poll a workspace's `[[sources]]`, ingest what is new, keep
the index current, stop cleanly.

- **One writer.** Each poll takes the workspace's writer lock (the one `desk ingest` takes,
  waiting up to `wait` seconds), stores and embeds its items, syncs BM25 and the vector copy,
  and lets go, so a `desk ingest` can slip in between polls. Readers in other processes see the
  new store generation and reload their indexes (`PassageIndex.dense_search`).
- **Schedule.** A source is due every `SourceSpec.every_s`, with a random jitter of up to 10% (at
  most a minute) so feeds added together do not fire together. Per host, at most one request
  at a time (polls run one by one) and at least `fetch_min_interval_s` between two.
- **Failures.** A failing source is retried after `interval * 2^failures` (capped at a day)
  and shows as failing; the other sources carry on.
- **Folders.** A `path` source is re-ingested at its interval (only changed files are read), and,
  when not `once`, as soon as watchfiles reports a change and the changed files' sizes have
  stopped changing for `SETTLE_S`.
- **Stopping.** `stop` (set by SIGINT/SIGTERM in the CLI) is checked between polls: the poll
  under way finishes its item (committed with its conditional-GET state) and the loop returns.

`on_update` is called with the `SourceStatus` list after every change, for the CLI's live table
or its log lines. The core never imports rich.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from assistant.intake.sources import SourceSpec
from assistant.models import utcnow

if TYPE_CHECKING:
    from assistant.intake.fetcher import Fetcher
    from assistant.service import DeskService

log = logging.getLogger("desk.watch")

SETTLE_S = 1.0
"""A changed file is ingested once its size has not changed for this long."""
MAX_BACKOFF_S = 24 * 3600.0
MAX_JITTER_S = 60.0


@dataclass
class SourceStatus:
    """What the status table shows for one source."""

    spec: SourceSpec
    next_at: float = 0.0
    state: str = "waiting"
    """waiting, fetching, ok, not modified, failing, busy."""
    last_fetch: datetime | None = None
    new_items: int = 0
    """Items stored by this run, all polls together."""
    last_new: int = 0
    failures: int = 0
    """Consecutive failed polls."""
    error: str | None = None
    polls: int = 0
    requests: int = 0

    @property
    def name(self) -> str:
        return self.spec.target


@dataclass
class WatchReport:
    """What a run did; `failed` lists sources whose last poll failed."""

    polls: int = 0
    new: int = 0
    requests: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


class Watcher:
    """Polls `sources` into `service`'s workspace until `stop` is set (or once)."""

    def __init__(
        self,
        service: DeskService,
        sources: Sequence[SourceSpec] | None = None,
        wait: float = 0,
        on_update: Callable[[list[SourceStatus]], None] | None = None,
        conditional: bool = True,
        rng: random.Random | None = None,
        fetcher: Fetcher | None = None,
    ) -> None:
        self.service = service
        specs = [s for s in (sources if sources is not None else service.settings.sources)]
        self.statuses = [SourceStatus(s) for s in specs if s.enabled]
        self.wait = wait
        self.conditional = conditional
        self._on_update = on_update or (lambda statuses: None)
        self._rng = rng or random.Random()
        self._fetcher = fetcher
        self._host_last: dict[str, float] = {}
        self._min_gap = service.settings.fetch_min_interval_s
        self._changed: dict[str, set[Path]] = {}
        self._changed_lock = threading.Lock()
        self._wake = threading.Event()

    # --- the loop ------------------------------------------------------------------------------
    def run(self, once: bool = False, stop: threading.Event | None = None) -> WatchReport:
        from assistant.intake.fetcher import Fetcher

        stop = stop or threading.Event()
        report = WatchReport()
        now = time.monotonic()
        for st in self.statuses:
            # --once polls everything now; a long run spreads the first polls out.
            st.next_at = now if once else now + self._jitter(st.spec.every_s)
        watchers = [] if once else self._watch_folders(stop)
        fetcher = self._fetcher or Fetcher.for_settings(self.service.settings)
        try:
            pending = list(self.statuses)
            self._on_update(self.statuses)
            while not stop.is_set():
                due = self._next_due(pending if once else self.statuses)
                if due is None:
                    if once and not pending:
                        break
                    self._sleep_until_due(stop, pending if once else self.statuses)
                    continue
                self._poll(due, fetcher, report, once)
                if once:
                    pending.remove(due)
                    if not pending:
                        break
        finally:
            if self._fetcher is None:
                fetcher.close()
            self._wake.set()
            for t in watchers:
                t.join(timeout=5)
        report.failed = [(s.name, s.error or "") for s in self.statuses if s.state == "failing"]
        return report

    def _next_due(self, candidates: list[SourceStatus]) -> SourceStatus | None:
        now = time.monotonic()
        due = sorted((s for s in candidates if s.next_at <= now), key=lambda s: s.next_at)
        for st in due:
            host = _host(st.spec)
            if host is None or now - self._host_last.get(host, -1e9) >= self._min_gap:
                return st
        return None

    def _sleep_until_due(self, stop: threading.Event, candidates: list[SourceStatus]) -> None:
        now = time.monotonic()
        soonest = min((s.next_at for s in candidates), default=now + 1.0)
        gaps = [
            self._host_last[h] + self._min_gap
            for s in candidates
            if (h := _host(s.spec)) in self._host_last and s.next_at <= now
        ]
        until = min([soonest, *gaps]) if gaps else soonest
        self._wake.clear()
        # Wake for a folder change or a stop; at most a second, so the loop stays responsive.
        if not stop.wait(min(1.0, max(0.01, until - now))):
            self._wake.wait(0)

    def _jitter(self, every: float) -> float:
        return self._rng.uniform(0, min(every * 0.1, MAX_JITTER_S))

    # --- one poll ------------------------------------------------------------------------------
    def _poll(self, st: SourceStatus, fetcher: Fetcher, report: WatchReport, once: bool) -> None:
        from assistant.workspace import WorkspaceError

        st.state = "fetching"
        self._on_update(self.statuses)
        host = _host(st.spec)
        try:
            with self.service.workspace.lock("watch", wait=self.wait):
                ingest = self._poll_url if st.spec.url else self._poll_path
                new, error, requests, unchanged = ingest(st, fetcher)
        except WorkspaceError as exc:
            if once:
                raise
            st.state, st.error = "busy", str(exc)
            st.next_at = time.monotonic() + max(5.0, self.wait)
            log.warning("%s", exc)
            self._on_update(self.statuses)
            return
        if host is not None:
            self._host_last[host] = time.monotonic()
        st.polls += 1
        st.requests += requests
        st.last_fetch = utcnow()
        report.polls += 1
        report.requests += requests
        if error is not None:
            st.failures += 1
            st.state, st.error = "failing", error
            delay = min(st.spec.every_s * 2**st.failures, MAX_BACKOFF_S)
            log.warning("%s: %s (retry in %.0f s)", st.name, error, delay)
        else:
            st.failures, st.error = 0, None
            st.state = "not modified" if unchanged else "ok"
            st.last_new = new
            st.new_items += new
            report.new += new
            delay = st.spec.every_s
            log.info("%s: %s, %d new", st.name, st.state, new)
        st.next_at = time.monotonic() + delay + self._jitter(st.spec.every_s)
        if st.spec.path is not None:
            with self._changed_lock:
                changed_meanwhile = bool(self._changed.get(str(Path(st.spec.path).expanduser())))
            if changed_meanwhile:
                # A file arrived while this poll ran (the folder event came before the poll
                # set its next time): read it as soon as it settles, not an interval later.
                st.next_at = min(st.next_at, time.monotonic() + SETTLE_S)
        self._on_update(self.statuses)

    def _poll_url(self, st: SourceStatus, fetcher: Fetcher) -> tuple[int, str | None, int, bool]:
        from assistant.ingest.pipeline import Ingestor, IngestReport
        from assistant.intake.sources import is_channel_url
        from assistant.intake.url_ingest import UrlIngest

        svc = self.service
        ingestor = Ingestor(svc.workspace, svc.store, svc.index)
        report = IngestReport()
        url = st.spec.url or ""
        intake = UrlIngest(
            ingestor,
            fetcher,
            conditional=self.conditional,
            warn=lambda message: log.warning("%s", message),
        )
        outcome = intake.ingest(
            url,
            report,
            expect_feed=not is_channel_url(url),
            outlet=st.spec.outlet,
            kind=st.spec.kind,
        )
        if outcome.new:
            ingestor.finish(report)
        return outcome.new, outcome.error, outcome.requests, outcome.not_modified

    def _poll_path(self, st: SourceStatus, fetcher: Fetcher) -> tuple[int, str | None, int, bool]:
        from assistant.ingest.pipeline import Ingestor

        path = Path(st.spec.path or "").expanduser()
        with self._changed_lock:
            changed = self._changed.pop(str(path), set())
        # A file still being written is read once its size holds still (a bounded wait: a
        # log that grows for ever is read as it is after half a minute).
        unsettled, tries = _unsettled(changed), 0
        while unsettled and tries < 30:
            unsettled, tries = _unsettled(unsettled), tries + 1
        if not path.exists():
            return 0, f"{path} does not exist", 0, False
        svc = self.service
        report = Ingestor(svc.workspace, svc.store, svc.index).run([path])
        error = "; ".join(f"{p}: {r}" for p, r in report.failed[:3]) or None
        new = report.new + report.versions
        return new, error, 0, report.files == report.unchanged

    # --- folders -------------------------------------------------------------------------------
    def _watch_folders(self, stop: threading.Event) -> list[threading.Thread]:
        threads = []
        for st in self.statuses:
            if st.spec.path is None:
                continue
            path = Path(st.spec.path).expanduser()
            if not path.exists():
                continue
            t = threading.Thread(
                target=self._watch_one, args=(st, path, stop), name=f"watch {path}", daemon=True
            )
            t.start()
            threads.append(t)
        return threads

    def _watch_one(self, st: SourceStatus, path: Path, stop: threading.Event) -> None:
        import watchfiles

        try:
            for changes in watchfiles.watch(path, stop_event=stop, rust_timeout=1000):
                files = {Path(p) for kind, p in changes if kind != watchfiles.Change.deleted}
                with self._changed_lock:
                    self._changed.setdefault(str(path), set()).update(files)
                st.next_at = min(st.next_at, time.monotonic() + SETTLE_S)
                self._wake.set()
        except Exception as exc:  # noqa: BLE001 - the interval polls go on without events
            log.warning("%s: cannot watch for changes (%s); polling at the interval", path, exc)


def _host(spec: SourceSpec) -> str | None:
    return (urlsplit(spec.url).hostname or "").lower() if spec.url else None


def _unsettled(files: set[Path]) -> set[Path]:
    """Files whose size changed over the last `SETTLE_S` (still being written)."""
    if not files:
        return set()

    def sizes() -> dict[Path, int]:
        out = {}
        for f in files:
            try:
                out[f] = f.stat().st_size
            except OSError:
                out[f] = -1
        return out

    before = sizes()
    time.sleep(SETTLE_S)
    after = sizes()
    return {f for f in files if before[f] != after[f]}
