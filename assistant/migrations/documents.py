"""`DocumentFormat`: the versions of the JSON formats a workspace keeps — sessions
(`desk.session/N`), drafts (`desk.draft/N`) and their provenance (`desk.provenance/N`) — and the
chain of steps between them.

Every stored document carries `schema_version`. Before pydantic validates one, its format's
`upgrade` applies `migrate_<n>_to_<n+1>` steps in order up to the current version and nested
documents follow as pydantic validates them (a session's drafts, a draft's provenance: each model
upgrades its own part), so old files load into today's models; they are written back in the current version the next time they are saved. A version
newer than the code is refused with `FormatTooNewError`, and the data is left alone.

Adding a version, e.g. `desk.draft/2` with a new field:

    def _draft_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "new_field": "its default for old drafts"}

and list it in `DRAFT`'s steps; the model's default `schema_version` follows `DRAFT.current`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.migrations import FormatTooNewError

Step = Callable[[dict[str, Any]], dict[str, Any]]

_VERSION = re.compile(r"^(?P<kind>[a-z.]+)/(?P<n>[0-9]+)$")


@dataclass(frozen=True)
class DocumentFormat:
    """One JSON format: its name and `steps[n - 1]`, the step from version n to n+1."""

    kind: str
    steps: Sequence[Step] = ()

    @property
    def current(self) -> int:
        return len(self.steps) + 1

    @property
    def version(self) -> str:
        """The current `schema_version` string, e.g. `desk.draft/1`."""
        return f"{self.kind}/{self.current}"

    def version_of(self, data: dict[str, Any]) -> int:
        """The document's version number; a document without one is today's (models fill the
        field by default, so only code-built dicts lack it)."""
        raw = data.get("schema_version")
        if raw is None:
            return self.current
        match = _VERSION.match(raw) if isinstance(raw, str) else None
        if match is None or match["kind"] != self.kind:
            # A ValueError, so pydantic reports it like any other invalid field.
            raise ValueError(f"schema_version {raw!r} is not a {self.kind} version")
        n = int(match["n"])
        if n > self.current:
            raise FormatTooNewError(
                f"{raw} was written by a newer desk than this one (it reads up to "
                f"{self.version}); upgrade desk-assistant to open it"
            )
        if n < 1:
            raise ValueError(f"schema_version {raw!r} is not a {self.kind} version")
        return n

    def upgrade(self, data: Any) -> Any:
        """`data` in the current version (a new dict when anything changed); anything but a
        dict is returned as is for pydantic to judge."""
        if not isinstance(data, dict):
            return data
        n = self.version_of(data)
        if n < self.current:
            for step in self.steps[n - 1 :]:
                data = step(dict(data))
            data = {**data, "schema_version": self.version}
        return data


PROVENANCE = DocumentFormat("desk.provenance")
DRAFT = DocumentFormat("desk.draft")
SESSION = DocumentFormat("desk.session")
