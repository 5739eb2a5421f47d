"""Markdown exports show hostile source text as text: the files `desk draft --out`,
`desk render --format md` and a batch run write from sources carrying `<script>`,
`<img onerror>`, `[x](javascript:…)` and autolinks, rendered by markdown-it with the options a
typical viewer turns on (raw HTML, linkify, tables, strikethrough), contain no script, no `on*`
attribute and no link we did not build; and `md_escape` keeps any text exactly as it was."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from _hostile_sources import hostile_exports

pytestmark = pytest.mark.slow


def viewer():
    """markdown-it as a permissive viewer sets it up: raw HTML allowed, bare URLs linkified."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True, "linkify": True}).enable(
        ["linkify", "table", "strikethrough"]
    )


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.handlers += [(tag, k) for k, _ in attrs if k.lower().startswith("on")]
        self.hrefs += [v or "" for k, v in attrs if k in ("href", "src")]

    def handle_data(self, data):
        self.text.append(data)


def elements(markdown: str) -> _Elements:
    page = _Elements()
    page.feed(viewer().render(markdown))
    return page


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    return hostile_exports(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("name", ["draft", "render", "digest", "story"])
def test_markdown_export_of_hostile_sources_renders_them_as_text(exports, name):
    markdown = exports[name].read_text(encoding="utf-8")
    page = elements(markdown)
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert page.handlers == []
    # Links: only the http(s) source URLs of the footer and the digest's own story links.
    assert all(h.startswith(("https://", "http://", "stories/")) for h in page.hrefs), page.hrefs
    assert not any("evil.example" in h for h in page.hrefs)
    text = " ".join(page.text)
    # The payloads are there, as the characters the sources wrote.
    # The digest carries each story's lead lines (no <script>); its footer names the outlets.
    assert name == "digest" or "<script>window.pwned=" in text
    assert 'onerror="window.pwned=' in text or "onerror=window.pwned=" in text
    assert "Evil Wire" in text or "Harbour [Blog](javascript:window.pwned=8)" in text


def test_footer_links_only_http_source_urls(exports):
    page = elements(exports["draft"].read_text(encoding="utf-8"))
    assert page.hrefs == ["https://harbour.example/ferry?utm_source=x"]
    assert "javascript:window.pwned=3" in " ".join(page.text)  # the wire's URL, as text


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script> and <img src=x onerror=alert(2)>",
        "[click](javascript:alert(1)) ![i](data:text/html,x)",
        "see www.evil.example, https://evil.example/a, <http://evil.example> or a@evil.example",
        "//evil.example/x and mailto:a@b.example",
        "# not a heading",
        "ranked #1 ##",
        "> not a quote",
        "- not a list",
        "+ not a list",
        "12. not a list",
        "3) not a list",
        "=== not a heading underline",
        "    not code",
        "`code` *em* **strong** _em_ __strong__ ~~del~~ a | b snake_case",
        "&lt;script&gt; &amp; &#60; AT&T",
        "a backslash \\* stays",
        "Путин в Анкаре: пример.рф",
        "two\nlines\n# heading",
    ],
)
def test_md_escape_shows_exactly_the_text(text):
    from assistant.provenance.markdown import md_escape, md_unescape

    escaped = md_escape(text)
    page = elements(escaped)
    assert page.tags == ["p"], (escaped, page.tags)
    shown = "".join(page.text).strip()  # (the parser has decoded the entities)
    assert shown == " ".join(text.split("\n")).strip()
    # Line breaks and leading indentation become single spaces; every other character stays.
    assert md_unescape(escaped) == " ".join(text.split("\n")).replace("    ", " ")


@pytest.mark.parametrize(
    "url, href",
    [
        ("https://example.com/a?b=1&c=(2)", "https://example.com/a?b=1&c=%282%29"),
        ("http://example.com/x y", None),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("https://example.com/<script>", "https://example.com/%3Cscript%3E"),
    ],
)
def test_md_link_links_only_http_urls(url, href):
    from assistant.provenance.markdown import md_link

    page = elements(md_link(url))
    assert page.hrefs == ([href] if href else [])
    assert "script" not in page.tags


@pytest.mark.parametrize(
    "carried, href",
    [
        ("Reuters <https://reuters.com/x> (repost, 2026-06-29 18:40 UTC)", "https://reuters.com/x"),
        ("<b>Evil</b> <javascript:alert(1)> (repost)", None),
        ("An outlet without a URL", None),
    ],
)
def test_also_carried_by_links_only_http_urls_and_escapes_the_outlet(carried, href):
    from assistant.provenance.markdown import md_carried

    page = elements(md_carried(carried))
    assert page.hrefs == ([href] if href else [])
    assert "b" not in page.tags
    assert (
        "".join(page.text)
        .replace("<javascript:alert(1)>", "javascript:alert(1)")
        .startswith(carried.split(" <")[0])
    )
