"""`BriefForm`: what the editor asks for — topic, time window (UTC), outlets/channels, kinds,
generator and model. Posts `BriefChanged` with parsed values, or `BriefInvalid` naming the field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast, get_args

from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Select

from assistant.config import GeneratorName
from assistant.models import SearchFilters, SourceKind

KINDS = get_args(SourceKind)
GENERATORS = get_args(GeneratorName)


def parse_time(value: str, field: str) -> datetime | None:
    """`2026-06-29` or `2026-06-29 14:05` (UTC) -> aware datetime; empty -> None."""
    value = value.strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"{field}: '{value}' is not a UTC time like 2026-06-29 or 2026-06-29 14:05")


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _fmt_time(dt: datetime | None) -> str:
    if dt is None:
        return ""
    return (
        dt.strftime("%Y-%m-%d") if (dt.hour, dt.minute) == (0, 0) else dt.strftime("%Y-%m-%d %H:%M")
    )


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

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
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
            "since": _fmt_time(filters.since),
            "until": _fmt_time(filters.until),
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
        since, until = parse_time(get("since"), "since"), parse_time(get("until"), "until")
        if since and until and until <= since:
            raise ValueError("until must be after since")
        kinds = _split(get("kinds"))
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise ValueError(
                f"kinds: unknown kind {', '.join(unknown)} (known: {', '.join(KINDS)})"
            )
        filters = SearchFilters(
            since=since, until=until, outlets=_split(get("outlets")), kinds=cast(Any, kinds)
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
