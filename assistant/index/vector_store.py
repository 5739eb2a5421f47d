"""`VectorStore`: the Chroma collection holding one vector per passage, embedded or on a server.

We always pass our own embeddings: the collection is created with no embedding function, so
Chroma never embeds (or downloads a model for) anything, and telemetry is off. Each record's
metadata carries what retrieval filters on — outlet, kind, lineage id, language and the
published time as integer epoch seconds (-1 when unknown) — plus the passage's content hash,
so a vector written just before a crash can be recognised and reused instead of re-embedded.

The collection's own metadata records which embedding model wrote its vectors (`ModelIdentity`),
or, while `desk reindex` rebuilds it, which model it is being rebuilt with. It lives with the
vectors rather than in the workspace's store because it describes them: a fresh Chroma server,
a deleted `index/chroma` folder or a collection shared by two workspaces then always tells the
truth about the vectors actually there.

`where_for(filters)` turns `SearchFilters` into a Chroma `where` clause; the same semantics are
applied to BM25 candidates by `LexicalIndex`, so both halves of hybrid retrieval agree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from assistant.errors import DeskError
from assistant.index.model_identity import ModelIdentity
from assistant.models import Passage, SearchFilters

if TYPE_CHECKING:
    import numpy as np

UNKNOWN_TS = -1
"""`published_ts` of a passage whose document has no usable date."""
_REINDEX_PREFIX = "reindex_to_"
"""Collection metadata keys of the model an unfinished `desk reindex` is embedding with."""


def passage_metadata(p: Passage) -> dict[str, str | int]:
    """The filterable metadata stored next to a passage's vector (Chroma forbids None values)."""
    return {
        "doc_id": p.doc_id,
        "lineage_id": p.lineage_id,
        "outlet": p.outlet,
        "kind": p.kind,
        "language": p.language or "",
        "published_ts": int(p.published_at.timestamp()) if p.published_at else UNKNOWN_TS,
        "content_hash": p.content_hash,
    }


def where_for(filters: SearchFilters) -> dict[str, Any] | None:
    """Chroma `where` for the filters. A time window excludes undated passages, as the store's
    SQL (`published_at >= ?` is false for NULL) does."""
    clauses: list[dict[str, Any]] = []
    if filters.since is not None:
        clauses.append({"published_ts": {"$gte": int(filters.since.timestamp())}})
    elif filters.until is not None:
        clauses.append({"published_ts": {"$gte": 0}})
    if filters.until is not None:
        clauses.append({"published_ts": {"$lt": int(filters.until.timestamp())}})
    for key, values in (
        ("outlet", filters.outlets),
        ("kind", filters.kinds),
        ("language", filters.languages),
    ):
        if values:
            clauses.append({key: {"$in": list(values)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


@dataclass(frozen=True)
class DenseHit:
    id: str
    similarity: float
    """Cosine similarity to the query (vectors are normalised)."""


class ChromaUnavailableError(DeskError, RuntimeError):
    """The Chroma server named by `chroma_url` cannot be reached; the message names the URL."""


class VectorStore:
    """A thin wrapper over one Chroma collection (cosine space, no embedding function)."""

    def __init__(self, path: Path | None, collection: str, url: str | None = None) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if url:
            parsed = urlparse(url if "://" in url else f"http://{url}")
            if not parsed.hostname:
                raise ChromaUnavailableError(
                    f"chroma_url '{url}' has no host; expected http://host:port"
                )
            self.location = url
            try:  # the client checks the server at once; chromadb says so with a bare ValueError
                self._client = chromadb.HttpClient(
                    host=parsed.hostname,
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
            except Exception as exc:
                reason = " ".join(str(exc).split()) or type(exc).__name__
                raise ChromaUnavailableError(
                    f"cannot reach the Chroma server at chroma_url '{url}': {reason}"
                ) from exc
        else:
            if path is None:
                raise ValueError("an embedded Chroma needs a directory")
            path.mkdir(parents=True, exist_ok=True)
            self.location = str(path)
            self._client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        self.collection_name = collection
        self._collection = self._client.get_or_create_collection(
            collection,
            embedding_function=None,  # never let Chroma embed or fetch a model
            configuration={"hnsw": {"space": "cosine"}},
        )
        try:
            self._max_batch = max(1, int(self._client.get_max_batch_size()))
        except Exception:  # older servers do not report it; Chroma's documented floor is ample
            self._max_batch = 5000

    # --- which model wrote the vectors ------------------------------------------------------
    def _metadata(self) -> dict[str, Any]:
        # Read afresh: another process (a `desk reindex`) may have changed it since we opened.
        return dict(self._client.get_collection(self.collection_name).metadata or {})

    def model_identity(self) -> ModelIdentity | None:
        """The model that wrote the vectors; None for a collection written before identities
        were recorded (or never written to)."""
        return ModelIdentity.from_metadata(self._metadata())

    def reindex_target(self) -> ModelIdentity | None:
        """The model an unfinished `desk reindex` is re-embedding with, if one was interrupted."""
        return ModelIdentity.from_metadata(self._metadata(), prefix=_REINDEX_PREFIX)

    def record_model(self, identity: ModelIdentity) -> None:
        """Record `identity` as the model of every vector here (ends a reindex)."""
        self._collection.modify(metadata=identity.to_metadata())

    def reset(self, target: ModelIdentity) -> None:
        """Drop every vector (a new model may even have another dimension, which a Chroma
        collection cannot change) and start an empty collection marked as being reindexed with
        `target`."""
        try:
            self._client.delete_collection(self.collection_name)
        except Exception:  # noqa: BLE001 - already gone (Chroma's error type varies by version)
            pass
        self._collection = self._client.create_collection(
            self.collection_name,
            metadata=target.to_metadata(prefix=_REINDEX_PREFIX),
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
        )

    def sample(self, n: int) -> tuple[list[str], list[np.ndarray], list[str]]:
        """Up to `n` stored (id, vector, content hash), to check what model wrote them."""
        import numpy as np

        got = self._collection.get(limit=n, include=["embeddings", "metadatas"])
        embs = got["embeddings"] if got["embeddings"] is not None else []
        metas = got["metadatas"] or [{} for _ in got["ids"]]
        return (
            list(got["ids"]),
            [np.asarray(e, dtype=np.float32) for e in embs],
            [str((m or {}).get("content_hash", "")) for m in metas],
        )

    # --- writes --------------------------------------------------------------------------
    def upsert(self, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        for i in range(0, len(passages), self._max_batch):
            chunk = passages[i : i + self._max_batch]
            self._collection.upsert(
                ids=[p.id for p in chunk],
                embeddings=vectors[i : i + len(chunk)],
                metadatas=[passage_metadata(p) for p in chunk],  # type: ignore[misc]
            )

    def update_metadata(self, passages: Sequence[Passage]) -> None:
        """Refresh metadata (e.g. a new lineage id) without touching the vectors."""
        for i in range(0, len(passages), self._max_batch):
            chunk = passages[i : i + self._max_batch]
            metas = [passage_metadata(p) for p in chunk]
            self._collection.update(ids=[p.id for p in chunk], metadatas=metas)  # type: ignore[arg-type]

    def delete(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), self._max_batch):
            self._collection.delete(ids=list(ids[i : i + self._max_batch]))

    # --- reads ---------------------------------------------------------------------------
    def count(self) -> int:
        return int(self._collection.count())

    def all_ids(self, page: int = 5000) -> Iterator[str]:
        offset = 0
        while True:
            got = self._collection.get(include=[], limit=page, offset=offset)
            ids = got["ids"]
            yield from ids
            if len(ids) < page:
                return
            offset += page

    def content_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        """id -> stored content hash, for the ids that have a vector."""
        out: dict[str, str] = {}
        for i in range(0, len(ids), self._max_batch):
            got = self._collection.get(
                ids=list(ids[i : i + self._max_batch]), include=["metadatas"]
            )
            for pid, meta in zip(got["ids"], got["metadatas"] or [], strict=False):
                out[pid] = str((meta or {}).get("content_hash", ""))
        return out

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        import numpy as np

        if not ids:
            return {}
        got = self._collection.get(ids=list(ids), include=["embeddings"])
        embs = got["embeddings"]
        if embs is None:
            return {}
        return {
            pid: np.asarray(e, dtype=np.float32) for pid, e in zip(got["ids"], embs, strict=False)
        }

    def matrix(self, ids: Sequence[str], page: int = 5000) -> np.ndarray | None:
        """All stored vectors as one float32 matrix in `ids` order; None if any is missing."""
        import numpy as np

        if not ids:
            return None
        row = {pid: i for i, pid in enumerate(ids)}
        out = np.zeros((len(ids), 0), dtype=np.float32)
        seen = 0
        offset = 0
        while True:
            got = self._collection.get(include=["embeddings"], limit=page, offset=offset)
            embs = got["embeddings"]
            if embs is None or len(got["ids"]) == 0:
                break
            if out.shape[1] == 0:
                out = np.zeros((len(ids), len(embs[0])), dtype=np.float32)
            for pid, e in zip(got["ids"], embs, strict=False):
                i = row.get(pid)
                if i is not None:
                    out[i] = e
                    seen += 1
            if len(got["ids"]) < page:
                break
            offset += page
        return out if seen == len(ids) else None

    def query(
        self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> tuple[list[DenseHit], dict[str, np.ndarray]]:
        """The `k` nearest passages (best first) and their vectors (for MMR)."""
        import numpy as np

        if k <= 0:
            return [], {}
        res = self._collection.query(
            query_embeddings=[vector],
            n_results=k,
            where=where,
            include=["distances", "embeddings"],
        )
        ids = res["ids"][0] if res["ids"] else []
        all_dists, all_embs = res.get("distances"), res.get("embeddings")
        dists = all_dists[0] if all_dists else []
        embs = all_embs[0] if all_embs is not None else []
        hits = [DenseHit(pid, 1.0 - float(d)) for pid, d in zip(ids, dists, strict=False)]
        vecs = {pid: np.asarray(e, dtype=np.float32) for pid, e in zip(ids, embs, strict=False)}
        return hits, vecs

    def heartbeat(self) -> int:
        return int(self._client.heartbeat())

    def close(self) -> None:
        # PersistentClient keeps a process-wide system per path; nothing must be torn down here,
        # or a second PassageIndex on the same workspace in this process would break.
        self._collection = None  # type: ignore[assignment]
