"""`get_generator(name, settings, model=None)`: the one way to obtain a generator by name.

`extractive` is the embedded default (no model). The LLM generators are imported only when
asked for, so their libraries (llama-cpp, langchain-openai) load only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.drafting.generators.base import Generator, GeneratorError

if TYPE_CHECKING:
    from assistant.config import Settings

GENERATORS = ("extractive", "llama-cpp", "openai")
LLM_GENERATORS = frozenset({"llama-cpp", "openai"})


def get_generator(name: str, settings: Settings, model: str | None = None) -> Generator:
    """Build the generator `name`; `model` is a GGUF path (llama-cpp) or a model name (openai)."""
    if name == "extractive":
        from assistant.drafting.generators.extractive import ExtractiveGenerator

        return ExtractiveGenerator(settings)
    if name == "llama-cpp":
        from assistant.drafting.generators.llama_cpp import LlamaCppGenerator

        return LlamaCppGenerator(settings, model_path=model)
    if name == "openai":
        from assistant.drafting.generators.openai_compat import OpenAICompatGenerator

        return OpenAICompatGenerator(settings, model=model)
    raise GeneratorError(f"unknown generator '{name}'; choose one of: {', '.join(GENERATORS)}")


__all__ = ["GENERATORS", "LLM_GENERATORS", "Generator", "GeneratorError", "get_generator"]
