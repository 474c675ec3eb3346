"""The officer's desk in a real browser: headless Chromium (Debian's `chromium` and
`chromium-driver`, which `.ci/run` installs) driven by Selenium, against `ratebook serve`'s app
run by uvicorn on a free port of 127.0.0.1, on a fixture project of its own.

The browser opens every page, fills the case form and reads the result, uploads a broken
workbook and finds the marked cell, switches the language, and checks that each chart was
drawn on its canvas with nothing in the console. Every page it sees is saved as a screenshot
in the folder named by RATEBOOK_ARTEFACTS (else a temporary folder the run prints).

Without Chromium these tests FAIL, so CI cannot pass without running them; on a machine
without a browser set RATEBOOK_NO_BROWSER=1 to skip them.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.test_desk import POLICY, broken_workbook, make_project

CHROMIUM = os.environ.get("RATEBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("RATEBOOK_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
    "--lang=zh-CN",
)


def _browser_missing() -> str:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (Path(p).exists() or shutil.which(p))]
    return ", ".join(missing)


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> Path:
    folder = os.environ.get("RATEBOOK_ARTEFACTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("desk-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    print(f"desk screenshots: {path}")
    return path


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("desk-browser"))


@pytest.fixture(scope="module")
def server(project):
    """The app on a free port of 127.0.0.1, served by uvicorn in a thread; its base URL."""
    import uvicorn

    from generator.serve.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(project), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    missing = _browser_missing()
    if missing:
        if os.environ.get("RATEBOOK_NO_BROWSER"):
            pytest.skip(f"no browser here (RATEBOOK_NO_BROWSER is set): {missing}")
        pytest.fail(
            f"Chromium is needed for the desk's browser tests and is missing: {missing}; "
            "install it with `apt-get install chromium chromium-driver` (as .ci/run does), "
            "or set RATEBOOK_NO_BROWSER=1 to skip these tests on this machine"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def wait_for(driver, css: str):
    """The element once the page the last click led to has it (a form's answer is a new page)."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 60).until(
        expected_conditions.presence_of_element_located(("css selector", css))
    )


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def open_page(driver, url: str, artefacts: Path, name: str) -> None:
    driver.get(url)
    driver.save_screenshot(str(artefacts / f"{name}.png"))


def test_every_page_opens_in_chinese_without_a_console_error(browser, server, artefacts):
    pages = {
        "policies": "/",
        "policy": f"/policies/{POLICY}",
        "case": f"/policies/{POLICY}/case",
        "workbook": "/workbook",
        "cases": "/cases",
    }
    browser.delete_all_cookies()
    for name, path in pages.items():
        open_page(browser, server + path, artefacts, name)
        assert browser.find_element("tag name", "html").get_attribute("lang") == "zh-CN", name
        assert browser.find_element("tag name", "h1").text, name
        assert console_errors(browser) == [], name
    browser.get(server + "/")
    assert browser.find_element("tag name", "h1").text == "按领域查看政策"


def test_each_chart_is_drawn_on_its_canvas(browser, server, artefacts):
    browser.delete_all_cookies()
    open_page(browser, f"{server}/policies/{POLICY}", artefacts, "policy-charts")
    charts = browser.find_elements("css selector", ".chart")
    assert len(charts) == 3
    for chart in charts:
        assert chart.get_attribute("data-drawn") == "true"
        # ECharts drew on a canvas inside the element, and the canvas is not blank
        inked = browser.execute_script(
            """
            const canvas = arguments[0].querySelector('canvas');
            if (!canvas) { return -1; }
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let inked = 0;
            for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) { inked++; } }
            return inked;
            """,
            chart,
        )
        assert inked > 1000, chart.get_attribute("id")
    series = browser.execute_script(
        "return echarts.getInstanceByDom(document.getElementById('chart-0')).getOption().series.length"
    )
    assert series == 2  # one line per version of the marginal scale
    assert console_errors(browser) == []


def test_the_case_form_filled_in_the_browser_gives_the_result(browser, server, artefacts):
    from selenium.webdriver.support.ui import Select

    browser.delete_all_cookies()
    open_page(browser, f"{server}/policies/{POLICY}/case", artefacts, "case-empty")
    Select(browser.find_element("id", "input-scheme")).select_by_visible_text("职工（employee）")
    browser.find_element("id", "input-cost").send_keys("6000")
    browser.find_element("id", "input-area").send_keys("100")
    browser.execute_script("document.getElementById('on').value = '2020-06-01'")
    browser.find_element("id", "evaluate").click()
    wait_for(browser, "#result")
    outputs = {
        cell.get_attribute("data-output"): cell.text
        for cell in browser.find_elements("css selector", ".output-value")
    }
    browser.save_screenshot(str(artefacts / "case-result.png"))
    # 4000 × 10% + 1000 × 20% = 600; 100 m2 is 100平方米以上: 80,000
    assert outputs == {"grant": "600.00 元", "site_grant": "80000.00 元"}
    steps = browser.find_elements("css selector", ".steps li")
    assert any("依据：第2条" in s.text for s in steps)
    assert console_errors(browser) == []


def test_a_broken_workbook_uploaded_in_the_browser_shows_its_cell_marked(
    browser, server, project, artefacts, tmp_path
):
    data, place = broken_workbook(project, tmp_path)
    upload = tmp_path / "upload" / "grant.xlsx"
    upload.parent.mkdir()
    upload.write_bytes(data)
    browser.delete_all_cookies()
    open_page(browser, f"{server}/workbook", artefacts, "workbook-empty")
    browser.find_element("id", "workbook").send_keys(str(upload))
    browser.find_element("id", "check").click()
    wait_for(browser, "#findings-heading")
    marked = browser.find_elements("css selector", "td.marked")
    assert [m.get_attribute("data-cell") for m in marked] == [place]
    assert marked[0].text == "1.3"
    assert "比例 1.3 高于 1" in marked[0].get_attribute("title")
    browser.find_element("css selector", ".finding a").click()  # the finding leads to the cell
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(lambda d: "#" in d.current_url)
    assert browser.current_url.endswith("#" + marked[0].get_attribute("id"))
    browser.save_screenshot(str(artefacts / "workbook-marked.png"))
    assert console_errors(browser) == []


def test_the_language_switch_turns_the_desk_english_and_it_stays_so(browser, server, artefacts):
    browser.delete_all_cookies()
    browser.get(server + "/")
    assert browser.find_element("tag name", "h1").text == "按领域查看政策"
    browser.find_element("id", "switch-language").click()
    wait_for(browser, 'html[lang="en"]')
    assert browser.find_element("tag name", "h1").text == "Policies by area"
    browser.save_screenshot(str(artefacts / "policies-en.png"))
    browser.find_element("link text", "Test grant").click()  # the next page stays English
    wait_for(browser, "#parameters-heading")
    assert browser.find_element("tag name", "h1").text == "Test grant"
    browser.find_element("id", "switch-language").click()
    wait_for(browser, 'html[lang="zh-CN"]')
    assert browser.find_element("tag name", "h1").text == "测试补助"
    assert console_errors(browser) == []
