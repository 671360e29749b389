"""The tour's sequence-to-sequence section (quick mode): the date normaliser with its attention map, and the
English -> French Transformer on the bundled Tatoeba sample with BLEU on held-out pairs."""


def test_tour_section_dates_and_english_french(tmp_path, fixed_steps):
    import nlpdive
    from nlpdive.report import TourContext
    from nlpdive.report import translate as section

    fixed_steps(300)  # about what the quick tour's 45 s buy on 2 cores (the dates train for fixed epochs)
    result = section.tour_section(TourContext(out=tmp_path, quick=True, log=lambda msg: None))
    s = result.summary
    assert s["dates_exact_match"] >= 0.95
    assert s["dates_examples"][0] == "1979-05-03"  # "3 May 1979"
    assert 0 < s["en_fr_bleu"] <= 100 and s["talk_translation"]
    for name in ("dates", "en-fr"):
        assert nlpdive.load(tmp_path / "models" / name).verbs == ("translate",)
    assert "attention heat map" in result.body and "nlpdive translate" in result.body and "BLEU" in result.body
