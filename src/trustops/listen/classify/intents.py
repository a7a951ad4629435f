"""Complaint detection and intent hints from cue lexicons plus the sentiment model's view.

Intents are multi-label and come from the ``intents`` lexicons in ``data/cues.json`` (general service
language: "not working", "card declined", "locked out", "down again"). A complaint is a report that
something is broken or slow: a functional intent, failure cues and negative sentiment each raise the
score, a plain question without any of them lowers it.
"""

from __future__ import annotations

import math

from trustops.listen.classify.features import cues
from trustops.listen.schema import Intent

FUNCTIONAL = (Intent.OUTAGE, Intent.SLOWNESS, Intent.PAYMENT_FAILURE, Intent.LOGIN_FAILURE)
# Hand-set weights of the complaint score's logit; see test_classify.py for the cases they must get right.
_BIAS, _FUNCTIONAL, _FAILURE, _NEGATIVE, _POSITIVE = -3.0, 2.6, 0.7, 2.8, -1.5


def intents(text: str) -> tuple[Intent, ...]:
    """The intents whose cues appear in the (cleaned) text, in the schema's order."""
    lowered = text.lower()
    return tuple(Intent(name) for name, pattern in cues().intents.items() if pattern.search(lowered))


def complaint_score(found: tuple[Intent, ...], failure_cues: float, p_negative: float, p_positive: float) -> float:
    """0..1: how likely the author is reporting something broken or slow."""
    functional = any(intent in FUNCTIONAL for intent in found)
    logit = _BIAS + _FUNCTIONAL * functional + _FAILURE * min(failure_cues, 3) + _NEGATIVE * p_negative
    logit += _POSITIVE * p_positive
    return 1.0 / (1.0 + math.exp(-logit))
