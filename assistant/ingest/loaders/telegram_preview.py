"""Saved public channel preview pages (`https://t.me/s/<channel>`): one item per
`div.tgme_widget_message[data-post="<channel>/<id>"]`, its text from
`div.tgme_widget_message_text` (line breaks kept) and its time from `time[datetime]`.
Service messages are skipped; a forwarded post names its origin as the author.
"""

from __future__ import annotations

from pathlib import Path

from assistant.dates import parse_date
from assistant.ingest.items import IngestError, Item, clean_line, clean_text


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _text_with_breaks(el) -> str:
    for br in el.xpath(".//br"):
        br.tail = "\n" + (br.tail or "")
    return el.text_content()


def load_preview(path: Path, text: str) -> list[Item]:
    import lxml.html  # type: ignore[import-untyped]

    try:
        tree = lxml.html.document_fromstring(
            text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8")
        )
    except Exception as exc:
        raise IngestError(f"cannot parse Telegram preview page: {exc}") from None
    title = tree.xpath(f"//*[{_cls('tgme_channel_info_header_title')}]")
    og = tree.xpath("//meta[@property='og:title']/@content")
    channel_title = (
        clean_line(title[0].text_content()) if title else (clean_line(og[0]) if og else None)
    )
    items: list[Item] = []
    for msg in tree.xpath(f"//div[{_cls('tgme_widget_message')} and @data-post]"):
        if msg.xpath(f"self::*[{_cls('service_message')}]"):
            continue
        post = msg.get("data-post", "")
        channel, _, msg_id = post.rpartition("/")
        if not channel or not msg_id:
            continue
        body_el = msg.xpath(f".//div[{_cls('tgme_widget_message_text')}]")
        body = clean_text(_text_with_breaks(body_el[0])) if body_el else ""
        times = msg.xpath(f".//a[{_cls('tgme_widget_message_date')}]//time/@datetime") or msg.xpath(
            ".//time/@datetime"
        )
        published, flag = parse_date(times[0] if times else None)
        fwd = msg.xpath(f".//*[{_cls('tgme_widget_message_forwarded_from_name')}]")
        owner = msg.xpath(f".//*[{_cls('tgme_widget_message_owner_name')}]")
        items.append(
            Item(
                format="telegram_preview",
                text=body,
                outlet=(clean_line(owner[0].text_content()) if owner else None)
                or channel_title
                or channel,
                kind="telegram",
                channel=channel,
                author=clean_line(fwd[0].text_content()) if fwd else None,
                url=f"https://t.me/{channel}/{msg_id}",
                published_at=published,
                date_flag=flag,
                item=msg_id,
            )
        )
    if not items and "tgme_widget_message" not in text:
        raise IngestError("not a Telegram channel preview page (no tgme_widget_message posts)")
    return items
