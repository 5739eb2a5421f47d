"""The rendered HTML page in a real headless browser (Debian's chromium + chromedriver, installed
by `make browser`): every footer link lands on an element, a source containing `<script>` shows
as text and never runs, weak and unsupported sentences are visibly marked."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from _provenance_data import rendered_draft

from assistant.render.renderer import Renderer
from assistant.store import Store

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (Path(CHROMEDRIVER).exists() and Path(CHROMIUM).exists()):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are missing; CI runs `make browser` first")
        pytest.skip("chromium/chromium-driver not installed (run `make browser`)")
    os.environ["SE_OFFLINE"] = "true"  # selenium-manager must never download a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    from conftest import shared_data  # fails in CI, skips elsewhere, when the data is missing

    data = shared_data()
    folder = tmp_path_factory.mktemp("page")
    store = Store(folder / "desk.sqlite")
    try:
        draft = rendered_draft(store, data)
    finally:
        store.close()
    path = folder / "draft.html"
    path.write_text(Renderer().render(draft, "html"), encoding="utf-8")
    browser.get(path.as_uri())
    return browser, draft


def test_script_in_a_source_shows_as_text_and_never_runs(page):
    from selenium.webdriver.common.by import By

    driver, _ = page
    assert driver.execute_script("return window.pwned === undefined")
    assert driver.title == "Fourth of July weekend shootings leave scores dead"
    assert driver.find_elements(By.TAG_NAME, "script") == []
    assert driver.find_elements(By.TAG_NAME, "img") == []
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "<script>window.pwned=5</script>" in body  # the sentence shows the markup as text
    assert "</title><script>window.pwned=4</script>" in body  # so does the hostile title
    blockquote = driver.find_element(By.ID, "cite-3").text
    assert "<script>document.title='pwned';window.pwned=1</script>" in blockquote


def test_every_footer_link_resolves_and_hover_shows_the_passage(page):
    from selenium.webdriver.common.by import By

    driver, draft = page
    links = driver.find_elements(By.CSS_SELECTOR, "a[href^='#']")
    assert len(links) >= 10
    for link in links:
        target = link.get_attribute("href").split("#", 1)[1]
        assert driver.find_elements(By.ID, target), f"{link.text} points at missing #{target}"
    first = driver.find_element(By.CSS_SELECTOR, "#p-lede-1 a.cite")
    assert draft.citation(1).text in first.get_attribute("title")
    first.click()  # the browser follows it to the footer entry
    assert driver.execute_script("return location.hash") == "#src-1"
    assert driver.execute_script("return document.querySelector(':target').id") == "src-1"
    # The hostile `javascript:` URL is text, not a link.
    assert not driver.find_elements(By.CSS_SELECTOR, "a[href^='javascript']")


def test_weak_and_unsupported_sentences_are_visibly_marked(page):
    from selenium.webdriver.common.by import By

    driver, _ = page
    weak = driver.find_element(By.CSS_SELECTOR, "#section-body_1 .v-weak")
    style = driver.execute_script(
        "const s = getComputedStyle(arguments[0]); "
        "return [s.textDecorationLine, s.textDecorationStyle];",
        weak,
    )
    assert style == ["underline", "dotted"]
    bad = driver.find_element(By.CSS_SELECTOR, "#section-lede .v-unsupported")
    style = driver.execute_script(
        "const s = getComputedStyle(arguments[0]); "
        "return [s.textDecorationLine, s.textDecorationStyle];",
        bad,
    )
    assert style == ["underline", "wavy"]
    assert "'Chicago' not in [3]" in bad.get_attribute("title")  # why, on hover
    plain = driver.find_element(By.CSS_SELECTOR, "#section-lede .v-supported")
    assert (
        driver.execute_script("return getComputedStyle(arguments[0]).textDecorationLine", plain)
        == "none"
    )
    legend = driver.find_element(By.CSS_SELECTOR, ".legend").text
    assert "weakly supported" in legend and "not supported" in legend


@pytest.fixture(scope="module")
def markdown_pages(browser, tmp_path_factory):
    """Each Markdown export of the hostile sources (ingested through the real pipeline) as a
    Markdown viewer shows it: markdown-it with raw HTML and linkify on, in a page of its own."""
    from _hostile_sources import hostile_exports
    from markdown_it import MarkdownIt

    folder = tmp_path_factory.mktemp("markdown-pages")
    viewer = MarkdownIt("commonmark", {"html": True, "linkify": True}).enable(
        ["linkify", "table", "strikethrough"]
    )
    pages = {}
    for name, path in hostile_exports(folder).items():
        page = folder / f"{name}.html"
        body = viewer.render(path.read_text(encoding="utf-8"))
        page.write_text(f"<!DOCTYPE html><meta charset='utf-8'><body>{body}</body>", "utf-8")
        pages[name] = page
    return browser, pages


@pytest.mark.parametrize("name", ["draft", "render", "digest", "story"])
def test_markdown_export_in_a_viewer_shows_hostile_text_and_runs_nothing(markdown_pages, name):
    from selenium.webdriver.common.by import By

    driver, pages = markdown_pages
    driver.get(pages[name].as_uri())
    assert driver.execute_script("return window.pwned === undefined")
    assert driver.find_elements(By.TAG_NAME, "script") == []
    assert driver.find_elements(By.TAG_NAME, "img") == []
    handlers = driver.execute_script(
        "return [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
        ".filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name))"
    )
    assert handlers == []
    hrefs = [a.get_attribute("href") for a in driver.find_elements(By.TAG_NAME, "a")]
    assert all(h.startswith(("https://", "http://", "file://")) for h in hrefs), hrefs
    assert not any("evil.example" in h for h in hrefs)
    body = driver.find_element(By.TAG_NAME, "body").text
    # The payloads are shown as the characters the sources wrote. The digest carries each
    # story's lead lines, which hold no <script>; its footer names the hostile outlet, whose
    # <img onerror=...> must read as text.
    assert 'onerror="window.pwned=' in body or "onerror=window.pwned=" in body
    assert name == "digest" or "<script>window.pwned=" in body
