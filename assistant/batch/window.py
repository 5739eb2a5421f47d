"""`BatchWindow`: the published-time window a batch run covers, resolved from the editor's words.

`--date 2025-08-15 --tz Europe/London` means that *local* day, midnight to midnight in London
(so 23:00 UTC the evening before up to 23:00 UTC on the day in summer, and a 23- or 25-hour day
when the clocks change). `--since/--until` accept a date or a date-time; a value without an
offset is read in the given zone. The store compares times in UTC, so the window keeps both
forms: the local labels for people and the UTC bounds for queries. `until` is exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.errors import DeskError


class BatchConfigError(DeskError, ValueError):
    """Bad batch options (window, time zone, limits); the message says which and why."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BatchConfigError(
            f"unknown time zone '{name}' (use an IANA name such as Europe/London)"
        ) from exc


def _parse_local(value: str, tz: ZoneInfo, what: str) -> datetime:
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=tz)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BatchConfigError(
            f"{what} '{value}' is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM[+HH:MM])"
        ) from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


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
        if day is not None:
            try:
                d = date.fromisoformat(day.strip())
            except ValueError as exc:
                raise BatchConfigError(
                    f"--date '{day}' is not a date in the form YYYY-MM-DD"
                ) from exc
            # Midnight to next midnight in local time: DST days are 23 or 25 hours long.
            start = datetime.combine(d, time(0), tzinfo=zi)
            end = datetime.combine(d + timedelta(days=1), time(0), tzinfo=zi)
            return cls(start.astimezone(UTC), end.astimezone(UTC), tz, d.isoformat())
        if since is None or until is None:
            raise BatchConfigError("give --date YYYY-MM-DD, or both --since and --until")
        start, end = _parse_local(since, zi, "--since"), _parse_local(until, zi, "--until")
        if end <= start:
            raise BatchConfigError(f"--until {until} is not after --since {since}")
        a = start.astimezone(zi).isoformat(timespec="minutes")
        label = f"{a}..{end.astimezone(zi).isoformat(timespec='minutes')}"
        return cls(start.astimezone(UTC), end.astimezone(UTC), tz, label)

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
