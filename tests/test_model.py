"""DistributionModel: edits keep P and Q distributions, announce themselves and undo exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klviz.core import divergence
from klviz.core.distributions import get_preset
from klviz.model import DistributionModel


@pytest.fixture
def model() -> DistributionModel:
    return DistributionModel("tokens")


def test_starts_from_the_named_preset() -> None:
    m = DistributionModel("coin-fair-vs-rigged")
    pr = get_preset("coin-fair-vs-rigged")
    assert m.labels == ("H", "T") and m.preset == pr.name and m.n_bins == 2
    np.testing.assert_array_equal(m.p, pr.p)
    assert m.stats()["kl_pq"] == pytest.approx(0.919, abs=1e-3)


def test_arrays_are_read_only(model: DistributionModel) -> None:
    for arr in (model.x, model.p, model.q, model.pointwise("pq"), model.surprisal("q")):
        with pytest.raises(ValueError):
            arr[0] = 0.5


@settings(max_examples=60, deadline=None)
@given(index=st.integers(0, 7), value=st.floats(-1.0, 2.0), which=st.sampled_from("pq"))
def test_set_bar_keeps_a_distribution_and_the_bar_where_it_was_put(
    index: int, value: float, which: str
) -> None:
    m = DistributionModel("tokens")
    before = m.values(which).copy()
    m.set_bar(which, index, value)
    after = m.values(which)
    expected = min(max(value, 0.0), 1.0)
    assert after[index] == expected
    assert after.sum() == pytest.approx(1.0, abs=1e-12)
    others = np.delete(np.arange(8), index)
    # the other bars keep their proportions
    ratio = after[others] / before[others]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-12)


_WEIGHTS = st.lists(
    st.one_of(st.just(0.0), st.just(5e-324), st.floats(0.0, 1.0, allow_subnormal=True)),
    min_size=2, max_size=8,
).filter(any)


@settings(max_examples=150, deadline=None)
@given(weights=_WEIGHTS, data=st.data(), value=st.floats(allow_nan=False, allow_infinity=False))
def test_set_bar_always_leaves_a_valid_distribution(
    weights: list[float], data: st.DataObject, value: float
) -> None:
    m = DistributionModel("tokens")
    m.set_data(None, weights, weights)
    index = data.draw(st.integers(0, len(weights) - 1))
    m.set_bar("p", index, value)
    p = m.p
    assert np.isfinite(p).all() and (p >= 0).all()
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert p[index] == min(max(value, 0.0), 1.0)


def test_set_bar_with_denormal_others_keeps_them_in_proportion() -> None:
    m = DistributionModel("tokens")
    m.set_data(None, [1.0, 5e-324, 0.0], [1.0, 1.0, 1.0])
    m.set_bar("p", 0, 0.5)
    np.testing.assert_array_equal(m.p, [0.5, 0.5, 0.0])


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_set_bar_rejects_a_non_finite_value(model: DistributionModel, value: float) -> None:
    before = model.p.copy()
    with pytest.raises(ValueError, match="finite"):
        model.set_bar("p", 0, value)
    np.testing.assert_array_equal(model.p, before)


def test_set_bar_to_one_then_another_bar_spreads_the_rest_uniformly(
    model: DistributionModel,
) -> None:
    model.set_bar("q", 2, 1.0)
    assert model.q[2] == 1.0 and model.q.sum() == 1.0
    model.set_bar("q", 2, 0.3)
    np.testing.assert_allclose(np.delete(model.q, 2), 0.1)


def test_set_bar_rejects_bad_bins_and_names(model: DistributionModel) -> None:
    with pytest.raises(IndexError):
        model.set_bar("p", 8, 0.1)
    with pytest.raises(ValueError, match="which"):
        model.set_bar("r", 0, 0.1)  # type: ignore[arg-type]


def test_signals_name_what_changed(qtbot, model: DistributionModel) -> None:
    with qtbot.waitSignal(model.dataChanged) as blocker:
        model.set_bar("q", 0, 0.2)
    assert blocker.args == ["q"]
    with qtbot.waitSignal(model.gridChanged), qtbot.waitSignal(model.dataChanged) as blocker:
        model.load_preset("gap")
    assert blocker.args == ["pq"]
    with qtbot.waitSignal(model.unitsChanged) as blocker:
        model.set_units("nats")
    assert blocker.args == ["nats"]
    with qtbot.assertNotEmitted(model.unitsChanged):
        model.set_units("nats")


def test_units_change_every_readout_by_ln2(model: DistributionModel) -> None:
    bits = model.stats()
    model.set_units("nats")
    nats = model.stats()
    assert nats["units"] == "nats" and model.base == math.e
    assert nats["kl_pq"] == pytest.approx(bits["kl_pq"] * math.log(2))
    np.testing.assert_allclose(model.surprisal("p"), -np.log(model.p))
    with pytest.raises(ValueError, match="bits"):
        model.set_units("bans")


def test_pointwise_terms_sum_to_kl_and_mark_infinite_bins() -> None:
    m = DistributionModel("gap")
    forward, reverse = m.pointwise("pq"), m.pointwise("qp")
    stats = m.stats()
    assert not np.isnan(forward).any() and not np.isnan(reverse).any()
    assert forward.sum() == pytest.approx(stats["kl_pq"])
    assert np.isinf(stats["kl_qp"])
    assert np.flatnonzero(np.isinf(reverse)).tolist() == stats["infinite_bins_qp"]
    np.testing.assert_allclose(reverse, divergence.pointwise_kl(m.q, m.p))
    with pytest.raises(ValueError, match="direction"):
        m.pointwise("pp")  # type: ignore[arg-type]


def test_stats_are_computed_once_per_change(monkeypatch, model: DistributionModel) -> None:
    calls = []
    real = divergence.summary
    monkeypatch.setattr(divergence, "summary", lambda *a: calls.append(1) or real(*a))
    model.stats()
    model.stats()
    assert len(calls) == 1
    model.set_bar("p", 0, 0.5)
    model.stats()
    model.stats()
    assert len(calls) == 2


def test_restore_returns_the_exact_arrays(model: DistributionModel) -> None:
    snap = model.snapshot()
    model.set_bar("p", 3, 0.77)
    model.load_preset("bimodal")
    model.restore(snap)
    assert model.snapshot().same_data(snap)
    assert model.labels == ("mat", "floor", "sofa", "roof", "table", "bed", "dog", "moon")


def test_swap_copy_uniform(model: DistributionModel) -> None:
    p, q = model.p, model.q
    kl_pq, kl_qp = model.stats()["kl_pq"], model.stats()["kl_qp"]
    model.swap()
    assert model.p is q and model.q is p
    assert model.stats()["kl_pq"] == kl_qp and model.stats()["kl_qp"] == kl_pq
    model.copy_p_to_q()
    assert model.stats()["kl_pq"] == 0.0 and model.stats()["js"] == 0.0
    model.make_uniform("p")
    np.testing.assert_array_equal(model.p, np.full(8, 0.125))


def test_resample_keeps_the_span_and_refuses_labels() -> None:
    m = DistributionModel("bimodal")
    m.resample(64)
    assert m.n_bins == 64 and m.x[0] == -6.0 and m.x[-1] == 6.0
    assert m.p.sum() == pytest.approx(1.0) and m.preset == "bimodal"
    with pytest.raises(ValueError, match="between 2"):
        m.resample(1)
    m.load_preset("coin-fair-vs-rigged")
    with pytest.raises(ValueError, match="labelled"):
        m.resample(4)


def test_reset_reloads_the_preset_after_edits_and_resampling() -> None:
    m = DistributionModel("bimodal")
    fresh = m.snapshot()
    m.resample(50)
    m.set_bar("q", 10, 0.5)
    m.set_units("nats")
    m.reset()
    assert m.snapshot().same_data(fresh) and m.units == "nats"


def test_reset_of_custom_data_returns_to_what_was_loaded(model: DistributionModel) -> None:
    model.set_data([1.0, 2.0, 3.0], [1, 2, 1], [1, 1, 1])
    loaded = model.snapshot()
    model.resample(7)
    model.make_uniform("p")
    model.reset()
    assert model.snapshot().same_data(loaded) and model.preset is None


def test_set_data_normalises_huge_weights(model: DistributionModel) -> None:
    model.set_data(None, [1e308, 1e308], [1.0, 1.0])
    assert model.p.tolist() == [0.5, 0.5]


def test_set_data_normalises_visibly_and_validates_first(qtbot, model: DistributionModel) -> None:
    with qtbot.waitSignal(model.notice) as blocker:
        model.set_data(None, [2, 2], [1, 3])
    assert blocker.args == [
        "P was normalised (its weights summed to 4); Q was normalised (its weights summed to 4)"
    ]
    np.testing.assert_array_equal(model.p, [0.5, 0.5])
    before = model.snapshot()
    with qtbot.assertNotEmitted(model.notice), pytest.raises(ValueError, match="must match"):
        model.set_data(None, [1, 1], [2, 2, 2])
    with pytest.raises(ValueError, match="labels"):
        model.set_data(None, [1, 1], [1, 1], labels=["a", "a"])
    assert model.snapshot().same_data(before)


def test_bin_names(model: DistributionModel) -> None:
    assert model.bin_name(0) == "mat"
    model.load_preset("gap")
    assert model.bin_name(0) == "x = -4"
