"""`BatchWindow`: the published-time window a batch run covers, resolved from the editor's words.

`--date 2025-08-15 --tz Europe/London` means that *local* day, midnight to midnight in London
(so 23:00 UTC the evening before up to 23:00 UTC on the day in summer, and a 23- or 25-hour day
when the clocks change). `--since/--until` mean what they mean everywhere (`assistant.dates`):
a date-only `until` includes that day, so `--since D --until D` is the day D; a value without an
offset is read in the given zone. The store compares times in UTC, so the window keeps both
forms: the local labels for people and the UTC bounds for queries. `until` is exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from assistant import dates
from assistant.errors import DeskError


class BatchConfigError(DeskError, ValueError):
    """Bad batch options (window, time zone, limits); the message says which and why."""


def zone(name: str) -> ZoneInfo:
    try:
        return dates.zone(name)
    except dates.DateError as exc:
        raise BatchConfigError(str(exc)) from exc


@dataclass(frozen=True)
class BatchWindow:
    """A half-open window `[since, until)` with both bounds timezone-aware UTC."""

    since: datetime
    until: datetime
    tz: str = "UTC"
    label: str = ""
    """`2025-08-15` for a local day, else `since..until` in local time."""

    @classmethod
    def resolve(
        cls,
        day: str | None = None,
        since: str | None = None,
        until: str | None = None,
        tz: str = "UTC",
    ) -> BatchWindow:
        """From `--date` or `--since/--until` (exactly one form) in the zone `tz`."""
        zi = zone(tz)
        if day is not None and (since is not None or until is not None):
            raise BatchConfigError("give either --date or --since/--until, not both")
        if day is None and (since is None or until is None):
            raise BatchConfigError("give --date YYYY-MM-DD, or both --since and --until")
        try:
            if day is not None:
                w = dates.Window.day(day, tz)
                label = dates.parse_day(day).isoformat()
            else:
                w = dates.Window.parse(since, until, tz)
                label = ""
        except dates.DateError as exc:
            raise BatchConfigError(str(exc)) from exc
        assert w.since is not None and w.until is not None
        if not label:
            a, b = (t.astimezone(zi).isoformat(timespec="minutes") for t in (w.since, w.until))
            label = f"{a}..{b}"
        return cls(w.since, w.until, tz, label)

    def contains(self, when: datetime | None) -> bool:
        return when is not None and self.since <= when.astimezone(UTC) < self.until

    def local(self, when: datetime) -> datetime:
        return when.astimezone(zone(self.tz))

    def as_dict(self) -> dict[str, str]:
        return {
            "label": self.label,
            "tz": self.tz,
            "since_utc": self.since.isoformat(),
            "until_utc": self.until.isoformat(),
            "since_local": self.local(self.since).isoformat(),
            "until_local": self.local(self.until).isoformat(),
        }
