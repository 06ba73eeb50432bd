"""Sentence embeddings for matching a judge's paraphrase against reference sentences.

The model (sentence-transformers; Video-R2 uses ``all-MiniLM-L6-v2``) is loaded once per process
and name, on first use, from a hub name or a local folder.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
_MODELS: dict[tuple[str, str | None], Any] = {}
_LOCK = threading.Lock()


def load_embedder(name: str = DEFAULT_EMBEDDER, device: str | None = None) -> Any:
    """The ``SentenceTransformer`` for ``name`` (hub name or local path), loaded once per process."""
    key = (name, device)
    with _LOCK:
        model = _MODELS.get(key)
        if model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise ImportError("the TAR reward needs sentence-transformers: pip install 'videorl[judge]'") from exc
            model = _MODELS[key] = SentenceTransformer(name, device=device)
        return model


def embed(model: Any, sentences: Sequence[str]) -> dict[str, np.ndarray]:
    """Unit-length embedding of each distinct sentence (a zero vector stays zero)."""
    uniq = list(dict.fromkeys(sentences))
    if not uniq:
        return {}
    vecs = np.asarray(model.encode(uniq, convert_to_numpy=True, show_progress_bar=False), dtype=np.float64)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    vecs = np.divide(vecs, norms, out=np.zeros_like(vecs), where=norms > 1e-12)
    return dict(zip(uniq, vecs, strict=True))
