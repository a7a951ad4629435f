"""Which catalog component a mention is about, from a few phrases per component and optional labels.

Two modes, one stored format. ``phrases``: no labelled mentions, only what the catalog says customers
write when a component breaks (plus its name); a mention goes to the component whose phrase it is most
similar to in wordllama space, or to none below ``min_similarity``. ``linear``: with labelled mentions
(20 per class is enough to be useful), a balanced logistic regression over the embedding and hashed
n-grams, a shrunk discriminant over the embedding and a complement naive Bayes over the n-grams, folded
into one linear head (``component_fit``), with the catalog's phrases and names added as extra examples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from trustops.listen.classify import store
from trustops.listen.classify.component_fit import fit_ensemble_head
from trustops.listen.classify.features import clean
from trustops.listen.classify.linear import Batch, LinearHead, prepare
from trustops.listen.classify.resources import embed

VERSION = 1
HASH_BITS = 16
MIN_SIMILARITY = 0.35
EMBEDDING_WEIGHT = 3.0


@dataclass(frozen=True)
class ComponentHint:
    """What the catalog gives for one component: its id, display name and typical complaint phrases."""

    id: str
    name: str
    phrases: tuple[str, ...] = ()


class ComponentModel:
    """Assigns a component id (or None) with a confidence in 0..1."""

    def __init__(
        self,
        ids: Sequence[str],
        *,
        head: LinearHead | None = None,
        prototypes: NDArray[np.float32] | None = None,
        owners: NDArray[np.int64] | None = None,
        min_confidence: float = 0.0,
    ) -> None:
        if (head is None) == (prototypes is None):
            raise ValueError("a component model is either linear (head) or phrase-based (prototypes)")
        self.ids = tuple(ids)
        self.head = head
        self.prototypes = prototypes
        self.owners = owners if owners is not None else np.zeros(0, dtype=np.int64)
        self.min_confidence = min_confidence
        if prototypes is not None and (
            len(self.owners) != len(prototypes) or (len(self.owners) and self.owners.max() >= len(self.ids))
        ):
            raise ValueError("every phrase prototype must belong to a known component")

    @classmethod
    def from_phrases(
        cls, components: Sequence[ComponentHint], *, min_similarity: float = MIN_SIMILARITY
    ) -> ComponentModel:
        """The zero-example model: similarity to each component's phrases and name."""
        texts, owners = _hint_examples(components)
        return cls(
            [c.id for c in components],
            prototypes=embed([clean(t) for t in texts]),
            owners=np.asarray(owners, dtype=np.int64),
            min_confidence=min_similarity,
        )

    def assign(self, batch: Batch) -> list[tuple[str | None, float]]:
        if not self.ids:
            return [(None, 0.0)] * len(batch.texts)
        scores = self._scores(batch)
        best = scores.argmax(axis=1)
        confidence = scores[np.arange(len(best)), best]
        return [
            (self.ids[i] if c >= self.min_confidence else None, float(np.clip(c, 0.0, 1.0)))
            for i, c in zip(best, confidence, strict=True)
        ]

    def predict(self, texts: Sequence[str]) -> list[tuple[str | None, float]]:
        return self.assign(prepare(texts))

    def _scores(self, batch: Batch) -> NDArray[np.float64]:
        if self.head is not None:
            probabilities = self.head.probabilities(_dense(batch), batch.hashed(HASH_BITS))
            return probabilities[:, [self.head.classes.index(i) for i in self.ids]]
        assert self.prototypes is not None
        similarity = batch.embedding @ self.prototypes.T
        scores = np.full((len(batch.texts), len(self.ids)), -1.0)
        for owner in range(len(self.ids)):
            mine = self.owners == owner
            if mine.any():
                scores[:, owner] = similarity[:, mine].max(axis=1)
        return scores

    def to_bytes(self) -> bytes:
        header: dict[str, Any] = {
            "kind": "component",
            "version": VERSION,
            "classes": list(self.ids),
            "mode": "linear" if self.head is not None else "phrases",
            "hash_bits": HASH_BITS,
            "min_confidence": self.min_confidence,
        }
        if self.head is not None:
            header["head_classes"] = list(self.head.classes)
            return store.dump(header, self.head.arrays("head_"))
        assert self.prototypes is not None
        return store.dump(header, {"prototypes": self.prototypes, "owners": self.owners})

    @classmethod
    def from_bytes(cls, data: bytes) -> ComponentModel:
        header, arrays = store.load(data, kind="component", version=VERSION)
        try:
            ids, threshold = [str(i) for i in header["classes"]], float(header["min_confidence"])
            if header["mode"] == "linear":
                head = LinearHead.from_arrays(header["head_classes"], arrays, "head_")
                return cls(ids, head=head, min_confidence=threshold)
            prototypes = store.require(arrays, "prototypes", 2).astype(np.float32)
            owners = store.require(arrays, "owners", 1).astype(np.int64)
            return cls(ids, prototypes=prototypes, owners=owners, min_confidence=threshold)
        except (KeyError, TypeError) as error:
            raise ValueError(f"component model header is incomplete: {error}") from error


def train_component(
    texts: Sequence[str],
    labels: Sequence[str],
    components: Sequence[ComponentHint] = (),
    *,
    min_confidence: float = 0.0,
) -> ComponentModel:
    """Fit on labelled mentions (labels are component ids); catalog phrases and names join as examples.

    A label's own words count too ("Lost Luggage", "checkout"), since class names are often the best
    description anyone wrote down. ``min_confidence`` above 0 lets the model answer None.
    """
    if len(texts) != len(labels):
        raise ValueError(f"got {len(texts)} texts but {len(labels)} labels")
    hint_texts, owners = _hint_examples(components)
    ids = list(dict.fromkeys([*(c.id for c in components), *map(str, labels)]))
    names = sorted({str(label) for label in labels} - {c.id for c in components})
    all_texts = [*texts, *hint_texts, *names]
    all_labels = [*map(str, labels), *(components[o].id for o in owners), *names]
    if len(set(all_labels)) < 2:
        raise ValueError("a component model needs examples of at least two components")
    batch = prepare(all_texts)
    head = fit_ensemble_head(_dense(batch), batch.hashed(HASH_BITS), all_labels)
    return ComponentModel(ids, head=head, min_confidence=min_confidence)


def _dense(batch: Batch) -> NDArray[np.float64]:
    # Unit embeddings, weighted against the l2-normed n-gram blocks rather than standardised: with 20
    # examples a class, standardising let 256 noisy dimensions drown the n-grams (macro-F1 0.34 vs 0.35).
    return batch.embedding.astype(np.float64) * EMBEDDING_WEIGHT


def _hint_examples(components: Sequence[ComponentHint]) -> tuple[list[str], list[int]]:
    texts: list[str] = []
    owners: list[int] = []
    for index, component in enumerate(components):
        for text in (component.name, *component.phrases):
            texts.append(text)
            owners.append(index)
    return texts, owners
