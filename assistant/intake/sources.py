"""`SourceSpec`: one `[[sources]]` entry of `desk.toml`, what `desk watch` polls.

    [[sources]]
    url = "https://www.ft.com/rss/home"
    interval = "10m"           # default 15 min for feeds and pages, 30 min for t.me/s channels
    outlet = "Financial Times" # optional: overrides the outlet the feed names
    kind = "outlet"            # optional: wire, official, outlet, telegram, blog
    enabled = true

    [[sources]]
    path = "/srv/wire/incoming"   # a folder (or file), watched for new and changed files

Exactly one of `url` and `path`; unknown keys are errors (a typo such as `intervall` would
otherwise poll every 15 minutes without a word).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from assistant.models import SourceKind

FEED_INTERVAL_S = 15 * 60
CHANNEL_INTERVAL_S = 30 * 60
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)?\s*$")


def is_channel_url(url: str) -> bool:
    parts = urlsplit(url)
    return (parts.hostname or "").lower() in ("t.me", "telegram.me") and parts.path.startswith(
        "/s/"
    )


class SourceSpec(BaseModel):
    """One source to watch: a URL (feed, channel preview, page) or a local path."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str | None = None
    path: str | None = None
    interval: float | None = None
    """Seconds between polls, or a duration such as "90s", "10m", "1h"."""
    outlet: str | None = None
    kind: SourceKind | None = None
    enabled: bool = True

    @field_validator("interval", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError('expected a duration such as 900, "90s", "15m" or "1h"')
        if isinstance(value, str):
            m = _DURATION.match(value)
            if not m:
                raise ValueError(f'\'{value}\' is not a duration (e.g. 900, "90s", "15m", "1h")')
            n, unit = float(m[1]), (m[2] or "s")
            return n * {"s": 1, "m": 60, "min": 60, "h": 3600}[unit]
        return value

    @field_validator("interval")
    @classmethod
    def _positive(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError("the interval must be more than 0 seconds")
        return value

    @model_validator(mode="after")
    def _one_target(self) -> SourceSpec:
        if (self.url is None) == (self.path is None):
            raise ValueError("each [[sources]] entry needs exactly one of 'url' or 'path'")
        if self.url is not None:
            from assistant.intake.fetcher import UnsupportedURLError, check_url

            try:
                check_url(self.url)
            except UnsupportedURLError as exc:
                raise ValueError(str(exc)) from None
        return self

    @property
    def target(self) -> str:
        return self.url or self.path or ""

    @property
    def every_s(self) -> float:
        if self.interval is not None:
            return self.interval
        if self.url is not None and is_channel_url(self.url):
            return CHANNEL_INTERVAL_S
        return FEED_INTERVAL_S
