"""`Ingestor`: files and folders in, deduplicated documents and passages in the store, indexes
synced. `IngestReport` says what happened, file by file where it matters.

Incremental and crash-safe:
- a file whose sha256 and size match what the store recorded is skipped without parsing;
- a changed file replaces its documents (`Store.forget_file` then re-add) in one transaction;
  passages that come back identical keep their vectors, so only new text is embedded;
- `prune` forgets files that no longer exist;
- vectors of removed passages are deleted right after each commit, and `index.sync()` at the
  end embeds whatever is not embedded yet, so a run killed at any point is completed by the next.

Which files a run reads is `walk.FolderWalk`'s business: regular files inside the named folders
(symlinks out only with `follow_symlinks`).

Bad input never stops the batch: each problem is recorded as `(path, reason)` in `failed` (or
`skipped` for files a folder walk does not consider sources) and the file's stored data is left
as it was.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.ingest.chunking import make_passages
from assistant.ingest.dedup import NearDuplicates, collapse_repeats, minhash, to_bytes
from assistant.ingest.feed_twins import FeedTwins, merged_version
from assistant.ingest.items import IngestError, Item
from assistant.ingest.language import detect_language
from assistant.ingest.loaders import load
from assistant.ingest.sniff import decode, read_checked, sniff
from assistant.ingest.walk import FolderWalk, Found, printable
from assistant.models import Document, Sighting, SourceLocation, sha256_hex, utcnow
from assistant.progress import NullProgress, Progress, check_cancel
from assistant.store import Store
from assistant.text import normalize_for_hash
from assistant.workspace import Workspace

if TYPE_CHECKING:
    from assistant.index.passage_index import PassageIndex


@dataclass(frozen=True)
class Fetched:
    """How items fetched from a URL arrived: when, and the HTTP status."""

    at: datetime
    status: int


@dataclass
class IngestReport:
    """The outcome of one `Ingestor.run`. Counts are documents unless they say files."""

    new: int = 0
    """Documents never seen before (originals of their lineage at the time)."""
    updated: int = 0
    """Files that had changed and replaced their previous documents."""
    duplicates: int = 0
    """Verbatim reposts: items recorded as another sighting of a stored document."""
    versions: int = 0
    """Near-duplicates linked into an existing lineage (updates, write-throughs, cross-posts)."""
    unchanged: int = 0
    """Files skipped because their content had not changed."""
    kept: int = 0
    """Documents of changed files that came back identical (their vectors were kept)."""
    collapsed: int = 0
    """Documents whose body repeated itself and was cut to one copy."""
    removed: int = 0
    """Documents dropped because their file changed or was pruned."""
    undated: int = 0
    """Documents whose date was missing, unparseable or doubtful (see `Document.date_flag`)."""
    date_flags: list[tuple[str, str]] = field(default_factory=list)
    """(`path#item`, why) for every new document stored without a trustworthy date."""
    warnings: list[str] = field(default_factory=list)
    """Things worth knowing that did not fail, e.g. a URL whose Content-Type disagreed."""
    pruned: list[str] = field(default_factory=list)
    """Files gone from disk whose documents `prune` removed."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(path, why) for what was passed over: not a source, a pipe or device, a symlink out."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(path, why) for what the editor must act on. Paths in the report are printable (newlines,
    bidi overrides and undecodable bytes escaped); the store keeps the real names."""
    files: int = 0
    """Files looked at."""
    documents: int = 0
    """Documents in the store after the run."""
    passages: int = 0
    """Passages in the store after the run."""
    embedded: int = 0
    """Passages embedded by this run."""

    @property
    def ok(self) -> bool:
        return not self.failed

    def merge(self, other: IngestReport) -> IngestReport:
        """This report with `other`'s counts and lists added (store totals: `other`'s, newer)."""
        for f in dataclasses.fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name in ("documents", "passages"):
                setattr(self, f.name, theirs)
            else:
                setattr(self, f.name, mine + theirs)
        return self

    def counts(self) -> list[tuple[str, int]]:
        return [
            ("new", self.new),
            ("updated files", self.updated),
            ("duplicates", self.duplicates),
            ("versions", self.versions),
            ("unchanged files", self.unchanged),
            ("collapsed repeats", self.collapsed),
            ("removed", self.removed),
            ("undated/flagged dates", self.undated),
            ("skipped", len(self.skipped)),
            ("failed", len(self.failed)),
            ("documents in store", self.documents),
            ("passages in store", self.passages),
            ("passages embedded", self.embedded),
        ]


class Ingestor:
    """Runs ingestion into one workspace's store and index (the caller holds the workspace lock)."""

    def __init__(self, workspace: Workspace, store: Store, index: PassageIndex | None) -> None:
        self.workspace = workspace
        self.settings = workspace.settings
        self.store = store
        self.index = index
        self._near = NearDuplicates(self.settings.near_duplicate_threshold)
        self._feed_twins = FeedTwins()
        self._now = utcnow()
        self._near_loaded = False

    # --- the run -------------------------------------------------------------------------------
    def run(
        self,
        paths: list[Path],
        prune: bool = False,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        follow_symlinks: bool = False,
    ) -> IngestReport:
        """Ingest `paths`; symlinks out of the named folders are read only with
        `follow_symlinks` (see `FolderWalk`)."""
        progress = progress or NullProgress()
        report = IngestReport()
        self._now = utcnow()
        self._near.load(self.store.signatures())
        self._near_loaded = True
        candidates = self._discover(paths, report, follow_symlinks)
        progress.start("reading files", total=len(candidates))
        try:
            for cand in candidates:
                check_cancel(cancel)
                report.files += 1
                self._ingest_file(cand, report)
                progress.advance()
        finally:
            progress.done()
        if prune:
            self._prune(report)
        if self.index is not None:
            report.embedded = self.index.sync(progress=progress, cancel=cancel)
        report.documents = self.store.count_documents()
        report.passages = self.store.count_passages()
        # The report is shown (CLI, TUI): a file name's newlines or bidi overrides must not
        # rewrite the lines around it. The store keeps the real names.
        report.skipped = [(printable(p), printable(r)) for p, r in report.skipped]
        report.failed = [(printable(p), printable(r)) for p, r in report.failed]
        report.date_flags = [(printable(p), printable(r)) for p, r in report.date_flags]
        report.pruned = [printable(p) for p in report.pruned]
        report.warnings = [printable(w) for w in report.warnings]
        return report

    def _discover(
        self, paths: list[Path], report: IngestReport, follow_symlinks: bool
    ) -> list[Found]:
        walk = FolderWalk(paths, follow_symlinks=follow_symlinks)
        found: dict[Path, Found] = {}
        for f in walk.files():
            # A file named on the command line as well as found in a folder counts as named.
            if f.explicit or f.path not in found:
                found[f.path] = f
        report.skipped += walk.skipped
        report.failed += walk.failed
        return list(found.values())

    # --- one file ------------------------------------------------------------------------------
    def _ingest_file(self, cand: Found, report: IngestReport) -> None:
        key = str(cand.path)
        try:
            data = read_checked(cand.path, self.settings.max_file_bytes)
            sha = hashlib.sha256(data).hexdigest()
            if self.store.file_state(key) == (sha, len(data)):
                report.unchanged += 1
                return
            text = decode(data)
            fmt = sniff(cand.path, text)
            if fmt is None:
                report.skipped.append(
                    (key, f"not a format desk reads (extension '{cand.path.suffix}')")
                )
                return
            items = load(cand.path, fmt, text)
        except IngestError as exc:
            reason = str(exc)
            if not cand.explicit and reason.startswith("binary file"):
                report.skipped.append((key, reason))
            else:
                report.failed.append((key, reason))
            return
        except OSError as exc:
            report.failed.append((key, f"cannot read: {exc.strerror or exc}"))
            return
        except Exception as exc:  # a parser bug must not end the batch; say what broke
            report.failed.append((key, f"could not parse ({type(exc).__name__}: {exc})"))
            return
        if not items:
            report.skipped.append((key, "no items in file"))
        try:
            self._store_file(key, sha, len(data), items, report)
        except Exception as exc:  # rolled back: the file's stored data is as it was
            report.failed.append((key, f"could not store ({type(exc).__name__}: {exc})"))
            # The in-memory signatures may hold documents of the rolled-back transaction.
            self._near = NearDuplicates(self.settings.near_duplicate_threshold)
            self._near.load(self.store.signatures())
            self._feed_twins = FeedTwins()  # it may know a merged document rolled back too

    def _store_file(
        self, key: str, sha: str, size: int, items: list[Item], report: IngestReport
    ) -> None:
        replaced = self.store.file_state(key) is not None
        empty = 0
        with self.store.transaction():
            old = {p.id: (p, emb) for p, emb in self.store.file_passages(key)} if replaced else {}
            old_docs = set(self.store.file_documents(key)) if replaced else set()
            old_lineages = {p.lineage_id for p, _ in old.values()}
            removed_ids = self.store.forget_file(key) if replaced else []
            gone_docs = {d for d in old_docs if not self.store.has_document(d)}
            self._near.remove(gone_docs)
            # Oldest first, so the earliest sighting of a repost and the earliest version of a
            # story become the stored original (Telegram dumps often list newest first).
            ordered = sorted(
                items, key=lambda it: (it.published_at is None, it.published_at or self._now)
            )
            for item in ordered:
                if not self._add_item(item, key, old_docs, report):
                    empty += 1
            self._reroot(old_lineages)
            self.store.record_file(key, sha, size, self._now)
            back = self.store.get_passages(removed_ids)
            # Identical passages that were embedded keep their vectors: nothing to re-embed.
            self.store.mark_embedded(
                [pid for pid, p in back.items() if old[pid][1] and old[pid][0] == p]
            )
            report.removed += len({d for d in gone_docs if not self.store.has_document(d)})
            if replaced:
                report.updated += 1
        stale = [pid for pid in removed_ids if pid not in back]
        if stale and self.index is not None:
            self.index.delete(stale)
        if empty:
            report.skipped.append((key, f"{empty} item(s) without text"))

    def _add_item(
        self,
        item: Item,
        key: str,
        old_docs: set[str],
        report: IngestReport,
        fetched: Fetched | None = None,
    ) -> bool:
        text, cut = collapse_repeats(item.text)
        if not text.strip():
            return False
        content_hash = sha256_hex(normalize_for_hash(text))
        doc_id = f"doc_{content_hash[:16]}"
        location = SourceLocation(path=key, item=item.item)
        # What this URL's item (same GUID, same post, same page) was before: a changed text
        # there is an update of that story, not a twin of it nor a new one.
        before = self.store.sighted_at(key, item.item) if fetched is not None else None
        if before == doc_id:
            return True  # seen here already, unchanged
        stored = self.store.get_document(doc_id)
        merged = False
        if stored is None and before is None:
            stored = self._feed_twins.twin(self.store, item)
            if stored is not None and (version := merged_version(stored, item)) is not None:
                stored = self._merge_twin(stored, *version)
                merged = True
            doc_id = stored.id if stored is not None else doc_id
        if stored is not None:
            self.store.add_sighting(
                Sighting(
                    doc_id=doc_id,
                    outlet=item.outlet,
                    channel=item.channel,
                    url=item.url,
                    published_at=item.published_at,
                    location=location,
                    fetched_at=fetched.at if fetched else None,
                    http_status=fetched.status if fetched else None,
                )
            )
            if _earlier(item.published_at, stored.published_at):
                # The document stands for its earliest sighting: who published the text first.
                self.store.update_document(
                    stored.model_copy(
                        update={
                            "kind": item.kind,
                            "format": item.format,
                            "outlet": item.outlet,
                            "channel": item.channel,
                            "author": item.author,
                            # a merged document's title is the sentence its text opens with
                            "title": stored.title if merged else item.title or stored.title,
                            "url": item.url,
                            "published_at": item.published_at,
                            "date_flag": item.date_flag,
                            "location": location,
                        }
                    )
                )
            report.duplicates += 1
            return True
        sig = minhash(text)
        match = self._near.best_match(sig)
        if before is not None and self.store.has_document(before):
            prior = self.store.get_document(before)
            match = (before, (prior.lineage_id if prior else None) or before, 1.0)
        lineage = doc_id
        becomes_root = False
        if match is not None:
            lineage = match[1]
            root = self.store.get_document(lineage)
            becomes_root = root is None or _earlier(item.published_at, root.published_at)
            if becomes_root:
                lineage = doc_id
        doc = Document(
            id=doc_id,
            kind=item.kind,
            format=item.format,
            outlet=item.outlet,
            channel=item.channel,
            author=item.author,
            title=item.title,
            text=text,
            url=item.url,
            published_at=item.published_at,
            date_flag=item.date_flag,
            ingested_at=self._now,
            language=item.language or detect_language(text),
            content_hash=content_hash,
            location=location,
            lineage_id=lineage,
            genre=item.genre,
            section=item.section,
            fetched_at=fetched.at if fetched else None,
        )
        self.store.add_document(
            doc,
            make_passages(doc, self.settings.chunk_max_chars),
            to_bytes(sig),
            http_status=fetched.status if fetched else None,
        )
        self._near.add(doc_id, lineage, sig)
        self._feed_twins.add(doc, item.guid)
        if becomes_root and match is not None:
            # The new document is the earliest version: the whole story now descends from it.
            self._move_lineage(match[1], doc_id)
        if doc_id in old_docs:
            report.kept += 1
        elif match is not None:
            report.versions += 1
        else:
            report.new += 1
        report.collapsed += int(cut)
        if item.date_flag is not None:
            report.undated += 1
            report.date_flags.append((str(location), item.date_flag))
        return True

    def add_fetched(
        self, key: str, items: list[Item], fetched: Fetched, report: IngestReport
    ) -> None:
        """Store items fetched from the URL `key`, in one transaction. Unlike a changed file's,
        a URL's earlier items stay: a feed drops old items and a page is rewritten, and neither
        unpublishes what the desk already has. A changed item is a new version in its lineage."""
        if not self._near_loaded:
            self._near.load(self.store.signatures())
            self._near_loaded = True
        empty = 0
        try:
            with self.store.transaction():
                ordered = sorted(
                    items, key=lambda it: (it.published_at is None, it.published_at or self._now)
                )
                for item in ordered:
                    if not self._add_item(item, key, set(), report, fetched):
                        empty += 1
        except BaseException:
            self._near = NearDuplicates(self.settings.near_duplicate_threshold)
            self._near_loaded = False
            self._feed_twins = FeedTwins()
            raise
        if empty:
            report.skipped.append((key, f"{empty} item(s) without text"))

    def finish(
        self,
        report: IngestReport,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> IngestReport:
        """Embed what is new, count the store and make the report printable (see `run`)."""
        if self.index is not None:
            report.embedded += self.index.sync(progress=progress or NullProgress(), cancel=cancel)
        report.documents = self.store.count_documents()
        report.passages = self.store.count_passages()
        report.skipped = [(printable(p), printable(r)) for p, r in report.skipped]
        report.failed = [(printable(p), printable(r)) for p, r in report.failed]
        report.date_flags = [(printable(p), printable(r)) for p, r in report.date_flags]
        report.pruned = [printable(p) for p in report.pruned]
        report.warnings = [printable(w) for w in report.warnings]
        return report

    def _merge_twin(self, stored: Document, text: str, title: str | None) -> Document:
        """Rewrite `stored` as one document holding `text`, both feed copies' sentences (see
        `ingest.feed_twins`): a new id for the new text, the old one's sightings and lineage
        moved to it. Runs inside the file's transaction, so a failure leaves both as they were."""
        content_hash = sha256_hex(normalize_for_hash(text))
        new_id = f"doc_{content_hash[:16]}"
        root = (stored.lineage_id or stored.id) == stored.id
        doc = stored.model_copy(
            update={
                "id": new_id,
                "text": text,
                "title": title,
                "content_hash": content_hash,
                "lineage_id": new_id if root else stored.lineage_id,
            }
        )
        sig = minhash(text)
        if not self.store.has_document(new_id):
            self.store.add_document(
                doc, make_passages(doc, self.settings.chunk_max_chars), to_bytes(sig)
            )
            self._near.add(new_id, doc.lineage_id or new_id, sig)
        self.store.retire_document(stored.id, into=new_id)
        self._near.remove([stored.id])
        if root:
            self._move_lineage(stored.id, new_id)
        self._feed_twins.moved(stored.id, new_id)
        return self.store.get_document(new_id) or doc

    def _move_lineage(self, old: str, new: str) -> None:
        for member in self.store.lineage_documents(old):
            if member.id != new:
                self.store.set_lineage(member.id, new)
        self._near.relabel(old, new)

    def _reroot(self, lineages: set[str]) -> None:
        """Lineages whose original was removed descend from their earliest remaining version."""
        for lineage in lineages:
            if self.store.has_document(lineage):
                continue
            members = self.store.lineage_documents(lineage)
            if members:
                self._move_lineage(lineage, members[0].id)

    # --- prune ---------------------------------------------------------------------------------
    def _prune(self, report: IngestReport) -> None:
        # A file is pruned only when it is known to be gone: if a folder on its way cannot be
        # read (permissions, a folder turned into a file, a dead mount), it is kept and the
        # folder reported, so a chmod never costs the documents behind it.
        folders = _FolderCheck()
        kept: dict[Path, tuple[str, int]] = {}
        for key in self.store.known_files():
            try:
                os.stat(key)
                continue  # still there
            except FileNotFoundError:
                missing = True
            except OSError:
                missing = False
            problem = folders.unreadable(Path(key))
            if problem is not None or not missing:
                folder, reason = problem or (Path(key).parent, "cannot check the file")
                kept[folder] = (reason, kept.get(folder, ("", 0))[1] + 1)
                continue
            with self.store.transaction():
                docs = self.store.file_documents(key)
                lineages = {p.lineage_id for p, _ in self.store.file_passages(key)}
                removed_ids = self.store.forget_file(key)
                gone = {d for d in docs if not self.store.has_document(d)}
                self._near.remove(gone)
                self._reroot(lineages)
            report.removed += len(gone)
            report.pruned.append(key)
            if removed_ids and self.index is not None:
                self.index.delete(removed_ids)
        for folder, (reason, files) in kept.items():
            report.failed.append(
                (
                    printable(str(folder)),
                    f"folder cannot be read ({reason}); the documents of its {files} ingested "
                    f"file{'s' if files != 1 else ''} are kept, not pruned",
                )
            )


class _FolderCheck:
    """Which folders can be listed, remembered across the files of one prune."""

    def __init__(self) -> None:
        self._seen: dict[Path, str | None] = {}

    def unreadable(self, path: Path) -> tuple[Path, str] | None:
        """The first folder on the way to `path` that cannot be listed, and why; `None` when
        every one can, or when one no longer exists (then the file really is gone)."""
        for folder in reversed(path.parents):  # from the root down to the file's folder
            if folder not in self._seen:
                try:
                    with os.scandir(folder):
                        self._seen[folder] = None
                except FileNotFoundError:
                    self._seen[folder] = "gone"
                except OSError as exc:
                    self._seen[folder] = exc.strerror or type(exc).__name__
            state = self._seen[folder]
            if state == "gone":
                return None
            if state is not None:
                return folder, state
        return None


def _earlier(a: datetime | None, b: datetime | None) -> bool:
    """Is `a` strictly earlier than `b`? Undated documents never count as earlier."""
    return a is not None and (b is None or a < b)
