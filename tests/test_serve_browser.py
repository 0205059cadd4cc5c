"""The practice page in a real headless Chromium: it loads, generates a composition, plays it with the
current matra lit, and its download links hand out WAV, MIDI and text.

Needs Chromium and its driver from the system's packages and selenium from the dev extra:
    apt-get install -y chromium chromium-driver && pip install -e ".[dev]"
Without them the test is skipped, saying so.
"""

from __future__ import annotations

import shutil
import tempfile
import threading

import pytest

from seqgen.api import load_pretrained
from seqgen.serve import make_server

INSTALL = ("install Chromium and its driver (Debian/Ubuntu: apt-get install -y chromium chromium-driver) "
           "and selenium (pip install -e '.[dev]')")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required")
WAIT_S = 60


def _binary(*names: str) -> str | None:
    return next((path for path in map(shutil.which, names) if path), None)


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason=f"selenium is not installed: {INSTALL}")
    chromium = _binary("chromium", "chromium-browser", "google-chrome")
    driver_path = _binary("chromedriver", "chromium-driver")
    if not chromium or not driver_path:
        pytest.skip(f"no Chromium or chromedriver found: {INSTALL}")
    profile = tempfile.mkdtemp(prefix="seqgen-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    try:
        driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    except Exception as error:  # a driver that cannot start Chromium here: say why, do not fail
        shutil.rmtree(profile, ignore_errors=True)
        pytest.skip(f"Chromium could not be started ({type(error).__name__}: {str(error).splitlines()[0]}); "
                    f"{INSTALL}")
    driver.set_script_timeout(WAIT_S)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def page_url():
    server = make_server(load_pretrained("tabla"), load_pretrained("japanese"), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.url
    server.shutdown()
    server.server_close()


def _wait(driver, condition, what: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_S, poll_frequency=0.05).until(lambda _: condition(), message=what)


def _fetch_bytes(driver, link_id: str) -> bytes:
    """The bytes behind a download link, fetched by the page itself."""
    values = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(document.getElementById(arguments[0]).href)
          .then((response) => response.arrayBuffer())
          .then((buffer) => done(Array.from(new Uint8Array(buffer))), (error) => done(String(error)));
    """, link_id)
    assert isinstance(values, list), values
    return bytes(values)


def test_generate_play_and_download(browser, page_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(page_url)
    _wait(browser, lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true",
          "the page did not load its taals")
    Select(browser.find_element(By.ID, "taal")).select_by_value("jhaptaal")
    Select(browser.find_element(By.ID, "form")).select_by_value("kaida")
    for field, value in (("paltas", "1"), ("seed", "5"), ("bpm", "240")):
        element = browser.find_element(By.ID, field)
        element.clear()
        element.send_keys(value)
    browser.find_element(By.ID, "generate").click()
    _wait(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#grid table.cycle"), "no grid appeared")

    # the grid: matra numbers, bols and marks of Jhaptaal, sections labelled
    first_row = browser.find_element(By.CSS_SELECTOR, "#grid table.cycle")
    numbers = [cell.text for cell in first_row.find_elements(By.CSS_SELECTOR, "tr.numbers td")]
    marks = [cell.text for cell in first_row.find_elements(By.CSS_SELECTOR, "tr.marks td")]
    assert numbers == [str(number) for number in range(1, 11)]
    assert [mark for mark in marks if mark] == ["X", "2", "0", "3"]
    labels = " ".join(label.text for label in browser.find_elements(By.CSS_SELECTOR, "#grid .sections"))
    assert "theme" in labels and "palta 1" in labels and "tihai" in labels
    text = browser.find_element(By.ID, "text").get_attribute("textContent")
    assert "# taal: jhaptaal" in text and "# form: kaida" in text

    # play: the audio advances and the lit matra moves along the grid
    play = browser.find_element(By.ID, "play")
    _wait(browser, lambda: play.is_enabled(), "the audio was not rendered")
    play.click()
    _wait(browser, lambda: browser.execute_script("return document.getElementById('audio').currentTime") > 0.6,
          "the audio did not play")
    lit = browser.find_elements(By.CSS_SELECTOR, "#grid tr.bols td.current")
    assert len(lit) == 1 and int(lit[0].get_attribute("data-index")) >= 1  # 240 bpm: a matra every 0.25 s
    play.click()  # stop

    # downloads: the links hand out what their names say
    assert _fetch_bytes(browser, "download-wav")[:4] == b"RIFF"
    assert _fetch_bytes(browser, "download-midi")[:4] == b"MThd"
    assert _fetch_bytes(browser, "download-text").decode("utf-8").strip() == text.strip()


def test_lyrics_tab_and_errors(browser, page_url):
    from selenium.webdriver.common.by import By

    browser.get(page_url)
    _wait(browser, lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true",
          "the page did not load")
    browser.find_element(By.ID, "tab-lyrics").click()
    for field, value in (("stanzas", "2"), ("lines", "3"), ("lyrics-seed", "4")):
        element = browser.find_element(By.ID, field)
        element.clear()
        element.send_keys(value)
    browser.find_element(By.ID, "lyrics-generate").click()
    _wait(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#song p.stanza"), "no stanzas appeared")
    stanzas = browser.find_elements(By.CSS_SELECTOR, "#song p.stanza")
    assert len(stanzas) == 2 and all(len(stanza.text.splitlines()) == 3 for stanza in stanzas)

    # a meter with readings: each line is followed by its reading, romaji and mora count
    browser.find_element(By.ID, "meter").send_keys("7,5")
    browser.find_element(By.ID, "show-readings").click()
    browser.find_element(By.ID, "lyrics-generate").click()
    _wait(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#song .reading"), "no readings appeared")
    counts = [reading.text.rsplit("·", 1)[1].strip() for reading in browser.find_elements(By.CSS_SELECTOR, "#song .reading")]
    assert counts == ["7", "5", "7"] * 2
    browser.find_element(By.ID, "meter").clear()

    # a value the server refuses is shown as its one-line message
    lines = browser.find_element(By.ID, "lines")
    lines.clear()
    lines.send_keys("999")
    browser.find_element(By.ID, "lyrics-generate").click()
    error = browser.find_element(By.ID, "error")
    _wait(browser, lambda: error.is_displayed(), "no error was shown")
    assert "lines must be a whole number from 1 to" in error.text
