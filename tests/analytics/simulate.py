"""Purchase histories drawn from the BG/NBD and Gamma-Gamma models themselves, for recovery tests."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

START = date(2024, 1, 1)


def histories(n: int, *, r: float, alpha: float, a: float, b: float, weeks: float, seed: int = 7) -> list[list[float]]:
    """Purchase times in weeks per customer, the first at 0, each customer observed for ``weeks``."""
    rng = np.random.default_rng(seed)
    rates = rng.gamma(r, 1 / alpha, n)
    dropouts = rng.beta(a, b, n)
    result = []
    for rate, dropout in zip(rates, dropouts, strict=True):
        times, now = [0.0], 0.0
        while True:
            now += rng.exponential(1 / rate)
            if now > weeks:
                break
            times.append(now)
            if rng.random() < dropout:  # BG/NBD: a customer may leave right after each repeat purchase
                break
        result.append(times)
    return result


def purchases_csv(n: int, *, weeks: int = 52, seed: int = 7) -> str:
    """A csv of ``n`` simulated customers who all start on START, with gamma-distributed spend."""
    rng = np.random.default_rng(seed + 1)
    lines = ["user_id,date,amount"]
    for number, times in enumerate(histories(n, r=0.5, alpha=4.0, a=0.8, b=2.5, weeks=weeks, seed=seed)):
        scale = 1 / rng.gamma(3.0, 1 / 15.0)
        for week in times:
            day = START + timedelta(days=int(week * 7))
            lines.append(f"c{number},{day.isoformat()},{rng.gamma(6.0, scale):.2f}")
    return "\n".join(lines) + "\n"
