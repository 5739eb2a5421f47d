"""Dates, one meaning everywhere: the editor's window bounds and the sources' publication dates.

**Window bounds** (`desk search/draft --since/--until`, the TUI's brief form, `desk batch`) are
read by `Window.parse` in one time zone: the one given (`desk batch --tz`) or the `timezone`
setting (UTC unless configured).
- A date `YYYY-MM-DD` as `since` is the first instant of that local day; as `until` it is the
  end of that day, held as the next local midnight. A window is half-open, `[since, until)`,
  so `--since D --until D` is the one day D, and a local day is 23 or 25 hours long when the
  clocks change.
- A date-time `YYYY-MM-DD HH:MM[:SS]` (a `T` or a space between) is that instant; without an
  offset (`+02:00`, `Z`) it is read in the zone. `until` must come after `since`.
Both bounds come out timezone-aware UTC, the form the store compares.

**Source dates** (`parse_date`) come out timezone-aware UTC, or `None` with a flag saying why.
A date is never invented and never guessed:
- ISO 8601 (`2026-06-29`, `2026-06-29T18:26:00Z`), RFC 2822 (RSS `pubDate`), Unix seconds and
  `datetime`/`date` objects are read as written. A value without a time zone is read as UTC
  and flagged; a date without a time of day is midnight UTC, flagged.
- Other written dates (`5 June 2025 14:30 UTC`, `Thursday, June 5, 2025`) are read only when
  they state a four-digit year, a month and a day. A weekday alone ("Monday"), a time alone
  ("12:30"), a missing year or day, or a time zone name we do not know stays undated.
- Day-first policy: a numeric date whose day and month could be swapped (`5/6/2025`,
  `05.06.2025`) is read only under a stated policy (`day_first=True`: 5 June; `False`: 6 May).
  The loaders state none, so such dates stay undated with a flag. One that cannot be swapped
  (`25/12/2025`) needs no policy.
"""

from __future__ import annotations

import email.utils
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.errors import DeskError
from assistant.models import utcnow

DateResult = tuple[datetime | None, str | None]
"""A publication date (aware UTC, or None) and the flag saying what was odd about it."""

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$", re.IGNORECASE
)
_EPOCH = re.compile(r"^\d{9,11}(\.\d+)?$")
_ZONE_NAME = re.compile(r"\s[A-Za-z]{1,5}$")
_YEAR = re.compile(r"(?<!\d)[12]\d{3}(?!\d)")
# Anything later than this past the ingest time is suspicious (clock or typo), so it is flagged.
_FUTURE_SLACK = timedelta(days=1)
# Two defaults that differ in every field: a field the text does not state comes out differently.
_DEFAULTS = (datetime(2000, 1, 1, 0, 0, 0), datetime(2001, 2, 2, 1, 1, 1))
_BOUND_HELP = "a date (YYYY-MM-DD) or date-time (YYYY-MM-DD HH:MM, optionally :SS and +HH:MM or Z)"


class DateError(DeskError, ValueError):
    """A window bound or time zone the editor gave that does not parse; says which and why."""


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`, or a `DateError` naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DateError(
            f"unknown time zone '{name}' (use an IANA name such as Europe/London)"
        ) from exc


def parse_day(value: str, what: str = "--date") -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise DateError(f"{what} '{value}' is not a date in the form YYYY-MM-DD") from exc


def parse_bound(
    value: str, *, end: bool, tz: str | ZoneInfo = "UTC", what: str = "date"
) -> datetime:
    """One window bound as aware UTC. A date is its local day's start, or with `end` the next
    local midnight (the exclusive end of that day); a date-time without offset is local."""
    zi = zone(tz) if isinstance(tz, str) else tz
    text = value.strip()
    if _DATE_ONLY.match(text):
        day = parse_day(text, what)
        if end:
            day += timedelta(days=1)
        return datetime.combine(day, time(0), tzinfo=zi).astimezone(UTC)
    if not _ISO.match(text):
        raise DateError(f"{what} '{value}' is not {_BOUND_HELP}")
    try:
        parsed = datetime.fromisoformat(_zulu(text))
    except ValueError as exc:
        raise DateError(f"{what} '{value}' is not {_BOUND_HELP}") from exc
    return (parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zi)).astimezone(UTC)


def bound_text(when: datetime | None, *, end: bool, tz: str | ZoneInfo = "UTC") -> str:
    """The inverse of `parse_bound` for a form: a bound at local midnight shows as its date
    (an `until` as the day it ends), any other as `YYYY-MM-DD HH:MM` local time."""
    if when is None:
        return ""
    local = when.astimezone(zone(tz) if isinstance(tz, str) else tz)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return (local.date() - timedelta(days=1) if end else local.date()).isoformat()
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Window:
    """A half-open published-time window `[since, until)`; an open side is None. Aware UTC."""

    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def parse(
        cls,
        since: str | None,
        until: str | None,
        tz: str = "UTC",
        names: tuple[str, str] = ("--since", "--until"),
    ) -> Window:
        """The editor's bounds (empty = open) in the zone `tz`; `until` must be after `since`."""
        zi = zone(tz)
        start = parse_bound(since, end=False, tz=zi, what=names[0]) if since else None
        stop = parse_bound(until, end=True, tz=zi, what=names[1]) if until else None
        if start is not None and stop is not None and stop <= start:
            raise DateError(f"{names[1]} {until} is not after {names[0]} {since}")
        return cls(start, stop)

    @classmethod
    def day(cls, day: str, tz: str = "UTC", what: str = "--date") -> Window:
        """The local day `day` in `tz`, midnight to midnight."""
        d = parse_day(day, what).isoformat()
        return cls.parse(d, d, tz)

    def contains(self, when: datetime | None) -> bool:
        if when is None:
            return False
        at = when.astimezone(UTC)
        return (self.since is None or self.since <= at) and (self.until is None or at < self.until)


# --- source dates --------------------------------------------------------------------------
def from_unix(value: object) -> DateResult:
    try:
        return _check(datetime.fromtimestamp(float(str(value)), UTC), None)
    except (TypeError, ValueError, OverflowError, OSError):
        return None, f"unparseable date {str(value)[:60]!r}"


def parse_date(value: object, *, day_first: bool | None = None) -> DateResult:
    """A source's publication date; see the module docstring for what is read and what is not.
    `day_first` is the source's stated day/month order for numeric dates (None: not known)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "no date in source"
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, date):
        return _date_only(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_unix(value)
    text = str(value).strip()
    if _EPOCH.match(text):
        return from_unix(text)
    if _DATE_ONLY.match(text):
        try:
            return _date_only(date.fromisoformat(text))
        except ValueError:
            return None, f"unparseable date {text[:60]!r}"
    if _ISO.match(text):
        try:
            return _aware(datetime.fromisoformat(_zulu(text)))
        except ValueError:
            return None, f"unparseable date {text[:60]!r}"
    try:
        rfc = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return _written(text, day_first)
    if rfc.tzinfo is None and _ZONE_NAME.search(text):
        # The email parser drops a zone name it does not know ("BST") without a word.
        return None, f"unparseable date {text[:60]!r}: unknown time zone"
    return _aware(rfc)


def _written(text: str, day_first: bool | None) -> DateResult:
    """A written date through dateutil, accepted only when nothing had to be guessed."""
    from dateutil import parser
    from dateutil.parser import ParserError, UnknownTimezoneWarning

    shown = repr(text[:60])
    readings: dict[bool, tuple[datetime, datetime]] = {}
    for first in (False, True):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", UnknownTimezoneWarning)
                a, b = (parser.parse(text, default=d, dayfirst=first) for d in _DEFAULTS)
        except UnknownTimezoneWarning:
            return None, f"unparseable date {shown}: unknown time zone"
        except (ParserError, ValueError, OverflowError, TypeError):
            return None, f"unparseable date {shown}"
        readings[first] = (a, b)
    a, b = readings[False]
    if a.date() != b.date() or not _YEAR.search(text):
        return None, f"incomplete date {shown}: needs a four-digit year, a month and a day"
    if readings[True][0] != a:
        if day_first is None:
            return None, f"ambiguous date {shown}: day and month order not stated"
        a, b = readings[day_first]
    if a.hour != b.hour:  # no time of day in the text
        return _date_only(a.date())
    return _aware(a)  # fields the text leaves out are 0 in the first default


def _zulu(text: str) -> str:
    return text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text


def _date_only(day: date) -> DateResult:
    return _check(datetime(day.year, day.month, day.day, tzinfo=UTC), "date only, no time of day")


def _aware(value: datetime) -> DateResult:
    if value.tzinfo is None or value.utcoffset() is None:
        return _check(value.replace(tzinfo=UTC), "no time zone in source; read as UTC")
    return _check(value.astimezone(UTC), None)


def _check(value: datetime, flag: str | None) -> DateResult:
    if value > utcnow() + _FUTURE_SLACK:
        extra = f"date {value.isoformat()} is in the future"
        flag = f"{flag}; {extra}" if flag else extra
    return value, flag
