"""desk-assistant: a grounded drafting assistant for news desks.

The package is layered: `cli` and `tui` call one façade, `service.DeskService`, which calls the
core (`ingest`, `index`, `drafting`, `verify`, `provenance`, `render`, `batch`). The core never
imports the UI, and heavy libraries (torch, chromadb, langchain model classes) are imported
inside the functions that need them so that `desk --help` and the TUI's first frame stay fast.
"""

__version__ = "0.1.0"
