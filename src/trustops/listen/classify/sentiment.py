"""Sentiment of a brand mention: the built-in, domain-general model and per-installation adaptation.

The built-in model is a logistic regression over VADER's scores, customer-service cue counts and the
wordllama embedding, learned from the seed corpus in ``data/sentiment_seed.json`` (written for trustops,
ten industries). It ships pre-fitted in ``data/sentiment_builtin.npz`` so loading costs no training;
``fit_builtin()`` rebuilds the same file from the seed, and a test checks they agree.

``train_sentiment`` adapts to one installation's labelled mentions by stacking: an n-gram model (hashed
word and character n-grams) and an embedding model are fitted on the labels, and a small combiner
learns how far to trust each of them against the built-in prior, from out-of-fold predictions so that
it does not learn to trust models that memorised the training set. A plain in-domain model needs
thousands of labels; the prior lets a few hundred count. The prior's weights are stored inside the
adapted model, which so keeps predicting the same way after trustops upgrades its built-in model.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

from trustops.listen.classify import store
from trustops.listen.classify.linear import Batch, FloatArray, LinearHead, fit_head, prepare
from trustops.listen.classify.seed import seed_corpus
from trustops.listen.schema import Sentiment

CLASSES = (Sentiment.NEGATIVE.value, Sentiment.NEUTRAL.value, Sentiment.POSITIVE.value)
BUILTIN_FILE = "sentiment_builtin.npz"
BUILTIN_C = 0.1
HASH_BITS = 18
VERSION = 1
FOLDS = 5
_HEADS = ("prior", "ngram", "embedding")
_ALIASES = {"neg": "negative", "neu": "neutral", "pos": "positive", "-1": "negative", "0": "neutral", "1": "positive"}


def normalise_label(label: str) -> str:
    """negative/neutral/positive from any accepted spelling; ValueError names anything else."""
    value = str(label).strip().lower()
    value = _ALIASES.get(value, value)
    if value not in CLASSES:
        raise ValueError(f"sentiment label {label!r} is not one of negative, neutral, positive (or neg, neu, pos)")
    return value


class SentimentModel:
    """Probabilities of negative / neutral / positive.

    Built-in: one head over the shared dense features. Adapted: ``parts`` holds the prior, n-gram and
    embedding heads, and ``head`` combines their log-probabilities with the lexical features.
    """

    def __init__(self, head: LinearHead, *, parts: dict[str, LinearHead] | None = None) -> None:
        for named in (head, *(parts or {}).values()):
            if tuple(sorted(named.classes)) != CLASSES:
                raise ValueError(f"sentiment classes must be {CLASSES}, got {named.classes}")
        if parts is not None and set(parts) != set(_HEADS):
            raise ValueError(f"an adapted sentiment model needs the heads {_HEADS}, got {sorted(parts)}")
        self.head = head
        self.parts = parts

    @property
    def adapted(self) -> bool:
        return self.parts is not None

    def probabilities(self, batch: Batch) -> FloatArray:
        """(n, 3) probabilities in ``CLASSES`` order for a prepared batch."""
        if self.parts is None:
            return _ordered(self.head, self.head.probabilities(builtin_features(batch)))
        return _ordered(self.head, self.head.probabilities(combiner_features(self.parts, batch)))

    def predict(self, texts: Sequence[str]) -> list[tuple[Sentiment, float]]:
        """(label, score in −1..1) per text; the score is P(positive) − P(negative)."""
        return label_and_score(self.probabilities(prepare(texts)))

    def to_bytes(self) -> bytes:
        header: dict[str, Any] = {
            "kind": "sentiment",
            "version": VERSION,
            "classes": list(self.head.classes),
            "parts": {name: list(part.classes) for name, part in (self.parts or {}).items()},
            "hash_bits": HASH_BITS,
            "features": "stacked(prior,ngram,embedding)+lexical" if self.parts else "lexical+wordllama-256",
        }
        arrays = self.head.arrays("head_")
        for name, part in (self.parts or {}).items():
            arrays |= part.arrays(f"{name}_")
        return store.dump(header, arrays)

    @classmethod
    def from_bytes(cls, data: bytes) -> SentimentModel:
        header, arrays = store.load(data, kind="sentiment", version=VERSION)
        try:
            if header["hash_bits"] != HASH_BITS:
                raise ValueError(f"sentiment model hashes into 2**{header['hash_bits']} columns, expected {HASH_BITS}")
            parts = {
                name: LinearHead.from_arrays(classes, arrays, f"{name}_") for name, classes in header["parts"].items()
            }
            return cls(LinearHead.from_arrays(header["classes"], arrays, "head_"), parts=parts or None)
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"sentiment model header is incomplete: {error}") from error


def builtin_features(batch: Batch) -> FloatArray:
    return np.hstack([batch.lexical, batch.embedding.astype(np.float64)])


def combiner_features(parts: dict[str, LinearHead], batch: Batch) -> FloatArray:
    return np.hstack(
        [
            _log(_ordered(parts["prior"], parts["prior"].probabilities(builtin_features(batch)))),
            _log(_ordered(parts["ngram"], parts["ngram"].probabilities(_empty(batch), batch.hashed(HASH_BITS)))),
            _log(_ordered(parts["embedding"], parts["embedding"].probabilities(batch.embedding.astype(np.float64)))),
            batch.lexical,
        ]
    )


def label_and_score(probabilities: FloatArray) -> list[tuple[Sentiment, float]]:
    labels = probabilities.argmax(axis=1)
    scores = probabilities[:, 2] - probabilities[:, 0]
    return [(Sentiment(CLASSES[i]), float(s)) for i, s in zip(labels, scores, strict=True)]


def fit_builtin() -> SentimentModel:
    """The built-in model, fitted from the seed corpus (what ``data/sentiment_builtin.npz`` holds)."""
    texts, labels = seed_corpus()
    return SentimentModel(fit_head(builtin_features(prepare(texts)), labels, c=BUILTIN_C))


@cache
def builtin() -> SentimentModel:
    """The shipped built-in model, loaded once per process."""
    data = resources.files("trustops.listen").joinpath("data", BUILTIN_FILE).read_bytes()
    return SentimentModel.from_bytes(data)


def train_sentiment(
    texts: Sequence[str], labels: Sequence[str], *, prior: SentimentModel | None = None
) -> SentimentModel:
    """Adapt to labelled mentions (labels: negative/neutral/positive or neg/neu/pos; all three needed).

    Steps: 1. fit the n-gram and embedding heads on each of five folds and predict the held-out fold;
    2. fit the combiner on those out-of-fold predictions, the prior's and the lexical features;
    3. refit the n-gram and embedding heads on everything.
    """
    if len(texts) != len(labels):
        raise ValueError(f"got {len(texts)} texts but {len(labels)} labels")
    y = np.asarray([normalise_label(label) for label in labels])
    counts = {c: int((y == c).sum()) for c in CLASSES}
    if min(counts.values()) < 2:
        raise ValueError(f"training needs at least two examples of each sentiment class, got {counts}")
    base = prior or builtin()
    if base.adapted:
        raise ValueError("the prior must be a built-in (not adapted) sentiment model")
    batch = prepare(texts)
    out_of_fold = _out_of_fold_parts(batch, y, base.head)
    parts = {"prior": base.head, **_fit_parts(batch, y, np.arange(len(y)))}
    head = fit_head(np.hstack([*out_of_fold, batch.lexical]), y.tolist(), c=0.1)
    return SentimentModel(head, parts=parts)


def _fit_parts(batch: Batch, y: Any, rows: Any) -> dict[str, LinearHead]:
    hashed = batch.hashed(HASH_BITS)[rows]
    return {
        "ngram": fit_head(np.zeros((len(rows), 0)), y[rows].tolist(), hashed=hashed, c=3.0),
        "embedding": fit_head(batch.embedding[rows].astype(np.float64), y[rows].tolist(), c=1.0),
    }


def _out_of_fold_parts(batch: Batch, y: Any, prior: LinearHead) -> list[FloatArray]:
    n = len(y)
    ngram, embedding = np.zeros((n, 3)), np.zeros((n, 3))
    splits = min(FOLDS, min(int((y == c).sum()) for c in CLASSES))
    for train, test in StratifiedKFold(n_splits=splits, shuffle=True, random_state=0).split(np.zeros(n), y):
        fitted = _fit_parts(batch, y, train)
        if len(fitted["ngram"].classes) < 3 or len(fitted["embedding"].classes) < 3:
            raise ValueError("every fold needs all three sentiment classes; label more examples")
        hashed = batch.hashed(HASH_BITS)[test]
        ngram[test] = _ordered(fitted["ngram"], fitted["ngram"].probabilities(np.zeros((len(test), 0)), hashed))
        embedding[test] = _ordered(
            fitted["embedding"], fitted["embedding"].probabilities(batch.embedding[test].astype(np.float64))
        )
    prior_probabilities = _ordered(prior, prior.probabilities(builtin_features(batch)))
    return [_log(prior_probabilities), _log(ngram), _log(embedding)]


def _ordered(head: LinearHead, probabilities: FloatArray) -> FloatArray:
    return probabilities[:, [head.classes.index(c) for c in CLASSES]]


def _log(probabilities: FloatArray) -> FloatArray:
    return np.log(np.clip(probabilities, 1e-6, 1.0))


def _empty(batch: Batch) -> FloatArray:
    return np.zeros((len(batch.texts), 0))


def _write_builtin() -> None:  # pragma: no cover - maintainer tool: python -m trustops.listen.classify.sentiment
    path = resources.files("trustops.listen").joinpath("data", BUILTIN_FILE)
    with resources.as_file(path) as file:
        file.write_bytes(fit_builtin().to_bytes())
        print(f"wrote {file}")


if __name__ == "__main__":  # pragma: no cover
    _write_builtin()
