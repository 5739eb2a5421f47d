"""Versioned migrations of everything a workspace stores: the SQLite store
(`assistant.migrations.store`) and the JSON documents, sessions and drafts
(`assistant.migrations.documents`).

Each format has an ordered chain of small steps, one per version; opening old data runs the
missing steps, and data newer than the code is refused (`FormatTooNewError`), never rewritten.
"""

from __future__ import annotations

from assistant.errors import DeskError


class FormatTooNewError(DeskError, RuntimeError):
    """Stored data was written by a newer desk than this one; the message names the file."""


class MigrationError(DeskError, RuntimeError):
    """Stored data could not be brought up to the current version; the message names the file."""
