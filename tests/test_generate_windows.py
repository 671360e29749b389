"""The tour's text-generation section: the talk's windows (the section itself runs in test_tour.py)."""


def test_windows_are_the_talks_fox_pairs():
    from nlpdive.report.generate import windows

    pairs = windows("the quick brown fox jumps", 15)
    assert pairs[0] == ("the quick brown", "he quick brown ")
    assert all(len(a) == len(b) == 15 and a[1:] == b[:-1] for a, b in pairs)
