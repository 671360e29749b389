"""A real browser for tests: headless Chromium driven by Selenium, on Debian's chromium + chromium-driver
(.ci/run installs them where it can). Any page works: the server's playground, a file:// report.

    def test_page(chromium_driver):
        chromium_driver.get("file:///.../report.html")

The test is skipped, with the reason, when selenium, chromium or chromedriver is missing or the browser cannot
start. Each test gets a fresh profile (--user-data-dir), so nothing carries over between tests."""
import os
import shutil

import pytest

CHROMIUM = os.environ.get("NLPDIVE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("NLPDIVE_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1000")
INSTALL = "apt-get install chromium chromium-driver"


def _executable(path):
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else shutil.which(os.path.basename(path))


@pytest.fixture
def chromium_driver(tmp_path):
    """A headless Selenium Chrome driver on Chromium (skips with the reason when it cannot be had)."""
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install selenium, or the dev extra)")
    chromium, driver_path = _executable(CHROMIUM), _executable(CHROMEDRIVER)
    if chromium is None or driver_path is None:
        missing = " and ".join(p for p, found in ((CHROMIUM, chromium), (CHROMEDRIVER, driver_path)) if not found)
        pytest.skip(f"{missing} not found ({INSTALL})")
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager: never download a browser or driver
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    try:
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    except WebDriverException as e:
        pytest.skip(f"chromium did not start: {(e.msg or str(e)).splitlines()[0]}")
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
