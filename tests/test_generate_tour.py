"""The tour's text-generation section (quick mode): the talk's windows, a char-GRU on the bundled Shakespeare,
its samples and saved model."""
import math


def test_windows_are_the_talks_fox_pairs():
    from nlpdive.report.generate import windows

    pairs = windows("the quick brown fox jumps", 15)
    assert pairs[0] == ("the quick brown", "he quick brown ")
    assert all(len(a) == len(b) == 15 and a[1:] == b[:-1] for a, b in pairs)


def test_tour_section_trains_samples_and_saves(tmp_path, fixed_steps):
    import nlpdive
    from nlpdive.report import TourContext
    from nlpdive.report import generate as section

    fixed_steps(250)  # about what the quick tour's 25 s buy on 2 cores
    section_out = TourContext(out=tmp_path, quick=True, log=lambda msg: None)
    result = section.tour_section(section_out)
    s = result.summary
    lm = nlpdive.load(s["model_dir"])
    assert lm.verbs == ("generate",)
    assert s["valid_loss"] < math.log(lm.tokens.vocab_size) - 1.0  # far better than a uniform guess
    assert set(s["samples"]) == {0.5, 1.0}
    assert all(len(text) > 100 and "\n" in text for text in s["samples"].values())
    assert "loss curve" in result.body and "nlpdive generate" in result.body
