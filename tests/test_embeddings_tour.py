"""The tour's word-embeddings section on the bundled WikiText-2 excerpt (quick mode)."""
import pytest


@pytest.mark.slow
def test_tour_section(tmp_path):
    from nlpdive.report import TourContext
    from nlpdive.report.embeddings import tour_section

    section = tour_section(TourContext(out=tmp_path, quick=True, log=lambda msg: None))
    s = section.summary
    assert s["vocab_size"] > 5000 and s["words_per_second"] > 0
    assert len(s["neighbours"]["war"]) == 6 and "war" not in s["neighbours"]["war"]
    assert "king - man + woman" in s["analogies"]
    assert "<img" in section.body and (tmp_path / "embeddings" / "vectors.npy").is_file()
    if s["mouse"]:  # all-MiniLM-L6-v2 installed: the talk's demo holds
        assert s["mouse"]["nearest_sense"] == ["animal", "computer"] and s["mouse"]["cosine_between"] < 0.95
