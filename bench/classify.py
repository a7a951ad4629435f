"""Offline mention classifiers on the airline tweets, against VADER on the same texts.

Nothing here trains on the airline data except the two adaptation figures, which fit on a stratified
20 % (sentiment) or 20 examples per class (component) and score on the rest. Published figures for the
whole set: VADER ≈ 0.49, TF-IDF + LR (in-domain) ≈ 0.78, fine-tuned BERT ≈ 0.82 (../shared/data/README.md).

    .venv/bin/python bench/classify.py
"""

from __future__ import annotations

import csv
import random
import resource
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sklearn.model_selection import train_test_split

from trustops.listen.classify import Classifier, ComponentHint, evaluate, train_component, train_sentiment
from trustops.listen.classify.resources import vader

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "airline_tweets.csv"
BERT, TFIDF = 0.82, 0.78


def main() -> None:
    if not DATA.exists():
        sys.exit(f"bench/classify.py needs {DATA} (the shared evaluation data); skipping")
    rows = list(csv.DictReader(DATA.read_text(encoding="utf-8").splitlines()))
    texts, labels = [r["text"] for r in rows], [r["airline_sentiment"] for r in rows]
    started = time.perf_counter()
    classifier = Classifier([ComponentHint("checkout", "Checkout", ("card declined", "payment failed"))])
    load_seconds = time.perf_counter() - started
    console = Console()
    console.print(f"models loaded in {load_seconds:.2f} s (imports, wordllama, VADER, built-in weights)")
    console.print(sentiment_table(texts, labels))
    console.print(adaptation_table(texts, labels, rows))
    console.print(throughput_table(classifier, texts))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(f"peak resident memory: {peak:,.0f} MiB")


def vader_labels(texts: list[str]) -> list[str]:
    analyzer = vader()
    out = []
    for text in texts:
        compound = analyzer.polarity_scores(text)["compound"]
        out.append("positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral")
    return out


def sentiment_table(texts: list[str], labels: list[str]) -> Table:
    ours = evaluate("sentiment", texts, labels)
    predicted = vader_labels(texts)
    peer_accuracy = sum(p == t for p, t in zip(predicted, labels, strict=True)) / len(labels)
    peer_f1 = _macro_f1(labels, predicted)
    table = Table("built-in sentiment (no airline training)", "ours", "VADER ±0.05", "ours / VADER", title="sentiment")
    table.add_row("accuracy", f"{ours.accuracy:.3f}", f"{peer_accuracy:.3f}", f"{ours.accuracy / peer_accuracy:.2f}×")
    table.add_row("macro-F1", f"{ours.macro_f1:.3f}", f"{peer_f1:.3f}", f"{ours.macro_f1 / peer_f1:.2f}×")
    for label, (precision, recall, f1, support) in ours.per_class.items():
        table.add_row(f"  {label} P/R/F1 (n={support})", f"{precision:.2f}/{recall:.2f}/{f1:.2f}", "", "")
    return table


def adaptation_table(texts: list[str], labels: list[str], rows: list[dict[str, str]]) -> Table:
    train_x, test_x, train_y, test_y = train_test_split(texts, labels, train_size=0.2, stratify=labels, random_state=0)
    started = time.perf_counter()
    model = train_sentiment(train_x, train_y)
    fit_seconds = time.perf_counter() - started
    adapted = evaluate("sentiment", test_x, test_y, model=model)
    component = component_figure(rows)
    table = Table("adapted (trained on airline labels)", "ours", "reference", "ours / reference", title="adaptation")
    table.add_row(
        f"sentiment acc, fit on 20 % ({len(train_x):,}, {fit_seconds:.0f} s), scored on 80 %",
        f"{adapted.accuracy:.3f}",
        f"BERT {BERT} (100 %)",
        f"{adapted.accuracy / BERT:.2f}×",
    )
    table.add_row("  same, vs TF-IDF + LR in-domain", "", f"{TFIDF}", f"{adapted.accuracy / TFIDF:.2f}×")
    table.add_row(
        "component macro-F1, 20 examples/class, negativereason",
        f"{component:.3f}",
        "bar 0.45",
        f"{component / 0.45:.2f}×",
    )
    return table


def component_figure(rows: list[dict[str, str]]) -> float:
    negatives = [r for r in rows if r["airline_sentiment"] == "negative"]
    by_reason: dict[str, list[int]] = {}
    for index, row in enumerate(negatives):
        by_reason.setdefault(row["negativereason"], []).append(index)
    rng = random.Random(0)
    chosen = {i for members in by_reason.values() for i in rng.sample(members, min(20, len(members)))}
    train = sorted(chosen)
    test = [i for i in range(len(negatives)) if i not in chosen]
    model = train_component([negatives[i]["text"] for i in train], [negatives[i]["negativereason"] for i in train])
    texts, labels = [negatives[i]["text"] for i in test], [negatives[i]["negativereason"] for i in test]
    return evaluate("component", texts, labels, model=model).macro_f1


def throughput_table(classifier: Classifier, texts: list[str]) -> Table:
    sample = (texts * 2)[:10_000]
    classifier.classify(sample[:100])
    started = time.perf_counter()
    for start in range(0, len(sample), 1000):
        classifier.classify(sample[start : start + 1000])
    ours = len(sample) / (time.perf_counter() - started)
    started = time.perf_counter()
    vader_labels(sample)
    peer = len(sample) / (time.perf_counter() - started)
    table = Table("throughput, 1 process, batches of 1,000", "texts/s", title="speed")
    table.add_row("ours: sentiment + complaint + intents + component", f"{ours:,.0f}")
    table.add_row("VADER alone", f"{peer:,.0f}")
    table.add_row("ours / VADER", f"{ours / peer:.2f}×")
    return table


def _macro_f1(truth: list[str], predicted: list[str]) -> float:
    scores = []
    for label in ("negative", "neutral", "positive"):
        hits = sum(t == p == label for t, p in zip(truth, predicted, strict=True))
        said, support = predicted.count(label), truth.count(label)
        precision, recall = (hits / said if said else 0.0), (hits / support if support else 0.0)
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


if __name__ == "__main__":
    main()
