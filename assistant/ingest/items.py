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


def clean_text(text: str, lines_are_paragraphs: bool = True) -> str:
    """Normalise a body: NFC, no control characters, one space inside lines, wrapped lines
    joined, and every break that carries structure as one blank line.

    Blank lines matter: `sentence_spans` ends a sentence at a paragraph break (so a heading
    without a full stop never runs into the next sentence) and at nothing else, so a line break
    inside a sentence must not survive as one. Which breaks are structure is decided line by
    line (`_keeps_break`); `lines_are_paragraphs` says whether the format separates paragraphs
    with a single line break (JSONL, Telegram, HTML and feed text), in which case a line that
    ends a sentence also ends its paragraph. Plain text and Markdown are hard-wrapped prose,
    where only a short line ends a paragraph."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    paragraphs: list[str] = []
    for block in _BLANK_LINE.split(text):
        lines = [_SPACES.sub(" ", line).strip() for line in block.split("\n")]
        lines = [line for line in lines if line]
        if not lines:
            continue
        width = _wrap_width(lines) if not lines_are_paragraphs else None
        listing = _is_list_block(lines)
        current = lines[0]
        for prev, line in zip(lines, lines[1:], strict=False):
            if _keeps_break(prev, line, width, lines_are_paragraphs, listing):
                paragraphs.append(current)
                current = line
            elif prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha() and line[0].isalpha():
                current = (
                    f"{current}{line}"  # "Rhine-\nWestphalia": a compound wrapped at its hyphen
                )
            else:
                current = f"{current} {line}"
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")
_BULLET = re.compile(r"^(?:[*+•·▪►●○◦✓✔✅☑🔹🔸▶]\s|\(?\d{1,3}[.)]\s|\(?[a-z][.)]\s)")
_DASH_ITEM = re.compile(r"^[-–—]\s")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
# A line ending in one of these words stops mid-phrase: the sentence goes on below it.
_CONTINUES = frozenset(
    """a an the and or but nor of to in on at by for with from into onto as than that which who
    whose whom whether if while when where because since after before between among under over
    about against during without within via per is are was were be been has have had will would
    can could should may might must said says his her its their our your my this these those
    not no very more most such""".split()
)


def _wrap_width(lines: list[str]) -> int | None:
    """The column a hard-wrapped block was wrapped at, or None when its lines are not wrapped
    (a block of at least three lines, most of them within a few columns of the longest)."""
    if len(lines) < 3:
        return max(len(line) for line in lines) if len(lines) == 2 else None
    width = max(len(line) for line in lines[:-1])
    if width > 120:
        return None
    near = sum(1 for line in lines[:-1] if len(line) >= 0.6 * width)
    return width if near >= 0.6 * (len(lines) - 1) else None


def _is_list_block(lines: list[str]) -> bool:
    """A list written without markers: after its first line, short lines that do not run on
    ("Some of these substitutes include:\nlemon juice\nwhite vinegar\n…")."""
    items = lines[1:]
    if len(items) < 3:
        return False
    short = [line for line in items if len(line) <= 40 and not _runs_on(line)]
    return len(short) >= 0.75 * len(items)


def _runs_on(line: str) -> bool:
    last = line.rsplit(" ", 1)[-1].casefold().strip("\"'“‘(")
    return last in _CONTINUES or line[-1] in ",;-–—("


def _is_table_row(line: str) -> bool:
    return line.count("|") >= 2 or "\t" in line


def _keeps_break(
    prev: str, line: str, width: int | None, lines_are_paragraphs: bool, listing: bool = False
) -> bool:
    """Whether the line break between `prev` and `line` carries structure (kept as a paragraph
    break) rather than wrapping one sentence over two lines (joined with a space)."""
    if _is_table_row(line) or _is_table_row(prev):
        return True
    if prev.startswith("#") or line.startswith("#"):
        return True  # Markdown headings
    # A wrapped line is one the next line's first word would not have fitted on. After one,
    # a dash or a colon is punctuation inside the sentence, not a list.
    first = line.split(" ", 1)[0]
    full = width is not None and len(prev) + 1 + len(first) > width - 1
    if _BULLET.match(line) or (not full and _DASH_ITEM.match(line)):
        return True
    if prev.endswith(":") and not full:
        return True  # "Some of these substitutes include:" introduces a list or a quote
    if _SENTENCE_END.search(prev):
        return lines_are_paragraphs or not full
    if _runs_on(prev) or full:
        return False
    if listing:
        return True
    if line[0].islower() or line[0] in "([{“‘\"'—–-,;":
        return False
    # A short line without a full stop before a capitalised one: a heading, a byline, an
    # address line or a list written without markers. Keep it on its own.
    return True


def clean_line(value: object) -> str | None:
    """A one-line metadata value (title, author, outlet) or `None` when absent or blank."""
    if value is None:
        return None
    text = _SPACES.sub(" ", _CONTROL.sub("", str(value)).replace("\n", " ")).strip()
    return text or None
