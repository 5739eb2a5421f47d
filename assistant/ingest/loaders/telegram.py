"""Telegram JSON: the Telegram Desktop channel export (`result.json`) and plain JSON lists of
posts (Telethon-style dumps such as `{message_id, sender_id, text, date, channel}`).

Desktop export: `text` is a string or a list of strings and `{type, text}` entities; service
messages (channel created, pinned ...) are skipped; `forwarded_from` becomes the author, since it
names who wrote the text (else the post signature `author`); edits keep the original publication
time. `date_unixtime` is preferred because the export's `date` is the exporting computer's local
time without a zone.

Permalinks are `https://t.me/<username>/<id>`. The export names the channel by title only, so
the username comes from a top-level `username` key when present, else the title if it is a valid
username (OSINTdefender); otherwise the channel-id form `https://t.me/c/<id>/<msg>` is used.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from assistant.dates import from_unix, parse_date
from assistant.ingest.items import IngestError, Item, clean_line, clean_text

_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")


def parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated"):
            what = f"truncated JSON: the file ends inside a value ({exc.msg}: {where})"
        else:
            what = f"invalid JSON at {where}: {exc.msg}"
        raise IngestError(what) from None


def flatten_text(value: Any) -> str:
    """Export `text`: a string, or a list of strings and entity dicts with their own `text`."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(
            part if isinstance(part, str) else str(part.get("text", ""))
            for part in value
            if isinstance(part, str | dict)
        )
    return ""


def permalink(username: str | None, channel_id: Any, msg_id: Any) -> str | None:
    if msg_id is None:
        return None
    if username:
        return f"https://t.me/{username}/{msg_id}"
    cid = str(channel_id or "").lstrip("-")
    if cid.startswith("100") and len(cid) > 10:
        cid = cid[3:]  # Bot API form -100<id>; links use the bare id
    return f"https://t.me/c/{cid}/{msg_id}" if cid.isdigit() else None


def load_json(path: Path, text: str) -> list[Item]:
    data = parse_json(text)
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        return load_export(data)
    chats = data.get("chats") if isinstance(data, dict) else None
    if isinstance(chats, dict) and isinstance(chats.get("list"), list):
        # A full "Export Telegram data" archive: every chat that is a channel with messages.
        return [
            item
            for chat in chats["list"]
            if isinstance(chat, dict) and isinstance(chat.get("messages"), list)
            for item in load_export(chat)
        ]
    if isinstance(data, list) and all(isinstance(x, dict) for x in data):
        if any(("message_id" in x or "sender_id" in x or "channel" in x) for x in data[:20]):
            return load_post_list(data)
        if any(("text" in x or "body" in x) for x in data[:20]):
            from assistant.ingest.loaders.jsonl import wire_item

            return [wire_item(obj, i + 1, fmt="jsonl") for i, obj in enumerate(data)]
    raise IngestError(
        "JSON is not a known format: expected a Telegram Desktop export (an object with a "
        "'messages' list), a list of Telegram posts, or a list of wire items with 'text'"
    )


def load_export(data: dict[str, Any]) -> list[Item]:
    name = clean_line(data.get("name")) or "Telegram channel"
    username = clean_line(data.get("username"))
    if username is None and _USERNAME.match(name):
        username = name
    items: list[Item] = []
    for msg in data["messages"]:
        if not isinstance(msg, dict) or msg.get("type", "message") != "message":
            continue  # service messages: channel created, pinned, title changed ...
        if "date_unixtime" in msg:
            published, flag = from_unix(msg["date_unixtime"])
        else:
            published, flag = parse_date(msg.get("date"))
        items.append(
            Item(
                format="telegram_export",
                text=clean_text(flatten_text(msg.get("text"))),
                outlet=clean_line(msg.get("from")) or name,
                kind="telegram",
                channel=username or name,
                author=clean_line(msg.get("forwarded_from")) or clean_line(msg.get("author")),
                url=permalink(username, data.get("id"), msg.get("id")),
                published_at=published,
                date_flag=flag,
                item=str(msg.get("id")),
            )
        )
    return items


def load_post_list(data: list[dict[str, Any]]) -> list[Item]:
    items: list[Item] = []
    for i, post in enumerate(data):
        msg_id = post.get("message_id", post.get("id"))
        channel = clean_line(post.get("channel")) or "Telegram channel"
        username = clean_line(post.get("username")) or (
            channel if _USERNAME.match(channel) else None
        )
        published, flag = parse_date(post.get("date"))
        items.append(
            Item(
                format="telegram_json",
                text=clean_text(flatten_text(post.get("text"))),
                outlet=channel,
                kind="telegram",
                channel=username or channel,
                url=permalink(username, post.get("sender_id") or post.get("channel_id"), msg_id),
                published_at=published,
                date_flag=flag,
                item=str(msg_id if msg_id is not None else i),
            )
        )
    return items
