"""The core never imports the UI, and importing the service loads nothing heavy.

Checked two ways: a fresh interpreter imports the core modules and reports what landed in
`sys.modules`, and the import-linter contract in pyproject.toml is run.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CORE = [
    "assistant.service",
    "assistant.models",
    "assistant.store",
    "assistant.config",
    "assistant.workspace",
    "assistant.sessions",
    "assistant.draft_edits",
    "assistant.text",
    "assistant.progress",
    "assistant.dates",
]
OPTIONAL_CORE = [
    "assistant.ingest",
    "assistant.index",
    "assistant.drafting",
    "assistant.verify",
    "assistant.provenance",
    "assistant.render",
    "assistant.batch",
]
UI = ["textual", "click", "rich", "assistant.tui", "assistant.cli"]
HEAVY = [
    "torch",
    "sentence_transformers",
    "chromadb",
    "langchain",
    "langchain_core",
    "llama_cpp",
    "transformers",
]


def _loaded_after_import(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=True,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _present(names: list[str]) -> list[str]:
    return [n for n in names if importlib.util.find_spec(n) is not None]


def _offenders(loaded: set[str], roots: list[str]) -> list[str]:
    return sorted(m for m in loaded if any(m == r or m.startswith(r + ".") for r in roots))


def test_core_modules_do_not_import_the_ui() -> None:
    modules = CORE + _present(OPTIONAL_CORE)
    assert len(modules) > len(CORE)  # the optional packages that exist are really checked
    loaded = _loaded_after_import(modules)
    assert set(modules) <= loaded
    assert _offenders(loaded, UI) == []


def test_importing_the_service_loads_nothing_heavy() -> None:
    loaded = _loaded_after_import(["assistant.service", "assistant.sessions"])
    assert _offenders(loaded, HEAVY) == []


def test_the_tui_itself_starts_without_heavy_imports() -> None:
    # The first frame must not wait for torch or Chroma: they load in a worker afterwards.
    loaded = _loaded_after_import(["assistant.tui.app", "assistant.cli.tui_cmd"])
    assert "textual" in loaded
    assert _offenders(loaded, HEAVY) == []


def test_import_linter_contract_is_kept() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe is not None, "import-linter is part of the test extras"
    result = subprocess.run([exe], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and "0 broken" in result.stdout
