"""Failures through the real CLI (`python -m assistant` in a subprocess): each is one line on
stderr with the right exit status, never a traceback. A `DeskError` is `desk: error: ...`;
anything else is `desk: internal error: ...` pointing at a log file holding the traceback."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CORPUS, REPO

from assistant.store import Store
from assistant.workspace import Workspace

TOPIC = "Anchorage talks and the Ankara NATO summit"


def desk(
    ws: Path | None,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 600,
    **kw,
) -> subprocess.CompletedProcess:
    base = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "DESK_EMBEDDING_BATCH_SIZE": "8",
        "COLUMNS": "400",  # rich must not wrap the paths it prints
    }
    where = ["-w", str(ws)] if ws is not None else []
    return subprocess.run(
        [sys.executable, "-m", "assistant", *where, *args],
        cwd=REPO,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        **kw,
    )


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    """The stderr of a failed run: exactly one line, no traceback."""
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture
def small_docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(next(iter(sorted((CORPUS / "wire").iterdir()))), folder)
    return folder


# --- settings and workspaces ------------------------------------------------------------------
def test_unreachable_chroma_server_is_one_line_naming_the_url(tmp_path, small_docs):
    ws = Workspace.init(tmp_path / "ws")
    ws.toml_path.write_text('chroma_url = "http://127.0.0.1:1"\n', encoding="utf-8")
    proc = desk(ws.root, "ingest", str(small_docs))
    assert proc.returncode == 1
    line = one_error_line(proc)
    assert line.startswith("desk: error: cannot reach the Chroma server")
    assert "http://127.0.0.1:1" in line


def test_garbage_chroma_url_names_the_file_and_the_setting(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    ws.toml_path.write_text('chroma_url = "not a url"\n', encoding="utf-8")
    proc = desk(ws.root, "search", "Ankara")
    assert proc.returncode == 2
    line = one_error_line(proc)
    assert line.startswith("desk: error: bad value for setting 'chroma_url'")
    assert str(ws.toml_path) in line and "'not a url' is not a URL" in line


def test_desk_toml_that_is_not_utf8_is_named(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    ws.toml_path.write_bytes("# réglages du desk\nretrieval_k = 5\n".encode("latin-1"))
    proc = desk(ws.root, "search", "Ankara")
    assert proc.returncode == 2
    line = one_error_line(proc)
    assert f"desk: error: {ws.toml_path}: not UTF-8 text (byte 0xe9 on line 1)" in line


@pytest.mark.parametrize(
    "args",
    [
        ["search", "Ankara"],
        ["draft", TOPIC],
        ["render", "draft.json"],
        ["batch", "--date", "2025-08-16"],
        ["ingest", str(CORPUS / "wire")],
        ["tui"],
    ],
    ids=lambda a: a[0],
)
def test_a_mistyped_workspace_is_refused_not_created(tmp_path, args):
    typo = tmp_path / "wrokspace"
    if args[0] == "render":
        session = json.loads((REPO / "tests" / "data" / "tui_session.json").read_text("utf-8"))
        (tmp_path / "draft.json").write_text(json.dumps(session["draft"]), encoding="utf-8")
        args = ["render", str(tmp_path / "draft.json")]
    # A TUI that did start would wait for keys forever: cut it off (it fails the test).
    proc = desk(typo, *args, timeout=120)
    assert proc.returncode == 2
    line = one_error_line(proc)
    assert line == f"desk: error: no workspace at {typo}; create one with `desk init {typo}`"
    assert not typo.exists()


def test_desk_init_then_the_same_command_works(tmp_path):
    ws = tmp_path / "ws"
    made = desk(ws, "init")
    assert made.returncode == 0 and (ws / "desk.toml").is_file(), made.stderr
    proc = desk(ws, "search", "Ankara")
    assert proc.returncode == 1
    assert one_error_line(proc) == (
        f"desk: error: the workspace {ws} holds no passages yet; run `desk ingest PATH`"
    )


# --- an unexpected exception --------------------------------------------------------------------
def test_an_internal_error_is_one_line_and_the_traceback_goes_to_a_log(tmp_path):
    # A command with a bug in it, run by the real top-level handler.
    code = (
        "import click\n"
        "from assistant.cli.common import run_cli\n"
        "@click.group()\n"
        "def cli(): pass\n"
        "@cli.command()\n"
        "def boom():\n"
        "    {}['missing-key']\n"
        "run_cli(cli)\n"
    )
    state = tmp_path / "state"
    proc = subprocess.run(
        [sys.executable, "-c", code, "boom"],
        cwd=REPO,
        env={**os.environ, "XDG_STATE_HOME": str(state)},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 70
    line = one_error_line(proc)
    prefix = "desk: internal error: KeyError: 'missing-key'; the traceback is in "
    assert line.startswith(prefix), line
    log = Path(line.removeprefix(prefix))
    assert log.is_file() and log.is_relative_to(state)
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "KeyError: 'missing-key'" in text


def test_the_tui_shows_desk_errors_as_is_and_bugs_as_internal_errors(tmp_path, monkeypatch):
    from assistant.config import ConfigError
    from assistant.tui.errors import describe_error

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert describe_error(ConfigError("desk.toml: bad value")) == "desk.toml: bad value"
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        shown = describe_error(exc)
    prefix = "internal error: RuntimeError: boom; the traceback is in "
    assert shown.startswith(prefix), shown
    assert "raise RuntimeError" in Path(shown.removeprefix(prefix)).read_text(encoding="utf-8")


# --- an OpenAI-compatible endpoint that does not stream -----------------------------------------
class _Endpoint(http.server.BaseHTTPRequestHandler):
    """Answers every chat request with `body` as `content_type`, never as server-sent events."""

    body = b""
    content_type = "application/json"
    seen_auth: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("content-length", 0)))
        type(self).seen_auth.append(self.headers.get("authorization", ""))
        self.send_response(200)
        self.send_header("content-type", self.content_type)
        self.send_header("content-length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint(request) -> Iterator[tuple[str, type[_Endpoint]]]:
    body, content_type = request.param
    handler = type("Handler", (_Endpoint,), {"body": body, "content_type": content_type})
    handler.seen_auth = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1", handler
    finally:
        server.shutdown()
        server.server_close()


_COMPLETION = json.dumps(
    {
        "id": "c1",
        "object": "chat.completion",
        "created": 1,
        "model": "local-model",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "NATO leaders met in Ankara for the summit [1].",
                },
                "finish_reason": "stop",
            }
        ],
    }
).encode()
_HTML = b"<html><body><h1>Welcome to nginx!</h1></body></html>"


@pytest.mark.parametrize("endpoint", [(_COMPLETION, "application/json")], indirect=True)
def test_a_plain_json_completion_is_used(demo_service, endpoint, tmp_path):
    url, handler = endpoint
    out = tmp_path / "d.json"
    proc = desk(
        demo_service.workspace.root,
        "draft",
        TOPIC,
        "--generator",
        "openai",
        "--sections",
        "lede",
        "--format",
        "json",
        "--out",
        str(out),
        env={"DESK_OPENAI_BASE_URL": url, "DESK_OPENAI_API_KEY": "sk-test-123"},
    )
    assert proc.returncode == 0, proc.stderr
    draft = json.loads(out.read_text(encoding="utf-8"))
    (lede,) = [s for s in draft["sections"] if s["id"] == "lede"]
    said = [s["text"] for p in lede["paragraphs"] for s in p["sentences"]]
    assert said == ["NATO leaders met in Ankara for the summit."]  # the endpoint's answer
    assert lede["paragraphs"][0]["repaired"] == []
    # The key reached the endpoint (unwrapped for the client) and was never printed.
    assert handler.seen_auth and set(handler.seen_auth) == {"Bearer sk-test-123"}
    assert "sk-test-123" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("endpoint", [(_HTML, "text/html")], indirect=True)
def test_an_html_answer_is_one_line_naming_the_endpoint(demo_service, endpoint):
    url, _ = endpoint
    proc = desk(
        demo_service.workspace.root,
        "draft",
        TOPIC,
        "--generator",
        "openai",
        "--sections",
        "lede",
        env={"DESK_OPENAI_BASE_URL": url},
    )
    assert proc.returncode == 1
    line = one_error_line(proc)
    assert line.startswith("desk: error: the endpoint at ")
    assert url in line and "Welcome to nginx!" in line
    assert "not answer as an OpenAI-compatible chat API" in line


# --- ingest --prune with a folder it cannot read ------------------------------------------------
# Tests run as root, for whom a chmod 000 folder is still readable, and an unprivileged user
# cannot run the interpreter under /root; so the folder fails for real in ways root feels too.
def _replace_by_a_file(folder: Path) -> str:
    shutil.rmtree(folder)
    folder.write_text("not a folder any more\n", encoding="utf-8")
    return "Not a directory"


def _replace_by_a_symlink_loop(folder: Path) -> str:
    shutil.rmtree(folder)
    folder.symlink_to(folder)
    return "Too many levels of symbolic links"


@pytest.mark.parametrize("break_folder", [_replace_by_a_file, _replace_by_a_symlink_loop])
def test_prune_keeps_the_documents_of_an_unreadable_folder(tmp_path, break_folder):
    kept, pruned = tmp_path / "kept", tmp_path / "pruned"
    kept.mkdir()
    for name in ("2025-08-17-anchorage-package.md", "harbour-times-ankara-arrivals.html"):
        shutil.copy(CORPUS / "articles" / name, kept)
    pruned.mkdir()
    shutil.copy(CORPUS / "wire" / "desk-wire.jsonl", pruned)
    ws = Workspace.init(tmp_path / "ws")
    done = desk(ws.root, "ingest", str(kept), str(pruned))
    assert done.returncode == 0, done.stderr
    reason = break_folder(kept)
    shutil.rmtree(pruned)  # really gone: still pruned

    (tmp_path / "empty").mkdir()
    proc = desk(ws.root, "ingest", "--prune", str(tmp_path / "empty"))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr  # nothing else failed
    flat = " ".join(proc.stderr.split())
    assert f"failed {kept}: folder cannot be read ({reason})" in flat
    assert "the documents of its 2 ingested files are kept, not pruned" in flat
    assert f"pruned {pruned / 'desk-wire.jsonl'}" in " ".join(proc.stdout.split())

    store = Store(ws.db_path)
    try:
        files = list(store.known_files())
    finally:
        store.close()
    assert sorted(Path(f).parent for f in files) == [kept, kept]
