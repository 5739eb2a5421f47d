"""`BatchCore`: the parts of a workspace a batch run uses, as a protocol, so batch depends on the
core (store, index, verifier, renderer, settings) and never on the service. `DeskService`
provides them all; a test or another host can hand in its own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.drafting.repair import SupportsVerify
    from assistant.index.passage_index import PassageIndex
    from assistant.render.renderer import Renderer
    from assistant.store import Store


class BatchCore(Protocol):
    """What `BatchRunner` reads; each part is built by its owner, on first use if it likes."""

    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> Store: ...

    @property
    def index(self) -> PassageIndex:
        """Built only when the run needs it (after clustering's imports, see `cluster`)."""
        ...

    @property
    def verifier(self) -> SupportsVerify: ...

    @property
    def renderer(self) -> Renderer: ...
