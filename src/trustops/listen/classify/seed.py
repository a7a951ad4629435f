"""The seed corpus the built-in sentiment model learns from, expanded from ``data/sentiment_seed.json``.

The templates were written by the trustops authors across ten industries; each is filled several times
from randomly chosen scenes (fixed seed, so the model is the same on every machine), then lightly
varied the way people write online: lower case, a tag or emoji, a trailing link.
"""

from __future__ import annotations

import random
import re
from typing import Any

from trustops.listen.classify.resources import read_json

FILLS_PER_TEMPLATE = 10
_SLOT = re.compile(r"\{(\w+)\}")


def seed_corpus(seed: int = 7) -> tuple[list[str], list[str]]:
    """(texts, labels) of the seed corpus; labels are negative / neutral / positive."""
    data = read_json("sentiment_seed.json")
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []
    for label, templates in data["templates"].items():
        for template in templates:
            for _ in range(FILLS_PER_TEMPLATE):
                scene = rng.choice(data["scenes"])
                texts.append(_vary(_fill(template, scene, data["fill"], rng), label, data["fill"], rng))
                labels.append(label)
    for label, sentences in data["literal"].items():
        for sentence in sentences:
            for variant in (sentence, _vary(sentence, label, data["fill"], rng)):
                texts.append(variant)
                labels.append(label)
    return texts, labels


def _fill(template: str, scene: dict[str, Any], fill: dict[str, list[str]], rng: random.Random) -> str:
    handle = str(rng.choice(scene["h"]))

    def pick(match: re.Match[str]) -> str:
        slot = match.group(1)
        if slot == "h":
            return handle
        if slot == "brand":
            return handle.lstrip("@")
        values = scene.get(slot) or fill[slot]
        return str(rng.choice(values))

    return _SLOT.sub(pick, template)


def _vary(text: str, label: str, fill: dict[str, list[str]], rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.2:
        text = text.lower()
    elif roll < 0.25:
        text = text.upper() if label == "negative" else text
    extra = rng.random()
    if extra < 0.15:
        text += " " + rng.choice(fill[{"negative": "tag_neg", "positive": "tag_pos"}.get(label, "tag_neu")])
    elif extra < 0.25 and label != "neutral":
        text += " " + rng.choice(fill["emo_neg" if label == "negative" else "emo_pos"])
    elif extra < 0.32:
        text += " " + rng.choice(fill["url"])
    return text
