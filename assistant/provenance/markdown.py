"""The house Markdown both ways: `md_escape` / `md_link`, the one place text from sources is made
safe to write into Markdown (the renderer registers them as the `md` and `md_link` filters);
`read_markdown(text, draft)`, an editor's hand-edited Markdown read back as a draft, so its
provenance footer can be regenerated; and `check_draft_markers(draft)` for a draft JSON.

Escaped text renders as the same characters in any CommonMark viewer, also with raw HTML and
linkify on: no tag, no entity, no emphasis, no link of its own. Only `md_link` makes links, and
only for http(s) URLs.

The Markdown is the house format `draft.md.j2` writes: `# headline`, an italic dek, the lede,
`## Title` sections, a `**Desk note:**` paragraph, then `## Wire provenance` (not read as text:
it is what gets regenerated). Its `[n]` markers refer to the draft's citation list; a marker that
refers to nothing, anywhere in the file, is reported with its line number and left out of the
regenerated footer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from assistant.models import Draft, Paragraph, Section, Sentence
from assistant.text import sentence_spans, strip_markers

_MARKERS = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")  # an escaped `\#` is text
_FOOTER = re.compile(r"^#{1,6}\s+wire provenance\s*$", re.IGNORECASE)
_NOTE = re.compile(r"^\*\*desk note:?\*\*", re.IGNORECASE)
DEFAULT_TITLES = {  # printed titles of the fixed house sections when a section carries none
    "structural_frame": "The structural frame, in plain language",
    "uncertain": "What remains genuinely uncertain",
    "serious_point": "The serious point",
}


# Characters that format wherever they stand: backslash, code, emphasis, links, HTML, tables,
# strikethrough. `_` only formats at a word's edge, so `snake_case` keeps its underscore bare.
_ALWAYS = re.compile(r"([\\`*\[\]<>|~]|(?<![^\W_])_|_(?![^\W_])|&(?=#?\w+;))")
# At the start of a line: headings, quotes, lists, thematic breaks, setext underlines.
_LEADING = re.compile(r"^(\s*)([#>+=-]|\d{1,9}(?=[.)]))")
# What linkify (and GFM's autolinks) would turn into a link: `scheme://`, `//host`, `www.`,
# `host.tld`, `mailto:`; escaping the separator leaves the text as it is and the link unmade.
_LINKISH = re.compile(r"(?i)(?<=[a-z0-9]):(?=//)|(?<=mailto):|/(?=/)|(?<=[^\W_])\.(?=[^\W\d_]{2})")
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_SAFE_SCHEMES = ("http://", "https://")


def md_escape(text: object) -> str:
    """`text` (from a source: a sentence, title, outlet name) as Markdown that shows exactly it.

    Line breaks become spaces and leading indentation one space, so nothing in it can start a
    block of its own (a heading, a quote, an indented code block)."""
    flat = re.sub(r"\s*[\r\n\v\f\x85\u2028\u2029]\s*", " ", str(text))
    flat = re.sub(r"^\s{2,}", " ", flat)
    out = _ALWAYS.sub(lambda m: "\\" + m.group(0), flat)
    out = _LINKISH.sub(lambda m: "\\" + m.group(0), out)
    # A heading's closing `#`s are dropped by the viewer: a title ending in ` #` keeps its own.
    out = re.sub(r"(?<=\s)#(?=#*\s*$)", r"\\#", out)
    # `1.` stays a number with its dot escaped; a marker character gets its own backslash.
    return _LEADING.sub(
        lambda m: m[1] + (m[2] + "\\" if m[2][0].isdigit() else "\\" + m[2]), out, count=1
    )


def md_link(url: object, label: object | None = None) -> str:
    """`url` as a link when it is http(s) (`<https://...>`, or `[label](<https://...>)`),
    percent-encoded so no character in it can end the link early; any other URL (`javascript:`,
    `data:`, one with spaces or control characters) as plain escaped text."""
    raw = str(url).strip()
    if not raw.lower().startswith(_SAFE_SCHEMES) or re.search(r"[\x00-\x20\x7f]", raw):
        return md_escape(raw if label is None else label)
    target = quote(raw, safe="/:?#[]@!$&*+,;=%-._~")
    return f"<{target}>" if label is None else f"[{md_escape(label)}](<{target}>)"


_CARRIED = re.compile(r"^(?P<outlet>.*) <(?P<url>[^<>\s]*)>(?P<rest>(?: \([^<>]*\))?)$", re.S)


def md_carried(text: object) -> str:
    """One "also carried by" line of the footer (`Outlet <url> (details)`, see
    `assistant.provenance.footer`): the outlet escaped, the URL through `md_link`."""
    m = _CARRIED.match(str(text))
    if m is None:
        return md_escape(text)
    return f"{md_escape(m['outlet'])} {md_link(m['url'])}{md_escape(m['rest'])}"


def md_unescape(text: str) -> str:
    """The text `md_escape` was given, line breaks aside (for the house Markdown read back)."""
    return _UNESCAPE.sub(r"\1", text)


@dataclass(frozen=True)
class DanglingMarker:
    """A `[n]` that resolves to no citation of the draft."""

    line: int
    """1-based line number in the Markdown (0 for a draft JSON, where `where` says the place)."""
    n: int
    where: str

    def message(self, path: str, known: list[int]) -> str:
        have = (
            f"the draft has [{min(known)}]–[{max(known)}]"
            if known
            else "the draft has no citations"
        )
        at = f"{path}:{self.line}" if self.line else f"{path} ({self.where})"
        return f"{at}: [{self.n}] refers to no citation ({have})"


def markers_in(text: str) -> list[int]:
    return [int(p) for m in _MARKERS.finditer(text) for p in re.split(r"[,;]", m.group(1))]


def footer_span(lines: list[str]) -> tuple[int, int] | None:
    """Lines `[start, end)` of the `## Wire provenance` block: from its heading to the next
    heading or the end of the file; None when the Markdown has no footer."""
    start = next((i for i, line in enumerate(lines) if _FOOTER.match(line.strip())), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if _HEADING.match(lines[i])), len(lines))
    return start, end


def replace_footer(text: str, footer: str) -> str:
    """`text` with its footer block replaced by `footer` (appended when it has none)."""
    lines = text.splitlines()
    span = footer_span(lines)
    before, after = (lines[: span[0]], lines[span[1] :]) if span else (lines, [])
    out = "\n".join(before).rstrip("\n") + "\n\n" + footer.rstrip("\n") + "\n"
    return out + ("\n" + "\n".join(after).strip("\n") + "\n" if after else "")


def read_markdown(text: str, draft: Draft) -> tuple[Draft, list[DanglingMarker]]:
    """The draft with its sections replaced by what the Markdown says, plus dangling markers."""
    known = {c.n for c in draft.citations}
    lines = text.splitlines()
    span = footer_span(lines)
    body = lines[: span[0]] + [""] + lines[span[1] :] if span else lines
    # Every line counts for dangling markers, the old footer too: a marker the editor typed after
    # it, or a footer left from another draft, refers to nothing just the same.
    dangling = [
        DanglingMarker(i, n, line.strip()[:60])
        for i, line in enumerate(lines, start=1)
        for n in markers_in(line)
        if n not in known
    ]
    by_title = {(s.title or DEFAULT_TITLES.get(s.id, "")).casefold(): s.id for s in draft.sections}
    sections: list[Section] = []
    current: Section | None = None
    block: list[str] = []

    def flush() -> None:
        nonlocal current
        if not block:
            return
        para = " ".join(line.strip() for line in block)
        block.clear()
        if _NOTE.match(para):
            return  # the desk note is recomputed, not part of the text
        if para.startswith("> **Not provided by the sources.**"):
            return  # the section's flag, kept from the draft below, not text
        if current is None or current.id in ("headline", "dek"):
            # Before the first `##`: italic paragraphs right under the headline are the dek.
            is_dek = (
                para.startswith("*")
                and para.endswith("*")
                and not para.startswith("**")
                and not _has(sections, "lede")
            )
            current = _section(sections, "dek" if is_dek else "lede", None)
            para = para.strip("*").strip() if is_dek else para
        current.paragraphs.append(_paragraph(para, current, known))

    for line in body:
        heading = _HEADING.match(line)
        if heading:
            flush()
            level, title = len(heading.group(1)), md_unescape(heading.group(2))
            if level == 1:
                current = _section(sections, "headline", None)
                current.paragraphs.append(_paragraph(heading.group(2), current, known))
            else:
                sid = by_title.get(title.casefold()) or _slug(title)
                current = _section(sections, sid, title)
        elif line.strip():
            block.append(line)
        else:
            flush()
    flush()
    for s in sections:
        old = draft.section(s.id)
        if not s.paragraphs and old is not None and old.not_provided is not None:
            s.not_provided = old.not_provided
    return draft.model_copy(update={"sections": sections}, deep=True), dangling


def check_draft_markers(draft: Draft) -> list[DanglingMarker]:
    """Markers in a draft JSON's sentences that resolve to no citation."""
    known = {c.n for c in draft.citations}
    return [
        DanglingMarker(0, n, f"{section.id} ¶{i + 1}")
        for section in draft.sections
        for i, paragraph in enumerate(section.paragraphs)
        for sentence in paragraph.sentences
        for n in sentence.citations
        if n not in known
    ]


def _has(sections: list[Section], sid: str) -> bool:
    return any(s.id == sid for s in sections)


def _section(sections: list[Section], sid: str, title: str | None) -> Section:
    for s in sections:
        if s.id == sid:
            return s
    section = Section(id=sid, title=title)
    sections.append(section)
    return section


def _paragraph(text: str, section: Section, known: set[int]) -> Paragraph:
    sentences = []
    for a, b in sentence_spans(text):
        # Markers first, on the escaped text: an escaped `\[3\]` is source text, not a marker.
        clean, ns = strip_markers(text[a:b])
        clean = md_unescape(clean)
        if clean:
            sentences.append(Sentence(text=clean, citations=[n for n in ns if n in known]))
    return Paragraph(
        id=f"{section.id}-{len(section.paragraphs) + 1}", sentences=sentences, edited=True
    )


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.casefold()).strip("_") or "section"
