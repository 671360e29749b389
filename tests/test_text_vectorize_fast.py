"""The word-tokenizer fast path (nlpdive.text.ngrams.NgramCounter) gives scikit-learn's matrices: the same
features in the same order and the same values as CountVectorizer / TfidfVectorizer with our analyzer."""
import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from nlpdive.errors import InputError
from nlpdive.text import TextPipeline, Vectorizer
from nlpdive.text.ngrams import NgramCounter

TRICKY = [
    "I don't think it's great... Can't say we'd've liked it!!",
    "Visit https://example.com/a?b=1, or www.test.org. Mail john.doe+x@mail.co.uk now.",
    "The state-of-the-art O'Neill film cost $1,000.50 at 10:30 -- 100% fun?",
    "Café naïve ﬁlm — “quotes” ‘single’ 3.14 ½ x² ＦＵＬＬ…<br />Next line<BR>end",
    "",
    "word",
    "don't don't DON'T won’t",
    "http://a.io http://a.io\x05b x",  # a control character right after a shorter token: names sort as strings
]


def reference(vec, texts, features=None):
    """The slow path's sklearn vectorizer (our analyzer), fitted on texts or fixed to features."""
    cls = TfidfVectorizer if vec.kind == "tfidf" else CountVectorizer
    vocabulary = None if features is None else {f: i for i, f in enumerate(features)}
    sk = cls(analyzer=vec.analyze, min_df=vec.min_df, max_features=vec.max_features,
             binary=vec.kind in ("binary", "onehot"), dtype=np.float32, vocabulary=vocabulary)
    return sk.fit(texts) if features is None else sk


def assert_same(vec, texts, new_texts):
    X = vec.fit_transform(texts)
    assert isinstance(vec._counter, NgramCounter)
    sk = reference(vec, texts)
    assert vec.features == sk.get_feature_names_out().tolist()
    for matrix, docs in ((X, texts), (vec.transform(new_texts), new_texts)):
        expected = sk.transform(docs)
        assert matrix.shape == expected.shape and matrix.dtype == np.float32 and matrix.has_sorted_indices
        assert abs(matrix - expected).max() < 1e-6  # tf-idf: float32 sums in another order


@pytest.mark.parametrize("kind,ngrams,min_df,max_features", [
    ("count", (1, 1), 1, None), ("binary", (1, 2), 1, None), ("count", (2, 3), 1, None),
    ("tfidf", (1, 2), 1, None), ("onehot", (1, 1), 2, None), ("count", (1, 3), 1, 12), ("binary", (1, 2), 2, 5),
    ("count", (1, 2), 0.25, None),  # a float min_df: a share of the texts
])
def test_same_matrix_as_sklearn(kind, ngrams, min_df, max_features):
    vec = Vectorizer(kind, ngrams, min_df=min_df, max_features=max_features)
    assert_same(vec, TRICKY, ["it's not great, john.doe+x@mail.co.uk", "", "unseen words only"] + TRICKY[:2])


def test_features_are_the_tokens():
    vec = Vectorizer("count").fit(TRICKY)
    tokens = [t for text in TRICKY for t in vec.pipeline.tokenize(text)]
    assert vec.features == sorted(set(tokens))
    assert {"do", "n't", "it", "'s", "...", "https://example.com/a?b=1", "john.doe+x@mail.co.uk", "1,000.50",
            "state-of-the-art", "o'neill", "full", "film"} <= set(vec.features)  # NFKC: "ﬁ" -> "fi", "Ｆ" -> "f"
    assert "<br />" not in " ".join(vec.features) and "br" not in vec.features


def test_stopwords_take_the_fast_path_and_lemmas_do_not():
    docs = ["The dog sat by the door", "the dogs were barking"]
    fast = Vectorizer("count", (1, 2), pipeline=TextPipeline(stopwords=True))
    assert_same(fast, docs, docs)
    slow = Vectorizer("count", pipeline=TextPipeline(lemmatize=True)).fit(docs)
    assert isinstance(slow._counter, CountVectorizer) and "dog" in slow.features


@pytest.mark.parametrize("kind", ["binary", "tfidf"])
def test_saved_vectorizer_transforms_alike(kind):
    vec = Vectorizer(kind, (1, 3), min_df=1).fit(TRICKY)
    again = Vectorizer.from_dict(json.loads(json.dumps(vec.to_dict())))
    docs = TRICKY + ["don't stop, it's state-of-the-art"]
    assert (again.transform(docs) != vec.transform(docs)).nnz == 0
    expected = reference(vec, TRICKY, vec.features)
    if kind == "tfidf":
        expected.idf_ = np.asarray(vec.to_dict()["idf"], dtype=np.float32)
    assert abs(again.transform(docs) - expected.transform(docs)).max() < 1e-6


@pytest.mark.parametrize("high", [50, 2**62])  # small keys: one packed sort; large ones: np.unique
def test_unique_inverse_is_numpys(high):
    from nlpdive.text.ngrams import _unique_inverse

    keys = np.random.default_rng(0).integers(0, high, 1000)
    keys[::7] = keys[0]
    for got, expected in zip(_unique_inverse(keys), np.unique(keys, return_inverse=True)):
        assert got.tolist() == expected.tolist()


def test_empty_texts_and_pruning():
    X = Vectorizer("count", (1, 2)).fit_transform(["a b", "", "b", ""])  # empty rows, also at the end
    assert X.shape == (4, 3)  # features a, "a b", b
    assert X.toarray().tolist() == [[1, 1, 1], [0, 0, 0], [0, 0, 1], [0, 0, 0]]
    assert Vectorizer("count", (1, 2)).fit(["a b"]).transform([]).shape == (0, 3)
    with pytest.raises(InputError, match="cannot build a vocabulary"):
        Vectorizer().fit(["", "  "])
    with pytest.raises(InputError, match="cannot build a vocabulary"):
        Vectorizer(min_df=2).fit(["a b", "c d"])


@pytest.mark.filterwarnings("ignore:.*skipped .* rows with empty text")
def test_mr_sentences(shared_data):
    from nlpdive.data import read_examples

    texts = [r["text"] for r in read_examples(shared_data / "mr" / "train.tsv", skip_empty=True)][:400]
    assert_same(Vectorizer("binary", (1, 2)), texts[:300], texts[300:])
    assert_same(Vectorizer("tfidf", (1, 2), min_df=2), texts[:300], texts[300:])
