import json
from collections import Counter

import pytest

from nlpdive.data import LabelMap, train_valid_split
from nlpdive.errors import InputError


def test_labelmap_sorts_numbers_numerically_and_words_alphabetically():
    assert LabelMap.fit([10, 2, "1", 2]).labels == ["1", "2", "10"]
    assert LabelMap.fit(["pos", "neg", "neutral", "pos"]).labels == ["neg", "neutral", "pos"]
    assert LabelMap.fit(["b", "10", "9"]).labels == ["10", "9", "b"]


def test_labelmap_encode_decode_and_json_round_trip():
    labels = LabelMap.fit(["pos", "neg"])
    assert len(labels) == 2 and labels.encode("pos") == 1 and labels.decode(0) == "neg"
    assert LabelMap.fit([0, 1]).encode(1) == LabelMap.fit([0, 1]).encode("1") == 1
    again = LabelMap.from_dict(json.loads(json.dumps(labels.to_dict())))
    assert again == labels and again.encode("neg") == 0
    with pytest.raises(InputError, match="unknown label 'meh'.*known labels are: neg, pos"):
        labels.encode("meh")
    with pytest.raises(IndexError):
        labels.decode(-1)
    with pytest.raises(InputError, match="an example has no label"):
        LabelMap.fit(["a", None])


def examples(counts):
    return [{"text": f"{label} {i}", "label": label} for label, n in counts.items() for i in range(n)]


def test_split_is_stratified_sized_and_seeded():
    data = examples({"a": 80, "b": 20})
    train, valid = train_valid_split(data, 0.1, seed=3)
    assert len(train) == 90 and len(valid) == 10
    assert Counter(ex["label"] for ex in valid) == {"a": 8, "b": 2}
    assert sorted(ex["text"] for ex in train + valid) == sorted(ex["text"] for ex in data)
    assert train_valid_split(data, 0.1, seed=3) == (train, valid)
    assert train_valid_split(data, 0.1, seed=4)[1] != valid


def test_split_falls_back_to_random_when_it_cannot_stratify():
    train, valid = train_valid_split(examples({"a": 5, "b": 1}), 0.5, seed=0)
    assert len(train) == 3 and len(valid) == 3
    pairs = [("hello", "bonjour")] * 10
    assert [len(part) for part in train_valid_split(pairs, 0.2, seed=0)] == [8, 2]


@pytest.mark.parametrize("fraction,size,message", [(0, 10, "not between 0 and 1"), (1.5, 10, "not between 0 and 1"),
                                                   (0.5, 1, "cannot hold out 0.5 of 1 examples")])
def test_split_rejects_bad_fractions(fraction, size, message):
    with pytest.raises(InputError, match=message):
        train_valid_split(examples({"a": size}), fraction, seed=0)
