"""Objectives, their gradients and Adam: what forward and reverse KL fits do on a grid."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klviz.core.distributions import gaussian_on_grid, get_preset, grid, normalize
from klviz.core.divergence import NATS, alpha_divergence, js_divergence, kl_divergence
from klviz.core.families import grid_moments, make_family
from klviz.core.optimize import Fit, Target, fit, make_fit, make_objective

BIMODAL = get_preset("bimodal")
X61 = grid(-6.0, 6.0, 61)
P61 = normalize(0.5 * gaussian_on_grid(X61, -3.0, 0.5) + 0.5 * gaussian_on_grid(X61, 3.0, 0.5))
SKEW_X = grid(0.0, 10.0, 101)
SKEW_P = normalize(SKEW_X**2 * np.exp(-SKEW_X))

OBJECTIVE_CASES = [
    ("forward", None), ("reverse", None), ("js", None),
    ("alpha", 0.0), ("alpha", 1e-3), ("alpha", 0.2), ("alpha", 0.5), ("alpha", 0.9),
    ("alpha", 0.999), ("alpha", 1.0),
]
FAMILY_CASES = [
    ("gaussian", {}), ("gaussian", {"fixed_sigma": 1.0}), ("student-t", {}),
    ("mixture", {"k": 3}), ("categorical", {}),
]


@pytest.mark.parametrize(("family", "kw"), FAMILY_CASES)
@pytest.mark.parametrize(("objective", "alpha"), OBJECTIVE_CASES)
@pytest.mark.parametrize("p", [P61, get_preset("gap").p], ids=["bimodal", "gap"])
def test_gradient_matches_finite_differences(family, kw, objective, alpha, p) -> None:
    x = X61 if p.size == X61.size else get_preset("gap").x
    fam = make_family(family, x, **kw)
    f = Fit(fam, make_objective(objective, alpha), p, fam.random_init(np.random.default_rng(5)))
    theta = f.state.theta
    _, analytic = f.value_and_grad(theta)
    h = 1e-6
    numeric = np.array([
        (f.value_and_grad(theta + h * e)[0] - f.value_and_grad(theta - h * e)[0]) / (2 * h)
        for e in np.eye(fam.size)
    ])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(("objective", "alpha"), OBJECTIVE_CASES)
def test_objective_values_agree_with_the_divergence_module(objective, alpha) -> None:
    fam = make_family("gaussian", X61)
    f = make_fit(P61, X61, family=fam, objective=objective, alpha=alpha, init={"mu": 1.0})
    q = f.q
    value, _ = f.value_and_grad(f.state.theta)
    p = f.target.p_fit
    expected = {
        "forward": lambda: kl_divergence(p, q, NATS),
        "reverse": lambda: kl_divergence(q, p, NATS),
        "js": lambda: js_divergence(p, q, NATS),
        "alpha": lambda: alpha_divergence(p, q, alpha, NATS),
    }[objective]()
    assert value == pytest.approx(expected, rel=1e-9)


def test_alpha_endpoints_are_forward_and_reverse_kl() -> None:
    init = {"mu": 1.0, "sigma": 1.0}
    for alpha, direction in ((1.0, "forward"), (0.0, "reverse")):
        a = make_fit(P61, X61, objective="alpha", alpha=alpha, init=init).run(300)
        b = make_fit(P61, X61, objective=direction, init=init).run(300)
        np.testing.assert_array_equal(a.history, b.history)
        assert a.epsilon_applied == b.epsilon_applied


@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_alpha_objective_is_continuous_at_its_ends(direction) -> None:
    """α → 1 tends to KL(P‖Q) and α → 0 to KL(Q‖P), values and gradients (P61 has no zeros)."""
    fam = make_family("mixture", X61, k=2)
    theta = fam.random_init(np.random.default_rng(2))
    exact = Fit(fam, make_objective(direction), P61, theta, epsilon=1e-300)
    assert not exact.target.epsilon_applied
    value, grad = exact.value_and_grad(theta)
    for gap in (1e-5, 1e-9, 1e-13):
        alpha = 1.0 - gap if direction == "forward" else gap
        near = Fit(fam, make_objective("alpha", alpha), P61, theta).value_and_grad(theta)
        assert near[0] == pytest.approx(value, rel=1e-3)
        np.testing.assert_allclose(near[1], grad, rtol=1e-3, atol=1e-6)


@settings(max_examples=80, deadline=None)
@given(
    case=st.sampled_from(FAMILY_CASES),
    objective=st.sampled_from(OBJECTIVE_CASES),
    raw=st.lists(st.floats(-1e4, 1e4), min_size=41, max_size=41),
)
def test_any_theta_gives_finite_value_and_gradient(case, objective, raw) -> None:
    gap = get_preset("gap")
    fam = make_family(case[0], gap.x, **case[1])
    f = Fit(fam, make_objective(*objective), gap.p, np.array(raw[: fam.size]))
    value, grad = f.value_and_grad(f.state.theta)
    assert math.isfinite(value) and np.all(np.isfinite(grad))


def test_forward_kl_on_bimodal_matches_moments_and_stretches_sigma() -> None:
    res = fit(BIMODAL.p, BIMODAL.x)
    assert res.converged and res.objective.name == "forward"
    assert res.grid_mean == pytest.approx(0.0, abs=1e-6)
    assert res.grid_std == pytest.approx(math.sqrt(0.25 + 9.0), abs=2e-3)
    # The σ parameter exceeds the grid std because the grid truncates the Gaussian.
    assert res.params["sigma"] == pytest.approx(4.29, abs=0.01)
    assert not res.epsilon_applied


@pytest.mark.parametrize(
    ("x", "p"),
    [(BIMODAL.x, BIMODAL.p), (SKEW_X, SKEW_P), (get_preset("gap").x, get_preset("gap").p)],
    ids=["bimodal", "skewed", "gap"],
)
def test_forward_kl_gaussian_is_moment_matching(x, p) -> None:
    res = fit(p, x, max_steps=5000, seed=3)
    mean, std = grid_moments(x, p)
    assert res.converged
    assert res.grid_mean == pytest.approx(mean, abs=1e-4 * std)
    assert res.grid_std == pytest.approx(std, rel=1e-3)


@pytest.mark.parametrize(("mu0", "mode"), [(2.0, 3.0), (-2.0, -3.0), (0.5, 3.0)])
def test_reverse_kl_settles_on_the_nearest_mode(mu0, mode) -> None:
    res = fit(BIMODAL.p, BIMODAL.x, objective="reverse", init={"mu": mu0, "sigma": 0.5})
    assert res.converged and res.epsilon_applied
    assert res.params["mu"] == pytest.approx(mode, abs=1e-3)
    assert res.params["sigma"] == pytest.approx(0.5, abs=1e-3)
    assert res.value == pytest.approx(math.log(2), abs=1e-3)  # Q is one of two equal halves
    assert math.isfinite(res.kl_qp)  # bimodal P has no exact zeros


def test_reverse_kl_with_large_steps_can_stop_in_the_wide_local_minimum() -> None:
    """From μ=1, σ=1 with lr 0.5 Adam overshoots into the symmetric wide minimum near μ = 0."""
    runs = [
        fit(BIMODAL.p, BIMODAL.x, objective="reverse", init={"mu": 1.0, "sigma": 1.0}, lr=0.5)
        for _ in range(2)
    ]
    res = runs[0]
    assert res.converged
    assert res.params["mu"] == pytest.approx(0.0, abs=0.01)
    assert res.params["sigma"] > 4.0
    assert res.value > 3.0 > math.log(2)  # worse than either mode: a local minimum
    np.testing.assert_array_equal(runs[0].history, runs[1].history)
    gentle = fit(BIMODAL.p, BIMODAL.x, objective="reverse", init={"mu": 1.0, "sigma": 1.0})
    assert gentle.params["mu"] == pytest.approx(3.0, abs=1e-3)


def test_restarts_escape_the_local_minimum() -> None:
    kw = {"objective": "reverse", "init": {"mu": 1.0, "sigma": 1.0}, "lr": 0.5}
    single = fit(BIMODAL.p, BIMODAL.x, **kw)
    best = fit(BIMODAL.p, BIMODAL.x, restarts=6, **kw)
    assert single.value > 3.0
    assert best.value == pytest.approx(math.log(2), abs=1e-3)
    assert abs(best.params["mu"]) == pytest.approx(3.0, abs=1e-3)


@pytest.mark.parametrize(("objective", "alpha"), [("forward", None), ("reverse", None),
                                                  ("js", None), ("alpha", 0.5)])
def test_free_categorical_reaches_p(objective, alpha) -> None:
    tokens = get_preset("tokens")
    res = fit(tokens.p, tokens.x, family="categorical", objective=objective, alpha=alpha,
              max_steps=5000)
    assert res.converged
    np.testing.assert_allclose(res.q, tokens.p, atol=1e-5)
    assert res.kl_pq == pytest.approx(0.0, abs=1e-8) and res.kl_qp == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize("objective", ["forward", "reverse"])
def test_free_categorical_reaches_p_with_vanishing_tails(objective) -> None:
    res = fit(BIMODAL.p, BIMODAL.x, family="categorical", objective=objective, max_steps=3000)
    np.testing.assert_allclose(res.q, BIMODAL.p, atol=5e-5)


def test_same_seed_same_fit_and_different_seed_different_start() -> None:
    a = fit(BIMODAL.p, BIMODAL.x, family="mixture", k=3, objective="reverse", seed=11,
            max_steps=300)
    b = fit(BIMODAL.p, BIMODAL.x, family="mixture", k=3, objective="reverse", seed=11,
            max_steps=300)
    c = fit(BIMODAL.p, BIMODAL.x, family="mixture", k=3, objective="reverse", seed=12,
            max_steps=300)
    np.testing.assert_array_equal(a.theta, b.theta)
    np.testing.assert_array_equal(a.history, b.history)
    assert a.history[0] != c.history[0]


@pytest.mark.parametrize("preset", ["gap", "disjoint"])
@pytest.mark.parametrize(("family", "kw"), FAMILY_CASES)
@pytest.mark.parametrize(("objective", "alpha"), [("forward", None), ("reverse", None),
                                                  ("js", None), ("alpha", 0.05)])
def test_zeros_in_p_never_make_nan_or_inf(preset, family, kw, objective, alpha) -> None:
    pr = get_preset(preset)
    f = make_fit(pr.p, pr.x, family=family, objective=objective, alpha=alpha, lr=0.3, **kw)
    for _ in range(20):
        f.step(25)
        assert np.all(np.isfinite(f.state.theta)) and np.all(np.isfinite(f.q))
    assert np.all(np.isfinite(f.state.history))
    res = f.result()
    assert res.kl_qp == math.inf  # honest: Q > 0 where P = 0
    assert math.isfinite(res.value)
    assert res.epsilon_applied == (objective == "reverse")


def test_convergence_flag() -> None:
    short = fit(BIMODAL.p, BIMODAL.x, max_steps=5)
    assert not short.converged and short.steps == 5 and short.history.size == 5
    f = make_fit(BIMODAL.p, BIMODAL.x)
    res = f.run(5000)
    assert res.converged and res.steps < 5000
    assert f.step(10).converged  # stepping on at the optimum keeps it settled
    f.set_target(gaussian_on_grid(BIMODAL.x, 1.0, 1.0))
    assert not f.state.converged


def test_set_target_mid_run_follows_the_new_p() -> None:
    f = make_fit(BIMODAL.p, BIMODAL.x)
    f.step(100)
    new_p = gaussian_on_grid(BIMODAL.x, 1.5, 0.8)
    f.set_target(new_p)
    res = f.run(3000)
    assert res.steps > 100 and res.history.size == res.steps
    assert res.params == pytest.approx({"mu": 1.5, "sigma": 0.8}, abs=1e-3)


def test_reset_starts_over_and_replays_the_same_trajectory() -> None:
    f = make_fit(BIMODAL.p, BIMODAL.x, objective="reverse", seed=4)
    start = f.state.theta.copy()
    first = list(f.step(40).history)
    f.reset(start)
    assert f.state.steps == 0 and f.state.history == []
    assert f.step(40).history == first
    with pytest.raises(ValueError, match="finite numbers"):
        f.reset([0.0, float("nan")])
    with pytest.raises(ValueError, match="bins but the grid"):
        f.set_target([0.5, 0.5])


def test_reported_kls_use_the_honest_p() -> None:
    gap = get_preset("gap")
    res = fit(gap.p, gap.x, objective="reverse", init={"mu": 2.0, "sigma": 0.5})
    assert res.epsilon_applied and res.epsilon == 1e-6
    assert res.kl_qp == math.inf and math.isfinite(res.value)
    assert res.kl_pq == pytest.approx(kl_divergence(gap.p, res.q, NATS))


def test_floor_only_when_needed() -> None:
    tokens = get_preset("tokens")
    assert not Target.of(tokens.p, floor=True).epsilon_applied
    target = Target.of(get_preset("gap").p, floor=True, epsilon=1e-3)
    assert target.epsilon_applied and target.p_fit.min() > 0
    assert target.p_fit.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"objective": "alpha", "alpha": 1.5}, "alpha must be in"),
        ({"objective": "alpha", "alpha": -0.1}, "alpha must be in"),
        ({"objective": "alpha"}, "needs alpha in"),
        ({"objective": "forward", "alpha": 0.5}, "only applies"),
        ({"objective": "hellinger"}, "unknown objective"),
        ({"epsilon": 0.0}, "epsilon"),
        ({"lr": -1.0}, "learning rate"),
        ({"max_steps": 0}, "steps must be at least 1"),
        ({"restarts": 0}, "restarts"),
        ({"family": "gaussian", "init": {"mu": 0.0, "sigma": -2.0}}, "positive"),
        ({"family": "categorical", "init": {"mu": 0.0}}, "no readable"),
    ],
)
def test_bad_settings_raise_value_error(kw, message) -> None:
    with pytest.raises(ValueError, match=message):
        fit(BIMODAL.p, BIMODAL.x, **kw)


def test_p_must_match_the_grid() -> None:
    with pytest.raises(ValueError, match="bins but the grid"):
        fit(P61, BIMODAL.x)
