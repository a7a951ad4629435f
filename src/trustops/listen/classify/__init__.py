"""Offline classifiers for brand mentions: sentiment, complaint, intent hints and catalog component.

Everything runs from what ships in trustops and its installed wheels (VADER's lexicon, wordllama's
weights, the seed corpus and cue lexicons in ``trustops/listen/data``); nothing is downloaded. Trained
models serialise to a pickle-free byte format for storage in the database.
"""

from __future__ import annotations

from trustops.listen.classify.classifier import Classification, Classifier, Evaluation, evaluate
from trustops.listen.classify.component import ComponentHint, ComponentModel, train_component
from trustops.listen.classify.sentiment import SentimentModel, train_sentiment

__all__ = [
    "Classification",
    "Classifier",
    "ComponentHint",
    "ComponentModel",
    "Evaluation",
    "SentimentModel",
    "evaluate",
    "train_component",
    "train_sentiment",
]
