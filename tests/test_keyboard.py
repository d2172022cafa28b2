"""Keyboard editing in a focused bar editor: select, nudge, zero — each edit one undo step."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from ui_helpers import (
    open_window,
)

from klviz.ui.histogram_panel import NUDGE_FRACTION

SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot, "tokens")
    w.activateWindow()
    w.histogram.p_editor.setFocus()
    return w


def key(widget, k: Qt.Key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(widget, k, mods)


def test_arrows_home_end_and_escape_move_the_selection(window) -> None:
    editor = window.histogram.p_editor
    assert editor.selected == ("p", -1)
    key(editor, Qt.Key.Key_Right)
    assert editor.selected == ("p", 0)
    key(editor, Qt.Key.Key_Right)
    key(editor, Qt.Key.Key_Right)
    assert editor.selected == ("p", 2)
    key(editor, Qt.Key.Key_Left)
    assert editor.selected == ("p", 1)
    key(editor, Qt.Key.Key_End)
    assert editor.selected == ("p", 7)
    key(editor, Qt.Key.Key_Right)  # stays on the last bar
    assert editor.selected == ("p", 7)
    key(editor, Qt.Key.Key_Home)
    assert editor.selected == ("p", 0)
    key(editor, Qt.Key.Key_Escape)
    assert editor.selected == ("p", -1)
    assert window.history.count() == 0


def test_up_down_nudge_by_a_share_of_the_scale_and_shift_by_ten(window) -> None:
    m, editor = window.model, window.histogram.p_editor
    editor.select(3)
    for k, mods, steps in (
        (Qt.Key.Key_Up, Qt.KeyboardModifier.NoModifier, 1),
        (Qt.Key.Key_Up, SHIFT, 10),
        (Qt.Key.Key_Down, Qt.KeyboardModifier.NoModifier, -1),
    ):
        start, step = m.p[3], NUDGE_FRACTION * window.histogram.top  # the scale may change
        key(editor, k, mods)
        assert m.p[3] == pytest.approx(start + steps * step)
        assert m.p.sum() == pytest.approx(1.0)
    assert window.history.count() == 3
    assert "roof" in window.hover_label.text()


def test_zero_key_zeroes_and_down_never_goes_negative(window) -> None:
    m, editor = window.model, window.histogram.q_editor
    editor.setFocus()
    editor.select(7)
    key(editor, Qt.Key.Key_0)
    assert m.q[7] == 0.0
    assert window.readouts.values["kl_pq"].text() == "∞"  # P(moon) = 0.01 > 0
    key(editor, Qt.Key.Key_Down)
    assert m.q[7] == 0.0
    assert window.history.count() == 1  # the second press changed nothing


def test_each_key_edit_is_one_undo_step_and_a_held_key_is_one(window) -> None:
    m, editor = window.model, window.histogram.p_editor
    editor.select(1)
    original = m.snapshot()
    key(editor, Qt.Key.Key_Up)
    after_one = m.snapshot()
    for repeat in (False, True, True, True):  # a held key: one press, then auto-repeats
        QApplication.sendEvent(
            editor, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Up, Qt.KeyboardModifier.NoModifier,
                              "", repeat)
        )
    assert window.history.count() == 2
    window.undo_action.trigger()
    assert np.array_equal(m.p, after_one.p)
    window.undo_action.trigger()
    assert np.array_equal(m.p, original.p)
    assert not window.history.canUndo()


def test_first_key_with_nothing_selected_only_selects(window) -> None:
    m, editor = window.model, window.histogram.p_editor
    before = m.snapshot()
    key(editor, Qt.Key.Key_Up)
    assert editor.selected == ("p", 0)
    assert m.snapshot().same_data(before)


def test_tab_steps_through_bars_then_leaves_the_editor(window, qtbot) -> None:
    editor = window.histogram.p_editor
    qtbot.waitUntil(lambda: QApplication.focusWidget() is editor)
    editor.select(6)
    key(editor, Qt.Key.Key_Tab)
    assert editor.selected == ("p", 7)
    key(editor, Qt.Key.Key_Backtab)
    assert editor.selected == ("p", 6)
    key(editor, Qt.Key.Key_Tab)
    key(editor, Qt.Key.Key_Tab)  # past the last bar: focus moves on
    assert QApplication.focusWidget() is not editor
    assert editor.selected == ("p", 7)


def test_undo_redo_shortcuts(window) -> None:
    m, editor = window.model, window.histogram.p_editor
    editor.select(0)
    before = m.snapshot()
    key(editor, Qt.Key.Key_0)
    zeroed = m.snapshot()
    key(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert m.snapshot().same_data(before)
    key(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | SHIFT)
    assert m.snapshot().same_data(zeroed)
