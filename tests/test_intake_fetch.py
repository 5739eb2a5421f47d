"""The fetch layer against a real HTTP server on 127.0.0.1 (`tests/_wire_server.py`): conditional
GET, retries honouring Retry-After, redirects (loops, too many, to private addresses), size caps
on what is sent and on what it decompresses to, timeouts, refused connections and non-http URLs,
and content sniffing. DNS and TLS failures cannot be served from 127.0.0.1 without a real lookup
or certificate, so one narrow unit test injects them at the httpx transport."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from assistant.intake.content_kind import ContentKind, advertised_feeds
from assistant.intake.fetcher import (
    USER_AGENT,
    BlockedAddressError,
    Fetcher,
    HTTPStatusFetchError,
    NetworkFetchError,
    RedirectFetchError,
    TooLargeFetchError,
    UnsupportedURLError,
)
from tests._wire_server import WireServer, article_page, gzip_bomb, rss, wire_items

LOCAL = ["127.0.0.0/8"]


@pytest.fixture
def server():
    srv = WireServer()
    yield srv
    srv.close()


def _fetcher(**kwargs) -> Fetcher:
    kwargs.setdefault("max_bytes", 5_000_000)
    kwargs.setdefault("timeout_s", 5.0)
    kwargs.setdefault("backoff_s", 0.01)
    return Fetcher(**kwargs)


def test_unchanged_feed_costs_one_304_and_the_user_agent_names_the_tool(server) -> None:
    url = server.serve("/feed.xml", rss(wire_items(n=5)))
    with _fetcher() as f:
        first = f.get(url)
        again = f.get(url, etag=first.etag)
    assert first.status == 200 and b"<rss" in first.body and first.etag
    assert again.not_modified and again.body == b""
    hits = server.hits("/feed.xml")
    assert len(hits) == 2
    assert hits[1]["if-none-match"] == first.etag
    assert hits[0]["user-agent"] == USER_AGENT and "desk-assistant" in USER_AGENT


def test_429_and_503_are_retried_honouring_retry_after(server) -> None:
    answers = [(429, {"Retry-After": "0"}), (503, {"Retry-After": "0"})]
    body = rss(wire_items(n=2)).encode()

    def flaky(path, headers):
        if answers:
            status, h = answers.pop(0)
            return status, h, b"busy"
        return 200, {"Content-Type": "application/rss+xml"}, body

    url = server.handle("/flaky.xml", flaky)
    slept: list[float] = []
    with _fetcher(retries=2, sleep=slept.append) as f:
        result = f.get(url)
    assert result.status == 200 and result.attempts == 3
    assert slept == [0.0, 0.0]  # Retry-After: 0 wins over the backoff


def test_a_server_that_keeps_failing_is_retried_a_bounded_number_of_times(server) -> None:
    url = server.serve("/down.xml", b"oops", status=503, content_type="text/plain")
    slept: list[float] = []
    with _fetcher(retries=2, sleep=slept.append) as f, pytest.raises(HTTPStatusFetchError) as exc:
        f.get(url)
    assert len(server.hits("/down.xml")) == 3
    assert slept == [0.01, 0.02]  # exponential backoff without Retry-After
    assert str(exc.value).startswith(url) and "HTTP 503 Service Unavailable" in str(exc.value)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (404, "HTTP 404 Not Found: the page does not exist"),
        (410, "HTTP 410 Gone"),
        (500, "HTTP 500"),
    ],
)
def test_error_statuses_name_the_url_and_the_status(server, status, words) -> None:
    url = server.serve("/gone.xml", b"no", status=status, content_type="text/plain")
    with _fetcher(retries=0) as f, pytest.raises(HTTPStatusFetchError) as exc:
        f.get(url)
    assert str(exc.value).startswith(f"{url}: ") and words in str(exc.value)


def test_redirect_loops_and_long_chains_are_refused(server) -> None:
    server.handle("/a", lambda p, h: (302, {"Location": "/b"}, b""))
    server.handle("/b", lambda p, h: (301, {"Location": "/a"}, b""))
    for i in range(7):
        server.handle(f"/r{i}", lambda p, h, i=i: (307, {"Location": f"/r{i + 1}"}, b""))
    server.serve("/r7", rss(wire_items(n=1)))
    with _fetcher(allow_networks=LOCAL) as f:
        with pytest.raises(RedirectFetchError, match="redirect loop"):
            f.get(server.url("/a"))
        with pytest.raises(RedirectFetchError, match="more than 5 redirects"):
            f.get(server.url("/r0"))
        assert f.get(server.url("/r2")).final_url == server.url("/r7")  # five is fine


def test_a_redirect_to_a_loopback_or_link_local_address_is_refused_unless_allowed(server) -> None:
    target = server.serve("/inner.xml", rss(wire_items(n=1)))
    other = target.replace("127.0.0.1", "127.0.0.2")
    server.handle("/out", lambda p, h: (302, {"Location": other}, b""))
    server.handle("/meta", lambda p, h: (302, {"Location": "http://169.254.169.254/latest"}, b""))
    with _fetcher() as f, pytest.raises(BlockedAddressError) as exc:
        f.get(server.url("/out"))
    assert "127.0.0.2 is a loopback address" in str(exc.value)
    assert "fetch_allow_networks" in str(exc.value)
    with _fetcher(allow_networks=LOCAL) as f:
        with pytest.raises(BlockedAddressError, match="link-local"):
            f.get(server.url("/meta"))
    # 127.0.0.2 is the same server socket only when bound to all of 127/8; check the policy only
    assert server.hits("/inner.xml") == []


def test_redirect_to_a_non_http_scheme_is_refused(server) -> None:
    server.handle("/evil", lambda p, h: (302, {"Location": "file:///etc/passwd"}, b""))
    with _fetcher() as f, pytest.raises(UnsupportedURLError, match="'file:' URLs are not fetched"):
        f.get(server.url("/evil"))


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/feed.xml", "javascript:alert(1)"]
)
def test_non_http_urls_are_refused_by_name(url) -> None:
    scheme = url.split(":")[0]
    with _fetcher() as f, pytest.raises(UnsupportedURLError) as exc:
        f.get(url)
    assert f"'{scheme}:' URLs are not fetched; only http and https" in str(exc.value)


def test_a_gzip_bomb_stops_at_the_cap_on_its_decompressed_size(server) -> None:
    bomb = gzip_bomb(50_000_000)
    assert len(bomb) < 100_000
    url = server.serve("/bomb.xml", bomb, headers={"Content-Encoding": "gzip"})
    with _fetcher(max_bytes=1_000_000) as f, pytest.raises(TooLargeFetchError) as exc:
        f.get(url)
    assert "decompressed" in str(exc.value) and "max_file_bytes" in str(exc.value)


def test_an_oversized_response_is_refused_before_reading_it(server) -> None:
    url = server.serve("/big.xml", b"<rss>" + b" " * 2_000_000)
    with _fetcher(max_bytes=1_000_000) as f, pytest.raises(TooLargeFetchError) as exc:
        f.get(url)
    assert "1.9 MB sent, over the 976.6 KB limit" in str(exc.value)


def test_a_gzipped_feed_within_the_cap_is_read_whole(server) -> None:
    import gzip

    text = rss(wire_items(n=3))
    url = server.serve(
        "/gz.xml", gzip.compress(text.encode()), headers={"Content-Encoding": "gzip"}
    )
    with _fetcher() as f:
        assert f.get(url).body.decode() == text


def test_a_refused_connection_and_a_timeout_name_the_url() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    url = f"http://127.0.0.1:{port}/feed.xml"
    with _fetcher() as f, pytest.raises(NetworkFetchError) as exc:
        f.get(url)
    assert str(exc.value).startswith(url) and "connection refused" in str(exc.value)

    srv = WireServer()
    try:
        srv.handle("/slow", lambda p, h: (time.sleep(2), (200, {}, b"late"))[1])
        with _fetcher(timeout_s=0.3) as f, pytest.raises(NetworkFetchError, match="timed out"):
            f.get(srv.url("/slow"))
    finally:
        srv.close()


class _Failing(httpx.BaseTransport):
    """Raises what httpx raises for a failed DNS lookup or TLS handshake (no real lookup)."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (httpx.ConnectError("[Errno -2] Name or service not known"), "DNS lookup failed"),
        (
            httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
            "TLS error",
        ),
    ],
)
def test_dns_and_tls_failures_are_worded_for_the_editor(exc, words) -> None:
    with _fetcher(transport=_Failing(exc)) as f, pytest.raises(NetworkFetchError) as err:
        f.get("https://feeds.example.org/world.xml")
    assert str(err.value).startswith("https://feeds.example.org/world.xml: " + words)


def test_content_decides_the_kind_and_a_disagreeing_content_type_warns() -> None:
    feed = rss(wire_items(n=1))
    assert ContentKind.of(feed, "application/rss+xml") == ContentKind("feed")
    as_html = ContentKind.of(feed, "text/html; charset=utf-8")
    assert as_html.kind == "feed" and "served as 'text/html'" in (as_html.warning or "")
    page = ContentKind.of(article_page(), "application/octet-stream")
    assert page.kind == "html" and "read as HTML" in (page.warning or "")
    missing = ContentKind.of(feed, None)
    assert missing.kind == "feed" and "no Content-Type" in (missing.warning or "")
    assert advertised_feeds(article_page(), "http://x.test/a/b") == [
        "http://x.test/feeds/world.xml"
    ]


def test_command_line_arguments_are_urls_unless_a_file_has_that_name(tmp_path, monkeypatch) -> None:
    from assistant.intake.url_ingest import looks_like_url

    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes:2024.txt").write_text("x", encoding="utf-8")
    assert looks_like_url("https://example.org/rss") and looks_like_url("javascript:alert(1)")
    assert looks_like_url("file:///etc/passwd") and looks_like_url("mailto:desk@example.org")
    assert not looks_like_url("notes:2024.txt") and not looks_like_url("wire/today.xml")
