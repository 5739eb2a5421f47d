"""`Item`: what a loader returns for one source item before it becomes a `Document`, plus
`IngestError` (a problem with one file, worded for the editor) and text clean-up shared by loaders.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from assistant.errors import DeskError
from assistant.models import Genre, SourceFormat, SourceKind


class IngestError(DeskError, ValueError):
    """A file cannot be ingested. The message says what is wrong; the pipeline adds the path."""


@dataclass(frozen=True)
class Item:
    """One source item as parsed: text plus whatever metadata the format carried."""

    format: SourceFormat
    text: str
    outlet: str
    kind: SourceKind = "outlet"
    channel: str | None = None
    author: str | None = None
    title: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    date_flag: str | None = None
    language: str | None = None
    item: str | None = None
    """Position or id of the item inside its file (`None` for one-item files)."""
    guid: str | None = None
    """The publisher's own id for the item (RSS `guid`, Atom `id`), when the format has one."""
    genre: Genre | None = None
    section: str | None = None


# C0/C1 control characters other than tab and newline carry no meaning in news text and break
# terminals and templates later on.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def clean_text(text: str) -> str:
    """Normalise a body: NFC, no control characters, one space inside lines, paragraphs separated
    by one blank line. Blank lines matter: `sentence_spans` ends a sentence at a paragraph break,
    so a heading without a full stop never runs into the next sentence."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    paragraphs = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n\n".join(p for p in paragraphs if p)


def clean_line(value: object) -> str | None:
    """A one-line metadata value (title, author, outlet) or `None` when absent or blank."""
    if value is None:
        return None
    text = _SPACES.sub(" ", _CONTROL.sub("", str(value)).replace("\n", " ")).strip()
    return text or None
