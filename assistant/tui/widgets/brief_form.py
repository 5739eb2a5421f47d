"""`BriefForm`: what the editor asks for — topic, time window (read as `assistant.dates` reads
it everywhere, in the workspace's zone), outlets/channels, kinds, generator and model. Posts
`BriefChanged` with parsed values, or `BriefInvalid` naming the field.
"""

from __future__ import annotations

from typing import Any, cast, get_args

from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Select

from assistant.config import GeneratorName
from assistant.dates import DateError, Window, bound_text
from assistant.models import SearchFilters, SourceKind

KINDS = get_args(SourceKind)
GENERATORS = get_args(GeneratorName)


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


class BriefForm(Vertical):
    class BriefChanged(Message):
        def __init__(
            self, topic: str, filters: SearchFilters, generator: str, model: str | None
        ) -> None:
            super().__init__()
            self.topic = topic
            self.filters = filters
            self.generator = generator
            self.model = model

    class BriefInvalid(Message):
        def __init__(self, problem: str) -> None:
            super().__init__()
            self.problem = problem

    def __init__(self, tz: str = "UTC", **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.tz = tz
        """The zone the since/until fields are read in (the workspace's `timezone` setting)."""
        self._filling = False
        self._ready = False
        """Set once a session's brief is shown: widgets' own mount-time events are not edits."""

    def compose(self):  # type: ignore[no-untyped-def]
        # Placeholders fit the left column's fields (17 cells for the half-width ones, 40 for
        # the topic); the full explanation of each field is its tooltip.
        yield Input(
            placeholder="Topic, e.g. Ankara NATO summit",
            tooltip="What to draft about, e.g. Anchorage talks and the Ankara NATO summit",
            id="topic",
        )
        with Horizontal(classes="brief-row"):
            yield Input(
                placeholder="since (UTC date)",
                tooltip="Start of the window, UTC: 2026-06-29 or 2026-06-29 14:05",
                id="since",
            )
            yield Input(
                placeholder="until (UTC date)",
                tooltip="End of the window (not included), UTC: 2026-06-30 or 2026-06-30 06:00",
                id="until",
            )
        with Horizontal(classes="brief-row"):
            yield Input(
                placeholder="outlets/channels",
                tooltip="Outlets or Telegram channels, comma-separated; blank = all",
                id="outlets",
            )
            yield Input(
                placeholder="kinds, e.g. wire",
                tooltip="Kinds, comma-separated: " + ", ".join(KINDS) + "; blank = all",
                id="kinds",
            )
        with Horizontal(classes="brief-row"):
            yield Select(
                [(g, g) for g in GENERATORS], value="extractive", allow_blank=False, id="generator"
            )
            yield Input(
                placeholder="model (default)",
                tooltip="GGUF path (llama-cpp) or model name (openai); blank = workspace setting",
                id="model",
            )

    def fill(self, topic: str, filters: SearchFilters, generator: str, model: str | None) -> None:
        """Show a session's brief without echoing change events back."""
        self._filling = True
        values = {
            "topic": topic,
            "since": bound_text(filters.since, end=False, tz=self.tz),
            "until": bound_text(filters.until, end=True, tz=self.tz),
            "outlets": ", ".join(filters.outlets),
            "kinds": ", ".join(filters.kinds),
            "model": model or "",
        }
        for key, value in values.items():
            self.query_one(f"#{key}", Input).value = value
        self.query_one("#generator", Select).value = (
            generator if generator in GENERATORS else "extractive"
        )
        self.call_after_refresh(self._done_filling)

    def _done_filling(self) -> None:
        self._filling = False
        self._ready = True

    def read(self) -> tuple[str, SearchFilters, str, str | None]:
        """The brief as values; raises ValueError naming the field that does not parse."""
        get = lambda key: self.query_one(f"#{key}", Input).value  # noqa: E731
        try:
            window = Window.parse(
                get("since").strip(), get("until").strip(), self.tz, names=("since", "until")
            )
        except DateError as exc:
            raise ValueError(str(exc)) from None
        kinds = _split(get("kinds"))
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise ValueError(
                f"kinds: unknown kind {', '.join(unknown)} (known: {', '.join(KINDS)})"
            )
        filters = SearchFilters(
            since=window.since,
            until=window.until,
            outlets=_split(get("outlets")),
            kinds=cast(Any, kinds),
        )
        generator = str(self.query_one("#generator", Select).value)
        return get("topic").strip(), filters, generator, get("model").strip() or None

    def _changed(self) -> None:
        if self._filling or not self._ready:
            return
        try:
            self.post_message(self.BriefChanged(*self.read()))
        except ValueError as exc:
            self.post_message(self.BriefInvalid(str(exc)))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._changed()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._changed()
