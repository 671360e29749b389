"""Normaliser, word/char tokenizers, stop words, lemmas, Vocab, TextPipeline (word/char)."""
import json

import pytest

from nlpdive.errors import InputError, NlpdiveError
from nlpdive.text import (STOPWORDS, CharTokenizer, Normalizer, TextPipeline, Vocab, WordTokenizer, get_tokenizer,
                          lemmatize, load_stopwords)

TALK = "the sneaky fox jumped over the dog"


def test_talk_preprocessing_slide_exactly():
    assert WordTokenizer().tokenize(TALK) == ["the", "sneaky", "fox", "jumped", "over", "the", "dog"]
    no_stop = TextPipeline(stopwords=True).tokenize(TALK)
    assert no_stop == ["sneaky", "fox", "jumped", "over", "dog"]
    assert lemmatize(no_stop) == ["sneaky", "fox", "jump", "over", "dog"]
    assert TextPipeline(stopwords=True, lemmatize=True).tokenize(TALK) == ["sneaky", "fox", "jump", "over", "dog"]


@pytest.mark.parametrize("text, tokens", [
    ("I don't know, it's 100% true!!", ["I", "do", "n't", "know", ",", "it", "'s", "100", "%", "true", "!", "!"]),
    ("Visit https://example.com/a?b=1. Now", ["Visit", "https://example.com/a?b=1", ".", "Now"]),
    ("Pi is 3.14, not $1,000 at 10:30...", ["Pi", "is", "3.14", ",", "not", "$", "1,000", "at", "10:30", "..."]),
    ("state-of-the-art O'Neill can't", ["state-of-the-art", "O'Neill", "ca", "n't"]),
    ("mail me@x.org (ok)", ["mail", "me@x.org", "(", "ok", ")"]),
])
def test_word_tokenizer(text, tokens):
    tok = WordTokenizer()
    assert tok.tokenize(text) == tokens
    assert tok.decode(tokens) == text


def test_normalizer_html_breaks_nfkc_lower():
    assert Normalizer()("Great<br /><br>ﬁlm<BR/>OK") == "great  film ok"
    assert Normalizer(lower=False)("A<br>B") == "A B"


def test_char_tokenizer_and_get_tokenizer():
    assert CharTokenizer().tokenize("ab c") == ["a", "b", " ", "c"]
    assert isinstance(get_tokenizer("char"), CharTokenizer)
    with pytest.raises(InputError, match="tokenizer file not found"):
        get_tokenizer("no/such/tokenizer.json")


def test_stopwords_bundled_and_user_file(tmp_path):
    assert {"the", "and", "'s"} <= STOPWORDS and not {"not", "over", "sneaky"} & STOPWORDS
    f = tmp_path / "stop.txt"
    f.write_text("# my list\nfox\n\ndog\n", encoding="utf-8")
    assert load_stopwords(f) == {"fox", "dog"}
    assert TextPipeline(stopwords=f).tokenize(TALK) == ["the", "sneaky", "jumped", "over", "the"]
    with pytest.raises(InputError, match="stop-word file not found"):
        load_stopwords(tmp_path / "missing.txt")


def test_vocab_order_min_freq_max_size_and_json():
    docs = [["b", "a", "c"], ["a", "b", "d"], ["a"]]
    vocab = Vocab.build(docs)
    assert vocab.itos == ["<pad>", "<unk>", "<sos>", "<eos>", "a", "b", "c", "d"]  # freq desc, then first seen
    assert (vocab.pad_id, vocab.unk_id, vocab.sos_id, vocab.eos_id) == (0, 1, 2, 3)
    assert Vocab.build(docs, min_freq=2).itos[4:] == ["a", "b"]
    assert len(Vocab.build(docs, max_size=5)) == 5
    assert vocab.encode(["a", "zzz"]) == [4, 1]
    assert vocab.decode([2, 4, 0]) == ["a"] and vocab.decode([2, 4], skip_specials=False) == ["<sos>", "a"]
    again = Vocab.from_dict(json.loads(json.dumps(vocab.to_dict())))
    assert again.itos == vocab.itos and again.stoi == vocab.stoi and again.unk_id == 1
    assert Vocab.build(reversed(docs)).itos != vocab.itos  # order depends on data, deterministically
    assert Vocab.build(docs).itos == vocab.itos


def test_word_pipeline_fit_encode_decode_and_json_round_trip(tmp_path):
    texts = ["The cat sat.", "The dog sat!", "A cat<br />ran."]
    pipe = TextPipeline(min_freq=2).fit(texts)
    assert pipe.vocab.itos[4:] == ["the", "cat", "sat", "."]
    ids = pipe.encode("the cat ran.", add_sos=True, add_eos=True)
    assert ids == [pipe.sos_id, 4, 5, pipe.unk_id, 7, pipe.eos_id]
    assert pipe.decode(ids) == "the cat <unk>."
    assert pipe.encode_batch(texts[:2]) == [pipe.encode(t) for t in texts[:2]]
    path = pipe.save(tmp_path / "pipeline.json")
    loaded = TextPipeline.load(path)
    assert loaded.to_dict() == pipe.to_dict()
    assert loaded.encode_batch(texts, add_eos=True) == pipe.encode_batch(texts, add_eos=True)


def test_pipeline_errors():
    with pytest.raises(NlpdiveError, match="call pipe.fit"):
        TextPipeline().encode("hi")
    with pytest.raises(InputError, match="whole words"):
        TextPipeline(tokenizer="char", stopwords=True)
    with pytest.raises(InputError, match="not a TextPipeline JSON"):
        TextPipeline.from_dict({"format": "something else"})
