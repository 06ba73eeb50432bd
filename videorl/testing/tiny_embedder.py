"""A tiny bag-of-words sentence-transformers model, built offline, whose cosines are known by hand.

Each vocabulary word gets its own one-hot dimension; stop words ("a", "the", ...), punctuation and
unknown words embed to zero. A sentence's embedding is the mean of its word vectors, so the cosine
of two sentences is the cosine of their content-word count vectors: "A man opens a door." vs "man
opens the door." is 1.0, "man closes the door" vs "man opens the door" is 2/3. Saved as a real
``SentenceTransformer`` folder and loaded by path with the same code as ``all-MiniLM-L6-v2``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

STOP = ("a", "an", "the", "is", "of", "to", "at", "in", "on")
PUNCT = (".", ",", "!", "?", ";", ":")


def build_tiny_embedder(folder: str | Path, words: Iterable[str]) -> Path:
    """Save the model for content ``words`` under ``folder``; returns the folder."""
    import numpy as np
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    try:
        from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import StaticEmbedding
    from sentence_transformers import SentenceTransformer

    content = sorted({w.lower() for w in words} - set(STOP))
    vocab = {"[UNK]": 0}
    for w in (*STOP, *PUNCT, *content):
        vocab.setdefault(w, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    weights = np.zeros((len(vocab), len(content)), dtype=np.float32)
    for j, w in enumerate(content):
        weights[vocab[w], j] = 1.0
    model = SentenceTransformer(modules=[StaticEmbedding(tok, embedding_weights=weights)], device="cpu")
    folder = Path(folder)
    model.save(str(folder))
    return folder
