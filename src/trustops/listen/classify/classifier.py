"""One call that classifies a batch of mentions: sentiment, complaint, intents and component."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from trustops.listen.classify.component import ComponentHint, ComponentModel
from trustops.listen.classify.features import cues
from trustops.listen.classify.intents import complaint_score, intents
from trustops.listen.classify.linear import prepare
from trustops.listen.classify.sentiment import CLASSES, SentimentModel, builtin, label_and_score, normalise_label
from trustops.listen.schema import Intent, Sentiment

COMPLAINT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Classification:
    sentiment: Sentiment
    sentiment_score: float  # -1..1: P(positive) - P(negative)
    complaint: bool
    complaint_score: float  # 0..1
    intents: tuple[Intent, ...]
    component_id: str | None
    component_confidence: float


class Classifier:
    """Built-in or trained models, loaded once; ``classify`` featurises each batch a single time."""

    def __init__(
        self,
        components: Sequence[ComponentHint] = (),
        *,
        sentiment: SentimentModel | None = None,
        component: ComponentModel | None = None,
    ) -> None:
        self.sentiment = sentiment or builtin()
        self.component = component or ComponentModel.from_phrases(components)
        self._failure_column = 4 + list(cues().sentiment).index("failure")  # after VADER's four scores

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        if not texts:
            return []
        batch = prepare(texts)
        probabilities = self.sentiment.probabilities(batch)
        sentiments = label_and_score(probabilities)
        components = self.component.assign(batch)
        results = []
        for row, cleaned in enumerate(batch.cleaned):
            found = intents(cleaned)
            failures = float(batch.lexical[row, self._failure_column])
            score = complaint_score(found, failures, float(probabilities[row, 0]), float(probabilities[row, 2]))
            results.append(
                Classification(
                    sentiment=sentiments[row][0],
                    sentiment_score=sentiments[row][1],
                    complaint=score >= COMPLAINT_THRESHOLD,
                    complaint_score=score,
                    intents=found,
                    component_id=components[row][0],
                    component_confidence=components[row][1],
                )
            )
        return results


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    macro_f1: float
    per_class: dict[str, tuple[float, float, float, int]]  # label: (precision, recall, f1, support)
    n: int
    seconds: float
    texts_per_second: float


def evaluate(
    task: Literal["sentiment", "component"],
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    model: SentimentModel | ComponentModel | None = None,
    components: Sequence[ComponentHint] = (),
) -> Evaluation:
    """Score a model against labelled mentions; a component prediction of None counts as the label "none"."""
    if len(texts) != len(labels):
        raise ValueError(f"got {len(texts)} texts but {len(labels)} labels")
    started = time.perf_counter()
    if task == "sentiment":
        chosen = model if isinstance(model, SentimentModel) else builtin()
        predicted = [label.value for label, _ in chosen.predict(texts)]
        truth = [normalise_label(label) for label in labels]
        classes = list(CLASSES)
    else:
        matcher = model if isinstance(model, ComponentModel) else ComponentModel.from_phrases(components)
        predicted = [c if c is not None else "none" for c, _ in matcher.predict(texts)]
        truth = [str(label) for label in labels]
        classes = sorted(set(truth) | set(predicted))
    seconds = time.perf_counter() - started
    return _score(truth, predicted, classes, seconds)


def _score(truth: list[str], predicted: list[str], classes: list[str], seconds: float) -> Evaluation:
    per_class: dict[str, tuple[float, float, float, int]] = {}
    for label in classes:
        hits = sum(t == p == label for t, p in zip(truth, predicted, strict=True))
        said, support = predicted.count(label), truth.count(label)
        precision = hits / said if said else 0.0
        recall = hits / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = (precision, recall, f1, support)
    scored = [f for _, _, f, support in per_class.values() if support]
    n = len(truth)
    return Evaluation(
        accuracy=sum(t == p for t, p in zip(truth, predicted, strict=True)) / n if n else 0.0,
        macro_f1=sum(scored) / len(scored) if scored else 0.0,
        per_class=per_class,
        n=n,
        seconds=seconds,
        texts_per_second=n / seconds if seconds > 0 else 0.0,
    )
