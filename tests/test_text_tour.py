"""The tour's preprocessing section: the talk's steps and tables from bundled data."""
from nlpdive.report import TourContext
from nlpdive.report.preprocess import tour_section


def test_preprocess_section(tmp_path):
    section = tour_section(TourContext(out=tmp_path, quick=True, log=lambda m: None))
    steps = section.summary["steps"]
    assert steps["remove stop words"] == ["sneaky", "fox", "jumped", "over", "dog"]
    assert steps["lemmatize"] == ["sneaky", "fox", "jump", "over", "dog"]
    pieces = steps["rare words -> WordPiece"]
    assert "".join(p.removeprefix("##") for p in pieces) == "sneakyfoxjumpoverdog"
    assert pieces[0] != "sneaky" and "jump" in pieces  # the rare word splits, a common one does not
    assert section.summary["bag_of_words"] == {"the": 2, "gray": 2, "cat": 1, "sat": 1, "on": 1, "mat": 1}
    coverage = section.summary["coverage"]
    assert coverage["1"] == 1.0 > coverage["2"] > coverage["5"] > coverage["10"] > 0.5
    assert section.body.count("<table>") == 4 and "data:image/png;base64" in section.body
