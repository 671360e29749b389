"""Text pipeline: normalise, tokenize (word, char, subword via Hugging Face `tokenizers`, GPT-2 BPE),
stop words, lemmas, Vocab, vectorizers (one-hot, bag-of-words, tf-idf) and TextPipeline (one JSON file)."""
from nlpdive.text.normalize import Normalizer
from nlpdive.text.pipeline import TextPipeline
from nlpdive.text.stopwords import STOPWORDS, lemmatize, load_stopwords
from nlpdive.text.tokenizer import (CharTokenizer, SubwordTokenizer, WordTokenizer, get_tokenizer,
                                    load_gpt2_tokenizer, train_tokenizer)
from nlpdive.text.vectorize import Vectorizer
from nlpdive.text.vocab import SPECIALS, Vocab

__all__ = ["Normalizer", "WordTokenizer", "CharTokenizer", "SubwordTokenizer", "get_tokenizer", "train_tokenizer",
           "load_gpt2_tokenizer", "Vocab", "SPECIALS", "TextPipeline", "Vectorizer", "STOPWORDS", "load_stopwords",
           "lemmatize"]
