"""`OpenAICompatGenerator`: any OpenAI-compatible chat endpoint through langchain-openai.

Works with Ollama's `/v1`, vLLM, LM Studio, `python -m llama_cpp.server` and OpenAI itself. The
base URL, model and key come from settings (`openai_base_url`, `openai_model`,
`openai_api_key`; env `DESK_OPENAI_BASE_URL` ...) unless given as arguments. Failures become a
`GeneratorError` that names the endpoint and the cause: connection refused, timeout after
`llm_timeout_s`, or the HTTP status and the server's message (an unknown model, a bad key).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

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
# One retry covers a dropped keep-alive connection; more would only delay the editor's error.
MAX_RETRIES = 1


def _is_openai(base_url: str) -> bool:
    return (urlparse(base_url).hostname or "").endswith("api.openai.com")


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost cause (LangChain wraps openai's error, which wraps httpx's, then the OS's)."""
    seen = {id(exc)}
    while True:
        nxt = exc.__cause__ or exc.__context__
        if nxt is None or id(nxt) in seen:
            return exc
        seen.add(id(nxt))
        exc = nxt


def describe_error(exc: BaseException, base_url: str, model: str) -> str:
    """A one-line cause an editor can act on, from an openai/httpx exception."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return f"the endpoint at {base_url} did not answer in time ({exc})"
    if isinstance(exc, openai.APIConnectionError):
        root = _root_cause(exc)
        detail = f"{type(root).__name__}: {root}" if str(root) else type(root).__name__
        if isinstance(root, ConnectionRefusedError) or "refused" in detail.lower():
            return f"connection refused at {base_url} (is the server running?) [{detail}]"
        return f"cannot connect to {base_url}: {detail}"
    if isinstance(exc, openai.APIStatusError):
        message = exc.message
        if exc.status_code == 404:
            return (
                f"HTTP 404 from {base_url}: model '{model}' or the chat route not found ({message})"
            )
        if exc.status_code in (401, 403):
            return f"HTTP {exc.status_code} from {base_url}: the API key was refused ({message})"
        return f"HTTP {exc.status_code} from {base_url}: {message}"
    return f"{type(exc).__name__} from {base_url}: {exc}"


class OpenAICompatGenerator:
    """Sections drafted by a model behind an OpenAI-compatible `/v1` endpoint, streamed."""

    name = "openai"

    def __init__(
        self, settings: Settings, base_url: str | None = None, model: str | None = None
    ) -> None:
        self.settings = settings
        url = base_url or settings.openai_base_url
        if not url:
            raise GeneratorError(
                "no OpenAI-compatible endpoint configured: set openai_base_url in desk.toml or "
                "DESK_OPENAI_BASE_URL (e.g. http://127.0.0.1:11434/v1 for Ollama)"
            )
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise GeneratorError(f"openai_base_url '{url}' is not an http(s) URL")
        self.base_url = url.rstrip("/")
        self.model: str | None = model or settings.openai_model
        self._chat: Any = None
        self._lock = threading.Lock()

    def _client(self, streaming: bool = True) -> Any:
        with self._lock:
            if self._chat is None:
                from langchain_openai import ChatOpenAI

                self._chat = ChatOpenAI(
                    base_url=self.base_url,
                    model=self.model or self.settings.openai_model,
                    # Stays a SecretStr: the one place the key leaves us is the client's header.
                    api_key=self.settings.openai_api_key,
                    timeout=self.settings.llm_timeout_s,
                    max_retries=MAX_RETRIES,
                    temperature=self.settings.llm_temperature,
                    seed=SEED,
                    streaming=True,
                )
            return self._chat if streaming else self._chat.model_copy(update={"streaming": False})

    def prompt_versions(self) -> dict[str, str]:
        from assistant.drafting.prompts import PromptSet

        return PromptSet.for_settings(self.settings).versions()

    def compose(
        self,
        request: SectionRequest,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> list[str]:
        import openai

        from assistant.drafting.prompts import PromptSet

        prompts = PromptSet.for_settings(self.settings)
        max_tokens = token_budget(request, self.settings.llm_max_tokens)
        messages = render_within(prompts, request, self.settings.llm_context, max_tokens)
        # langchain-openai sends OpenAI's newer `max_completion_tokens`; llama.cpp's server,
        # Ollama and LM Studio only read `max_tokens`, so other endpoints get that instead.
        limit: dict[str, Any] = (
            {"max_completion_tokens": max_tokens}
            if _is_openai(self.base_url)
            else {"extra_body": {"max_tokens": max_tokens}}
        )
        try:
            try:
                raw = stream_text(
                    self._client(), messages, on_token, cancel, max_chars=max_tokens * 8, **limit
                )
            except ValueError as exc:
                if "no generation chunks" not in str(exc).lower():
                    raise
                # The endpoint answered without server-sent events: ask once more without
                # streaming; a server that ignores `stream` then gives its whole answer.
                raw = self._complete_once(messages, on_token, **limit)
        except openai.OpenAIError as exc:
            raise GeneratorError(describe_error(exc, self.base_url, self.model or "")) from exc
        finish = postprocess_rewrites if request.rewrite else postprocess
        return finish(raw, request, prompts.instruction_text(request.section.id))

    def _complete_once(self, messages: Any, on_token: TokenCallback | None, **limit: Any) -> str:
        """One non-streamed completion; an answer that is not a chat completion (an HTML page,
        a proxy's error) becomes a `GeneratorError` quoting the start of what came back."""
        try:
            answer = self._client(streaming=False).invoke(list(messages), **limit)
        except ValueError as exc:  # langchain-openai: "Unexpected response type ... got str: ..."
            got = str(exc).split("got str:", 1)[-1].strip().strip("'\"")
            snippet = " ".join(got.split())[:120]
            raise GeneratorError(
                f"the endpoint at {self.base_url} did not answer as an OpenAI-compatible chat "
                f"API (no streamed tokens, and a plain request got: {snippet!r})"
            ) from exc
        text = answer.content if isinstance(answer.content, str) else ""
        if text and on_token is not None:
            on_token(text)
        return text
