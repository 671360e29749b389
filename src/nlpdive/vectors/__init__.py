"""Word vectors: the store (load any format, most_similar, analogy, evaluate, save memory-mapped),
the word2vec corpus, plots and contextual vectors.

    from nlpdive.vectors import load_vectors
    vecs = load_vectors("glove.6B.100d.txt")
    vecs.analogy("king", "man", "woman")   # [("queen", 0.78)]
"""
from nlpdive.vectors.store import UnknownWord, Vectors, load_vectors

__all__ = ["Vectors", "load_vectors", "UnknownWord"]
