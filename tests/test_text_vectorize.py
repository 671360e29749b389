"""Vectorizers: the talk's one-hot and bag-of-words slides, binary, tf-idf, n-grams, JSON round trip."""
import json

import numpy as np
import pytest

from nlpdive.errors import InputError
from nlpdive.text import TextPipeline, Vectorizer

GRAY = "the gray cat sat on the gray mat"
DOOR = GRAY + " by the door"


def test_bag_of_words_slide():
    vec = Vectorizer("count").fit([GRAY])
    assert vec.as_dicts([GRAY]) == [{"the": 2, "gray": 2, "cat": 1, "sat": 1, "on": 1, "mat": 1}]
    matrix = vec.transform([GRAY])
    assert matrix.format == "csr" and matrix.dtype == np.float32
    assert dict(zip(vec.features, matrix.toarray()[0])) == {"cat": 1, "gray": 2, "mat": 1, "on": 1, "sat": 1, "the": 2}


def test_onehot_table_slide():
    vec = Vectorizer("onehot").fit([DOOR])
    tokens, vocab, matrix = vec.onehot(DOOR)
    assert tokens == DOOR.split() and sorted(vocab) == sorted(set(tokens))
    table = matrix.toarray()
    assert table.shape == (11, 8) and (table.sum(axis=1) == 1).all()
    assert [tokens[i] for i in np.flatnonzero(table[:, vocab.index("the")])] == ["the"] * 3
    assert vec.onehot("the unicorn")[2].toarray().sum(axis=1).tolist() == [1, 0]  # unknown word: zero row
    assert vec.transform([GRAY]).toarray().max() == 1  # document rows: presence


def test_binary_tfidf_and_ngrams():
    docs = [GRAY, "the dog sat by the door"]
    assert Vectorizer("binary").fit(docs).as_dicts(docs)[0]["the"] == 1
    bigrams = Vectorizer("count", ngram_range=(1, 2)).fit(docs)
    assert bigrams.as_dicts([GRAY])[0]["the gray"] == 2 and "gray cat" in bigrams.features
    tfidf = Vectorizer("tfidf").fit(docs)
    row = tfidf.as_dicts([GRAY])[0]
    assert row["gray"] > row["the"] > 0  # "the" is in every document: a lower idf
    assert np.isclose(np.linalg.norm(tfidf.transform([GRAY]).toarray()), 1.0)
    assert list(Vectorizer("count", min_df=2).fit(docs).features) == ["sat", "the"]


@pytest.mark.parametrize("kind", ["count", "tfidf", "onehot"])
def test_json_round_trip(kind):
    docs = [GRAY, "The dog sat by the door!"]
    vec = Vectorizer(kind, ngram_range=(1, 2), pipeline=TextPipeline(stopwords=True)).fit(docs)
    again = Vectorizer.from_dict(json.loads(json.dumps(vec.to_dict())))
    assert again.features == vec.features
    assert np.allclose(again.transform(docs).toarray(), vec.transform(docs).toarray())


def test_bad_arguments():
    with pytest.raises(InputError, match="unknown vectorizer kind"):
        Vectorizer("word2vec")
    with pytest.raises(InputError, match="bad n-gram range 2-1"):
        Vectorizer(ngram_range=(2, 1))
    with pytest.raises(InputError, match="cannot build a vocabulary"):
        Vectorizer().fit(["", "  "])
