"""A draft with no supported sentence is a failure, never an empty output marked ok: `desk
batch` exits 1 with the story's stage and reason in run.json, `desk draft` prints a clear
message and exits 1. The wire here is real RSS whose every sentence the composer must refuse
(shouted all-caps items), on two outlets, so the story is eligible and its draft empty."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ITEMS = {
    "alpha.xml": (
        "Alpha Wire",
        "https://alpha.example/fed",
        "FED HOLDS RATES STEADY AND MARKETS RALLY ON THE NEWS TODAY",
    ),
    "beta.xml": (
        "Beta Post",
        "https://beta.example/fed",
        "MARKETS RALLY AS THE FED HOLDS ITS RATES STEADY AGAIN TODAY",
    ),
}


def _feed(title: str, link: str, text: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>{link}</link><description>{title}</description>"
        f"<item><title>{text}</title><link>{link}</link><description>{text}</description>"
        f"<guid>{link}</guid><pubDate>Wed, 10 Dec 2025 14:00:00 GMT</pubDate></item>"
        "</channel></rss>\n"
    )


def _desk(workspace: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "assistant", "--workspace", str(workspace), *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )


@pytest.fixture(scope="module")
def shouting_wire(tmp_path_factory):
    from assistant.service import DeskService
    from assistant.workspace import Workspace

    root = tmp_path_factory.mktemp("empty")
    feeds = root / "feeds"
    feeds.mkdir()
    for name, (title, link, text) in ITEMS.items():
        (feeds / name).write_text(_feed(title, link, text), encoding="utf-8")
    ws = Workspace.init(root / "ws")
    svc = DeskService(ws)
    assert svc.ingest([feeds]).ok
    svc.close()
    return ws.root


def test_batch_fails_the_story_whose_draft_has_no_supported_sentence(shouting_wire, tmp_path):
    out = tmp_path / "out"
    done = _desk(shouting_wire, "batch", "--date", "2025-12-10", "--out", str(out))
    assert done.returncode == 1, done.stderr
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    (story,) = [s for s in run["stories"] if s["selected"]]
    assert story["synthesis"]["status"] == "failed"
    (failure,) = [f for f in run["failures"] if f["story_id"] == story["id"]]
    assert failure["stage"] == "draft"
    assert "no supported sentence" in failure["reason"]
    assert not (out / story["synthesis"].get("files", {}).get("md", "none.md")).exists()


def test_desk_draft_says_so_and_exits_1(shouting_wire):
    done = _desk(shouting_wire, "draft", "the Fed holds rates and markets rally")
    assert done.returncode == 1, done.stdout
    assert "no supported sentence" in done.stderr
    assert "Traceback" not in done.stderr
    assert "# " not in done.stdout  # no empty draft printed
