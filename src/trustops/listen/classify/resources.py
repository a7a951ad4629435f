"""The shipped resources every classifier shares, each loaded once per process.

Only things inside trustops or an installed wheel are read: VADER's bundled lexicon, wordllama's bundled
256-dimension weights, and the JSON files in ``trustops/listen/data``. Nothing downloads: wordllama is
pointed at its own package folder with downloads disabled, and Hugging Face is told to stay offline
(dependencies.md §5 explains why ``WordLlama.load()`` otherwise reaches for the hub).
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

EMBED_DIM = 256


class _Vader(Protocol):
    def polarity_scores(self, text: str) -> dict[str, float]: ...


class _Embedder(Protocol):
    def embed(self, texts: list[str], norm: bool = ..., batch_size: int = ...) -> NDArray[np.float32]: ...


def read_json(name: str) -> dict[str, Any]:
    """A JSON file from the package's data folder."""
    text = resources.files("trustops.listen").joinpath("data", name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def vader() -> _Vader:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]

    analyzer: _Vader = SentimentIntensityAnalyzer()
    return analyzer


@cache
def embedder() -> _Embedder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import wordllama  # type: ignore[import-untyped]
    from wordllama import WordLlama

    model: _Embedder = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    return model


def embed(texts: list[str]) -> NDArray[np.float32]:
    """Unit-length wordllama vectors; an empty batch gives a (0, 256) array."""
    if not texts:
        return np.zeros((0, EMBED_DIM), dtype=np.float32)
    vectors = np.asarray(embedder().embed(texts, norm=True), dtype=np.float32)
    return vectors
