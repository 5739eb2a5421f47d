"""`parse_since`: `--since` as a date or time (`2026-11-30`, `2026-11-30T06:00+01:00`) or an age
(`36h`, `7d`, `90m`), as a timezone-aware UTC datetime."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from assistant.errors import DeskError

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$")


class SinceError(DeskError, ValueError):
    """`--since` is neither a date nor an age."""

    exit_code = 2


def parse_since(value: str, now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    m = _AGE.match(value)
    if m:
        unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[m[2]]
        return now - timedelta(**{unit: float(m[1])})
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise SinceError(
            f"--since '{value}' is neither a date (2026-11-30, 2026-11-30T06:00Z) "
            "nor an age (36h, 7d)"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
