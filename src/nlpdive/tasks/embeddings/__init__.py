"""Word embeddings: word2vec (skip-gram or CBOW, negative sampling) trained on text files.

task.py is the recipe and the task object (WordEmbeddings); hogwild.py is word2vec's own SGD loop.
"""
from nlpdive.tasks.embeddings.hogwild import HOGWILD_MIN_VOCAB
from nlpdive.tasks.embeddings.task import (
    Word2VecSettings, WordEmbeddings, build_corpus, evaluate_file, save_trained, train_word2vec,
)

__all__ = ["WordEmbeddings", "Word2VecSettings", "train_word2vec", "build_corpus", "save_trained", "evaluate_file",
           "HOGWILD_MIN_VOCAB"]
