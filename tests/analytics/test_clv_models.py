"""BG/NBD and Gamma-Gamma: sanity properties, analytic gradients, and recovery of simulated parameters."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime  # type: ignore[import-untyped]

from tests.analytics.simulate import histories
from trustops.analytics import clv
from trustops.analytics.clv import BgNbdFit, Convergence, GammaGammaFit, RfmSummary, fit_bgnbd, lifetime_values
from trustops.errors import InvalidInput

PROPERTY = settings(max_examples=80, deadline=None)
DONE = Convergence(True, 0, "given")
CDNOW = BgNbdFit(0.243, 4.414, 0.793, 2.426, 0.0, 0, 0, DONE)
SPEND = GammaGammaFit(6.25, 3.74, 15.44, 0.0, 0, 0.11, DONE)

params = st.builds(
    BgNbdFit,
    r=st.floats(0.05, 5),
    alpha=st.floats(0.5, 50),
    a=st.floats(0.1, 5).filter(lambda a: abs(a - 1) > 0.05),  # E[X(t)] divides by a - 1
    b=st.floats(0.1, 5),
    log_likelihood=st.just(0.0),
    n_customers=st.just(0),
    n_repeat_buyers=st.just(0),
    convergence=st.just(DONE),
).filter(lambda fit: abs(fit.a + fit.b - 1) > 0.01)  # a + b = 1 is a pole of the formula's 2F1


@st.composite
def customers(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    T = draw(st.floats(0.5, 100))
    t_x = draw(st.floats(0, 1)) * T
    x = draw(st.integers(0, 40))
    return np.array([float(x)]), np.array([t_x if x else 0.0]), np.array([T])


def summary_of(x: list[float], t_x: list[float], T: list[float], monetary: list[float]) -> RfmSummary:
    zeros = np.zeros(len(x))
    day = date(2024, 1, 1)
    return RfmSummary(
        tuple(f"c{i}" for i in range(len(x))),
        *(np.array(column, dtype=np.float64) for column in (x, t_x, T, monetary)),
        zeros,
        zeros,
        day,
        day,
        day,
        0,
    )


@PROPERTY
@given(params, st.floats(0.1, 200), st.floats(0.1, 200))
def test_expected_purchases_of_a_new_customer_grow_with_time(fit: BgNbdFit, t: float, more: float) -> None:
    earlier, later = fit.expected_purchases(np.array([t, t + more]))

    assert 0 < earlier < later


@PROPERTY
@given(params, customers())
def test_p_alive_is_a_probability_and_one_for_a_customer_who_never_came_back(
    fit: BgNbdFit, customer: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    x, t_x, T = customer

    alive = fit.p_alive(x, t_x, T)[0]

    assert 0 <= alive <= 1
    if x[0] == 0:
        assert alive == 1  # BG/NBD: dropout happens only right after a repeat purchase
    elif t_x[0] == T[0]:
        assert alive > 0


@PROPERTY
@given(params, customers(), st.floats(0.5, 100))
def test_conditional_expected_purchases_grow_with_time_and_start_at_zero(
    fit: BgNbdFit, customer: tuple[np.ndarray, np.ndarray, np.ndarray], t: float
) -> None:
    x, t_x, T = customer

    at_zero, soon, later = fit.conditional_expected_purchases(np.array([[0.0], [t], [2 * t]]), x, t_x, T)[:, 0]

    assert at_zero == 0
    assert 0 <= soon <= later


def test_a_customer_who_bought_often_and_then_stopped_is_less_likely_alive_than_one_still_buying() -> None:
    x, T = np.array([10.0, 10.0]), np.array([39.0, 39.0])

    stopped, buying = CDNOW.p_alive(x, np.array([5.0, 38.0]), T)

    assert stopped < 0.05 < 0.9 < buying


def test_the_conditional_expectation_for_a_fresh_customer_is_the_unconditional_one() -> None:
    tiny = np.array([1e-9])

    conditional = CDNOW.conditional_expected_purchases(39.0, np.array([0.0]), np.array([0.0]), tiny)

    assert conditional[0] == pytest.approx(CDNOW.expected_purchases(39.0), rel=1e-6)


def test_the_bgnbd_gradient_matches_finite_differences() -> None:
    x, t_x, T = np.array([0.0, 1, 4, 12]), np.array([0.0, 3, 20, 30]), np.array([30.0, 35, 38, 31])
    weight = np.array([3, 1, 2, 1])
    point = np.array([0.3, 4.0, 0.8, 2.4])

    def value(p: np.ndarray) -> float:
        return clv._bgnbd_log_likelihood(p, x, t_x, T, weight)[0]

    gradient = clv._bgnbd_log_likelihood(point, x, t_x, T, weight)[1]
    assert gradient == pytest.approx(approx_fprime(point, value, 1e-7), rel=1e-4, abs=1e-5)


def test_the_gamma_gamma_gradient_matches_finite_differences() -> None:
    x, m = np.array([1.0, 2, 7]), np.array([20.0, 35.5, 12.25])
    point = np.array([6.0, 3.5, 15.0])

    def value(p: np.ndarray) -> float:
        return clv._gamma_gamma_log_likelihood(p, x, m)[0]

    gradient = clv._gamma_gamma_log_likelihood(point, x, m)[1]
    assert gradient == pytest.approx(approx_fprime(point, value, 1e-7), rel=1e-4, abs=1e-5)


def test_bgnbd_recovers_the_parameters_it_simulated() -> None:
    drawn = histories(20_000, r=0.5, alpha=4.0, a=0.8, b=2.5, weeks=52, seed=11)
    x = np.array([len(times) - 1 for times in drawn], dtype=np.float64)
    t_x = np.array([times[-1] for times in drawn])

    fit = fit_bgnbd(x, t_x, np.full(len(x), 52.0))

    assert fit.convergence.converged
    assert [fit.r, fit.alpha, fit.a, fit.b] == pytest.approx([0.5, 4.0, 0.8, 2.5], rel=0.15)


def test_lifetime_value_grows_with_the_horizon_and_shrinks_with_the_discount_rate() -> None:
    summary = summary_of([0, 2, 8], [0, 10, 37], [38, 39, 39], [0, 25.0, 40.0])

    short = lifetime_values(summary, CDNOW, SPEND, horizon_weeks=26, discount_rate=0.1)
    long = lifetime_values(summary, CDNOW, SPEND, horizon_weeks=104, discount_rate=0.1)
    undiscounted = lifetime_values(summary, CDNOW, SPEND, horizon_weeks=104, discount_rate=0.0)

    assert np.all(0 < short) and np.all(short < long) and np.all(long < undiscounted)
    purchases = CDNOW.conditional_expected_purchases(104.0, summary.x, summary.t_x, summary.T)
    spend = SPEND.conditional_expected_spend(summary.x, summary.monetary)
    assert undiscounted == pytest.approx(purchases * spend)


def test_expected_spend_shrinks_a_customers_mean_towards_the_population_mean() -> None:
    spend = SPEND.conditional_expected_spend(np.array([0.0, 1, 50]), np.array([0.0, 100, 100]))

    assert spend[0] == pytest.approx(SPEND.mean_spend)
    assert SPEND.mean_spend < spend[1] < spend[2] < 100


def test_nonsense_horizons_and_discount_rates_are_refused_by_name() -> None:
    summary = summary_of([1], [1], [2], [10])
    with pytest.raises(InvalidInput, match="horizon_weeks: 0"):
        lifetime_values(summary, CDNOW, SPEND, horizon_weeks=0)
    with pytest.raises(InvalidInput, match="discount_rate: 1.5"):
        lifetime_values(summary, CDNOW, SPEND, discount_rate=1.5)
