"""`Renderer`: a draft as Markdown (house format of seed 000), a standalone HTML page, or JSON;
and `safe_output_path`, the one way output files are named.

Templates are jinja2 files (`draft.md.j2`, `draft.html.j2`) looked up first in the user's own
folder (setting `templates_dir`), then in the packaged `templates/` (`assistant.paths`), so a user
may override one template and keep the other. `StrictUndefined` makes a template bug fail
loudly; HTML templates are autoescaped, and the view built here hands them only plain strings,
so everything that came from a source is escaped (nothing is marked safe). Markdown templates
escape source text with the `md` filter and make links only with `md_link` (http(s) only), both
from `assistant.provenance.markdown`. JSON is the draft's own lossless serialisation
(`Draft.model_validate_json` reads it back).
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import DeskError
from assistant.models import Draft, NotProvided, ProvenanceEntry, Sentence
from assistant.provenance.footer import utc_label
from assistant.provenance.markdown import DEFAULT_TITLES, md_carried, md_escape, md_link
from assistant.text import ends_on_initialism

FORMATS = ("md", "html", "json")
TEMPLATES = {"md": "draft.md.j2", "html": "draft.html.j2"}
FOOTER_TEMPLATE = "footer.md.j2"
UNTITLED = ("headline", "dek", "lede")
KIND_LABELS = {
    "wire": "wire/agency",
    "official": "official",
    "outlet": "news outlet",
    "telegram": "Telegram channel",
    "blog": "blog",
}
VERDICT_LEGEND = {
    "supported": "supported by its citations",
    "weak": "weakly supported: check against the sources",
    "unsupported": "not supported by its citations",
    "uncited": "no citation",
    "unverified": "cited, not yet verified",
}
_MARKER = re.compile(r"\[(\d+)\]")
_SAFE_SCHEMES = ("http://", "https://")


class UnsafePathError(DeskError, ValueError):
    """An output name would write outside the chosen directory (or is empty)."""


# --- output paths ------------------------------------------------------------------------------
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{d}{i}" for d in ("COM", "LPT") for i in range(10)
}


def _keep(ch: str) -> bool:
    # Letters, digits and combining marks of any script (a Devanagari vowel sign is a mark).
    return ch in "._-" or unicodedata.category(ch)[0] in "LNM"


def slugify(name: str, max_length: int = 120) -> str:
    """A file-name component safe on every filesystem: letters and digits of any script, `.`,
    `_`, `-`; no path separator, control or Windows-reserved character, no leading dot, no
    Windows device name (`CON`, `lpt1.md`), at most `max_length` characters and 240 bytes."""
    text = unicodedata.normalize("NFKC", name)
    slug = "".join(ch if _keep(ch) else "-" for ch in text)
    slug = re.sub(r"-{2,}", "-", slug).strip("-.")
    slug = slug[:max_length]
    while len(slug.encode("utf-8")) > 240:  # ext4, APFS and NTFS allow 255 bytes a name
        slug = slug[:-1]
    slug = slug.rstrip("-.")
    if slug.split(".", 1)[0].upper() in _WINDOWS_RESERVED:
        slug = f"_{slug}"
    return slug


def safe_output_path(base_dir: str | Path, name: str) -> Path:
    """`base_dir / name` for a `name` that may have come from a source (a topic, a title).

    Absolute names and `..` components are refused, each component is slugified, and the
    result — after following symlinks — must still lie inside `base_dir`."""
    if not name or "\x00" in name:
        raise UnsafePathError(f"output name {name!r} is empty or contains a NUL byte")
    raw = name.replace("\\", "/")
    if raw.startswith("/") or re.match(r"^[A-Za-z]:", raw) or os.path.isabs(name):
        raise UnsafePathError(
            f"output name {name!r} is an absolute path; give a name inside {base_dir}"
        )
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise UnsafePathError(f"output name {name!r} climbs out of {base_dir} with '..'")
    slugs = [slugify(p) for p in parts]
    if not slugs or any(not s for s in slugs):
        raise UnsafePathError(f"output name {name!r} has no usable characters")
    base = Path(base_dir).expanduser().resolve()
    candidate = base.joinpath(*slugs)
    if not candidate.resolve().is_relative_to(base):
        raise UnsafePathError(f"output {candidate} resolves outside {base} (a symlink points out)")
    return candidate


# --- the view the templates see ----------------------------------------------------------------
@dataclass
class MarkerView:
    n: int
    key: str | None
    """Footer entry the marker belongs to (`src-k`); None for a marker that resolves to nothing."""
    passage: str
    outlet: str


@dataclass
class SentenceView:
    body: str
    """The sentence without its final punctuation (markers go before it, as in `said [1].`)."""
    punct: str
    markers: list[MarkerView]
    verdict: str
    reasons: str

    @property
    def text(self) -> str:
        """Plain form: `Putin spoke [1][3].`"""
        markers = "".join(f"[{m.n}]" for m in self.markers)
        return f"{self.body} {markers}{self.punct}" if markers else f"{self.body}{self.punct}"


@dataclass
class ParagraphView:
    id: str
    sentences: list[SentenceView]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass
class SectionView:
    id: str
    title: str | None
    paragraphs: list[ParagraphView]
    not_provided: NotProvided | None = None
    """The flag on a section the sources do not fill, with its candidate passages."""


@dataclass
class EntryView:
    entry: ProvenanceEntry
    number: int
    url: str | None
    link: bool
    """Only http(s) URLs become links; anything else (`javascript:` ...) is shown as text."""
    published: str
    ingested: str
    kind_label: str
    passages: list[MarkerView] = field(default_factory=list)

    @property
    def markers(self) -> str:
        return "".join(f"[{n}]" for n in self.entry.markers)


@dataclass
class Segment:
    """A run of desk-note text, or a citation marker in it (`n` set)."""

    text: str
    n: int | None = None
    key: str | None = None


def _split_sentence(sentence: Sentence) -> tuple[str, str]:
    text = sentence.text.rstrip()
    if ends_on_initialism(text):
        # "in the U.S. [1]." rather than "in the U.S [1].": the abbreviation keeps its stop
        # (`strip_markers` reads the doubled stop back as one).
        return text, "."
    m = re.search(r"[.!?…]+$", text)
    return (text[: m.start()], m.group(0)) if m else (text, "")


def build_view(draft: Draft) -> dict[str, Any]:
    """Everything the templates need, as plain values (strings are never marked safe)."""
    key_of: dict[int, str] = {}
    entries = draft.provenance.entries if draft.provenance else ()
    for entry in entries:
        for n in entry.markers:
            key_of[n] = entry.key

    by_n = {c.n: c for c in draft.citations}

    def marker(n: int) -> MarkerView:
        c = by_n.get(n)
        return MarkerView(n, key_of.get(n), c.text if c else "", c.outlet if c else "")

    sections = []
    for section in draft.sections:
        paragraphs = []
        for p in section.paragraphs:
            sentences = []
            for s in p.sentences:
                body, punct = _split_sentence(s)
                label = (
                    s.verdict.label
                    if s.verdict
                    else ("uncited" if not s.citations else "unverified")
                )
                sentences.append(
                    SentenceView(
                        body,
                        punct,
                        [marker(n) for n in s.citations],
                        label,
                        "; ".join(s.verdict.reasons) if s.verdict else "",
                    )
                )
            paragraphs.append(ParagraphView(p.id, sentences))
        title = section.title or DEFAULT_TITLES.get(section.id)
        sections.append(
            SectionView(
                section.id,
                None if section.id in UNTITLED else title,
                paragraphs,
                section.not_provided if not paragraphs else None,
            )
        )
    entry_views = [
        EntryView(
            e,
            i,
            e.url,
            bool(e.url and e.url.lower().startswith(_SAFE_SCHEMES)),
            utc_label(e.published_at),
            utc_label(e.ingested_at) if e.ingested_at else "not in store",
            KIND_LABELS[e.kind],
            [marker(n) for n in e.markers],
        )
        for i, e in enumerate(entries, start=1)
    ]
    note = draft.desk_note
    return {
        "draft": draft,
        "sections": sections,
        "headline": next((s for s in sections if s.id == "headline"), None),
        "dek": next((s for s in sections if s.id == "dek"), None),
        "body_sections": [s for s in sections if s.id not in ("headline", "dek")],
        "entries": entry_views,
        "as_of": utc_label(draft.provenance.as_of)
        if draft.provenance and draft.provenance.as_of
        else None,
        "has_provenance": draft.provenance is not None,
        "note": note,
        "note_segments": _segments(note.text, key_of) if note else [],
        "metrics": draft.metrics,
        "legend": VERDICT_LEGEND,
        "schema_version": draft.provenance.schema_version if draft.provenance else None,
    }


def _segments(text: str, key_of: dict[int, str]) -> list[Segment]:
    out: list[Segment] = []
    pos = 0
    for m in _MARKER.finditer(text):
        if m.start() > pos:
            out.append(Segment(text[pos : m.start()]))
        n = int(m.group(1))
        out.append(Segment(m.group(0), n, key_of.get(n)))
        pos = m.end()
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


# --- rendering ---------------------------------------------------------------------------------
class Renderer:
    """Renders drafts with jinja2 templates from `templates_dir` (falling back to the packaged)."""

    def __init__(self, templates_dir: str | Path | None = None) -> None:
        import jinja2

        from assistant.paths import templates_dir as packaged_templates

        folders: list[Path] = []
        if templates_dir is not None:
            user = Path(templates_dir).expanduser()
            if not user.is_dir():
                raise FileNotFoundError(f"templates_dir {user} is not a folder")
            folders.append(user)
        folders.append(packaged_templates())
        self.folders = folders
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(f) for f in folders]),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("html", "htm", "html.j2"),
                default_for_string=False,
                default=False,
            ),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["utc"] = utc_label
        # Markdown has no autoescape: templates pass source text through these by hand.
        self.env.filters["md"] = md_escape
        self.env.filters["md_link"] = md_link
        self.env.filters["md_carried"] = md_carried

    def render(self, draft: Draft, fmt: str) -> str:
        """`draft` as `md`, `html` or `json`."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        if fmt == "json":
            return draft.model_dump_json(indent=2) + "\n"
        return self.env.get_template(TEMPLATES[fmt]).render(**build_view(draft))

    def render_footer(self, draft: Draft) -> str:
        """Only the human-readable "Wire provenance" footer, as Markdown."""
        return self.env.get_template(FOOTER_TEMPLATE).render(**build_view(draft))
