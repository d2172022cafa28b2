"""Dragging bars with real mouse events: readouts follow, zeros snap, a drag is one undo step."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from ui_helpers import (
    click,
    drag,
    open_window,
    to_widget,
)

from klviz.ui.bars_item import SNAP_PIXELS, BarsItem, bin_edges

DOG = 6  # tokens preset: p = 0.03, q = 0.08


def test_dragging_a_p_bar_to_zero_makes_only_the_reverse_kl_infinite(qtbot) -> None:
    w = open_window(qtbot, "tokens")
    m, editor = w.model, w.histogram.p_editor
    assert m.q[DOG] > 0
    drag(editor, m.x[DOG], m.p[DOG] / 2, -0.02)
    assert m.p[DOG] == 0.0
    assert m.p.sum() == pytest.approx(1.0)
    readouts = w.readouts
    assert readouts.values["kl_qp"].text() == "∞"
    kl_pq = readouts.values["kl_pq"].text()
    assert kl_pq != "∞" and float(kl_pq) == pytest.approx(m.stats()["kl_pq"], abs=5e-4)
    badge = readouts.badges["kl_qp"]
    assert badge.isVisibleTo(w) and "dog" in badge.text()
    assert not readouts.badges["kl_pq"].isVisibleTo(w)


def test_drag_follows_the_cursor_and_keeps_the_scale_still(qtbot) -> None:
    w = open_window(qtbot, "tokens")
    m, editor = w.model, w.histogram.p_editor
    ranges = []
    before = editor.getViewBox().viewRange()[1]
    drag(editor, m.x[2], 0.05, 0.40, steps=8,
         on_move=lambda: ranges.append(editor.getViewBox().viewRange()[1]))
    assert all(r == before for r in ranges), "the y range moved during the drag"
    # released at y = 0.40: within a pixel of it
    pixel = editor.getViewBox().viewPixelSize()[1]
    assert m.p[2] == pytest.approx(0.40, abs=2 * pixel)
    assert w.histogram.top >= m.p.max()  # re-tidied after release
    assert editor.bars["p"].selected == 2


def test_a_zero_height_bar_can_be_grabbed_and_raised(qtbot) -> None:
    w = open_window(qtbot, "gap")
    m, editor = w.model, w.histogram.p_editor
    middle = int(np.argmin(np.abs(m.x)))
    assert m.p[middle] == 0.0 and np.isinf(m.stats()["kl_qp"])
    drag(editor, m.x[middle], 0.01, 0.05)
    assert m.p[middle] == pytest.approx(0.05, abs=2 * editor.getViewBox().viewPixelSize()[1])
    assert m.stats()["infinite_bins_qp"] and middle not in m.stats()["infinite_bins_qp"]


def test_release_near_the_axis_snaps_to_exactly_zero(qtbot) -> None:
    w = open_window(qtbot, "tokens")
    m, editor = w.model, w.histogram.q_editor
    pixel = editor.getViewBox().viewPixelSize()[1]
    drag(editor, m.x[0], 0.1, (SNAP_PIXELS - 2) * pixel)
    assert m.q[0] == 0.0
    assert w.readouts.values["kl_pq"].text() == "∞"


def test_one_drag_is_one_undo_step_and_undo_restores_the_exact_arrays(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    m, editor = w.model, w.histogram.q_editor
    before = m.snapshot()
    drag(editor, m.x[100], 0.005, 0.02, steps=10)
    after = m.snapshot()
    assert not after.same_data(before)
    assert w.history.count() == 1
    assert w.history.undoText().startswith("Drag Q bar")
    w.undo_action.trigger()
    assert np.array_equal(m.p, before.p) and np.array_equal(m.q, before.q)
    w.redo_action.trigger()
    assert np.array_equal(m.q, after.q)


def test_drag_outside_the_bins_or_with_the_right_button_changes_nothing(qtbot) -> None:
    w = open_window(qtbot, "tokens")
    m, editor = w.model, w.histogram.p_editor
    before = m.snapshot()
    left_of_bins = float(bin_edges(m.x)[0]) - 0.04  # inside the view's margin, outside bins
    drag(editor, left_of_bins, 0.1, 0.3)
    assert m.snapshot().same_data(before) and w.history.count() == 0


def test_click_selects_a_bar_and_reports_it(qtbot) -> None:
    w = open_window(qtbot, "tokens")
    m, editor = w.model, w.histogram.p_editor
    before = m.snapshot()
    click(editor, m.x[3], 0.2)  # above the bar: whole columns are clickable
    assert editor.selected == ("p", 3)
    assert "roof" in w.hover_label.text() and "p = 0.08" in w.hover_label.text()
    assert m.snapshot().same_data(before) and w.history.count() == 0


def test_overlay_drags_whichever_bar_top_is_nearer(qtbot) -> None:
    w = open_window(qtbot, "tokens")
    w.overlay_action.setChecked(True)
    assert not w.histogram.q_editor.isVisible()
    m, editor = w.model, w.histogram.p_editor
    p_before, q_before = m.p.copy(), m.q.copy()
    # mat: p = 0.46, q = 0.30; grab near the Q top and drag it down
    drag(editor, m.x[0], 0.31, 0.2)
    assert np.array_equal(m.p, p_before)
    assert m.q[0] == pytest.approx(0.2, abs=0.01)
    # now grab near the P top
    drag(editor, m.x[0], 0.45, 0.5)
    assert m.p[0] == pytest.approx(0.5, abs=0.01)
    assert not np.array_equal(m.q, q_before)
    assert w.history.count() == 2


def test_shape_covers_whole_columns_and_maps_x_to_bins(qtbot) -> None:
    w = open_window(qtbot, "tokens")
    item: BarsItem = w.histogram.p_editor.bars["p"]
    rect = item.boundingRect()
    edges = bin_edges(w.model.x)
    assert rect.left() == edges[0] and rect.right() == edges[-1]
    assert rect.bottom() >= w.histogram.top  # QRectF "bottom" is the larger y
    assert [item.bin_at(x) for x in (edges[0] - 1, 0.0, 0.49, 0.51, edges[-1] + 1)] == [
        -1, 0, 0, 1, -1
    ]
    assert item.shape().contains(QPointF(0.0, 0.9 * w.histogram.top))  # high above bar 0


def test_a_spike_narrower_than_a_pixel_is_still_drawn(qtbot) -> None:
    n = 65_536
    x = np.linspace(-1, 1, n)
    p = np.ones(n)
    p[12_345] = 5_000.0  # one bin among 65 536: far narrower than a pixel
    w = open_window(qtbot, p=p, q=np.ones(n), x=x)
    editor = w.histogram.p_editor
    image = editor.grab().toImage()
    # to_widget gives viewport pixels; the grab also holds the editor's frame around them
    pos = editor.viewport().mapTo(editor, to_widget(editor, x[12_345], 0.8 * w.model.p.max()))
    colours = [image.pixelColor(pos.x() + dx, pos.y()) for dx in (-1, 0, 1)]
    assert any(c.blue() > c.red() + 60 for c in colours), "the spike was not drawn"


def test_the_panel_says_when_a_drag_is_under_way(qtbot) -> None:
    w = open_window(qtbot, "tokens")
    m, editor = w.model, w.histogram.p_editor
    during = []
    drag(editor, m.x[1], 0.1, 0.2, on_move=lambda: during.append(w.histogram.dragging))
    assert all(during) and not w.histogram.dragging


@pytest.mark.parametrize("press", ["undo", "redo"])
def test_undo_or_redo_pressed_mid_drag_waits_for_the_release(qtbot, press) -> None:
    w = open_window(qtbot, "bimodal")
    m, editor, history = w.model, w.histogram.p_editor, w.history
    w.bins_box.setValue(11)
    if press == "redo":
        w.undo_action.trigger()  # back to the preset's grid, with a redo step waiting
    before, steps = m.snapshot(), history.count()
    i = m.n_bins // 2
    seen: list[bool] = []

    def press_keys() -> None:
        if history.recording:
            action = w.undo_action if press == "undo" else w.redo_action
            seen.append(action.isEnabled())
            action.trigger()
            key = Qt.Key.Key_Z if press == "undo" else Qt.Key.Key_Y
            qtbot.keyClick(editor, key, Qt.KeyboardModifier.ControlModifier)
            getattr(history, press)()

    drag(editor, m.x[i], m.p[i] / 2, m.p[i] + 0.05, on_move=press_keys)
    assert seen and not any(seen)
    assert m.n_bins == before.x.size and np.array_equal(m.x, before.x)
    assert m.p[i] > before.p[i] and not history.recording
    assert history.count() == history.index() == steps + (press == "undo")
    assert history.undoText().startswith("Drag P bar")
    assert w.undo_action.isEnabled()
    w.undo_action.trigger()
    assert np.array_equal(m.p, before.p) and np.array_equal(m.q, before.q)
