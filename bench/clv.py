"""BG/NBD fit time on the CDNOW master file (23,570 customers): trustops against the `lifetimes` package.

Reads ../shared/data/cdnow_master.txt, summarises it with a 39-week calibration (as in Fader, Hardie &
Lee 2005) and fits BG/NBD on the same ``(x, t_x, T)`` arrays with

- trustops: :func:`trustops.analytics.clv.fit_bgnbd` (L-BFGS-B, analytic gradient, distinct rows once);
- ``lifetimes`` 0.11.3 ``BetaGeoFitter`` (archived; autograd gradients), run by the Python of a throwaway
  venv, since it is no dependency of trustops: ``python3.11 -m venv /tmp/lifetimes-venv &&
  /tmp/lifetimes-venv/bin/pip install lifetimes``, or name another with ``--lifetimes-python``;
- a plain numpy/scipy fit (the textbook log-likelihood over every customer, Nelder-Mead on
  log-parameters), always, as the baseline that needs no other package.

Each fit is timed ``--repeat`` times and the best is kept (imports not counted); the table shows the
parameters each reached, so the speed compares fits that agree. The whole command (read, summarise, fit
both models, value every customer) is timed once as well.

    .venv/bin/python bench/clv.py [--repeat 5] [--lifetimes-python /tmp/lifetimes-venv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from scipy.optimize import minimize
from scipy.special import betaln, gammaln

from trustops.analytics import clv
from trustops.analytics.clv import RfmSummary, Transaction, analyse, fit_bgnbd, read_transactions, summarise

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MASTER = DATA / "cdnow_master.txt"
LIFETIMES_PYTHON = Path("/tmp/lifetimes-venv/bin/python")
Fit = tuple[float, float, float, float, float]  # r, alpha, a, b, log-likelihood

LIFETIMES_SCRIPT = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
from lifetimes import BetaGeoFitter
arrays, repeat = np.load(sys.argv[1]), int(sys.argv[2])
best = float("inf")
for _ in range(repeat):
    started = time.perf_counter()
    fitter = BetaGeoFitter().fit(arrays["x"], arrays["t_x"], arrays["T"])
    best = min(best, time.perf_counter() - started)
import lifetimes
p = fitter.params_
print(json.dumps({"seconds": best, "params": [p["r"], p["alpha"], p["a"], p["b"]], "version": lifetimes.__version__}))
"""


def read_summary(weeks: int) -> RfmSummary:
    with MASTER.open() as lines:
        purchases = (item for _, item in read_transactions(lines, "cdnow") if isinstance(item, Transaction))
        return summarise(purchases, calibration_weeks=weeks)


def best_of(repeat: int, fit: Callable[[], Fit]) -> tuple[float, Fit]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - started)
    assert result is not None
    return min(times), result


def trustops_fit(summary: RfmSummary) -> Fit:
    fit = fit_bgnbd(summary.x, summary.t_x, summary.T)
    return fit.r, fit.alpha, fit.a, fit.b, fit.log_likelihood


def plain_fit(summary: RfmSummary) -> Fit:
    """The log-likelihood as the paper writes it (eq. 6), per customer, numerically differentiated."""
    x, t_x, T = summary.x, summary.t_x, summary.T

    def log_likelihood(params: np.ndarray) -> float:
        r, alpha, a, b = params
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        a2 = betaln(a, b + x) - betaln(a, b)
        a3 = -(r + x) * np.log(alpha + T)
        a4 = np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x)
        return float(np.sum(a1 + a2 + np.log(np.exp(a3) + (x > 0) * np.exp(a4))))

    result = minimize(
        lambda theta: -log_likelihood(np.exp(theta)),
        np.zeros(4),
        method="Nelder-Mead",
        options={"maxiter": 10_000, "xatol": 1e-8, "fatol": 1e-8},
    )
    r, alpha, a, b = np.exp(result.x)
    return r, alpha, a, b, -float(result.fun)


def lifetimes_fit(python: Path, summary: RfmSummary, repeat: int) -> tuple[float, Fit, str] | None:
    if not python.exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        arrays = Path(tmp) / "rfm.npz"
        np.savez(arrays, x=summary.x, t_x=summary.t_x, T=summary.T)
        done = subprocess.run(
            [str(python), "-c", LIFETIMES_SCRIPT, str(arrays), str(repeat)], capture_output=True, text=True, check=True
        )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return out["seconds"], (*out["params"], log_likelihood(summary, out["params"])), out["version"]


def log_likelihood(summary: RfmSummary, params: list[float]) -> float:
    """One formula for every row's log-likelihood: trustops' own, at the parameters a fit reached."""
    weight = np.ones(summary.n_customers, dtype=np.int64)
    return clv._bgnbd_log_likelihood(np.array(params), summary.x, summary.t_x, summary.T, weight)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--weeks", type=int, default=39, help="calibration weeks")
    parser.add_argument("--lifetimes-python", type=Path, default=LIFETIMES_PYTHON)
    args = parser.parse_args()
    if not MASTER.exists():
        print(f"{MASTER} is absent; nothing to measure", file=sys.stderr)
        return 1

    started = time.perf_counter()
    summary = read_summary(args.weeks)
    read_seconds = time.perf_counter() - started
    analyse(summary)
    command_seconds = time.perf_counter() - started

    ours_seconds, ours = best_of(args.repeat, lambda: trustops_fit(summary))
    rows: list[tuple[str, float, Fit]] = [("trustops fit_bgnbd", ours_seconds, ours)]
    peer = lifetimes_fit(args.lifetimes_python, summary, args.repeat)
    if peer is not None:
        rows.append((f"lifetimes {peer[2]} BetaGeoFitter", peer[0], peer[1]))
    plain_seconds, plain = best_of(max(1, args.repeat // 2), lambda: plain_fit(summary))
    rows.append(("plain numpy, Nelder-Mead", plain_seconds, plain))

    title = f"BG/NBD fit on cdnow_master.txt: {summary.n_customers:,} customers, {args.weeks}-week calibration"
    table = Table("fit", "best s", "vs trustops", "r", "alpha", "a", "b", "log-likelihood", title=title)
    for name, seconds, (r, alpha, a, b, ll) in rows:
        ratio = f"{seconds / ours_seconds:.1f}×"
        table.add_row(name, f"{seconds:.3f}", ratio, f"{r:.4f}", f"{alpha:.4f}", f"{a:.4f}", f"{b:.4f}", f"{ll:,.2f}")
    console = Console()
    console.print(table)
    if peer is None:
        console.print(f"lifetimes: not measured ({args.lifetimes_python} is absent)")
    console.print(
        f"Read and summarise {read_seconds:.2f} s; the whole `trustops analytics clv` work (read, summarise, "
        f"both fits, 52-week CLV of every customer) {command_seconds:.2f} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
