"""Retrieval layer: embeddings, the vector store (Chroma), BM25, and hybrid retrieval."""
