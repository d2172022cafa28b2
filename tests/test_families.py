"""Restricted Q families: shapes, bounds, readable parameters and exact vector-Jacobian products."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klviz.core.distributions import gaussian_on_grid, grid
from klviz.core.families import FAMILIES, Family, LocationScale, grid_moments, make_family

X = grid(-6.0, 6.0, 61)

FAMILY_CASES = [
    ("gaussian", {}),
    ("gaussian", {"fixed_sigma": 1.3}),
    ("student-t", {}),
    ("student-t", {"fixed_sigma": 0.8}),
    ("mixture", {"k": 1}),
    ("mixture", {"k": 3}),
    ("mixture", {"k": 4, "fixed_sigma": 0.9}),
    ("categorical", {}),
]


def _family(name: str, kw: dict) -> Family:
    return make_family(name, X, **kw)


@pytest.mark.parametrize(("name", "kw"), FAMILY_CASES)
def test_vjp_matches_finite_differences_of_the_logits(name: str, kw: dict) -> None:
    fam = _family(name, kw)
    rng = np.random.default_rng(7)
    for _ in range(3):
        theta = fam.random_init(rng)
        g = rng.standard_normal(X.size)
        analytic = fam.grad(theta, g)
        h = 1e-6
        numeric = np.array([
            (g @ fam.logits(theta + h * e) - g @ fam.logits(theta - h * e)) / (2 * h)
            for e in np.eye(fam.size)
        ])
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("name", "kw"), FAMILY_CASES)
def test_q_is_a_distribution_and_projection_is_idempotent(name: str, kw: dict) -> None:
    fam = _family(name, kw)
    theta = fam.random_init(np.random.default_rng(1))
    q = fam.q(theta)
    assert q.shape == X.shape and np.all(q >= 0) and np.isclose(q.sum(), 1.0)
    np.testing.assert_array_equal(fam.project(theta), theta)


@settings(max_examples=60, deadline=None)
@given(
    case=st.sampled_from(FAMILY_CASES),
    raw=st.lists(st.floats(-1e6, 1e6), min_size=70, max_size=70),
)
def test_projection_keeps_every_theta_finite_and_q_valid(case, raw) -> None:
    fam = _family(*case)
    theta = fam.project(np.array(raw[: fam.size]))
    q = fam.q(theta)
    assert np.all(np.isfinite(theta)) and np.all(np.isfinite(q)) and np.isclose(q.sum(), 1.0)
    assert np.all(np.isfinite(fam.grad(theta, np.ones(X.size) / X.size)))


def test_gaussian_params_round_trip_and_match_gaussian_on_grid() -> None:
    fam = make_family("gaussian", X)
    theta = fam.theta_from(mu=1.25, sigma=0.7)
    assert fam.params(theta) == pytest.approx({"mu": 1.25, "sigma": 0.7})
    np.testing.assert_allclose(fam.q(theta), gaussian_on_grid(X, 1.25, 0.7), rtol=1e-12)


def test_student_t_has_heavier_tails_than_gaussian() -> None:
    gauss, student = make_family("gaussian", X), make_family("student-t", X)
    qg = gauss.q(gauss.theta_from(0.0, 1.0))
    qt = student.q(student.theta_from(0.0, 1.0))
    assert qt[0] > 1e3 * qg[0]
    assert student.params(student.theta_from(0.0, 1.0))["nu"] == 3.0


def test_mixture_is_the_weighted_sum_of_its_components() -> None:
    fam = make_family("mixture", X, k=2)
    theta = fam.theta_from(mu=[-2.0, 1.5], sigma=[0.5, 1.0], weight=[0.3, 0.7])
    expected = 0.3 * gaussian_on_grid(X, -2.0, 0.5) + 0.7 * gaussian_on_grid(X, 1.5, 1.0)
    np.testing.assert_allclose(fam.q(theta), expected, rtol=1e-10)
    params = fam.params(theta)
    assert params["mu"] == pytest.approx([-2.0, 1.5])
    assert params["sigma"] == pytest.approx([0.5, 1.0])
    assert params["weight"] == pytest.approx([0.3, 0.7])


def test_fixed_sigma_is_not_a_parameter() -> None:
    fam = make_family("gaussian", X, fixed_sigma=0.9)
    assert fam.size == 1
    theta = fam.theta_from(mu=2.0)
    assert fam.params(theta) == pytest.approx({"mu": 2.0, "sigma": 0.9})


def test_sigma_is_clamped_to_the_grid_scale() -> None:
    fam = make_family("gaussian", X)
    assert isinstance(fam, LocationScale)
    spacing, span = X[1] - X[0], X[-1] - X[0]
    tiny = fam.project(np.array([0.0, -1e3]))
    huge = fam.project(np.array([0.0, 1e3]))
    assert fam.params(tiny)["sigma"] == pytest.approx(0.25 * spacing)
    assert fam.params(huge)["sigma"] == pytest.approx(2.0 * span)


def test_categorical_logits_are_the_parameters_and_params_are_empty() -> None:
    fam = make_family("categorical", X)
    theta = fam.random_init(np.random.default_rng(3))
    np.testing.assert_array_equal(fam.logits(theta), theta)
    assert fam.size == X.size and fam.params(theta) == {}


def test_grid_moments() -> None:
    mean, std = grid_moments(np.array([0.0, 1.0, 2.0]), np.array([0.25, 0.5, 0.25]))
    assert mean == pytest.approx(1.0) and std == pytest.approx(np.sqrt(0.5))


@pytest.mark.parametrize(
    ("args", "kw", "message"),
    [
        (("beta", X), {}, "unknown family"),
        (("mixture", X), {"k": 0}, "1 to 4 components"),
        (("mixture", X), {"k": 5}, "1 to 4 components"),
        (("gaussian", X), {"k": 2}, "only applies to 'mixture'"),
        (("categorical", X), {"fixed_sigma": 1.0}, "does not apply"),
        (("gaussian", X), {"fixed_sigma": -1.0}, "positive"),
        (("gaussian", X), {"fixed_sigma": 1e-6}, "between"),
        (("student-t", X), {"nu": 0.0}, "degrees of freedom"),
        (("gaussian", [1.0, 0.0]), {}, "increasing"),
    ],
)
def test_bad_family_arguments_raise_value_error(args, kw, message) -> None:
    with pytest.raises(ValueError, match=message):
        make_family(*args, **kw)


@pytest.mark.parametrize(
    ("family_kw", "kw", "message"),
    [
        ({}, {"mu": 0.0, "sigma": -1.0}, "positive"),
        ({}, {"mu": 0.0, "sigma": float("nan")}, "positive"),
        ({}, {"mu": 100.0}, "mu must be between"),
        ({"k": 3}, {"mu": [0.0, 1.0]}, "mu needs 3 value"),
        ({"k": 2}, {"mu": [0.0, 1.0], "weight": [1.0, 0.0]}, "weights must be positive"),
    ],
)
def test_bad_initial_parameters_raise_value_error(family_kw, kw, message) -> None:
    fam = make_family("mixture" if family_kw else "gaussian", X, **family_kw)
    assert isinstance(fam, LocationScale)
    with pytest.raises(ValueError, match=message):
        fam.theta_from(**kw)


def test_every_listed_family_can_be_built() -> None:
    assert {make_family(name, X).name for name in FAMILIES} == set(FAMILIES)
