"""Mentions per second end to end (redact, classify, store), beside VADER alone on the same texts.

Replays the airline tweets of ../shared/data (14,640 real tweets) through trustops' own import path
(``ingest_batches``, what ``trustops listen import`` runs) — redaction, sentiment + complaint + intents
+ component classification, pseudonymised authors, a deduplicating insert — in batches of 500, one
transaction each, classifying a batch while the one before is stored, into a fresh SQLite file or a
fresh PostgreSQL schema. The peer is VADER's ``polarity_scores`` alone on the same texts: scoring only, no
redaction, no storage. The goal is ≥ 1,000 mentions/s. Peak memory is the process's maximum RSS.

    .venv/bin/python bench/listen.py [--runs 3] [--stores sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import time
from datetime import datetime
from pathlib import Path

from _harness import median, store
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from trustops import clock
from trustops.db import Database
from trustops.listen.models import Mention
from trustops.listen.pipeline import batched, ingest_batches
from trustops.listen.schema import MentionIn
from trustops.listen.service import classifier_for

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "airline_tweets.csv"
SECRET = b"bench-secret-0123456789abcdef0123"
BATCH = 500
GOAL = 1_000


def read_tweets() -> list[MentionIn]:
    with DATA.open(encoding="utf-8") as f:
        return [
            MentionIn(
                source="bench",
                external_id=row["tweet_id"],
                channel="x",
                published_at=datetime.strptime(row["tweet_created"], "%Y-%m-%d %H:%M:%S %z"),
                text=row["text"],
                author=row["name"],
                author_reach=int(row["retweet_count"] or 0),
            )
            for row in csv.DictReader(f)
        ]


def pipeline_rate(url: str, mentions: list[MentionIn]) -> float:
    database = Database.from_url(url)
    with database.session() as session:
        classifier = classifier_for(session)
    classifier.classify(["warm-up"])  # model loading is not throughput
    started = time.perf_counter()
    ingest_batches(database, batched(mentions, BATCH), classifier=classifier, secret=SECRET, clock=clock.now)
    elapsed = time.perf_counter() - started
    with database.session() as session:
        # The file repeats some tweet ids (14,485 unique of 14,640 rows): repeats are deduplicated.
        assert session.scalar(select(func.count()).select_from(Mention)) == len({m.external_id for m in mentions})
    database.engine.dispose()
    return len(mentions) / elapsed


def vader_rate(texts: list[str]) -> float:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    started = time.perf_counter()
    for text in texts:
        analyzer.polarity_scores(text)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} is absent (the shared data sets sit beside the repository)")
        return
    mentions = read_tweets()
    texts = [m.text for m in mentions]
    console = Console()
    peer = median([vader_rate(texts) for _ in range(args.runs)])
    table = Table(title=f"Mentions end to end, {len(mentions):,} airline tweets, batches of {BATCH}")
    for column in ("store", "trustops mentions/s (median)", "runs", "VADER alone texts/s", "trustops / VADER", "goal"):
        table.add_column(column)
    failed = False
    for kind in args.stores.split(","):
        rates = []
        for _ in range(args.runs):
            with store(kind) as url:
                rates.append(pipeline_rate(url, mentions))
        rate = median(rates)
        failed |= rate < GOAL
        runs = ", ".join(f"{r:,.0f}" for r in rates)
        table.add_row(
            kind,
            f"{rate:,.0f}",
            runs,
            f"{peer:,.0f}",
            f"{rate / peer:.2f}",
            f"≥ {GOAL:,} {'✔' if rate >= GOAL else '✘'}",
        )
    console.print(table)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(f"peak memory (max RSS of this process): {peak:,.0f} MiB")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
