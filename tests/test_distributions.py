"""Validation, normalisation, grids, presets and resampling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from klviz.core.distributions import (
    MAX_BINS,
    as_distribution,
    gaussian_on_grid,
    get_preset,
    grid,
    normalize,
    preset_names,
    resample,
    softmax,
    to_distribution,
    validate_labels,
    validate_weights,
    validate_x,
    weights_total,
)
from klviz.core.divergence import js_divergence, kl_divergence, total_variation


def moments(x: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    mean = float(np.sum(x * p))
    return mean, math.sqrt(float(np.sum((x - mean) ** 2 * p)))


# --- validation and normalisation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("w", "message"),
    [
        ([0.2, -0.1], r"w has a negative value \(-0.1\) at bin 1"),
        ([math.nan], r"w has a non-finite value \(nan\) at bin 0"),
        ([1.0, math.inf], r"w has a non-finite value \(inf\) at bin 1"),
        ([-math.inf, 1.0], r"w has a non-finite value \(-inf\) at bin 0"),
        ([], "w is empty"),
        ([0, 0, 0], "w is all zeros"),
        (["1", "two"], "w must be a list of numbers"),
        ("abc", "w must be a list of numbers"),
        (5.0, r"w must be a flat list of numbers, got shape \(\)"),
        ([[1, 2], [3, 4]], r"w must be a flat list of numbers, got shape \(2, 2\)"),
        (np.ones(MAX_BINS + 1), f"w has {MAX_BINS + 1} bins; klviz handles at most {MAX_BINS}"),
    ],
)
def test_validate_weights_rejects_bad_input_readably(w, message: str) -> None:
    for func in (validate_weights, normalize, to_distribution):
        with pytest.raises(ValueError, match=message):
            func(w, "w")


def test_validate_weights_accepts_numeric_strings_and_max_bins() -> None:
    assert validate_weights(["1", "2.5"]).tolist() == [1.0, 2.5]
    assert validate_weights(np.ones(MAX_BINS)).size == MAX_BINS


WEIGHT = st.one_of(st.just(0.0), st.floats(1e-250, 1e6))  # no subnormals: they underflow


@given(st.lists(WEIGHT, min_size=1, max_size=50).filter(any))
def test_normalize_gives_a_distribution_and_keeps_proportions(w: list[float]) -> None:
    p = normalize(w)
    as_distribution(p)
    assert p.sum() == pytest.approx(1.0)
    arr = np.asarray(w)
    np.testing.assert_allclose(p * arr.sum(), arr, rtol=1e-12)
    assert np.array_equal(p == 0, arr == 0)


def test_normalize_does_not_modify_its_input() -> None:
    w = np.array([1.0, 3.0])
    normalize(w)
    assert w.tolist() == [1.0, 3.0]


def test_to_distribution_reports_whether_it_rescaled() -> None:
    p, changed = to_distribution([1, 1])
    assert p.tolist() == [0.5, 0.5] and changed
    p, changed = to_distribution([0.25, 0.75])
    assert p.tolist() == [0.25, 0.75] and not changed
    _, changed = to_distribution([0.25, 0.75 + 1e-9])
    assert not changed


HUGE = st.floats(0.0, float(np.finfo(np.float64).max), allow_subnormal=True)


@given(st.lists(HUGE, min_size=1, max_size=20).filter(any))
def test_weights_near_the_float_limit_normalise_without_overflow(w: list[float]) -> None:
    for p in (normalize(w), to_distribution(w)[0]):
        assert np.isfinite(p).all()
        assert p.sum() == pytest.approx(1.0)
        assert (p[np.asarray(w) == 0] == 0).all()


def test_huge_equal_weights_become_uniform() -> None:
    assert normalize([1e308, 1e308]).tolist() == [0.5, 0.5]
    p, changed = to_distribution([1e308, 1e308])
    assert p.tolist() == [0.5, 0.5] and changed
    assert weights_total([1e308, 1e308]) == math.inf
    assert weights_total([1.0, 3.0]) == 4.0


def test_as_distribution_never_normalises() -> None:
    with pytest.raises(ValueError, match="P sums to 2, not 1; normalise it first"):
        as_distribution([1.0, 1.0])


def test_validate_x_and_labels() -> None:
    assert validate_x([0, 1.5, 2], 3).tolist() == [0.0, 1.5, 2.0]
    with pytest.raises(ValueError, match="strictly increasing"):
        validate_x([0, 2, 2], 3)
    with pytest.raises(ValueError, match="x needs 3 values, got 2"):
        validate_x([0, 1], 3)
    with pytest.raises(ValueError, match="non-finite"):
        validate_x([0, math.nan, 2], 3)
    assert validate_labels(["H", "T"], 2) == ("H", "T")
    with pytest.raises(ValueError, match="distinct"):
        validate_labels(["H", "H"], 2)
    with pytest.raises(ValueError, match="non-empty"):
        validate_labels(["H", ""], 2)


# --- grids and shapes ----------------------------------------------------------------------


def test_softmax_is_stable_for_huge_logits() -> None:
    p = softmax(np.array([1000.0, 1000.0 + math.log(3.0), -1e308]))
    np.testing.assert_allclose(p, [0.25, 0.75, 0.0], atol=1e-15)


def test_grid_bounds() -> None:
    x = grid(-1.0, 1.0, 5)
    assert x.tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    for n in (0, MAX_BINS + 1):
        with pytest.raises(ValueError, match="number of bins"):
            grid(0.0, 1.0, n)


def test_gaussian_on_grid_has_the_requested_moments() -> None:
    x = grid(-20.0, 20.0, 2001)
    mean, std = moments(x, gaussian_on_grid(x, 1.5, 2.0))
    assert mean == pytest.approx(1.5, abs=1e-9)
    assert std == pytest.approx(2.0, rel=1e-4)


# --- presets -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_is_a_valid_pair(name: str) -> None:
    pr = get_preset(name)
    assert pr.name == name and pr.title and pr.description
    n = pr.x.size
    assert pr.p.shape == pr.q.shape == (n,) and n >= 2
    as_distribution(pr.p, "P")
    as_distribution(pr.q, "Q")
    validate_x(pr.x, n)
    if pr.labels is not None:
        validate_labels(pr.labels, n)


def test_preset_menu_order_and_unknown_names() -> None:
    names = preset_names()
    assert names[:2] == ["coin-fair-vs-rigged", "coin-rigged-vs-fair"]
    assert {"bimodal", "gap", "tokens", "die", "disjoint"} <= set(names)
    with pytest.raises(ValueError, match="unknown preset 'nope'; choose one of: coin-fair"):
        get_preset("nope")


def test_get_preset_returns_fresh_arrays() -> None:
    first = get_preset("bimodal")
    first.p[:] = 0.0
    assert get_preset("bimodal").p.sum() == pytest.approx(1.0)


def test_coin_presets() -> None:
    rigged = get_preset("coin-fair-vs-rigged")
    fair = get_preset("coin-rigged-vs-fair")
    for pr in (rigged, fair):
        assert pr.labels == ("H", "T")
    assert rigged.p.tolist() == pytest.approx([0.99, 0.01])
    assert rigged.q.tolist() == pytest.approx([0.5, 0.5])
    assert fair.p.tolist() == pytest.approx([0.5, 0.5])
    assert fair.q.tolist() == pytest.approx([0.99, 0.01])


def test_bimodal_preset() -> None:
    pr = get_preset("bimodal")
    assert pr.x.size == 201 and pr.x[0] == -6.0 and pr.x[-1] == 6.0
    assert pr.labels is None
    left, right = pr.p[pr.x < 0].sum(), pr.p[pr.x > 0].sum()
    assert left == pytest.approx(right) and pr.p[pr.x == 0].item() < 1e-6
    assert moments(pr.x, pr.q)[0] == pytest.approx(0.0, abs=1e-12)


def test_gap_preset_has_a_run_of_exact_zeros_in_p() -> None:
    pr = get_preset("gap")
    zeros = np.flatnonzero(pr.p == 0.0)
    assert zeros.size >= 3
    assert np.array_equal(zeros, np.arange(zeros[0], zeros[-1] + 1)), "one contiguous run"
    assert (pr.q[zeros] > 0).all()
    assert math.isfinite(kl_divergence(pr.p, pr.q))
    assert kl_divergence(pr.q, pr.p) == math.inf


def test_disjoint_preset_maxes_out_js_and_tv() -> None:
    pr = get_preset("disjoint")
    assert not np.any((pr.p > 0) & (pr.q > 0))
    assert js_divergence(pr.p, pr.q) == pytest.approx(1.0)
    assert total_variation(pr.p, pr.q) == pytest.approx(1.0)


# --- resampling ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 50, 1000])
def test_resample_keeps_span_and_gives_a_distribution(n: int) -> None:
    pr = get_preset("bimodal")
    x, p = resample(pr.x, pr.p, n)
    assert x.size == p.size == n and x[0] == pr.x[0] and x[-1] == pr.x[-1]
    as_distribution(p)
    assert (p >= 0).all()


@pytest.mark.parametrize("n", [60, 101, 400, 2000])
def test_resample_keeps_the_shape(n: int) -> None:
    pr = get_preset("bimodal")
    mean0, std0 = moments(pr.x, pr.p)
    x, p = resample(pr.x, pr.p, n)
    mean, std = moments(x, p)
    assert mean == pytest.approx(mean0, abs=0.02)
    assert std == pytest.approx(std0, rel=0.02)
    assert p[np.argmin(np.abs(x - 3.0))] > 20 * p[np.argmin(np.abs(x))], "still two modes"


def test_resample_keeps_zeros_inside_a_gap() -> None:
    pr = get_preset("gap")
    gap = pr.x[pr.p == 0.0]
    x, p = resample(pr.x, pr.p, 97)
    inside = (x > gap[0]) & (x < gap[-1])
    assert inside.sum() >= 5
    assert (p[inside] == 0.0).all()
    assert (p[(x < gap[0] - 0.2) | (x > gap[-1] + 0.2)] > 0).all()


def test_resample_rejects_bad_sizes() -> None:
    pr = get_preset("gap")
    for n in (1, MAX_BINS + 1):
        with pytest.raises(ValueError, match="number of bins"):
            resample(pr.x, pr.p, n)
