"""Two hostile sources about one event (a wire item and a blog post, `.txt` with front matter)
whose text, titles, outlet names and URLs carry markup, `javascript:` links, autolinks and
Markdown syntax; and `hostile_exports`, which ingests them through the real pipeline and writes
every Markdown export an editor gets: `desk draft --out`, `desk render --format md` and a batch
run (digest and story)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

WIRE = """---
title: "Harbour talks <script>window.pwned=1</script> resume"
source: "<img src=x onerror=window.pwned=2>Evil Wire"
url: "javascript:window.pwned=3"
published: 2025-08-16T09:00:00Z
kind: wire
---
Harbour officials said the ferry talks resumed on Saturday <script>window.pwned=4</script> after \
a week of delays.

The port authority said the harbour ferry deal <img src=x onerror="window.pwned=5"> would be \
signed by Monday, according to [the statement](javascript:window.pwned=6).

Negotiators for the harbour ferry operators met at www.evil.example and <http://evil.example/x> \
to discuss the ferry deal :x: and *costs*.

# The harbour ferry deal covers `night crossings` and _weekend_ fares, officials said.
"""

BLOG = """---
title: "Ferry deal near <b onmouseover=window.pwned=7>done</b>"
source: "Harbour [Blog](javascript:window.pwned=8)"
url: "https://harbour.example/ferry?utm_source=x"
published: 2025-08-16T10:30:00Z
kind: blog
---
The harbour ferry talks resumed on Saturday <script>window.pwned=9</script> after a week of \
delays, officials said.

The harbour ferry deal would be signed by Monday <img src=x onerror="window.pwned=10">, the \
port authority said.

> Negotiators for the harbour ferry operators said the deal covers \
[night crossings](javascript:window.pwned=11) and weekend fares.
"""

TOPIC = "harbour ferry deal talks"
DAY = "2025-08-16"


def desk(ws: Path, *args: str):
    from assistant.cli import cli

    result = CliRunner().invoke(cli, ["--workspace", str(ws), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def hostile_workspace(root: Path) -> Path:
    """A workspace holding the two hostile sources, ingested with `desk ingest`."""
    from assistant.workspace import Workspace

    sources = root / "sources"
    sources.mkdir(parents=True)
    (sources / "evil-wire.txt").write_text(WIRE, encoding="utf-8")
    (sources / "evil-blog.txt").write_text(BLOG, encoding="utf-8")
    ws = Workspace.init(root / "ws").root
    desk(ws, "ingest", str(sources))
    return ws


def hostile_exports(root: Path) -> dict[str, Path]:
    """Every Markdown export of the hostile workspace: name -> file."""
    ws = hostile_workspace(root)
    out = root / "out"
    out.mkdir()
    desk(ws, "draft", TOPIC, "--out", str(out / "draft.md"), "--also-json", str(out / "d.json"))
    desk(ws, "render", str(out / "d.json"), "--format", "md", "--out", str(out / "render.md"))
    desk(ws, "batch", "--date", DAY, "--out", str(out / "batch"))
    stories = sorted((out / "batch" / "stories").glob("*.md"))
    assert stories, "the batch run drafted no story from the hostile sources"
    return {
        "draft": out / "draft.md",
        "render": out / "render.md",
        "digest": out / "batch" / "digest.md",
        "story": stories[0],
    }
