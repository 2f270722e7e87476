"""The page in a real headless browser: Debian's chromium, driven by selenium through its chromedriver.

`winnow serve` runs as a user starts it (its own process, a free port, the address read
from stderr); the test types a question, submits it, checks the cited results, checks
that a page whose text holds a script and an onerror handler runs neither, and keeps a
screenshot (under pytest's tmp_path, and in tests/artifacts/, which git ignores).
CI installs chromium (.ci/run); on a machine without it the test is skipped, in CI it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from .conftest import ROOT, SEEDS

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = ROOT / "tests" / "artifacts"
HOSTILE = ("A hostile saved page about necrotizing myopathy quotes this text: "
           "<script>window.pwned = 1; document.title = 'pwned by script'</script> "
           "and also <img src=x onerror=\"window.pwned = 2; document.title = 'pwned by onerror'\"> inside its words.\n")


def _browser_available() -> bool:
    return os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)


pytestmark = pytest.mark.skipif(not _browser_available() and not os.environ.get("CI"),
                                reason="Debian's chromium and chromium-driver are not installed (.ci/run installs them)")


@pytest.fixture()
def server(tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(SEEDS, sources)
    (sources / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    (sources / "loop.md").write_text("# Counting loop\n\nA counting loop in Python:\n\n```\nfor x in range(3):\n"
                                     "    print(x)\n```\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "serve", "--port", "0", "--sources", str(sources),
                             "--index", str(tmp_path / "index")], env=env, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        assert match, line
        url = match.group(1)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the index is built in the background on start
            with urllib.request.urlopen(url + "api/status", timeout=30) as response:
                if json.load(response).get("up_to_date"):
                    break
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture()
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1200,1600", f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _screenshot(driver, tmp_path, name: str) -> None:
    driver.save_screenshot(str(tmp_path / name))
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(tmp_path / name, ARTIFACTS / name)


def test_search_in_a_real_browser(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server)
    assert browser.title == "winnow"
    box = browser.find_element(By.NAME, "q")
    box.send_keys("what antibodies are involved")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda d: "q=" in d.current_url)
    assert "q=what+antibodies+are+involved" in browser.current_url  # a plain GET form: works without script
    hits = browser.find_elements(By.CSS_SELECTOR, "li.hit")
    assert len(hits) == 10
    first = hits[0]
    assert first.find_element(By.CSS_SELECTOR, "a.source").text.endswith(".txt")
    assert float(first.find_element(By.CSS_SELECTOR, ".score").text) > 0
    assert browser.find_elements(By.CSS_SELECTOR, "li.hit mark")  # matched words marked
    with urllib.request.urlopen(server + "api/ask?q=what+antibodies+are+involved&k=10", timeout=30) as response:
        api = json.load(response)
    assert [h.get_attribute("data-passage-id") for h in hits] == [h["passage_id"] for h in api]
    assert "holds" in browser.find_element(By.ID, "status").text
    _screenshot(browser, tmp_path, "search.png")

    first.find_element(By.CSS_SELECTOR, "a.source").click()  # the cited source, the passage marked
    WebDriverWait(browser, 30).until(lambda d: "/source" in d.current_url)
    marked = browser.find_element(By.ID, "passage").text
    assert " ".join(marked.split()).startswith(" ".join(api[0]["text"].split("\n")[0].split(". ")[0].split()))


def test_a_hostile_page_does_not_run_in_the_browser(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "?q=hostile+saved+page")
    hit = browser.find_element(By.CSS_SELECTOR, "li.hit")
    assert "<script>window.pwned = 1;" in hit.text and "<img src=x onerror=" in hit.text  # shown as text
    assert browser.execute_script("return window.pwned === undefined")
    assert "pwned" not in browser.title
    assert not browser.find_elements(By.CSS_SELECTOR, "main img, main script")
    _screenshot(browser, tmp_path, "hostile.png")
    hit.find_element(By.CSS_SELECTOR, "a.source").click()
    WebDriverWait(browser, 30).until(lambda d: "/source" in d.current_url)
    assert "<script>" in browser.find_element(By.ID, "passage").text
    assert browser.execute_script("return window.pwned === undefined") and "pwned" not in browser.title


def test_a_code_blocks_lines_and_indentation_stay_on_the_page(server, browser):
    # pre-line kept the lines of a code block but collapsed its indentation ("print(x)" at the margin).
    from selenium.webdriver.common.by import By

    browser.get(server + "?q=counting+loop+range")
    hit = browser.find_element(By.CSS_SELECTOR, "li.hit")
    assert "for x in range(3):\n    print(x)" in hit.find_element(By.CSS_SELECTOR, ".text").text
