"""A real HTTP server for intake tests: `http.server` in a thread on 127.0.0.x, with routes a
test sets and changes between polls, and builders for the bodies it serves from the real data in
`../shared/data/` (wire-archive items as RSS, the Telegram dump as `t.me/s/` preview pages, a
seed article as an HTML page). Nothing here mocks httpx: the fetcher talks HTTP to this server.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from urllib.parse import parse_qs, urlsplit

from tests.conftest import shared_data

Handler = Callable[[str, dict[str, str]], tuple[int, dict[str, str], bytes]]
"""(path with query, request headers) -> (status, response headers, body)."""


@dataclass
class Route:
    body: bytes = b""
    content_type: str | None = "application/rss+xml; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    conditional: bool = True
    """Answer If-None-Match with 304 when the body's ETag matches."""
    handler: Handler | None = None


class WireServer:
    """Serves `routes` (by path, without the query) on `host`, logging every request."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                headers = {k.lower(): v for k, v in self.headers.items()}
                with server._lock:
                    server.requests.append((self.path, headers))
                status, out_headers, body = server._answer(self.path, headers)
                try:
                    self.send_response(status)
                    for k, v in out_headers.items():
                        self.send_header(k, v)
                    if "content-length" not in {k.lower() for k in out_headers}:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading (a size cap): nothing to do

        self._httpd = ThreadingHTTPServer((host, 0), _Handler)
        self._httpd.daemon_threads = True
        self.host = host
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def serve(self, path: str, body: bytes | str, **kwargs: object) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def handle(self, path: str, handler: Handler) -> str:
        self.routes[path] = Route(handler=handler)
        return self.url(path)

    def hits(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.requests if urlsplit(p).path == path]

    def _answer(self, raw_path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        route = self.routes.get(urlsplit(raw_path).path)
        if route is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        if route.handler is not None:
            return route.handler(raw_path, headers)
        out = dict(route.headers)
        if route.content_type is not None:
            out["Content-Type"] = route.content_type
        if route.status == 200 and route.conditional:
            etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
            out["ETag"] = etag
            if headers.get("if-none-match") == etag:
                return 304, {"ETag": etag}, b""
        return route.status, out, route.body


# --- bodies built from the real data ------------------------------------------------------------
def wire_items(feed: str = "wsj_world.xml", n: int = 40, skip: int = 0) -> list[dict]:
    """`n` real items of one feed from `wire-archive/items.jsonl`, in archive order."""
    path = shared_data() / "wire-archive" / "items.jsonl"
    with path.open(encoding="utf-8") as fh:
        rows = (json.loads(line) for line in fh)
        return list(islice((r for r in rows if r["feed"] == feed), skip, skip + n))


def rss(items: list[dict], title: str = "WSJ.com: World News", dated: bool = True) -> str:
    """An RSS 2.0 feed of wire-archive items, as the publisher's feed carried them."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{html.escape(title)}</title><link>https://www.wsj.com</link>",
        "<language>en-us</language>",
    ]
    for it in items:
        date = f"<pubDate>{html.escape(it['pubDate'])}</pubDate>" if dated else ""
        parts.append(
            f"<item><title>{html.escape(it['title'])}</title>"
            f"<description>{html.escape(it['description'] or it['title'])}</description>"
            f"<link>{html.escape(it['link'])}</link>"
            f'<guid isPermaLink="false">{html.escape(it["guid"])}</guid>{date}</item>'
        )
    parts.append("</channel></rss>")
    return "\n".join(parts)


def telegram_messages() -> list[dict]:
    """The real channel dump, newest first, messages with text only."""
    path = shared_data() / "telegram" / "1001000724666_messages.json"
    rows = [
        m for m in json.loads(path.read_text(encoding="utf-8")) if (m.get("text") or "").strip()
    ]
    return sorted(rows, key=lambda m: -int(m["message_id"]))


def tme_page(channel: str, messages: list[dict]) -> str:
    """A `t.me/s/<channel>` preview page holding `messages` (oldest first, as Telegram shows)."""
    posts = []
    for m in sorted(messages, key=lambda m: int(m["message_id"])):
        text = "<br/>".join(html.escape(line) for line in m["text"].split("\n"))
        posts.append(
            f'<div class="tgme_widget_message_wrap"><div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="{channel}/{m["message_id"]}">'
            f'<div class="tgme_widget_message_owner_name"><span>{html.escape(m["channel"])}</span></div>'
            f'<div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>'
            f'<a class="tgme_widget_message_date" href="https://t.me/{channel}/{m["message_id"]}">'
            f'<time datetime="{m["date"]}" class="time">{m["date"][11:16]}</time></a></div></div>'
        )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta property="og:title" content="{html.escape(messages[0]["channel"])}"></head><body>'
        f'<div class="tgme_channel_info_header_title"><span>{html.escape(messages[0]["channel"])}</span></div>'
        + "".join(posts)
        + "</body></html>"
    )


def tme_handler(channel: str, messages: list[dict], per_page: int = 20) -> Handler:
    """Serves the newest `per_page` posts, and `?before=<id>` the `per_page` before `id`."""

    def answer(raw_path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        query = parse_qs(urlsplit(raw_path).query)
        before = int(query["before"][0]) if "before" in query else None
        older = [m for m in messages if before is None or int(m["message_id"]) < before]
        page = older[:per_page]  # messages are newest first
        if not page:
            return 200, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body></body></html>"
        body = tme_page(channel, page).encode("utf-8")
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body

    return answer


def article_page(title: str = "Anchorage summit sketches a framework for Ukraine") -> str:
    """An article page built around the seed news article, with its publication time."""
    seed = shared_data().parent / "seeds" / "001_656b0583a0ed62d8.txt"
    text = seed.read_text(encoding="utf-8")
    paras = [p.strip() for p in text.split("\n") if p.strip()][:8]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<meta property="og:site_name" content="Desk Test Gazette">'
        '<meta property="article:published_time" content="2025-08-16T09:30:00Z">'
        '<link rel="alternate" type="application/rss+xml" href="/feeds/world.xml">'
        "</head><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{html.escape(title)}</h1>{body}</article>"
        "<footer>Copyright Desk Test Gazette</footer></body></html>"
    )


def gzip_bomb(size: int) -> bytes:
    """`size` bytes of a feed-looking body, gzipped to a few KB."""
    head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><description>'
    return gzip.compress(head + b" " * size, compresslevel=9)


def http_date(ts: float | None = None) -> str:
    from datetime import UTC, datetime

    return format_datetime(datetime.fromtimestamp(ts or time.time(), UTC), usegmt=True)


__all__ = [
    "Route",
    "WireServer",
    "article_page",
    "gzip_bomb",
    "http_date",
    "parsedate_to_datetime",
    "rss",
    "telegram_messages",
    "tme_handler",
    "tme_page",
    "wire_items",
]
