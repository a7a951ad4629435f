"""Turning a mention into numbers: cleaned text, cue counts, VADER scores.

Handles and links carry no mood but confuse both VADER and the embedding (``@FlyHappy`` reads as
happy), so they are dropped before scoring; their presence is kept as a feature instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from trustops.listen.classify.resources import read_json, vader

_URL = re.compile(r"(?:https?://|www\.|\bt\.co/|\bbit\.ly/)\S*", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SPACES = re.compile(r"\s+")
_EXCLAIM = re.compile(r"!")
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
_WORD = re.compile(r"\w+")


def clean(text: str) -> str:
    """The words a reader would weigh: no links or handles, hashtags split into words."""
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _HASHTAG.sub(lambda m: _CAMEL.sub(" ", m.group(1)), text)
    text = text.replace("&amp;", "&").replace("’", "'")
    return _SPACES.sub(" ", text).strip()


def _compile(patterns: Sequence[str]) -> re.Pattern[str]:
    """One alternation per group, matched on lower-cased text.

    Word patterns share a single pair of boundary checks outside the alternation: per-branch lookbehinds
    made matching about 25 times slower, which alone would have cost the 3,000 texts/s target.
    Patterns that start or end with punctuation or an emoji ("?", "🙄") are matched as they are.
    """
    words = [p for p in patterns if p[:1].isalnum() and (p[-1:].isalnum() or p[-1:] in ")?+")]
    others = [p for p in patterns if p not in words]
    parts = []
    if words:
        parts.append(r"(?<![\w'])(?:" + "|".join(words) + r")(?![\w'])")
    parts += others
    return re.compile("|".join(f"(?:{p})" for p in parts))


@dataclass(frozen=True)
class Cues:
    """Compiled cue lexicons from ``data/cues.json``: sentiment groups and intent groups."""

    sentiment: dict[str, re.Pattern[str]]
    intents: dict[str, re.Pattern[str]]


@cache
def cues() -> Cues:
    data = read_json("cues.json")
    return Cues(
        sentiment={name: _compile(patterns) for name, patterns in data["sentiment"].items()},
        intents={name: _compile(patterns) for name, patterns in data["intents"].items()},
    )


def cue_counts(text: str, patterns: dict[str, re.Pattern[str]]) -> list[int]:
    return [len(pattern.findall(text)) for pattern in patterns.values()]


SURFACE_NAMES = ("handles", "urls", "exclaims", "caps_words", "log_words", "has_question_mark")


def surface(raw: str, cleaned: str) -> list[float]:
    words = len(_WORD.findall(cleaned))
    return [
        min(len(_HANDLE.findall(raw)), 3),
        min(len(_URL.findall(raw)), 2),
        min(len(_EXCLAIM.findall(raw)), 3),
        min(len(_CAPS_WORD.findall(cleaned)), 3),
        float(np.log1p(words)),
        float("?" in cleaned),
    ]


def vader_scores(cleaned: str) -> list[float]:
    scores = vader().polarity_scores(cleaned)
    return [scores["neg"], scores["neu"], scores["pos"], scores["compound"]]


def lexical_features(texts: Sequence[str]) -> tuple[list[str], NDArray[np.float64]]:
    """Cleaned texts and, per text, VADER scores + clipped cue counts + surface facts (+ interactions).

    The interactions encode what a linear model cannot see on its own: praise next to a failure is
    usually sarcasm ("great, down again"), and a question with no failure cue is usually a plain ask.
    """
    groups = cues().sentiment
    cleaned = [clean(t) for t in texts]
    rows = []
    for raw, text in zip(texts, cleaned, strict=True):
        counts = np.minimum(cue_counts(text.lower(), groups), 3).astype(float)
        c = dict(zip(groups, counts, strict=True))
        v = vader_scores(text)
        trouble = c["failure"] + c["negative_eval"]
        interactions = [
            float(c["praise"] + c["thanks"] > 0 and trouble > 0),
            float(c["question"] > 0 and trouble == 0),
            float(c["thanks"] > 0 and trouble == 0),
            float(trouble == 0 and c["praise"] == 0 and c["thanks"] == 0),
            v[3] * float(trouble == 0),
            v[3] * float(trouble > 0),
        ]
        rows.append([*v, *counts, *surface(raw, text), *interactions])
    return cleaned, np.asarray(rows, dtype=np.float64)
