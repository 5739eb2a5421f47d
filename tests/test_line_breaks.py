"""Line breaks are not sentence breaks: `clean_text` joins wrapped prose and keeps the breaks
that carry structure (blank lines, list items, table rows, headings, and a line ending a
sentence where a format separates paragraphs by line), on real samples."""

from __future__ import annotations

import json
import textwrap

import pytest

from assistant.ingest.items import clean_text
from assistant.text import normalize_whitespace, split_sentences
from tests.conftest import shared_data


def _allsides_articles(limit: int | None = None) -> list[list[str]]:
    out = []
    for line in (shared_data() / "allsides/allsides_dev.jsonl").open(encoding="utf-8"):
        for art in json.loads(line)["news"].values():
            paras = [normalize_whitespace(p) for p in art.get("newBody") or [] if p.strip()]
            if paras:
                out.append(paras)
    return out[:limit]


@pytest.mark.parametrize("between", ["\n\n", "\n"], ids=["blank-lines", "no-blank-lines"])
def test_real_articles_hard_wrapped_at_72_columns_keep_their_sentences(between):
    kept = total = 0
    for paras in _allsides_articles():
        want = [s for p in paras for s in split_sentences(clean_text(p))]
        wrapped = between.join(textwrap.fill(p, 72) for p in paras)
        got = set(split_sentences(clean_text(wrapped, lines_are_paragraphs=False)))
        total += len(want)
        kept += sum(s in got for s in want)
    assert total > 2500
    assert kept / total >= 0.99, (kept, total)


def test_wrapped_paragraphs_come_back_whole():
    articles = _allsides_articles()
    exact = sum(
        clean_text("\n\n".join(textwrap.fill(p, 72) for p in paras), False).split("\n\n")
        == [clean_text(p) for p in paras]
        for paras in articles
    )
    assert exact / len(articles) >= 0.97


def test_plain_text_licence_is_read_as_prose():
    text = clean_text(
        (shared_data() / "telegram/LICENCE.md").read_text(encoding="utf-8"),
        lines_are_paragraphs=False,
    )
    sentences = split_sentences(text)
    assert (
        'Creative Commons Corporation ("Creative Commons") is not a law firm and does not '
        "provide legal services or legal advice." in sentences
    )
    assert "Using Creative Commons Public Licenses" in text.split("\n\n")
    assert "CC-licensed material" in text  # a compound wrapped at its hyphen


def test_a_list_without_markers_stays_a_list():
    hits = []
    for line in (shared_data() / "nli/attributionbench/dev_all_subset_balanced.jsonl").open():
        for ref in json.loads(line)["references"]:
            if "substitutes include:\nlemon juice" in ref:
                hits.append(clean_text(ref))
    assert hits
    for text in hits:
        paragraphs = text.split("\n\n")
        for item in ("lemon juice", "white vinegar", "baking powder", "buttermilk"):
            assert item in paragraphs


def test_telegram_list_items_and_lines_stay_apart():
    posts = json.loads(
        (shared_data() / "telegram/1001000724666_messages.json").read_text(encoding="utf-8")
    )
    checked = 0
    for post in posts:
        raw = post.get("text") or ""
        items = [ln.strip() for ln in raw.split("\n") if ln.strip()[:2] in ("• ", "– ", "· ")]
        if not items:
            continue
        paragraphs = clean_text(raw).split("\n\n")
        for item in items:
            assert any(p.startswith(" ".join(item.split())) for p in paragraphs), item
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize(
    ("raw", "paragraphs"),
    [
        # JSONL, Telegram, HTML: a line break after a full stop ends the paragraph...
        ("Putin spoke.\nThe summit opened.", ["Putin spoke.", "The summit opened."]),
        # ...but one inside a sentence does not.
        (
            "Negotiators agreed in\nAnchorage on a framework.",
            ["Negotiators agreed in Anchorage on a framework."],
        ),
        ("Patty Perez died last Friday,\nshe was 57", ["Patty Perez died last Friday, she was 57"]),
        ("Tomorrow\n• Asteroids\n• Physics", ["Tomorrow", "• Asteroids", "• Physics"]),
        ("|a|b|\n|c|d|", ["|a|b|", "|c|d|"]),
        (
            "Listen on:\n– Apple Podcasts\n– Spotify",
            ["Listen on:", "– Apple Podcasts", "– Spotify"],
        ),
    ],
)
def test_structure_kept_prose_joined(raw, paragraphs):
    assert clean_text(raw).split("\n\n") == paragraphs


def test_ingested_wrapped_article_has_whole_sentences_and_exact_offsets(tmp_path, service):
    articles = _allsides_articles(40)
    folder = tmp_path / "wire"
    folder.mkdir()
    for i, paras in enumerate(articles[:6]):
        (folder / f"a{i}.txt").write_text(
            "\n".join(textwrap.fill(p, 72) for p in paras) + "\n", encoding="utf-8"
        )
    report = service.ingest([folder])
    assert not report.failed
    originals = {s for paras in articles[:6] for p in paras for s in split_sentences(p)}
    passages = service.store.passages()
    assert passages
    fragments = []
    for passage in passages:
        doc = service.store.get_document(passage.doc_id)
        assert doc.text[passage.start : passage.end] == passage.text
        fragments += [s for s in split_sentences(passage.text) if s not in originals]
    sentences = sum(len(split_sentences(p.text)) for p in passages)
    assert len(fragments) <= 0.01 * sentences, fragments[:5]
