"""`Fetcher`: one HTTP GET done carefully, for feeds, channel previews and article pages.

- only `http` and `https` URLs (a `file:`, `ftp:` or `javascript:` URL is refused by name);
- a connect and a read timeout (`fetch_timeout_s`), bounded retries with exponential backoff on
  429 and 5xx that honour `Retry-After` (seconds or an HTTP date, capped at `MAX_RETRY_AFTER_S`);
- at most `MAX_REDIRECTS` redirects, followed by hand so that every target is checked: its
  scheme, and its address, since a public page redirecting to `127.0.0.1` or `169.254.169.254`
  is how a fetcher gets turned against the machine it runs on. Private, loopback and link-local
  targets are refused unless they fall in `fetch_allow_networks`;
- a size cap (`max_file_bytes`) on the bytes as received *and* as decompressed, so a 10 KB gzip
  bomb stops at the cap instead of filling memory;
- conditional GET: `If-None-Match` / `If-Modified-Since` from the caller's stored state, and a 304
  comes back as `FetchResult.not_modified`;
- a User-Agent naming the tool.

Every failure is a `FetchError` (a `DeskError`) whose message names the URL and the problem.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from assistant import __version__
from assistant.errors import DeskError
from assistant.ingest.sniff import human_size

if TYPE_CHECKING:
    import httpx

    from assistant.config import Settings

USER_AGENT = f"desk-assistant/{__version__} (newsroom feed intake; +https://pypi.org/project/desk-assistant/)"
MAX_REDIRECTS = 5
MAX_RETRY_AFTER_S = 60.0
"""A server asking for a longer pause is not waited for in-line: the source is retried later."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(DeskError, RuntimeError):
    """A URL could not be fetched; the message names the URL and the problem."""

    def __init__(self, url: str, problem: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {problem}")
        self.url = url
        self.problem = problem
        self.status = status


class UnsupportedURLError(FetchError):
    """Not an http(s) URL."""

    exit_code = 2


class HTTPStatusFetchError(FetchError):
    """The server answered with an error status (404, 410, 5xx after the retries)."""


class RedirectFetchError(FetchError):
    """Too many redirects, a loop, or a redirect without a usable target."""


class BlockedAddressError(FetchError):
    """A redirect led to a private, loopback or link-local address."""


class TooLargeFetchError(FetchError):
    """The response (as sent or decompressed) is over `max_file_bytes`."""


class NetworkFetchError(FetchError):
    """DNS failure, refused connection, timeout, TLS error."""


@dataclass(frozen=True)
class FetchResult:
    """What one GET brought back (after redirects)."""

    url: str
    """The URL asked for."""
    final_url: str
    """Where the content came from after redirects."""
    status: int
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: datetime
    attempts: int = 1
    """Requests made, counting retries and redirects."""
    warnings: tuple[str, ...] = ()

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def check_url(url: str) -> str:
    """`url` if it is an http(s) URL with a host; else `UnsupportedURLError`."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"'{scheme}:' URLs" if scheme else "URLs without a scheme"
        raise UnsupportedURLError(url, f"{shown} are not fetched; only http and https")
    if not parts.hostname:
        raise UnsupportedURLError(url, "the URL has no host")
    return url.strip()


@dataclass
class AddressPolicy:
    """Which addresses a redirect may lead to: public ones, and `allowed` networks."""

    allowed: Sequence[str] = ()
    resolve: Callable[[str], list[str]] = field(default=lambda host: _resolve(host))

    def check(self, url: str, origin: str) -> None:
        host = urlsplit(url).hostname or ""
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                addresses = [ipaddress.ip_address(a) for a in self.resolve(host)]
            except OSError as exc:
                raise NetworkFetchError(
                    origin, f"redirect to {url}: cannot resolve host '{host}' ({exc})"
                ) from None
        nets = [ipaddress.ip_network(n, strict=False) for n in self.allowed]
        for addr in addresses:
            if not (addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved):
                continue
            if any(addr in net for net in nets):
                continue
            what = (
                "loopback"
                if addr.is_loopback
                else "link-local"
                if addr.is_link_local
                else "private"
            )
            raise BlockedAddressError(
                origin,
                f"redirect to {url} refused: {addr} is a {what} address "
                "(allow it with the fetch_allow_networks setting)",
            )


def _resolve(host: str) -> list[str]:
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None)})


class Fetcher:
    """GETs URLs with one shared httpx client (connection reuse across a feed's pages)."""

    def __init__(
        self,
        max_bytes: int,
        timeout_s: float = 20.0,
        retries: int = 2,
        backoff_s: float = 1.0,
        allow_networks: Sequence[str] = (),
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import httpx

        self.max_bytes = max_bytes
        self.retries = retries
        self.backoff_s = backoff_s
        self.policy = AddressPolicy(allow_networks)
        self._sleep = sleep
        self.requests = 0
        """Requests sent by this fetcher (the watch bench counts them)."""
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,
            transport=transport,
            trust_env=False,  # a desk's proxy variables must not silently reroute the wire
        )

    @classmethod
    def for_settings(cls, settings: Settings, **kwargs: Any) -> Fetcher:
        return cls(
            max_bytes=settings.max_file_bytes,
            timeout_s=settings.fetch_timeout_s,
            retries=settings.fetch_retries,
            allow_networks=settings.fetch_allow_networks,
            **kwargs,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self, url: str, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET `url`, following up to `MAX_REDIRECTS` checked redirects and retrying 429/5xx."""
        origin = check_url(url)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current, seen, attempts = origin, [origin], 0
        for _ in range(MAX_REDIRECTS + 1):
            status, resp_headers, body, tries = self._get_with_retries(origin, current, headers)
            attempts += tries
            if status in (301, 302, 303, 307, 308):
                location = resp_headers.get("location")
                if not location:
                    raise RedirectFetchError(origin, f"HTTP {status} redirect without a Location")
                target = urljoin(current, location.strip())
                try:
                    check_url(target)
                except UnsupportedURLError as exc:
                    raise UnsupportedURLError(
                        origin, f"redirect to {target}: {exc.problem}"
                    ) from None
                if target in seen:
                    chain = " -> ".join([*seen, target])
                    raise RedirectFetchError(origin, f"redirect loop ({chain})")
                self.policy.check(target, origin)
                seen.append(target)
                current = target
                continue
            if status == 304:
                body = b""
            elif status >= 400:
                raise HTTPStatusFetchError(origin, _status_problem(status), status)
            return FetchResult(
                url=origin,
                final_url=current,
                status=status,
                body=body,
                content_type=resp_headers.get("content-type"),
                etag=resp_headers.get("etag"),
                last_modified=resp_headers.get("last-modified"),
                fetched_at=datetime.now(UTC),
                attempts=attempts,
            )
        raise RedirectFetchError(
            origin, f"more than {MAX_REDIRECTS} redirects ({' -> '.join(seen)})"
        )

    # --- one URL, with retries -----------------------------------------------------------------
    def _get_with_retries(
        self, origin: str, url: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes, int]:
        tries = 0
        while True:
            tries += 1
            status, resp_headers, body = self._get_once(origin, url, headers)
            if status not in RETRY_STATUSES or tries > self.retries:
                return status, resp_headers, body, tries
            wait = _retry_after(resp_headers.get("retry-after"))
            if wait is None:
                wait = self.backoff_s * 2 ** (tries - 1)
            if wait > MAX_RETRY_AFTER_S:
                return status, resp_headers, body, tries
            self._sleep(wait)

    def _get_once(
        self, origin: str, url: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        import httpx

        self.requests += 1
        try:
            with self._client.stream("GET", url, headers=headers) as resp:
                length = resp.headers.get("content-length", "")
                if length.isdigit() and int(length) > self.max_bytes:
                    raise TooLargeFetchError(origin, self._too_large(int(length), "sent"))
                if resp.is_redirect or resp.status_code == 304:
                    return resp.status_code, dict(resp.headers), b""
                chunks: list[bytes] = []
                decoded = 0
                # iter_bytes decompresses: the cap holds on what a gzip bomb expands to.
                for chunk in resp.iter_bytes():
                    decoded += len(chunk)
                    raw = resp.num_bytes_downloaded
                    if decoded > self.max_bytes or raw > self.max_bytes:
                        what = "decompressed" if decoded > raw else "sent"
                        raise TooLargeFetchError(
                            origin, self._too_large(max(decoded, raw), what, partial=True)
                        )
                    chunks.append(chunk)
                return resp.status_code, dict(resp.headers), b"".join(chunks)
        except httpx.TimeoutException as exc:
            raise NetworkFetchError(origin, f"timed out ({_describe(exc)})") from None
        except httpx.ConnectError as exc:
            raise NetworkFetchError(origin, _connect_problem(exc)) from None
        except httpx.DecodingError as exc:
            raise NetworkFetchError(
                origin, f"the response could not be decompressed ({exc})"
            ) from None
        except httpx.TransportError as exc:
            raise NetworkFetchError(origin, f"connection failed ({_describe(exc)})") from None

    def _too_large(self, size: int, what: str, partial: bool = False) -> str:
        amount = f"over {human_size(size)}" if partial else human_size(size)
        return (
            f"response is {amount} {what}, over the {human_size(self.max_bytes)} limit "
            "(setting max_file_bytes); not read"
        )


def _describe(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _connect_problem(exc: Exception) -> str:
    text = _describe(exc)
    low = text.lower()
    if (
        "name or service not known" in low
        or "nodename nor servname" in low
        or "getaddrinfo" in low
        or "name resolution" in low
    ):
        return f"DNS lookup failed ({text})"
    if "certificate" in low or "ssl" in low or "tls" in low:
        return f"TLS error ({text})"
    if "refused" in low:
        return f"connection refused ({text})"
    return f"cannot connect ({text})"


def _status_problem(status: int) -> str:
    from http import HTTPStatus

    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    hints = {
        404: "the page does not exist (check the URL)",
        410: "the page was removed for good; drop the source",
        429: "the server says too many requests, even after retrying",
    }
    hint = hints.get(status) or ("the server failed, even after retrying" if status >= 500 else "")
    return f"HTTP {status} {phrase}".rstrip() + (f": {hint}" if hint else "")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
