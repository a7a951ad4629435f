"""Few-shot component classification with and without self-training on unlabelled complaints.

Issue #4's bar: 20 labelled examples per ``negativereason`` class of the airline tweets, macro-F1 >= 0.45 on
the other negatives. This asks whether the unlabelled negatives help: fit on the 20 per class, label the
unlabelled pool with the model, add the ``--per-class`` most confident of each predicted class, fit again
(``--rounds`` times). The pool is half of the rest and the score is taken on the other half, so nothing is
scored that was used, even unlabelled. Peer: the same model without self-training, on the same half.

    .venv/bin/python bench/component_selftrain.py [--seeds 5] [--per-class 20] [--rounds 1]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from trustops.listen.classify import evaluate, train_component

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "airline_tweets.csv"
BAR = 0.45


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--per-class", type=int, default=20, help="pseudo-labelled texts added per class and round")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"bench/component_selftrain.py needs {DATA} (the shared evaluation data)")
    rows = [
        r for r in csv.DictReader(DATA.read_text(encoding="utf-8").splitlines()) if r["airline_sentiment"] == "negative"
    ]
    texts, labels = [r["text"] for r in rows], [r["negativereason"] for r in rows]
    table = Table("seed", "20 per class", "+ self-training", "difference", title="component macro-F1, held-out half")
    plain, trained = [], []
    for seed in range(args.seeds):
        train, pool, test = split(labels, seed)
        base = train_component([texts[i] for i in train], [labels[i] for i in train])
        held_out = [texts[i] for i in test], [labels[i] for i in test]
        before = evaluate("component", *held_out, model=base).macro_f1
        model = base
        for _ in range(args.rounds):
            guesses = model.predict([texts[i] for i in pool])
            by_class: dict[str, list[tuple[float, int]]] = defaultdict(list)
            for index, (label, confidence) in zip(pool, guesses, strict=True):
                if label is not None:
                    by_class[label].append((confidence, index))
            added = [
                (index, label) for label, found in by_class.items() for _, index in sorted(found)[-args.per_class :]
            ]
            chosen, chosen_labels = (
                [*train, *(i for i, _ in added)],
                [*(labels[i] for i in train), *(label for _, label in added)],
            )
            model = train_component([texts[i] for i in chosen], chosen_labels)
        after = evaluate("component", *held_out, model=model).macro_f1
        plain.append(before)
        trained.append(after)
        table.add_row(str(seed), f"{before:.3f}", f"{after:.3f}", f"{after - before:+.3f}")
    table.add_row("mean", f"{statistics.mean(plain):.3f}", f"{statistics.mean(trained):.3f}",
                  f"{statistics.mean(trained) - statistics.mean(plain):+.3f}")  # fmt: skip
    console = Console()
    console.print(table)
    console.print(f"bar {BAR}: self-training / plain = {statistics.mean(trained) / statistics.mean(plain):.2f}×")


def split(labels: list[str], seed: int) -> tuple[list[int], list[int], list[int]]:
    """20 per class to train (as bench/classify.py picks them), then the rest halved into pool and test."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_label[label].append(index)
    train = sorted(i for members in by_label.values() for i in rng.sample(members, min(20, len(members))))
    taken = set(train)
    rest = [i for i in range(len(labels)) if i not in taken]
    random.Random(100 + seed).shuffle(rest)
    return train, rest[: len(rest) // 2], rest[len(rest) // 2 :]


if __name__ == "__main__":
    main()
