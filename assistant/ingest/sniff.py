"""What a file is and whether it can be read at all.

`read_checked` refuses, before parsing, files that are not regular files (checked on the open
file, opened without blocking), too large (`max_file_bytes`, checked on the size on disk so a
2 GB file is never read), empty, or binary. `decode` turns bytes into text:
UTF-8 (with or without BOM), UTF-16 with BOM, or the charset an XML/HTML file declares; anything
else is a clear "not UTF-8" error rather than mojibake in the index. `sniff` picks the loader from
the content first and the extension second, so a feed saved as `.txt` or a Telegram export
without its `.json` name still loads.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from pathlib import Path
from typing import Literal

from assistant.ingest.items import IngestError

Sniffed = Literal["text", "markdown", "html", "telegram_preview", "feed", "json", "jsonl"]

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3", "an SQLite database"),
    (b"RIFF", "a RIFF media file"),
    (b"ID3", "an MP3 file"),
    (b"\x00\x00\x00", "a media file"),
)
_EXTENSIONS: dict[str, Sniffed] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_DECLARED = re.compile(rb"""(?:encoding|charset)\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


def human_size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def read_checked(path: Path, max_bytes: int) -> bytes:
    # O_NONBLOCK: opening a FIFO swapped in after the walk looked must not block the run, and
    # O_NOFOLLOW: nor may a symlink swapped in for the (resolved) path. The type and size are
    # checked on the open file, so what is read is what was checked.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise IngestError(
                "the file was replaced by a symlink while ingest ran; not read"
            ) from None
        raise
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise IngestError("not a regular file (a pipe, device or socket); not read")
        if st.st_size > max_bytes:
            raise IngestError(_too_large(st.st_size, max_bytes))
        data = fh.read(max_bytes + 1)  # a file growing while read still stops at the limit
    if len(data) > max_bytes:
        raise IngestError(_too_large(len(data), max_bytes))
    if not data.strip():
        raise IngestError("empty file" if not data else "file holds only whitespace")
    what = binary_kind(data)
    if what:
        raise IngestError(f"binary file ({what}), not a text format desk can ingest")
    return data


def _too_large(size: int, max_bytes: int) -> str:
    return (
        f"file is {human_size(size)}, over the {human_size(max_bytes)} limit "
        "(setting max_file_bytes); not read"
    )


def binary_kind(data: bytes) -> str | None:
    """What a binary file seems to be, or `None` for text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    head = data[:8192]
    if b"\x00" in head:
        return "contains NUL bytes"
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if controls > len(head) * 0.05:
        return "mostly control characters"
    return None


def decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise IngestError(f"broken UTF-16 text at byte {exc.start}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        declared = _declared_charset(data)
        if declared:
            try:
                return data.decode(declared)
            except (UnicodeDecodeError, LookupError):
                pass
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start]
        hint = ""
        if bad >= 0x80:
            char = bytes([bad]).decode("cp1252", "replace")
            hint = f"; it looks like Latin-1/Windows-1252 ({char!r})"
        raise IngestError(
            f"not valid UTF-8: byte 0x{bad:02x} at offset {exc.start} (line {line}){hint}. "
            "Re-save the file as UTF-8"
        ) from None


def _declared_charset(data: bytes) -> str | None:
    m = _DECLARED.search(data[:2048])
    if not m:
        return None
    name = m.group(1).decode("ascii", "ignore").lower()
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return None if name in ("utf-8", "utf8") else name


def sniff(path: Path, text: str) -> Sniffed | None:
    """The loader for `text` (read from `path`), or `None` when it is no format desk reads."""
    ext = path.suffix.lower()
    head = text[:4096].lstrip().lower()
    if head.startswith("<"):
        if "tgme_widget_message" in text:
            return "telegram_preview"
        if re.search(r"<(rss|feed|rdf:rdf)[\s>]", head):
            return "feed"
        if re.search(r"<(!doctype html|html|head|body|article|p|div)[\s>]", head):
            return "html"
        return _EXTENSIONS.get(ext, "html") if ext in (".xml", ".rss", ".atom") else "html"
    if head.startswith(("{", "[")):
        if ext in (".jsonl", ".ndjson"):
            return "jsonl"
        if ext == ".json" or head.startswith("["):
            return "json"
        lines = [ln for ln in text.splitlines() if ln.strip()]
        return (
            "jsonl"
            if len(lines) > 1 and all(ln.lstrip().startswith("{") for ln in lines[:5])
            else "json"
        )
    if head.startswith("---") and ext not in (".json", ".jsonl"):
        return "markdown"
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    return "text" if ext == "" else None
