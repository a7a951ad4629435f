"""What the classifiers share: one featurised batch, hashed n-grams, and a stored linear head.

A batch is featurised once (cleaning, cue counts, VADER, the embedding) and every model reads from it,
so sentiment, complaint, intents and component cost one pass over the texts between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import HashingVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from trustops.listen.classify import store
from trustops.listen.classify.features import lexical_features
from trustops.listen.classify.resources import embed

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Batch:
    """Texts and their shared features: ``lexical`` (VADER, cues, surface) and unit ``embedding``."""

    texts: list[str]
    cleaned: list[str]
    lexical: FloatArray
    embedding: NDArray[np.float32]
    _hashed: dict[int, sparse.csr_matrix] = field(default_factory=dict, compare=False, repr=False)

    def hashed(self, bits: int) -> sparse.csr_matrix:
        """Word 1–2-grams and character 2–5-grams hashed into ``2**bits`` columns (stateless)."""
        if bits not in self._hashed:
            words, chars = _hashers(bits)
            lowered = [t.lower() for t in self.cleaned]
            self._hashed[bits] = sparse.hstack([words.transform(lowered), chars.transform(lowered)], format="csr")
        return self._hashed[bits]


def prepare(texts: Sequence[str]) -> Batch:
    texts = [str(t) for t in texts]
    cleaned, lexical = lexical_features(texts)
    return Batch(texts=texts, cleaned=cleaned, lexical=lexical, embedding=embed(cleaned))


@cache
def _hashers(bits: int) -> tuple[HashingVectorizer, HashingVectorizer]:
    common: dict[str, Any] = {"n_features": 2**bits, "alternate_sign": False, "norm": "l2", "dtype": np.float32}
    return (
        HashingVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)\b\w[\w']*\b", **common),
        HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), **common),
    )


@dataclass(frozen=True)
class LinearHead:
    """Multinomial logistic regression over standardised dense features and optional sparse ones."""

    classes: tuple[str, ...]
    mean: FloatArray
    scale: FloatArray
    coef: FloatArray
    intercept: FloatArray

    def probabilities(self, dense: FloatArray, hashed: sparse.csr_matrix | None = None) -> FloatArray:
        n_dense = self.mean.shape[0]
        logits = ((dense - self.mean) / self.scale) @ self.coef[:, :n_dense].T + self.intercept
        if hashed is not None:
            logits += np.asarray(hashed @ self.coef[:, n_dense:].T)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        result: FloatArray = exp / exp.sum(axis=1, keepdims=True)
        return result

    def arrays(self, prefix: str) -> dict[str, NDArray[Any]]:
        names = ("mean", "scale", "coef", "intercept")
        return {f"{prefix}{name}": getattr(self, name).astype(np.float64) for name in names}

    @classmethod
    def from_arrays(cls, classes: Sequence[str], arrays: dict[str, NDArray[Any]], prefix: str) -> LinearHead:
        def get(name: str, ndim: int) -> FloatArray:
            return store.require(arrays, prefix + name, ndim).astype(np.float64)

        head = cls(tuple(classes), get("mean", 1), get("scale", 1), get("coef", 2), get("intercept", 1))
        if head.coef.shape[0] != len(head.classes) or head.intercept.shape[0] != len(head.classes):
            raise ValueError(f"model head {prefix!r} has {head.coef.shape[0]} rows for {len(head.classes)} classes")
        if head.coef.shape[1] < head.mean.shape[0] or head.scale.shape != head.mean.shape:
            raise ValueError(f"model head {prefix!r} has inconsistent feature sizes")
        return head


def fit_head(
    dense: FloatArray,
    labels: Sequence[str],
    *,
    hashed: sparse.csr_matrix | None = None,
    c: float = 1.0,
    balanced: bool = False,
    sample_weight: FloatArray | None = None,
    solver: str = "lbfgs",
    standardise: bool = True,
) -> LinearHead:
    mean = dense.mean(axis=0) if standardise else np.zeros(dense.shape[1])
    scale = dense.std(axis=0) if standardise else np.ones(dense.shape[1])
    scale[scale < 1e-9] = 1.0
    x: Any = (dense - mean) / scale
    if hashed is not None:
        x = sparse.hstack([sparse.csr_matrix(x), hashed], format="csr") if dense.shape[1] else hashed
    weights = "balanced" if balanced else None
    model = LogisticRegression(C=c, max_iter=500, class_weight=weights, solver=solver)
    model.fit(x, list(labels), sample_weight=sample_weight)
    coef, intercept = model.coef_, model.intercept_
    if coef.shape[0] == 1:  # binary: softmax over (0, w·x + b) equals the logistic
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.array([0.0, intercept[0]])
    # C-ordered float64, exactly as from_bytes rebuilds them, so a restored model predicts bit for bit alike.
    arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in (mean, scale, coef, intercept)]
    return LinearHead(tuple(str(c) for c in model.classes_), *arrays)
