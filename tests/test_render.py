"""Rendering a draft: Markdown in the house format of seed 000, a standalone escaped HTML page,
lossless JSON; user template overrides with StrictUndefined; output paths that cannot escape
their folder. Drafts are built from real AllSides coverage plus one hostile source."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from _provenance_data import rendered_draft

from assistant.models import Draft
from assistant.paths import templates_dir
from assistant.render.renderer import Renderer, UnsafePathError, safe_output_path, slugify
from assistant.store import Store


@pytest.fixture
def draft(tmp_path: Path, data_dir: Path) -> Draft:
    store = Store(tmp_path / "desk.sqlite")
    try:
        return rendered_draft(store, data_dir)
    finally:
        store.close()


class _Page(HTMLParser):
    """Collects what a browser would treat as markup: elements, ids, links, classes, scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.classes: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.add(a["id"])
        if "href" in a:
            self.hrefs.append(a["href"])
        self.classes += (a.get("class") or "").split()
        for key in ("src", "srcset"):
            if key in a:
                self.external.append(a[key])
        if tag == "link":
            self.external.append(a.get("href", ""))


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_markdown_follows_the_house_format_with_footer_last(draft):
    md = Renderer().render(draft, "md")
    lines = md.splitlines()
    assert lines[0] == "# Fourth of July weekend shootings leave scores dead [1]"
    assert lines[2] == "*Tolls differ between outlets [1][2].*"
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == [
        "## What the tolls say",
        "## What remains genuinely uncertain",
        "## Wire provenance",
    ]
    assert md.index("**Desk note:**") < md.index("## Wire provenance")
    footer = md[md.index("## Wire provenance") :]
    assert re.search(r"^As of 2021-07-06 15:00 UTC\.", footer, re.M)
    urls = re.findall(r"https?://\S+", footer)
    assert urls and len(urls) == len(set(urls))
    # Entries in publication order, each labelled with the markers that resolve to it (so the
    # reader of "[4]" finds the entry marked [4], not the fourth), and saying where it is cited.
    entries = re.findall(r"^- ((?:\[\d+\])+) \*\*(.+?)\*\*(.*)\n  (.*)", footer, re.M)
    assert [m for m, *_ in entries] == ["[1]", "[4]", "[2]", "[3]"]
    assert entries[0][1] == "NPR (Online News)"
    assert entries[0][3].endswith("cited in headline ¶1, dek ¶1, lede ¶1")
    published = [re.search(r"published (\S+ \S+)", e[3]).group(1) for e in entries]
    assert published == sorted(published)
    # Markers sit before the final punctuation, as the house style has it.
    assert "How many died remains unclear [2][4]." in md


def test_html_escapes_everything_from_sources_and_links_citations_to_footer(draft):
    html = Renderer().render(draft, "html")
    page = parse(html)

    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert "&lt;script&gt;document.title=&#39;pwned&#39;" in html  # the passage, as text
    assert "&lt;/title&gt;&lt;script&gt;window.pwned=4" in html  # the hostile title, as text
    assert page.external == []  # standalone: no scripts, images, stylesheets from elsewhere
    # Every in-page link resolves to an element; no `javascript:` URL became a link.
    internal = [h for h in page.hrefs if h.startswith("#")]
    assert internal and all(h[1:] in page.ids for h in internal)
    assert all(h.startswith(("#", "https://", "http://")) for h in page.hrefs)
    assert {"src-1", "src-2", "src-3", "src-4"} <= page.ids
    # Verification state is visible: one class per verdict, and a legend.
    assert {"v-supported", "v-weak", "v-unsupported", "v-uncited"} <= set(page.classes)
    assert page.classes.count("v-weak") >= 3  # dek, body sentence, legend
    assert "text-decoration: underline dotted" in html and "underline wavy" in html


def test_citation_hover_shows_the_cited_passage(draft):
    html = Renderer().render(draft, "html")
    fox = draft.citation(2)
    anchor = re.search(r'<a class="cite" href="#(src-\d)" title="([^"]*)">\[2\]</a>', html)
    assert anchor is not None
    assert fox.text[:60] in anchor.group(2)
    entry = next(e for e in draft.provenance.entries if 2 in e.markers)
    assert anchor.group(1) == entry.key


def test_templates_never_mark_source_text_safe():
    for path in templates_dir().glob("*.j2"):
        code = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S)  # comments may say "|safe"
        assert not re.search(r"\|\s*safe\b|Markup\(|autoescape\s+false", code), path


def test_json_is_the_whole_draft_and_reads_back(draft):
    text = Renderer().render(draft, "json")
    back = Draft.model_validate_json(text)
    assert back == draft
    assert (
        back.provenance.entries
        and back.desk_note.text
        and back.sections[0].paragraphs[0].sentences[0].verdict
    )


def test_unknown_format_is_refused(draft):
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        Renderer().render(draft, "pdf")


def test_user_templates_override_and_strict_undefined_fails_loudly(tmp_path, draft):
    own = tmp_path / "templates"
    own.mkdir()
    (own / "draft.md.j2").write_text("{{ draft.topic }} — {{ entries|length }} sources\n")
    renderer = Renderer(own)
    assert renderer.render(draft, "md") == f"{draft.topic} — 4 sources\n"
    assert "<!DOCTYPE html>" in renderer.render(draft, "html")  # falls back to the packaged one

    (own / "draft.md.j2").write_text("{{ draft.topic }} {{ no_such_variable }}\n")
    with pytest.raises(jinja2.UndefinedError, match="no_such_variable"):
        Renderer(own).render(draft, "md")
    with pytest.raises(FileNotFoundError, match="not a folder"):
        Renderer(tmp_path / "missing")


def test_undrafted_footer_says_it_was_not_computed(draft):
    bare = draft.model_copy(update={"provenance": None, "desk_note": None})
    md = Renderer().render(bare, "md")
    assert "Not computed" in md and "**Desk note:**" not in md


# --- output paths -----------------------------------------------------------------------------
def test_safe_output_path_slugifies_names_from_sources(tmp_path):
    assert (
        safe_output_path(tmp_path, "Putin's «compromise» offer: 29/6.md")
        == tmp_path / "Putin-s-compromise-offer-29" / "6.md"
    )
    assert (
        safe_output_path(tmp_path, "2026-06-29/story 1.html")
        == tmp_path / "2026-06-29" / "story-1.html"
    )
    assert slugify("..hidden") == "hidden"


@pytest.mark.parametrize(
    "name", ["../escape.md", "a/../../b.md", "/etc/passwd", "C:\\x.md", "", "...", "a\x00b"]
)
def test_safe_output_path_refuses_escapes(tmp_path, name):
    with pytest.raises(UnsafePathError):
        safe_output_path(tmp_path / "out", name)


def test_safe_output_path_refuses_a_symlink_out(tmp_path):
    base = tmp_path / "out"
    base.mkdir()
    (base / "link").symlink_to(tmp_path)  # points outside base
    with pytest.raises(UnsafePathError, match="resolves outside"):
        safe_output_path(base, "link/file.md")
    (base / "evil.md").symlink_to(tmp_path / "elsewhere.md")
    with pytest.raises(UnsafePathError):
        safe_output_path(base, "evil.md")


def test_markdown_reads_back_to_the_same_sentences_and_citations(draft):
    from assistant.provenance.markdown import read_markdown

    back, dangling = read_markdown(Renderer().render(draft, "md"), draft)
    assert dangling == []

    def shape(d: Draft):  # (whitespace such as the sources' no-break spaces is normalised)
        return [
            (
                s.id,
                [
                    [(" ".join(x.text.split()), x.citations) for x in p.sentences]
                    for p in s.paragraphs
                ],
            )
            for s in d.sections
        ]

    assert shape(back) == shape(draft)


def test_importing_provenance_and_render_loads_no_ui_and_no_jinja_until_used():
    import subprocess
    import sys

    code = (
        "import sys, assistant.provenance.footer, assistant.provenance.desk_note, "
        "assistant.provenance.markdown, assistant.render.renderer; "
        "print(sorted(m for m in ('jinja2', 'click', 'textual', 'rich', 'torch', 'chromadb') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
