"""The math core against scipy as oracle, plus the properties and limits KL must obey."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon
from scipy.special import rel_entr, xlogy
from scipy.stats import entropy as scipy_entropy

from klviz.core.distributions import MAX_BINS, get_preset, normalize
from klviz.core.divergence import (
    BITS,
    NATS,
    alpha_divergence,
    cross_entropy,
    entropy,
    infinite_bins,
    js_divergence,
    kl_divergence,
    pointwise_kl,
    renyi_divergence,
    summary,
    surprise,
    total_variation,
    unit_name,
)

BASES = pytest.mark.parametrize("base", [BITS, NATS], ids=["bits", "nats"])


@st.composite
def distribution_pairs(draw, min_bins: int = 1, max_bins: int = 24, zeros: bool = True):
    """Two distributions on the same bins; with ``zeros`` many bins are exactly 0."""
    n = draw(st.integers(min_bins, max_bins))
    weight = st.floats(1e-9, 1.0)
    if zeros:
        weight = st.one_of(st.just(0.0), weight)
    weights = st.lists(weight, min_size=n, max_size=n).filter(any)
    return normalize(draw(weights)), normalize(draw(weights))


def random_pair(seed: int, n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """A reproducible pair where about a third of each distribution's bins are exact zeros."""
    rng = np.random.default_rng(seed)
    p, q = rng.random(n), rng.random(n)
    p[rng.random(n) < 0.3] = 0.0
    q[rng.random(n) < 0.3] = 0.0
    return normalize(p), normalize(q)


SEEDS = pytest.mark.parametrize("seed", range(6))


# --- scipy as oracle ---------------------------------------------------------------------


@SEEDS
@BASES
def test_pointwise_and_kl_match_rel_entr(seed: int, base: float) -> None:
    p, q = random_pair(seed)
    expected = rel_entr(p, q) / math.log(base)
    np.testing.assert_allclose(pointwise_kl(p, q, base), expected, rtol=1e-12, atol=1e-15)
    assert kl_divergence(p, q, base) == pytest.approx(float(np.sum(expected)), rel=1e-12)
    assert kl_divergence(q, p, base) == pytest.approx(
        float(np.sum(rel_entr(q, p))) / math.log(base), rel=1e-12
    )


@SEEDS
@BASES
def test_entropies_match_scipy(seed: int, base: float) -> None:
    p, q = random_pair(seed)
    assert entropy(p, base) == pytest.approx(scipy_entropy(p, base=base), rel=1e-12)
    expected_ce = -float(np.sum(xlogy(p, q))) / math.log(base)
    assert cross_entropy(p, q, base) == pytest.approx(expected_ce, rel=1e-12)
    with np.errstate(divide="ignore"):
        expected_surprise = -np.log(q) / math.log(base)
    np.testing.assert_allclose(surprise(q, base), expected_surprise, rtol=1e-12)


@SEEDS
@BASES
def test_js_is_scipy_jensenshannon_squared(seed: int, base: float) -> None:
    p, q = random_pair(seed)
    assert js_divergence(p, q, base) == pytest.approx(
        jensenshannon(p, q, base=base) ** 2, rel=1e-9, abs=1e-15
    )


@given(distribution_pairs())
def test_kl_matches_scipy_entropy_on_random_pairs(pair) -> None:
    p, q = pair
    for base in (BITS, NATS):
        assert kl_divergence(p, q, base) == pytest.approx(
            scipy_entropy(p, q, base=base), rel=1e-9, abs=1e-12
        )


@given(distribution_pairs())
def test_summary_agrees_with_the_single_functions(pair) -> None:
    p, q = pair
    s = summary(p, q, NATS)
    assert s["units"] == "nats" and s["n_bins"] == p.size
    assert s["entropy_p"] == pytest.approx(entropy(p, NATS), rel=1e-12, abs=1e-15)
    assert s["entropy_q"] == pytest.approx(entropy(q, NATS), rel=1e-12, abs=1e-15)
    assert s["cross_entropy_pq"] == pytest.approx(cross_entropy(p, q, NATS), rel=1e-12)
    assert s["cross_entropy_qp"] == pytest.approx(cross_entropy(q, p, NATS), rel=1e-12)
    assert s["kl_pq"] == pytest.approx(kl_divergence(p, q, NATS), rel=1e-12, abs=1e-15)
    assert s["kl_qp"] == pytest.approx(kl_divergence(q, p, NATS), rel=1e-12, abs=1e-15)
    assert s["js"] == pytest.approx(js_divergence(p, q, NATS), rel=1e-12, abs=1e-15)
    assert s["tv"] == total_variation(p, q)
    assert s["infinite_bins_pq"] == infinite_bins(p, q).tolist()
    assert s["infinite_bins_qp"] == infinite_bins(q, p).tolist()


# --- properties ----------------------------------------------------------------------------


@given(distribution_pairs())
def test_kl_is_never_negative_and_obeys_pinsker(pair) -> None:
    p, q = pair
    kl_nats = kl_divergence(p, q, NATS)
    assert kl_nats >= 0.0
    # Pinsker: KL ≥ 2·TV² (nats), so KL is strictly positive whenever P ≠ Q.
    assert kl_nats >= 2.0 * total_variation(p, q) ** 2 * (1 - 1e-9)


def test_rounding_never_makes_divergences_of_nearly_equal_inputs_negative() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        w = rng.random(6)
        p, q = normalize(w), normalize(w * (1.0 + rng.normal(0.0, 1e-15, w.size)))
        s = summary(p, q)
        assert s["kl_pq"] >= 0.0 and s["kl_qp"] >= 0.0
        assert kl_divergence(p, q) >= 0.0
        for alpha in (0.3, 2.0, math.inf):
            assert renyi_divergence(p, q, alpha) >= 0.0


@given(distribution_pairs())
def test_kl_is_zero_exactly_for_identical_distributions(pair) -> None:
    p, _ = pair
    assert kl_divergence(p, p) == 0.0
    assert js_divergence(p, p) == 0.0
    assert total_variation(p, p) == 0.0


@pytest.mark.parametrize("p", [[1.0, 0.0], [0.25, 0.75]])
def test_readouts_are_never_negative_zero(p: list[float]) -> None:
    """A readout must never print as "-0.000"."""
    values = [
        entropy(p), cross_entropy(p, p), kl_divergence(p, p), js_divergence(p, p),
        total_variation(p, p), renyi_divergence(p, p, 0.0), renyi_divergence(p, p, 0.5),
        renyi_divergence(p, p, 2.0), renyi_divergence(p, p, math.inf),
        alpha_divergence(p, p, 0.3), alpha_divergence(p, p, 0.7),
    ]
    if p[1] == 0.0:
        values += [v for v in summary(p, p).values() if isinstance(v, float)]
    assert [math.copysign(1.0, v) for v in values] == [1.0] * len(values)


@given(distribution_pairs(zeros=False, min_bins=2))
def test_kl_is_positive_when_distributions_differ(pair) -> None:
    p, q = pair
    if total_variation(p, q) > 1e-6:
        assert kl_divergence(p, q) > 0.0
        assert kl_divergence(q, p) > 0.0


@given(distribution_pairs())
def test_js_is_at_most_one_bit_and_tv_is_in_unit_interval(pair) -> None:
    p, q = pair
    assert 0.0 <= js_divergence(p, q, BITS) <= 1.0 + 1e-12
    assert js_divergence(p, q) == pytest.approx(js_divergence(q, p), abs=1e-12)
    assert 0.0 <= total_variation(p, q) <= 1.0 + 1e-12


@given(distribution_pairs())
def test_cross_entropy_is_entropy_plus_kl(pair) -> None:
    p, q = pair
    for base in (BITS, NATS):
        ce, h, kl = cross_entropy(p, q, base), entropy(p, base), kl_divergence(p, q, base)
        if math.isinf(kl):
            assert math.isinf(ce)
        else:
            assert ce == pytest.approx(h + kl, rel=1e-9, abs=1e-12)


@given(distribution_pairs())
def test_bits_and_nats_differ_by_ln2(pair) -> None:
    p, q = pair
    kl_bits, kl_nats = kl_divergence(p, q, BITS), kl_divergence(p, q, NATS)
    if math.isfinite(kl_nats):
        assert kl_bits == pytest.approx(kl_nats / math.log(2), rel=1e-12, abs=1e-15)
    else:
        assert math.isinf(kl_bits)


@given(distribution_pairs())
def test_pointwise_terms_sum_to_kl(pair) -> None:
    p, q = pair
    terms = pointwise_kl(p, q)
    assert not np.isnan(terms).any()
    assert np.all(terms[p == 0] == 0.0)
    assert np.sum(terms) == pytest.approx(kl_divergence(p, q), rel=1e-9, abs=1e-12)


# --- the coin example ----------------------------------------------------------------------


def test_rigged_coin_coded_as_fair() -> None:
    p, q = [0.99, 0.01], [0.5, 0.5]
    assert round(cross_entropy(p, q), 3) == 1.000
    assert round(kl_divergence(p, q), 3) == 0.919


def test_fair_coin_coded_as_rigged() -> None:
    p, q = [0.5, 0.5], [0.99, 0.01]
    assert round(cross_entropy(p, q), 3) == 3.329
    assert round(kl_divergence(p, q), 3) == 2.329


def test_coin_presets_carry_the_coin_numbers() -> None:
    fair_rigged = get_preset("coin-fair-vs-rigged")
    rigged_fair = get_preset("coin-rigged-vs-fair")
    assert round(kl_divergence(fair_rigged.p, fair_rigged.q), 3) == 0.919
    assert round(kl_divergence(rigged_fair.p, rigged_fair.q), 3) == 2.329


# --- infinities ----------------------------------------------------------------------------


def test_support_mismatch_gives_inf_never_nan() -> None:
    p = [0.2, 0.3, 0.0, 0.5, 0.0]
    q = [0.4, 0.0, 0.3, 0.0, 0.3]
    terms = pointwise_kl(p, q)
    assert not np.isnan(terms).any()
    assert np.isinf(terms[[1, 3]]).all() and np.isfinite(terms[[0, 2, 4]]).all()
    assert kl_divergence(p, q) == math.inf
    assert cross_entropy(p, q) == math.inf
    assert kl_divergence(q, p) == math.inf
    assert infinite_bins(p, q).tolist() == [1, 3]
    assert infinite_bins(q, p).tolist() == [2, 4]
    assert math.isfinite(js_divergence(p, q)) and math.isfinite(total_variation(p, q))
    s = summary(p, q)
    assert s["infinite_bins_pq"] == [1, 3] and s["infinite_bins_qp"] == [2, 4]
    assert not any(isinstance(v, float) and math.isnan(v) for v in s.values())


def test_zeros_of_q_outside_the_support_of_p_are_harmless() -> None:
    p, q = [0.5, 0.5, 0.0], [0.25, 0.75, 0.0]
    assert infinite_bins(p, q).size == 0
    assert math.isfinite(kl_divergence(p, q)) and math.isfinite(cross_entropy(p, q))
    assert surprise(q)[2] == math.inf


def test_disjoint_supports_max_out_js_and_tv() -> None:
    p, q = [0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.25, 0.75]
    assert js_divergence(p, q, BITS) == pytest.approx(1.0)
    assert js_divergence(p, q, NATS) == pytest.approx(math.log(2))
    assert total_variation(p, q) == 1.0


# --- Rényi and α-divergences ---------------------------------------------------------------

TOKENS = get_preset("tokens")


@BASES
def test_renyi_order_one_is_kl_and_is_continuous_there(base: float) -> None:
    p, q = TOKENS.p, TOKENS.q
    kl = kl_divergence(p, q, base)
    assert renyi_divergence(p, q, 1.0, base) == kl
    assert renyi_divergence(p, q, 1.0 - 1e-6, base) == pytest.approx(kl, rel=1e-4)
    assert renyi_divergence(p, q, 1.0 + 1e-6, base) == pytest.approx(kl, rel=1e-4)


def test_divergence_families_stay_accurate_at_extreme_orders() -> None:
    p, q = TOKENS.p, TOKENS.q
    forward, reverse = kl_divergence(p, q), kl_divergence(q, p)
    for eps in (1e-9, 1e-12, 1e-15):
        assert renyi_divergence(p, q, 1.0 - eps) == pytest.approx(forward, rel=1e-6)
        assert renyi_divergence(p, q, 1.0 + eps) == pytest.approx(forward, rel=1e-6)
        assert alpha_divergence(p, q, 1.0 - eps) == pytest.approx(forward, rel=1e-6)
        assert alpha_divergence(p, q, eps) == pytest.approx(reverse, rel=1e-6)
    assert renyi_divergence(p, q, 1e6) == pytest.approx(renyi_divergence(p, q, math.inf), rel=1e-5)
    # q[0] is so small that q^(1−α) would overflow and (p/q)^(α−1) underflow to 0.
    tiny_p, tiny_q = [1.0, 0.0], [1e-200, 1.0 - 1e-200]
    assert renyi_divergence(tiny_p, tiny_q, 0.5, NATS) == pytest.approx(200 * math.log(10))
    assert renyi_divergence(tiny_p, tiny_q, 0.9, NATS) == pytest.approx(200 * math.log(10))
    assert renyi_divergence(tiny_p, tiny_q, 3.0, NATS) == pytest.approx(200 * math.log(10))
    assert renyi_divergence(tiny_p, tiny_q, math.inf, NATS) == pytest.approx(200 * math.log(10))


@BASES
def test_renyi_special_orders(base: float) -> None:
    p, q = random_pair(3)
    lb = math.log(base)
    assert renyi_divergence(p, q, 0.0, base) == pytest.approx(-math.log(q[p > 0].sum()) / lb)
    bhattacharyya = float(np.sum(np.sqrt(p * q)))
    assert renyi_divergence(p, q, 0.5, base) == pytest.approx(-2 * math.log(bhattacharyya) / lb)
    p2, q2 = TOKENS.p, TOKENS.q
    assert renyi_divergence(p2, q2, 2.0, base) == pytest.approx(
        math.log(np.sum(p2**2 / q2)) / lb
    )
    d_inf = renyi_divergence(p2, q2, math.inf, base)
    assert d_inf == pytest.approx(math.log(np.max(p2 / q2)) / lb)
    assert renyi_divergence(p2, q2, 400.0, base) == pytest.approx(d_inf, rel=1e-2)


@given(distribution_pairs(), st.floats(0.0, 5.0), st.floats(0.0, 5.0))
def test_renyi_is_nondecreasing_in_alpha(pair, a: float, b: float) -> None:
    p, q = pair
    lo, hi = sorted((a, b))
    d_lo, d_hi = renyi_divergence(p, q, lo), renyi_divergence(p, q, hi)
    assert d_lo >= 0.0
    assert d_lo <= d_hi or d_lo == pytest.approx(d_hi, rel=1e-9, abs=1e-12)


def test_renyi_infinities_follow_the_support() -> None:
    p, q = [0.5, 0.5, 0.0], [0.5, 0.0, 0.5]
    for alpha in (1.0, 2.0, math.inf):
        assert renyi_divergence(p, q, alpha) == math.inf
    for alpha in (0.0, 0.5):
        assert math.isfinite(renyi_divergence(p, q, alpha))
    disjoint_p, disjoint_q = [1.0, 0.0], [0.0, 1.0]
    for alpha in (0.0, 0.5, 1.0, 3.0, math.inf):
        assert renyi_divergence(disjoint_p, disjoint_q, alpha) == math.inf


@pytest.mark.parametrize("alpha", [-0.5, math.nan, -math.inf])
def test_renyi_rejects_bad_orders(alpha: float) -> None:
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        renyi_divergence([0.5, 0.5], [0.5, 0.5], alpha)


@BASES
def test_alpha_divergence_morphs_from_reverse_to_forward_kl(base: float) -> None:
    p, q = TOKENS.p, TOKENS.q
    forward, reverse = kl_divergence(p, q, base), kl_divergence(q, p, base)
    assert alpha_divergence(p, q, 1.0, base) == forward
    assert alpha_divergence(p, q, 0.0, base) == reverse
    assert alpha_divergence(p, q, 1.0 - 1e-6, base) == pytest.approx(forward, rel=1e-4)
    assert alpha_divergence(p, q, 1e-6, base) == pytest.approx(reverse, rel=1e-4)


@BASES
def test_alpha_divergence_at_one_half_is_scaled_squared_hellinger(base: float) -> None:
    p, q = random_pair(4)
    expected = 2.0 * float(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / math.log(base)
    assert alpha_divergence(p, q, 0.5, base) == pytest.approx(expected, rel=1e-12)


def test_alpha_divergence_blows_up_towards_an_infinite_end() -> None:
    p, q = [0.5, 0.5, 0.0], [0.5, 0.25, 0.25]  # KL(P‖Q) finite, KL(Q‖P) infinite
    assert alpha_divergence(p, q, 0.0) == math.inf
    near_zero = [alpha_divergence(p, q, a) for a in (1e-1, 1e-3, 1e-6)]
    assert near_zero == sorted(near_zero) and near_zero[-1] > 1e4
    assert alpha_divergence(p, q, 1 - 1e-6) == pytest.approx(kl_divergence(p, q), rel=1e-4)


@given(distribution_pairs(), st.floats(0.0, 1.0))
def test_alpha_divergence_is_non_negative_and_zero_on_equal_inputs(pair, alpha: float) -> None:
    p, q = pair
    assert alpha_divergence(p, q, alpha) >= 0.0
    assert alpha_divergence(p, p, alpha) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("alpha", [-0.1, 1.1, math.nan])
def test_alpha_divergence_rejects_alpha_outside_unit_interval(alpha: float) -> None:
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        alpha_divergence([0.5, 0.5], [0.5, 0.5], alpha)


# --- validation ----------------------------------------------------------------------------

GOOD = [0.5, 0.5]


@pytest.mark.parametrize(
    ("p", "q", "message"),
    [
        ([-0.1, 1.1], GOOD, r"P has a negative value \(-0.1\) at bin 0"),
        ([0.5, math.nan], GOOD, r"P has a non-finite value \(nan\) at bin 1"),
        (GOOD, [math.inf, 0.0], r"Q has a non-finite value \(inf\) at bin 0"),
        (GOOD, [0.5, -math.inf], r"Q has a non-finite value \(-inf\) at bin 1"),
        ([], GOOD, "P is empty"),
        ([0.0, 0.0], GOOD, "P is all zeros"),
        (GOOD, [0.2, 0.3, 0.5], "P has 2 bins but Q has 3; they must match"),
        (["a", "b"], GOOD, "P must be a list of numbers"),
        ([[0.5], [0.5]], GOOD, r"P must be a flat list of numbers, got shape \(2, 1\)"),
        (np.full(MAX_BINS + 1, 1 / (MAX_BINS + 1)), GOOD, f"at most {MAX_BINS}"),
        ([0.5, 0.6], GOOD, "P sums to 1.1, not 1; normalise it first"),
    ],
)
def test_bad_input_raises_a_readable_value_error(p, q, message: str) -> None:
    for func in (kl_divergence, cross_entropy, js_divergence, pointwise_kl, summary):
        with pytest.raises(ValueError, match=message):
            func(p, q)


@pytest.mark.parametrize("base", [1.0, 0.0, -2.0, math.nan, math.inf])
def test_bad_log_base_is_rejected(base: float) -> None:
    with pytest.raises(ValueError, match="log base"):
        kl_divergence(GOOD, GOOD, base)


def test_unit_names() -> None:
    assert unit_name(BITS) == "bits"
    assert unit_name(NATS) == "nats"
    assert unit_name(10.0) == "log10 units"


@settings(max_examples=30)
@given(distribution_pairs(max_bins=6))
def test_inputs_are_not_modified(pair) -> None:
    p, q = pair
    p0, q0 = p.copy(), q.copy()
    summary(p, q)
    kl_divergence(p, q)
    renyi_divergence(p, q, 0.5)
    assert np.array_equal(p, p0) and np.array_equal(q, q0)
