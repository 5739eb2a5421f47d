"""Plain text and Markdown, each with optional YAML front matter.

Front matter keys (all optional): `title`, `source` (or `outlet`), `url`, `published` (or
`date`), `author`, `kind` (wire|official|outlet|telegram|blog), `channel`, `language`.
Markdown syntax is reduced to readable text (headings, emphasis, links) so passages read like
prose; a first-level heading becomes the title when front matter gives none. Without front
matter, a trailing `(Source: host)` line, as syndicated copies carry, names the outlet.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from assistant.dates import parse_date
from assistant.ingest.items import IngestError, Item, clean_line, clean_text
from assistant.ingest.kinds import VALID_KINDS, guess_kind

_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_SOURCE_LINE = re.compile(r"^\(\s*source\s*:\s*([^)]+)\)\s*$", re.I | re.M)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPH = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.M)
_MD_RULE = re.compile(r"^\s{0,3}([-*_]\s*){3,}$", re.M)
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?", re.M)
_MD_LIST = re.compile(r"^\s{0,3}(?:[-*+]\s+|\d+[.)]\s+)", re.M)

UNATTRIBUTED = "unattributed"
# libyaml's safe loader when PyYAML was built with it: the same documents, ~10x faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# Front matter is a small mapping of scalars. Anchors and aliases have no use in it, and a few
# hundred bytes of nested aliases (a "billion laughs") expand to gigabytes once read as values.
MAX_FRONT_MATTER_CHARS = 64 * 1024


def split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
    m = _FRONT.match(text)
    if not m:
        return {}, text
    source = m.group(1)
    if len(source) > MAX_FRONT_MATTER_CHARS:
        raise IngestError(
            f"front matter is {len(source) // 1024} KB, over the "
            f"{MAX_FRONT_MATTER_CHARS // 1024} KB limit; it should hold a few keys and values"
        )
    try:
        _refuse_aliases(source)
        meta = yaml.load(source, Loader=_YAML_LOADER) or {}  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise IngestError(
            f"front matter is not valid YAML{where}: {getattr(exc, 'problem', exc)}"
        ) from None
    if not isinstance(meta, dict):
        raise IngestError("front matter must be a YAML mapping of keys to values")
    return {str(k).lower(): v for k, v in meta.items()}, text[m.end() :]


def _refuse_aliases(source: str) -> None:
    # Parsing to events is cheap and never expands an alias; only loading the values does.
    for event in yaml.parse(source, Loader=_YAML_LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            line = event.start_mark.line + 2 if event.start_mark is not None else None
            raise IngestError(
                "front matter uses a YAML anchor or alias (&name / *name)"
                + (f" at line {line}" if line else "")
                + "; desk does not expand them: write the values out"
            )


def markdown_to_text(body: str) -> tuple[str, str | None]:
    """Readable text from Markdown, and the first `# heading` (a title candidate)."""
    first_h1 = re.search(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", body, re.M)
    body = _MD_RULE.sub("", body)
    # Headings and list items stand apart (blank lines), so that `clean_text`, which joins
    # Markdown's wrapped lines, never runs them into the text around them.
    body = _MD_HEADING.sub(lambda m: "\n" + m.group(1) + "\n\n", body)
    body = _MD_LINK.sub(r"\1", body)
    body = _MD_LIST.sub("\n", body)
    body = _MD_QUOTE.sub("", body)
    body = _MD_EMPH.sub(r"\2", body)
    return body, first_h1.group(1).strip() if first_h1 else None


def load_plain(path: Path, text: str, markdown: bool) -> list[Item]:
    meta, body = split_front_matter(path, text)
    heading = None
    if markdown:
        body, heading = markdown_to_text(body)
    title = clean_line(meta.get("title")) or heading
    body = clean_text(body, lines_are_paragraphs=False)
    if title and body.startswith(title):
        # The heading repeated as the body's first line adds nothing to the passages.
        body = body[len(title) :].lstrip()
    outlet = clean_line(meta.get("source") or meta.get("outlet"))
    if outlet is None:
        src = _SOURCE_LINE.search(body)
        outlet = clean_line(src.group(1)) if src else None
    url = clean_line(meta.get("url") or meta.get("link"))
    raw_date = meta.get("published", meta.get("date"))
    published, flag = parse_date(raw_date)
    kind = clean_line(meta.get("kind"))
    if kind is not None and kind not in VALID_KINDS:
        raise IngestError(f"front matter kind {kind!r} is not one of {', '.join(VALID_KINDS)}")
    return [
        Item(
            format="markdown" if markdown else "text",
            text=body,
            outlet=outlet or UNATTRIBUTED,
            kind=kind or guess_kind(outlet, url),  # type: ignore[arg-type]
            channel=clean_line(meta.get("channel")),
            author=clean_line(meta.get("author")),
            title=title,
            url=url,
            published_at=published,
            date_flag=flag,
            language=clean_line(meta.get("language")),
        )
    ]
