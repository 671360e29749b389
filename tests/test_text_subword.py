"""Subword tokenizers: training (BPE, WordPiece, Unigram), tokenizer.json round trips, GPT-2, fast batch path."""
import itertools

import pytest

from nlpdive.errors import InputError
from nlpdive.data import read_texts
from nlpdive.text import (SubwordTokenizer, TextPipeline, get_tokenizer, load_gpt2_tokenizer,
                          train_tokenizer)
from nlpdive.demo import path as demo_path

SAMPLE = ["the sneaky fox jumped over the lazy dog.", "Tokenizers split rare words into pieces!"]


@pytest.fixture(scope="module")
def wiki_lines():
    return list(itertools.islice(read_texts(demo_path("wikitext")), 1500))


@pytest.mark.parametrize("kind", ["bpe", "wordpiece", "unigram"])
def test_train_save_load_round_trip(kind, wiki_lines, tmp_path):
    tok = train_tokenizer(wiki_lines, kind=kind, vocab_size=600)
    assert tok.hf.get_vocab_size() <= 600
    assert tok.itos()[:4] == ["<pad>", "<unk>", "<sos>", "<eos>"]
    loaded = get_tokenizer(tok.save(tmp_path / "tokenizer.json"))
    assert [loaded.encode(t) for t in SAMPLE] == [tok.encode(t) for t in SAMPLE]
    assert loaded.encode_batch(SAMPLE) == [tok.encode(t) for t in SAMPLE]
    assert loaded.decode(loaded.encode(SAMPLE[0])) == SAMPLE[0]
    pieces = loaded.tokenize("sneakiest")
    assert len(pieces) > 1  # a rare word splits into known pieces


def test_subword_pipeline_json_round_trip_and_specials(wiki_lines, tmp_path):
    pipe = TextPipeline(tokenizer=train_tokenizer(wiki_lines, kind="wordpiece", vocab_size=500))
    assert pipe.fit(SAMPLE) is pipe and pipe.vocab_size <= 500
    assert (pipe.pad_id, pipe.unk_id, pipe.sos_id, pipe.eos_id) == (0, 1, 2, 3)
    ids = pipe.encode(SAMPLE[0], add_sos=True, add_eos=True)
    assert ids[0] == 2 and ids[-1] == 3
    assert pipe.decode(ids) == SAMPLE[0]
    loaded = TextPipeline.load(pipe.save(tmp_path / "pipeline.json"))
    assert loaded.encode_batch(SAMPLE, add_eos=True) == pipe.encode_batch(SAMPLE, add_eos=True)
    assert loaded.encode_batch(SAMPLE) == [pipe.encode(t) for t in SAMPLE]


def test_train_reads_gzip_files_from_shared_wikitext(shared_data, tmp_path):
    path = shared_data / "wikitext2" / "wiki.train.tokens.gz"
    tok = train_tokenizer(itertools.islice(read_texts(path), 2000), kind="bpe", vocab_size=1000)
    assert tok.hf.get_vocab_size() == 1000
    assert tok.decode(tok.encode(" The game was released in 2010 .")) == " The game was released in 2010 ."


def test_gpt2_from_shared_files_matches_openai_ids(shared_data, tmp_path):
    tok = load_gpt2_tokenizer(shared_data / "gpt2-tokenizer")
    assert tok.encode("Hello world") == [15496, 995]
    assert tok.hf.get_vocab_size() == 50257 and tok.specials["eos"] == "<|endoftext|>"
    again = get_tokenizer(tok.save(tmp_path / "tokenizer.json"))
    assert again.encode_batch(SAMPLE) == tok.encode_batch(SAMPLE)
    pipe = TextPipeline(lower=False, tokenizer=shared_data / "gpt2-tokenizer")
    assert pipe.encode("Hello world", add_eos=True) == [15496, 995, 50256]
    assert TextPipeline.from_dict(pipe.to_dict()).decode([15496, 995, 50256]) == "Hello world"


def test_errors(tmp_path):
    with pytest.raises(InputError, match="unknown tokenizer kind"):
        train_tokenizer(SAMPLE, kind="sentencepiece")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="not a Hugging Face tokenizer.json"):
        SubwordTokenizer.load(bad)
    with pytest.raises(InputError, match="no GPT-2 tokenizer files"):
        load_gpt2_tokenizer(tmp_path)
