"""`PassageIndex`: the derived search indexes of a workspace — Chroma vectors and BM25 — kept in
step with the store.

The store is the source of truth; every passage has an `embedded` flag. `upsert` embeds in
batches and, per batch, writes vectors then marks those passages embedded, so a SIGKILL at any
point loses at most one batch of work and never leaves a passage marked without its vector.
`sync()` is the one idempotent, resumable "make the indexes match the store" step:

1. embed every passage not yet marked (a vector already in Chroma with the same content hash,
   e.g. written just before a crash or for a passage whose lineage changed, is reused: only its
   metadata is refreshed);
2. when the store's generation moved since the last reconciliation (or the counts disagree),
   delete vectors whose passage is gone (orphans of a crash between a store delete and the
   vector delete) and re-embed passages marked embedded whose vector is missing (e.g. a fresh
   Chroma server);
3. rebuild BM25 when its generation differs from the store's.

Vectors are only comparable with vectors of the same model, so the Chroma collection records
which model wrote them (`ModelIdentity`: a hash of the weights, the dimension, the backend) and
the first use of the index that embeds or searches (`check_model`) compares it with the
configured `embedding_model`, raising `IndexModelError` on a mismatch. `reindex()` (`desk
reindex`) drops the vectors and re-embeds every passage with the configured model, resumably,
and records the new identity only once every passage has its new vector and BM25's local copy
of the vectors is rebuilt. An index written before identities were recorded is adopted when
re-embedding a few of its stored passages with the configured model gives back their stored
vectors (all such indexes were built with the wheel's model); otherwise it asks for a reindex.

Tuning knobs come from `Settings`: `embedding_batch_size` (vectors are written every 16 model
batches, `_WRITE_BATCHES`), `chroma_url` / `chroma_collection`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.index.lexical import LexicalHit, LexicalIndex
from assistant.index.model_identity import IndexModelError, ModelIdentity, weights_digest
from assistant.index.vector_store import DenseHit, VectorStore
from assistant.models import Passage, SearchFilters
from assistant.progress import NullProgress, Progress, check_cancel
from assistant.store import Store
from assistant.workspace import Workspace

if TYPE_CHECKING:
    import numpy as np

    from assistant.index.embedder import Embedder

_RECONCILED_KEY = "index.reconciled_generation"
_WRITE_BATCHES = 16
_SAMPLE = 4
"""Stored passages re-embedded to recognise the model of an index with no recorded identity."""
_SAME_VECTOR = 0.999
"""Cosine above which a re-embedded passage's vector is its stored one (run-to-run float noise
of one model is ~1e-6; another model, even a close fine-tune, lands well below)."""


@dataclass(frozen=True)
class ReindexReport:
    """What `PassageIndex.reindex` did."""

    passages: int
    """Passages in the store, all of which now have a vector from `model`."""
    embedded: int
    """Passages embedded by this run (fewer than `passages` when it resumed a killed run)."""
    model: ModelIdentity
    previous: ModelIdentity | None
    """The model recorded before, when the run started from a complete index."""
    resumed: bool


class PassageIndex:
    """Dense (Chroma) and lexical (BM25) indexes over the store's passages."""

    def __init__(self, workspace: Workspace, store: Store) -> None:
        self.workspace = workspace
        self.store = store
        self.settings = workspace.settings
        self._lock = threading.RLock()
        self._vectors: VectorStore | None = None
        self._lexical: LexicalIndex | None = None
        self._lineage_sizes: tuple[int, dict[str, int]] | None = None
        self._closed = False
        self._model_checked = False
        self._record_on_write = False
        # Importing chromadb and opening the client takes a second or more; do it while the
        # caller parses files. A failure here is ignored: the first real use raises it clearly.
        # numpy is imported here first: importing it from two threads at once can hand one of
        # them a partially initialised module ("cannot import name 'NDArray'").
        import numpy  # noqa: F401

        self._warm = threading.Thread(target=self._open_quietly, name="chroma-open", daemon=True)
        self._warm.start()

    def _open_quietly(self) -> None:
        try:
            with self._lock:
                if not self._closed:
                    _ = self.vectors
        except Exception:  # noqa: BLE001 - reported by the first real use
            pass
        # Hash the model's files now too (0.3 s for the wheel's model in a new workspace), so
        # the first `check_model` finds the digest ready. Outside the lock: hashing needs none.
        try:
            self._model_digest()
        except Exception:  # noqa: BLE001 - reported by the first real use
            pass

    # --- parts, built on first use -------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        from assistant.index.embedder import Embedder

        return Embedder.for_settings(self.settings)

    @property
    def vectors(self) -> VectorStore:
        vectors = self._vectors
        if vectors is not None:
            # Chroma's client is safe to share; a search must not queue behind an ingest's
            # embedding, which holds the lock for its whole run.
            return vectors
        with self._lock:
            if self._vectors is None:
                self._vectors = VectorStore(
                    self.workspace.chroma_dir,
                    self.settings.chroma_collection,
                    url=self.settings.chroma_url,
                )
            return self._vectors

    # --- which model the vectors come from --------------------------------------------------
    def _model_digest(self) -> str:
        from assistant.index.embedder import resolve_model_path

        path = resolve_model_path(self.settings.embedding_model)
        return weights_digest(path, self.workspace.model_digests_path)

    def configured_model(self, load: bool = True) -> ModelIdentity:
        """The identity of the configured `embedding_model`. `load=False` hashes its files but
        does not load it, leaving the dimension 0 (enough to compare with a recorded one)."""
        from assistant.index.embedder import resolve_model_path

        path = resolve_model_path(self.settings.embedding_model)
        return ModelIdentity(
            weights=self._model_digest(),
            dimension=self.embedder.dimension if load else 0,
            backend=self.settings.embedding_backend,
            model=str(path),
        )

    def check_model(self) -> None:
        """Raise `IndexModelError` unless the stored vectors were written by the configured
        model. Checked once per index; an empty collection takes the identity of the model
        that writes its first vectors."""
        if self._model_checked:
            return  # without the lock: an ingest holds it for its whole embedding stage
        with self._lock:
            if self._model_checked:
                return
            vectors = self.vectors
            configured = self.configured_model(load=False)
            target = vectors.reindex_target()
            if target is not None:
                again = (
                    "it resumes where it stopped"
                    if target.weights == configured.weights
                    else f"it starts over with the configured {configured.describe()}"
                )
                raise IndexModelError(
                    f"the vector index in {vectors.location} is incomplete: a `desk reindex` "
                    f"with {target.describe()} was interrupted. Run `desk reindex` again ({again})."
                )
            recorded = vectors.model_identity()
            if vectors.count() == 0:
                self._record_on_write = True
            elif recorded is None:
                self._adopt_or_refuse()
            elif recorded.weights != configured.weights:
                raise IndexModelError(
                    f"the vector index in {vectors.location} was built with the embedding model "
                    f"{recorded.describe()}, but the configured `embedding_model` "
                    f"('{self.settings.embedding_model}', see {self.workspace.toml_path}) is "
                    f"{self.configured_model().describe()}. Vectors of two models cannot be "
                    "compared: run `desk reindex` to re-embed every passage with the configured "
                    "model, or set `embedding_model` back."
                )
            self._model_checked = True

    def _adopt_or_refuse(self) -> None:
        """An index written before identities were recorded: adopt the configured model when it
        reproduces the stored vectors of a few passages, else ask for a reindex."""
        import numpy as np

        model = self.configured_model()
        ids, stored, hashes = self.vectors.sample(_SAMPLE)
        before = (
            f"the vector index in {self.vectors.location} was written before desk recorded "
            "which embedding model built it, and"
        )
        fix = "Run `desk reindex` to re-embed every passage with the configured model."
        if stored and len(stored[0]) != model.dimension:
            raise IndexModelError(
                f"{before} its {len(stored[0])}-dimensional vectors cannot come from the "
                f"configured `embedding_model` {model.describe()}. {fix}"
            )
        passages = self.store.get_passages(ids)
        pairs = [
            (passages[pid].text, vec)
            for pid, vec, digest in zip(ids, stored, hashes, strict=True)
            if pid in passages and passages[pid].content_hash == digest
        ]
        if pairs:
            fresh = self.embedder.encode([text for text, _ in pairs])
            sims = [
                float(np.dot(a, b) / ((np.linalg.norm(a) * np.linalg.norm(b)) or 1.0))
                for a, (_, b) in zip(fresh, pairs, strict=True)
            ]
            if min(sims) < _SAME_VECTOR:
                raise IndexModelError(
                    f"{before} the configured `embedding_model` {model.describe()} does not "
                    f"reproduce its vectors (cosine {min(sims):.3f} for a stored passage). {fix}"
                )
        self.vectors.record_model(model)

    def _record_first_vectors(self) -> None:
        """Before the first vectors go into an empty collection: record their model."""
        self._record_on_write = False
        if self.vectors.count() > 0:  # someone wrote since we looked: check them instead
            self._model_checked = False
            self.check_model()
            return
        model = self.configured_model()
        recorded = self.vectors.model_identity()
        if recorded is not None and recorded.same_model(model):
            return
        if recorded is not None:
            # An emptied collection keeps its old dimension; start a fresh one.
            self.vectors.reset(model)
        self.vectors.record_model(model)

    @property
    def _reconciled_key(self) -> str:
        # Keyed by where the vectors live: pointing the workspace at a new server must reconcile.
        return f"{_RECONCILED_KEY}:{self.vectors.location}:{self.settings.chroma_collection}"

    # --- writes --------------------------------------------------------------------------------
    def upsert(
        self,
        passages: list[Passage],
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        """Embed and store `passages` batch by batch, marking each batch embedded once its vectors
        are written. Returns how many passages were embedded by the model (reused vectors are
        not counted)."""
        progress = progress or NullProgress()
        self.check_model()
        if not passages:
            return 0
        # Length-sorted batches pad less, so the model does less work per passage.
        todo = sorted(passages, key=lambda p: len(p.text))
        # Vectors are written (and marked) every `_WRITE_BATCHES` model batches (256 passages
        # at the default 16): each write costs a Chroma and a SQLite round trip, and a SIGKILL
        # loses at most one write's work.
        step = self.settings.embedding_batch_size * _WRITE_BATCHES
        embedded = 0
        progress.start("embedding", total=len(todo))
        try:
            with self._lock:
                for i in range(0, len(todo), step):
                    check_cancel(cancel)
                    chunk = todo[i : i + step]
                    stored = self.vectors.content_hashes([p.id for p in chunk])
                    reuse = [p for p in chunk if stored.get(p.id) == p.content_hash]
                    fresh = [p for p in chunk if stored.get(p.id) != p.content_hash]
                    if reuse:
                        self.vectors.update_metadata(reuse)
                        self.store.mark_embedded(p.id for p in reuse)
                        progress.advance(len(reuse))
                    if fresh:
                        vecs = self.embedder.encode([p.text for p in fresh])
                        if self._record_on_write:
                            self._record_first_vectors()
                        self.vectors.upsert(fresh, vecs)
                        self.store.mark_embedded(p.id for p in fresh)
                        embedded += len(fresh)
                        progress.advance(len(fresh))
        finally:
            progress.done()
        return embedded

    def delete(self, passage_ids: list[str]) -> None:
        """Drop vectors of passages removed from the store (BM25 follows at the next sync)."""
        if passage_ids:
            with self._lock:
                self.vectors.delete(passage_ids)

    def sync(self, progress: Progress | None = None, cancel: threading.Event | None = None) -> int:
        """Bring vectors and BM25 in line with the store. Idempotent; safe to rerun after a kill."""
        progress = progress or NullProgress()
        with self._lock:
            self.check_model()
            embedded = self.upsert(self.store.unembedded_passages(), progress, cancel)
            generation = self.store.generation()
            if (
                self.store.get_meta(self._reconciled_key) != str(generation)
                or self.vectors.count() != self.store.count_passages()
            ):
                embedded += self._reconcile(progress, cancel)
                self.store.set_meta(self._reconciled_key, str(generation))
            self._refresh_lexical(generation, progress, writer=True)
        return embedded

    def reindex(
        self, progress: Progress | None = None, cancel: threading.Event | None = None
    ) -> ReindexReport:
        """Drop the vectors and re-embed every stored passage with the configured model (the
        caller holds the workspace's writer lock). Killed or cancelled, it leaves the
        collection marked as being reindexed (every use then asks for `desk reindex`), and the
        next run embeds only the passages still without a new vector."""
        progress = progress or NullProgress()
        with self._lock:
            model = self.configured_model()
            vectors = self.vectors
            target = vectors.reindex_target()
            resumed = target is not None and target.same_model(model)
            previous = None if target is not None else vectors.model_identity()
            if not resumed:
                vectors.reset(model)
            # The collection is ours now, whatever it says: skip the check in `upsert`.
            self._model_checked, self._record_on_write = True, False
            in_chroma = set(vectors.all_ids())
            all_ids = self.store.passage_ids()
            if in_chroma - all_ids:
                vectors.delete(sorted(in_chroma - all_ids))
            todo = (all_ids - in_chroma) | self.store.passage_ids(embedded=False)
            embedded = self.upsert(
                list(self.store.get_passages(sorted(todo)).values()), progress, cancel
            )
            generation = self.store.generation()
            self.store.set_meta(self._reconciled_key, str(generation))
            # BM25's copy of the vectors first: recorded before it, the old copy would be
            # trusted by a filtered search if we were killed in between.
            self._refresh_lexical(generation, progress, force=True, writer=True)
            vectors.record_model(model)
        return ReindexReport(len(all_ids), embedded, model, previous, resumed)

    def _reconcile(self, progress: Progress, cancel: threading.Event | None) -> int:
        in_chroma = set(self.vectors.all_ids())
        orphans = sorted(in_chroma - self.store.passage_ids())
        if orphans:
            self.vectors.delete(orphans)
        missing = sorted(self.store.passage_ids(embedded=True) - in_chroma)
        if not missing:
            return 0
        return self.upsert(list(self.store.get_passages(missing).values()), progress, cancel)

    def _refresh_lexical(
        self, generation: int, progress: Progress, force: bool = False, writer: bool = False
    ) -> None:
        """Bring BM25 (and the vector copy) to `generation`: load the saved index if it is
        there already, else extend it with what the passage log says changed (a delta
        segment), else build it from every passage. `writer`: the caller holds the
        workspace's writer lock, so the log may be pruned after a full build."""
        if not force and self._lexical is not None and self._lexical.generation == generation:
            return
        target = self.workspace.lexical_dir
        if not force:
            if LexicalIndex.stored_generation(target) == generation:
                loaded = LexicalIndex.load(target)
                if loaded is not None and loaded.generation == generation:
                    self._lexical = loaded
                    return
            if self._extend_lexical(target, generation, progress):
                return
        progress.start("BM25 index", total=None)
        # The log position is read before the passages: a change landing in between is in
        # both, and taking it in again next time is harmless.
        seq = self.store.log_position()
        lexical = LexicalIndex.build(self.store.passages(), generation, seq)
        if not self.settings.chroma_url:
            # A local copy of the vectors for fast filtered search; a server's archive may be
            # far larger than one machine's memory, so there Chroma filters.
            lexical.keep_vectors(self.vectors.matrix(lexical.ids))
        lexical.save(target)
        self._lexical = lexical
        if writer:
            self.store.prune_passage_log(seq)
        progress.done()

    def _load_saved(self, target: Path) -> LexicalIndex | None:
        """The saved index: when its full build is the one in memory, only its delta segment
        is read (another process's feed poll; a full build at 1M takes seconds to load)."""
        current = self._lexical
        if current is not None:
            same = current.with_saved_delta(target)
            if same is not None:
                return same
        return LexicalIndex.load(target)

    def _extend_lexical(self, target: Path, generation: int, progress: Progress) -> bool:
        """Take the passages changed since the saved index into its delta segment (see
        `delta.py`); False when a full build is due instead."""
        base = self._lexical
        if base is None or LexicalIndex.stored_generation(target) != base.generation:
            # None in memory yet, or another process moved the saved one on: start from disk.
            base = self._load_saved(target) or base
        if base is None or base.seq is None:
            return False
        changes = self.store.passage_changes(base.seq)
        if changes is None:
            return False
        touched, seq = changes
        progress.start("BM25 index: new passages", total=None)
        extended = base.with_changes(
            touched,
            self.store.get_passages,
            self.vectors.vectors,
            generation,
            seq,
        )
        if extended is None:
            return False
        extended.save_delta(target)
        self._lexical = extended
        progress.done()
        return True

    # --- reads ---------------------------------------------------------------------------------
    def lexical(self) -> LexicalIndex:
        """The BM25 index for searching. A stale one is used as is (results are checked against
        the store; `sync()` rebuilds it); a missing one is built now. While an ingest holds
        the lock (embedding, rebuilding), the one in memory answers at once."""
        current, generation = self._lexical, self.store.generation()
        if current is not None and current.generation == generation:
            return current
        if not self._lock.acquire(blocking=current is None):
            assert current is not None
            return current
        try:
            if self._lexical is None or self._lexical.generation != generation:
                target = self.workspace.lexical_dir
                on_disk = LexicalIndex.stored_generation(target)
                if on_disk is not None and (
                    self._lexical is None or on_disk != self._lexical.generation
                ):
                    self._lexical = self._load_saved(target) or self._lexical
                if self._lexical is None:
                    self._refresh_lexical(generation, NullProgress())
            assert self._lexical is not None
            return self._lexical
        finally:
            self._lock.release()

    def embed_query(self, text: str) -> np.ndarray:
        self.check_model()
        return self.embedder.encode_query(text)

    def dense_search(
        self,
        query_vec: np.ndarray,
        k: int,
        where: dict[str, Any] | None = None,
        filters: SearchFilters | None = None,
    ) -> tuple[list[DenseHit], dict[str, np.ndarray]]:
        """Nearest passages under the filters. With embedded Chroma, the copy of the vectors
        kept beside BM25 answers whenever it matches the store's generation: an exact scan of
        the rows the filters leave, or its clusters when they leave more than
        `clusters.SCAN_ROWS` (faster than Chroma's HNSW, filtered or not, and it sees what
        another process wrote). Otherwise Chroma answers with `where`."""
        self.check_model()
        lexical = self._current_copy()
        if lexical is not None:
            scanned = lexical.dense_scan(query_vec, k, filters or SearchFilters())
            if scanned is not None:
                hits, vecs = scanned
                return [DenseHit(pid, sim) for pid, sim in hits], vecs
        return self.vectors.query(query_vec, k, where)

    def _current_copy(self) -> LexicalIndex | None:
        """The BM25 index when it keeps a copy of the vectors of the store's generation.

        Embedded Chroma does not show a process what another one (`desk watch`) wrote after
        it opened; the copy (reloaded from disk by `lexical()`) does. A Chroma server is
        always current and keeps no copy (its archive may be larger than this machine)."""
        if self.settings.chroma_url:
            return None
        lexical = self.lexical()
        if lexical.vectors is None or lexical.generation != self.store.generation():
            return None
        return lexical

    def lexical_search(
        self, query: str, k: int, filters: SearchFilters | None = None
    ) -> list[LexicalHit]:
        return self.lexical().search(query, k, filters)

    def passage_vectors(self, passages: Sequence[Passage]) -> dict[str, np.ndarray]:
        """Stored vectors of `passages`; ones not embedded yet (after a crash) are embedded in
        memory so MMR can still compare them."""
        self.check_model()
        copy = self._current_copy()
        out = copy.stored_vectors([p.id for p in passages]) if copy is not None else {}
        rest = [p.id for p in passages if p.id not in out]
        if rest:
            out.update(self.vectors.vectors(rest))
        missing = [p for p in passages if p.id not in out]
        if missing:
            vecs = self.embedder.encode([p.text for p in missing])
            out.update({p.id: v for p, v in zip(missing, vecs, strict=True)})
        return out

    def lineage_sizes(self) -> dict[str, int]:
        """Documents per lineage, cached for the current store generation."""
        generation = self.store.generation()
        if self._lineage_sizes is None or self._lineage_sizes[0] != generation:
            self._lineage_sizes = (generation, self.store.lineage_sizes())
        return self._lineage_sizes[1]

    def close(self) -> None:
        self._closed = True
        with self._lock:
            if self._vectors is not None:
                self._vectors.close()
                self._vectors = None
            self._lexical = None
