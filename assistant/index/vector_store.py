"""`VectorStore`: the Chroma collection holding one vector per passage, embedded or on a server.

We always pass our own embeddings: the collection is created with no embedding function, so
Chroma never embeds (or downloads a model for) anything, and telemetry is off. Each record's
metadata carries what retrieval filters on — outlet, kind, lineage id, language and the
published time as integer epoch seconds (-1 when unknown) — plus the passage's content hash,
so a vector written just before a crash can be recognised and reused instead of re-embedded.

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
from assistant.models import Passage, SearchFilters

if TYPE_CHECKING:
    import numpy as np

UNKNOWN_TS = -1
"""`published_ts` of a passage whose document has no usable date."""


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
