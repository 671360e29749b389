"""The playground end to end in a real browser: a real uvicorn server (in a thread, on a free port, with an API
key) and headless Chromium (the chromium_driver fixture, tests/conftest_browser.py) that types a sentence, clicks,
reads the probability bars, generates streamed text, translates with an attention map and asks for nearest words.
Skipped, with the reason, where the browser cannot be had."""
import os

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("torch")

from serve_models import LiveServer, build  # noqa: E402

from nlpdive.serve.app import create_app, load_models  # noqa: E402

KEY = "playground-key"
WORDS = {"cat", "dog", "horse", "cow", "sheep", "chair", "table", "lamp", "sofa", "desk"}  # serve_models' vectors
SCREENSHOT = os.environ.get("NLPDIVE_SCREENSHOT")  # a path: save what the browser showed (to look at by hand)
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The URL of a real uvicorn server serving the tiny models, with an API key."""
    models = load_models(build(tmp_path_factory.mktemp("serve-models")).items())
    with LiveServer(create_app(models, api_key=KEY)) as url:
        yield url


def wait(driver, condition, timeout=20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: condition(d))


def panel(driver, name):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, f'section[data-model="{name}"]')


def finished(driver, node):
    wait(driver, lambda d: node.get_attribute("data-state") in ("done", "error"))
    error = node.find_element("css selector", ".error")
    assert node.get_attribute("data-state") == "done", error.text


def test_the_playground_classifies_generates_translates_and_finds_words(chromium_driver, live_server):
    from selenium.webdriver.common.by import By

    driver = chromium_driver
    driver.get(f"{live_server}/?key={KEY}")
    wait(driver, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    assert "5 models loaded" in driver.find_element(By.ID, "status").text
    assert "key=" not in driver.current_url  # the key left the address bar

    classify = panel(driver, "sentiment")
    box = classify.find_element(By.CSS_SELECTOR, "textarea")
    box.clear()
    box.send_keys("what a great fun film")
    classify.find_element(By.CSS_SELECTOR, "button.run").click()
    finished(driver, classify)
    bars = classify.find_elements(By.CSS_SELECTOR, ".bar")
    probabilities = {b.get_attribute("data-label"): float(b.get_attribute("data-p")) for b in bars}
    assert set(probabilities) == {"pos", "neg"} and abs(sum(probabilities.values()) - 1) < 1e-3
    assert "top" in bars[0].get_attribute("class") and bars[0].get_attribute("data-label") == "pos"

    generate = panel(driver, "chars")
    prompt = generate.find_element(By.CSS_SELECTOR, "textarea")
    prompt.send_keys("the cat")
    driver.execute_script("arguments[0].value = 40; arguments[0].dispatchEvent(new Event('input'))",
                          generate.find_element(By.CSS_SELECTOR, "input.max_tokens"))
    generate.find_element(By.CSS_SELECTOR, "button.run").click()
    finished(driver, generate)
    text = generate.find_element(By.CSS_SELECTOR, ".output").text
    assert text.startswith("the cat") and len(text) > len("the cat")

    translate = panel(driver, "dates")
    translate.find_element(By.CSS_SELECTOR, "textarea").send_keys("12 March 2001")
    translate.find_element(By.CSS_SELECTOR, "button.run").click()
    finished(driver, translate)
    assert translate.find_element(By.CSS_SELECTOR, ".translation").text
    assert translate.find_elements(By.CSS_SELECTOR, "table.attention td")

    vectors = panel(driver, "vectors")
    vectors.find_element(By.CSS_SELECTOR, "input.word").send_keys("cat")
    vectors.find_element(By.CSS_SELECTOR, "button.similar").click()
    finished(driver, vectors)
    words = [w.text for w in vectors.find_elements(By.CSS_SELECTOR, ".words li .word")]
    assert words and "cat" not in words and set(words) <= set(WORDS)
    if SCREENSHOT:
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(SCREENSHOT)


def test_without_the_key_in_the_address_the_page_asks_for_it(chromium_driver, live_server):
    from selenium.webdriver.common.by import By

    driver = chromium_driver
    driver.get(live_server)
    form = driver.find_element(By.ID, "key-form")
    wait(driver, lambda d: form.is_displayed())
    assert "needs an API key" in driver.find_element(By.ID, "status").text
    driver.find_element(By.ID, "key").send_keys(KEY)
    form.find_element(By.CSS_SELECTOR, "button").click()
    wait(driver, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    assert len(driver.find_elements(By.CSS_SELECTOR, "section.panel")) == 5
