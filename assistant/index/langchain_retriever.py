"""`DeskRetriever`: the hybrid `Retriever` as a LangChain `BaseRetriever`, so a workspace's index
plugs into any LCEL chain (`DeskRetriever(retriever=...) | RunnableLambda(format_docs) | ...`).

Each returned `Document` holds the passage text and, as metadata, what a chain needs to cite it:
passage_id, doc_id, lineage_id, outlet, kind, title, url, published_at (ISO 8601 UTC, or None),
start/end offsets into the source document, and the fused retrieval score.

This module imports langchain_core at the top on purpose: only LangChain users import it.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from assistant.models import Hit, SearchFilters


def hit_to_document(hit: Hit) -> LCDocument:
    p = hit.passage
    return LCDocument(
        page_content=p.text,
        id=p.id,
        metadata={
            "passage_id": p.id,
            "doc_id": p.doc_id,
            "lineage_id": p.lineage_id,
            "outlet": p.outlet,
            "kind": p.kind,
            "title": p.title,
            "url": p.url,
            "published_at": p.published_at.isoformat() if p.published_at else None,
            "start": p.start,
            "end": p.end,
            "score": hit.score,
            "rank": hit.rank,
            "lineage_size": hit.lineage_size,
        },
    )


class DeskRetriever(BaseRetriever):
    """LangChain retriever over a desk workspace: hybrid search with filters, MMR and the
    one-passage-per-lineage rule.

    `retriever` is an `assistant.index.retriever.Retriever`; `filters`, `k`, `one_per_lineage`,
    `mmr` and `pinned` are passed to its `search`. Override per call with
    `invoke(query, filters=SearchFilters(...), k=5)`.
    """

    retriever: Any
    filters: SearchFilters = SearchFilters()
    k: int = 8
    one_per_lineage: bool = True
    mmr: bool = True
    pinned: tuple[str, ...] = ()

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        filters: SearchFilters | None = None,
        k: int | None = None,
    ) -> list[LCDocument]:
        hits = self.retriever.search(
            query,
            filters or self.filters,
            k or self.k,
            one_per_lineage=self.one_per_lineage,
            mmr=self.mmr,
            pinned=self.pinned,
        )
        return [hit_to_document(h) for h in hits]
