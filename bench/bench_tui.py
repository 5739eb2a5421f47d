"""Time to the TUI's first frame, in a fresh interpreter, next to two baselines measured in the
same run: a bare `python -c "import textual"` and a minimal Textual app's first frame.

Target: the desk app's first frame in under 1 s, and no heavy library (torch, chromadb,
langchain) loaded by then — they load in a worker afterwards. Wall time is measured by the
parent from process start to the line the child prints when its first frame was painted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUNS = 5

_DESK_CHILD = """
import sys
from pathlib import Path
from assistant.tui.app import DeskApp, make_app

class Probe(DeskApp):
    # A class defined in `-c` code has no file to resolve a relative CSS path against.
    CSS_PATH = str(Path(sys.modules["assistant.tui.app"].__file__).parent / "app.tcss")

    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(self.first_frame)

    def first_frame(self):
        heavy = [m for m in ("torch", "chromadb", "langchain", "sentence_transformers")
                 if m in sys.modules]
        print("FIRST_FRAME", ",".join(heavy) or "-", flush=True)
        self.exit()

base = make_app(sys.argv[1])
Probe(base.service, base.first_session, warm_up=True).run(headless=True, size=(140, 42))
"""

_HELLO_CHILD = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Hello(App):
    def compose(self):
        yield Header()
        yield Static("hello")
        yield Footer()

    def on_mount(self):
        self.call_after_refresh(self.first_frame)

    def first_frame(self):
        print("FIRST_FRAME -", flush=True)
        self.exit()

Hello().run(headless=True, size=(140, 42))
"""


def _time(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "TEXTUAL": ""},
    )
    line = ""
    assert proc.stdout is not None
    for raw in proc.stdout:
        if raw.startswith("FIRST_FRAME"):
            line = raw.strip()
            break
    elapsed = time.perf_counter() - start
    proc.wait(timeout=120)
    if proc.returncode not in (0, None) and not line:
        raise RuntimeError(proc.stderr.read() if proc.stderr else "child failed")
    return elapsed, line


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = str(Path(tmp) / "ws")
        from assistant.workspace import Workspace

        Workspace.init(Path(ws))
        _time(["-c", _DESK_CHILD, ws])  # warm the OS file cache and .pyc files once
        rows = []
        heavy = ""
        for label, args in (
            ('python -c "import textual"', ["-c", "import textual"]),
            ("minimal Textual app, first frame", ["-c", _HELLO_CHILD]),
            ("desk TUI, first frame", ["-c", _DESK_CHILD, ws]),
        ):
            times = []
            for _ in range(RUNS):
                elapsed, line = _time(args)
                times.append(elapsed)
                if label.startswith("desk"):
                    heavy = line.split(" ", 1)[1] if " " in line else "?"
            rows.append((label, statistics.median(times), min(times)))
    base = rows[0][1]
    print(f"{'what':<36} {'median s':>9} {'min s':>7} {'vs import':>10}")
    for label, median, best in rows:
        print(f"{label:<36} {median:>9.3f} {best:>7.3f} {median / base:>9.1f}x")
    desk = rows[2][1]
    print(
        f"desk first frame {'meets' if desk < 1.0 else 'MISSES'} the < 1 s target "
        f"({desk:.3f} s; {desk - rows[1][1]:+.3f} s over a minimal Textual app); "
        f"heavy modules loaded at first frame: {heavy}"
    )


if __name__ == "__main__":
    run()
