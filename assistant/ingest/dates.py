"""Publication dates: every format's date strings to timezone-aware UTC, or to `None` with a
flag saying why. A date is never invented: a missing or unparseable value stays missing, and a
value without a time zone is read as UTC but flagged as such.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, date, datetime, timedelta

from assistant.models import utcnow

DateResult = tuple[datetime | None, str | None]

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EPOCH = re.compile(r"^\d{9,11}(\.\d+)?$")
# Anything later than this past the ingest time is suspicious (clock or typo), so it is flagged.
_FUTURE_SLACK = timedelta(days=1)


def from_unix(value: object) -> DateResult:
    try:
        return _check(datetime.fromtimestamp(float(str(value)), UTC), None)
    except (TypeError, ValueError, OverflowError, OSError):
        return None, f"unparseable date {str(value)[:60]!r}"


def parse_date(value: object) -> DateResult:
    """Parse ISO 8601, RFC 2822 (RSS `pubDate`), Unix seconds, or `datetime`/`date` objects."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "no date in source"
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, date):
        return _check(
            datetime(value.year, value.month, value.day, tzinfo=UTC), "date only, no time of day"
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_unix(value)
    text = str(value).strip()
    if _EPOCH.match(text):
        return from_unix(text)
    if _DATE_ONLY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None, f"unparseable date {text[:60]!r}"
        return _check(
            datetime(day.year, day.month, day.day, tzinfo=UTC), "date only, no time of day"
        )
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            parsed = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None, f"unparseable date {text[:60]!r}"
    return _aware(parsed)


def _aware(value: datetime) -> DateResult:
    if value.tzinfo is None or value.utcoffset() is None:
        return _check(value.replace(tzinfo=UTC), "no time zone in source; read as UTC")
    return _check(value.astimezone(UTC), None)


def _check(value: datetime, flag: str | None) -> DateResult:
    if value > utcnow() + _FUTURE_SLACK:
        extra = f"date {value.isoformat()} is in the future"
        flag = f"{flag}; {extra}" if flag else extra
    return value, flag
