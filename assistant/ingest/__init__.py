"""Ingestion: turn files of many wire formats into deduplicated, chunked documents in the store.

- `sniff` decides what a file is (content first, extension second) and refuses bad input
  (binary, empty, too large, wrong encoding) with a message naming the file and the problem;
- `loaders` parse each format into `Item`s (plain text, Markdown, HTML, RSS/Atom, Telegram
  exports, preview pages and post lists, JSONL wire items);
- `dedup` collapses self-repeating bodies, merges verbatim reposts, links near-duplicates into
  lineages (MinHash of word shingles);
- `chunking` cuts documents into sentence-aware passages with exact offsets;
- `pipeline.Ingestor` runs it all incrementally, one transaction per file.
"""
