"""Readouts and pointwise curves show the model's numbers, ∞ honestly, and never NaN."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ui_helpers import (
    open_window,
)

from klviz.core import divergence
from klviz.model import DistributionModel
from klviz.ui.curves_panel import MAX_INFINITY_LABELS, CurvesPanel
from klviz.ui.readouts import ReadoutsPanel, describe_bins, format_value
from klviz.ui.theme import SCREEN


@pytest.mark.parametrize(
    ("value", "text"),
    [(math.inf, "∞"), (0.0, "0"), (0.9192, "0.919"), (2.0, "2.000"), (1.5e-5, "1.5e-05"),
     (-0.0, "0")],
)
def test_format_value(value: float, text: str) -> None:
    assert format_value(value) == text


def test_describe_bins_names_labels_and_summarises_runs() -> None:
    m = DistributionModel("tokens")
    assert describe_bins(m, [6, 7]) == "dog, moon"
    assert describe_bins(m, [0, 1, 2, 3, 4, 5], limit=2) == "mat, floor and 4 more bins"
    m.load_preset("gap")
    assert describe_bins(m, [18, 19, 20, 21, 22]) == "x = -0.4 … 0.4"
    assert describe_bins(m, [0, 18, 19, 30]) == "x = -4, x = -0.4 … -0.2, x = 2"
    assert describe_bins(m, [0, 2, 4, 6], limit=3) == "x = -4, x = -3.6, x = -3.2 and 1 more bin"
    assert describe_bins(m, []) == ""


@pytest.fixture
def readouts(qtbot) -> ReadoutsPanel:
    panel = ReadoutsPanel(DistributionModel("coin-fair-vs-rigged"), SCREEN)
    qtbot.addWidget(panel)
    return panel


def test_coin_numbers_and_the_decomposition(readouts: ReadoutsPanel) -> None:
    text = {k: v.text() for k, v in readouts.values.items()}
    assert text["entropy_p"] == "0.081" and text["cross_entropy_pq"] == "1.000"
    assert text["kl_pq"] == "0.919" and text["kl_qp"] == "2.329"
    assert text["tv"] == "0.490"
    assert readouts.equation.text() == "H(P,Q) = H(P) + KL(P‖Q):  1.000 = 0.081 + 0.919"
    assert readouts.units["kl_pq"].text() == "bits" and readouts.units["tv"].text() == ""
    assert not any(b.isVisibleTo(readouts) for b in readouts.badges.values())


def test_units_switch_every_number_and_tooltip(readouts: ReadoutsPanel) -> None:
    model = readouts._model
    assert "bits" in readouts.values["kl_pq"].toolTip()
    model.set_units("nats")
    assert readouts.values["kl_pq"].text() == format_value(0.9192 * math.log(2))
    assert readouts.units["entropy_p"].text() == "nats"
    assert "nats" in readouts.values["kl_pq"].toolTip()
    assert "extra nats per sample" in readouts.names["kl_pq"].toolTip()
    assert readouts.heading.text() == "Readouts, in nats"


def test_infinite_badges_name_the_bins_and_say_why(readouts: ReadoutsPanel) -> None:
    model = readouts._model
    model.set_data(None, [0.5, 0.5, 0.0], [0.0, 0.5, 0.5], labels=["a", "b", "c"])
    assert readouts.values["kl_pq"].text() == "∞" and readouts.values["kl_qp"].text() == "∞"
    assert readouts.values["js"].text() != "∞"
    forward, reverse = readouts.badges["kl_pq"], readouts.badges["kl_qp"]
    assert forward.isVisibleTo(readouts) and reverse.isVisibleTo(readouts)
    assert forward.text().endswith("at 1 bin: a") and "P > 0 where Q = 0" in forward.text()
    assert reverse.text().endswith("at 1 bin: c")
    assert "no codeword" in reverse.toolTip() and "Bins: c" in reverse.toolTip()


def test_many_infinite_bins_are_summarised(readouts: ReadoutsPanel) -> None:
    model = readouts._model
    model.load_preset("gap")
    text = readouts.badges["kl_qp"].text()
    assert "9 bins" in text and "x = -0.8 … 0.8" in text


@pytest.fixture
def curves(qtbot) -> CurvesPanel:
    panel = CurvesPanel(DistributionModel("gap"), SCREEN)
    qtbot.addWidget(panel)
    panel.resize(900, 300)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def _drawn(panel: CurvesPanel) -> list[np.ndarray]:
    return [np.asarray(c.line.getOriginalDataset()[1]) for c in panel.curves]


def test_curves_never_plot_nan_and_mark_infinite_bins(curves: CurvesPanel) -> None:
    m = curves._model
    forward, reverse = curves.values()
    assert np.isfinite(forward).all() and np.isinf(reverse).sum() == 9
    for ys in _drawn(curves):
        assert np.isfinite(ys).all()
    top = curves.plot.getViewBox().viewRange()[1][1]
    # the infinite reverse terms run off the top; each infinite bin has a marker in view
    markers = curves.curves[1].markers.getData()
    assert len(markers[0]) == 9 and (markers[1] < top).all()
    assert _drawn(curves)[1].max() > top
    labels = [label for label in curves.curves[1].labels if label.isVisible()]
    assert len(labels) == 1 and labels[0].toPlainText() == "∞"
    assert len(curves.curves[0].markers.getData()[0]) == 0
    np.testing.assert_array_equal(curves.infinite_bins()[1], m.stats()["infinite_bins_qp"])


def test_curves_follow_edits_and_the_coding_view(curves: CurvesPanel) -> None:
    m = curves._model
    m.copy_p_to_q()
    assert curves.infinite_bins()[0].size == 0 and curves.infinite_bins()[1].size == 0
    assert all(np.allclose(ys, 0.0) for ys in _drawn(curves))
    curves.set_coding_view(True)
    surprise_q, _ = curves.values()
    np.testing.assert_allclose(surprise_q[np.isfinite(surprise_q)],
                               divergence.surprise(m.q)[np.isfinite(surprise_q)])
    assert curves.infinite_bins()[0].size == 9  # −log q = ∞ wherever q = 0
    assert "code length (bits)" in curves.plot.getAxis("left").labelText
    m.set_units("nats")
    assert "code length (nats)" in curves.plot.getAxis("left").labelText
    names = [label.text for _, label in curves.legend.items]
    assert names[0].startswith("−log q") and names[1].startswith("−log p")


def test_many_infinite_runs_get_a_bounded_number_of_labels(qtbot) -> None:
    p = np.tile([1.0, 0.0], 40)
    panel = CurvesPanel(DistributionModel(), SCREEN)
    qtbot.addWidget(panel)
    panel._model.set_data(None, p, np.ones(80))
    assert len(panel.curves[1].markers.getData()[0]) == 40
    assert sum(label.isVisible() for label in panel.curves[1].labels) == MAX_INFINITY_LABELS


def test_large_grids_are_clipped_and_downsampled(qtbot) -> None:
    w = open_window(qtbot, p=np.ones(65_536), q=np.arange(1, 65_537))
    line = w.curves.curves[0].line
    assert line.opts["clipToView"] and line.opts["autoDownsample"]
    shown = line.curve.getData()[0]
    assert shown.size < 5_000  # a few points per pixel column, not 65 536
