"""The optimiser dock in the real window: clicks, the animation to convergence, both fits over P,
P edits while running, undo, closing, captions, units and presets with gaps."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget
from ui_helpers import _send as send
from ui_helpers import drag, open_window, to_widget

from klviz.core.families import grid_moments
from klviz.ui.main_window import MainWindow
from klviz.ui.start_handle import GRIP_HEIGHT
from klviz.ui.theme import SCREEN

TIMEOUT_MS = 20_000
"""Generous: a fit takes a few hundred steps, a few frames at the speeds used here."""


def fast(w: MainWindow, steps_per_frame: int = 200) -> None:
    w.optimizer_panel.speed_box.setValue(steps_per_frame)


def click(button: QWidget) -> None:
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def set_start(w: MainWindow, mu: float, sigma: float, qtbot) -> None:
    """Type the start into the μ and σ boxes, each confirmed with Enter."""
    panel = w.optimizer_panel
    for box, value in ((panel.mu_box, mu), (panel.sigma_box, sigma)):
        box.lineEdit().selectAll()
        qtbot.keyClicks(box, f"{value}")
        qtbot.keyClick(box, Qt.Key.Key_Return)


def play_to_the_end(w: MainWindow, qtbot) -> list[bool]:
    with qtbot.waitSignal(w.runner.finished, timeout=TIMEOUT_MS) as blocker:
        click(w.optimizer_panel.play_button)
    return blocker.args


def pen_color(item) -> str:
    return item.opts["pen"].color().name().upper()


def test_play_fits_forward_kl_until_it_converges(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    fast(w)
    assert play_to_the_end(w, qtbot) == [True]
    assert not w.runner.running and not w.runner._timer.isActive()
    mean, std = grid_moments(w.model.x, w.model.q)
    assert mean == pytest.approx(0.0, abs=1e-3) and std == pytest.approx(3.04, abs=0.01)
    message = w.statusBar().currentMessage()
    assert message.startswith(f"Converged after {w.runner.steps} steps: μ = 0.000, σ = 4.285")
    assert w.optimizer_panel.play_action.text() == "Play"
    assert "converged" in w.optimizer_panel.status_label.text()
    curve = w.optimizer_panel.loss_plot.curves["forward"]
    assert curve.getData()[0].size == w.runner.steps
    assert pen_color(curve) == SCREEN.forward_fit


def test_reverse_kl_from_near_a_mode_settles_on_it(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    panel = w.optimizer_panel
    fast(w)
    click(panel.direction_buttons["reverse"])
    set_start(w, 2, 0.5, qtbot)
    assert w.runner.start_params() == pytest.approx({"mu": 2.0, "sigma": 0.5})
    assert w.history.count() == 2 and w.history.undoText() == "Set Q's start"  # μ, then σ
    assert play_to_the_end(w, qtbot) == [True]
    mean, std = grid_moments(w.model.x, w.model.q)
    assert mean == pytest.approx(3.0, abs=0.01) and std == pytest.approx(0.5, abs=0.01)
    assert "μ = 3.000, σ = 0.500" in w.statusBar().currentMessage()
    assert "zero-forcing" in panel.caption.text()


def test_both_mode_draws_two_fits_over_p_in_their_colours(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    panel = w.optimizer_panel
    fast(w)
    click(panel.direction_buttons["both"])
    set_start(w, 1, 1, qtbot)
    assert set(panel.overlay.curves) == {"forward", "reverse"}  # the start, drawn twice
    assert play_to_the_end(w, qtbot) == [True]
    runner = w.runner
    assert runner.params("forward")["mu"] == pytest.approx(0.0, abs=1e-3)
    assert runner.params("reverse")["mu"] == pytest.approx(3.0, abs=0.01)
    assert np.array_equal(w.model.q, runner.fitted_q("reverse"))
    colours = {"forward": SCREEN.forward_fit, "reverse": SCREEN.reverse_fit}
    for d, colour in colours.items():
        outline = panel.overlay.curves[d]
        assert outline in w.histogram.p_editor.getPlotItem().items
        assert np.array_equal(outline.getData()[1], runner.fitted_q(d))
        assert pen_color(outline) == colour
        assert pen_color(panel.loss_plot.curves[d]) == colour
    assert panel.overlay.legend.isVisible()
    legend = [label.text for _, label in panel.overlay.legend.items]
    assert legend == ["forward-KL fit", "reverse-KL fit (Q's bars)"]
    text = panel.params_label.text().replace("\u00a0", " ")
    assert "forward</b>: μ = 0.000, σ = 4.285 — 1.491 bits" in text
    assert "reverse</b>: μ = 3.000, σ = 0.500 — 1.000 bits" in text
    assert "zero-avoiding" in panel.caption.text() and "zero-forcing" in panel.caption.text()
    click(panel.direction_buttons["forward"])
    assert panel.overlay.curves == {} and not panel.overlay.legend.isVisible()


def test_editing_p_while_running_moves_the_target(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    fast(w, 1)
    click(w.optimizer_panel.play_button)
    qtbot.waitUntil(lambda: w.runner.steps >= 2, timeout=TIMEOUT_MS)
    drag(w.histogram.p_editor, 0.0, 0.0, 0.03)
    assert w.model.p[100] == pytest.approx(0.03, abs=0.003)
    assert w.runner.running
    assert np.array_equal(w.runner.fits["forward"].target.p, w.model.p)
    w.runner.pause()


def test_dragging_q_sets_the_start_and_waits_while_the_mouse_is_down(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    fast(w, 1)
    drag(w.histogram.q_editor, -4.0, 0.0, 0.05)
    mean, std = grid_moments(w.model.x, w.model.q)
    assert w.runner.start_params() == pytest.approx({"mu": mean, "sigma": std})
    assert w.optimizer_panel.mu_box.value() == pytest.approx(mean, abs=1e-3)
    w.runner.play()
    w.runner.advance(3)
    heights: list[float] = []
    drag(w.histogram.q_editor, 4.0, 0.0, 0.04,
         on_move=lambda: (w.runner.advance(1), heights.append(float(w.model.q[167]))))
    assert heights[-1] == pytest.approx(0.04, abs=0.004)  # the runner kept its hands off
    assert w.runner.steps == 0 and w.runner.running  # ... and starts again from the new Q
    mean, std = grid_moments(w.model.x, w.model.q)
    assert w.runner.start_params() == pytest.approx({"mu": mean, "sigma": std})
    w.runner.pause()


def test_one_run_is_one_undo_step(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    fast(w)
    before = w.model.snapshot()
    play_to_the_end(w, qtbot)
    assert w.history.count() == 1 and w.undo_action.text() == "Undo Fit Q (forward KL)"
    w.undo_action.trigger()
    assert w.model.snapshot().same_data(before)
    assert w.optimizer_panel.status_label.text() == "Step 0 · ready"


def test_closing_the_window_stops_the_timer(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    fast(w, 1)
    click(w.optimizer_panel.play_button)
    qtbot.waitUntil(lambda: w.runner.steps > 0, timeout=TIMEOUT_MS)
    w.close()  # Q has changed: the window first asks whether to save it ...
    box = next(b for b in w.findChildren(QMessageBox) if b.isVisible())
    assert not w.runner.running  # ... over a fit that holds still
    box.button(QMessageBox.StandardButton.Discard).click()
    assert not w.isVisible()
    running = [t for t in w.findChildren(QTimer) if t.isActive()]
    running += [t for t in QApplication.instance().findChildren(QTimer) if t.isActive()]
    assert running == [] and not w.runner.running


@pytest.mark.parametrize("preset", ["gap", "disjoint"])
def test_no_nan_with_any_direction_on_gaps(qtbot, preset) -> None:
    w = open_window(qtbot, preset)
    panel = w.optimizer_panel
    fast(w, 50)
    for name, button in panel.direction_buttons.items():
        click(button)
        for family in range(panel.family_box.count()):
            panel.family_box.setCurrentIndex(family)
            panel.family_box.activated.emit(family)
            w.runner.advance(10)
            assert np.all(np.isfinite(w.model.q)), (name, family)
            for curve in panel.loss_plot.curves.values():
                assert np.all(np.isfinite(curve.getData()[1]))
            assert "nan" not in panel.params_label.text().lower()
    reverse_note = panel.epsilon_note
    click(panel.direction_buttons["reverse"])
    assert reverse_note.isVisibleTo(panel)
    assert "floored at ε = 1e-6; readouts show the honest ∞" in reverse_note.text()
    assert w.readouts.values["kl_qp"].text() == "∞"


def test_captions_alpha_slider_and_epsilon_note_follow_the_direction(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    panel = w.optimizer_panel
    captions = {}
    for name, button in panel.direction_buttons.items():
        click(button)
        captions[name] = panel.caption.text()
        assert panel.alpha_slider.isVisibleTo(panel) == (name == "alpha")
        floored = name in ("reverse", "both")
        assert panel.epsilon_note.isVisibleTo(panel) == floored, name
    assert len(set(captions.values())) == 5
    assert "zero-avoiding" in captions["forward"] and "zero-forcing" in captions["reverse"]
    assert "readouts use the honest P" in panel.epsilon_note.text()
    click(panel.direction_buttons["alpha"])
    panel.alpha_slider.setValue(25)
    assert panel.alpha_label.text() == "0.25" and w.runner.settings.alpha == 0.25
    panel.alpha_slider.setValue(0)  # α = 0 is reverse KL: P is floored
    assert panel.epsilon_note.isVisibleTo(panel)


def test_every_control_explains_itself(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    panel = w.optimizer_panel
    controls = [c for c in panel.findChildren(QWidget)
                if c.isVisibleTo(panel) and not isinstance(c, QLabel)
                and c.parent() is panel and c is not panel.loss_plot]
    assert len(controls) >= 15
    assert all(c.toolTip() for c in controls), [c for c in controls if not c.toolTip()]


def test_units_step_reset_random_start_and_the_fit_menu(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    panel = w.optimizer_panel
    fast(w, 10)
    w.nats_action.trigger()
    assert panel.loss_plot.getPlotItem().getAxis("left").labelText == "objective (nats)"
    click(panel.step_button)
    assert w.runner.steps == 10 and not w.runner.running
    click(panel.reset_button)
    assert w.runner.steps == 0
    with qtbot.waitSignal(w.runner.finished, timeout=TIMEOUT_MS):
        click(panel.random_button)
    assert w.runner.settings.seed == 1
    menus = [a.text() for a in w.menuBar().actions()]
    assert menus.index("F&it") == menus.index("&Help") - 1
    assert panel.play_action in panel.menu.actions()
    assert panel.play_action.shortcut().toString() == "Space"
    assert w.optimizer_dock.toggleViewAction() in w.view_menu.actions()


def test_space_plays_and_pauses(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    fast(w, 1)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    qtbot.keyClick(w.histogram.p_editor, Qt.Key.Key_Space)
    assert w.runner.running and w.optimizer_panel.play_action.text() == "Pause"
    qtbot.keyClick(w.histogram.p_editor, Qt.Key.Key_Space)
    assert not w.runner.running
    box = w.optimizer_panel.fixed_sigma_box
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)  # a focused control keeps its Space
    assert box.isChecked() and not w.runner.running


def test_space_on_any_focused_control_of_the_window_is_the_controls_own(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    fast(w, 1)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    tool_button = w.toolbar.widgetForAction(w.swap_action)
    panel = w.optimizer_panel
    panel.direction_buttons["alpha"].click()  # shows the α slider
    controls = [w.preset_box, w.bins_box, tool_button, panel.family_box, panel.lr_box,
                panel.alpha_slider, panel.direction_buttons["reverse"]]
    for control in controls:
        control.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        control.setFocus()
        qtbot.waitUntil(control.hasFocus, timeout=500)
        qtbot.keyClick(control, Qt.Key.Key_Space)
        QApplication.processEvents()
        assert not w.runner.running, type(control).__name__
        popup = QApplication.activePopupWidget()  # Space opened the combo box's list
        if popup is not None:
            popup.close()
    w.histogram.q_editor.setFocus()
    qtbot.keyClick(w.histogram.q_editor, Qt.Key.Key_Space)  # the plots still play on Space
    assert w.runner.running
    w.runner.pause()


def drag_sideways(editor, x_from: float, x_to: float, y: float, on_move) -> None:
    """Press at (x_from, y), move in six steps to (x_to, y) and release, like a mouse."""
    editor.scene().minDragTime = 0
    start, end = to_widget(editor, x_from, y), to_widget(editor, x_to, y)
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    send(editor, QEvent.Type.MouseMove, start, none, none)
    send(editor, QEvent.Type.MouseButtonPress, start, left, left)
    for t in np.linspace(0, 1, 7)[1:]:
        pos = QPoint(round(start.x() + t * (end.x() - start.x())), start.y())
        send(editor, QEvent.Type.MouseMove, pos, none, left)
        on_move()
    send(editor, QEvent.Type.MouseButtonRelease, end, left, none)


def test_dragging_the_start_handle_moves_q_live_in_one_undo_step(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    handle = w.optimizer_panel.start_handle.line
    assert handle.isVisible() and handle.value() == pytest.approx(0.0, abs=1e-9)
    before, sigma = w.model.snapshot(), w.runner.start_params()["sigma"]
    means: list[float] = []
    drag_sideways(w.histogram.q_editor, 0.0, 2.0, GRIP_HEIGHT * w.histogram.top,
                  lambda: means.append(grid_moments(w.model.x, w.model.q)[0]))
    assert len(set(means)) >= 4 and means == sorted(means)  # Q followed the handle live
    assert handle.value() == pytest.approx(2.0, abs=0.1)
    start = w.runner.start_params()
    assert start == pytest.approx({"mu": handle.value(), "sigma": sigma})  # σ stays
    assert w.optimizer_panel.mu_box.value() == pytest.approx(handle.value(), abs=1e-3)
    assert w.history.count() == 1 and w.history.undoText() == "Set Q's start"
    w.undo_action.trigger()
    assert w.model.snapshot().same_data(before) and handle.value() == pytest.approx(0.0, abs=1e-9)
    click(w.optimizer_panel.play_button)
    assert not handle.isVisible()  # the start is not where Q is while it runs
    w.runner.pause()
    w.optimizer_panel.family_box.setCurrentIndex(3)
    w.optimizer_panel.family_box.activated.emit(3)
    assert not handle.isVisible()  # the categorical family has no location


def test_bars_under_the_start_line_are_still_dragged(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    assert w.optimizer_panel.start_handle.line.value() == pytest.approx(0.0, abs=1e-9)  # mid bar
    drag(w.histogram.q_editor, 0.0, 0.005, 0.03)
    assert w.model.q[100] == pytest.approx(0.03, abs=0.003)
    assert w.history.undoText().startswith("Drag Q bar")


def test_a_stalled_reverse_fit_shows_against_the_next_run(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    panel = w.optimizer_panel
    fast(w)
    click(panel.direction_buttons["reverse"])
    panel.lr_box.setValue(0.5)  # large steps from μ = 1 jump over the mode ...
    set_start(w, 1, 1, qtbot)
    play_to_the_end(w, qtbot)
    wide = w.runner.params("reverse")
    assert abs(wide["mu"]) < 0.1 and wide["sigma"] > 3  # ... to a wide compromise
    panel.lr_box.setValue(0.05)
    click(panel.reset_button)
    assert set(panel.loss_plot.previous) == {"reverse"}  # that run stays, faint
    play_to_the_end(w, qtbot)
    assert w.runner.params("reverse")["mu"] == pytest.approx(3.0, abs=0.01)
    before = panel.loss_plot.previous["reverse"].getData()[1]
    now = panel.loss_plot.curves["reverse"].getData()[1]
    assert before[-1] > now[-1] + 0.5  # bits: the mode is the better fit
    legend = [label.text for _, label in panel.loss_plot.legend.items]
    assert legend == ["KL(Q‖P)", "previous run"]
    click(panel.direction_buttons["forward"])
    assert panel.loss_plot.previous == {}


def test_start_handle_stays_off_labelled_bins(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    handle = w.optimizer_panel.start_handle
    assert handle.line.isVisible()
    w.model.load_preset("coin-fair-vs-rigged")  # "start μ = 0.50" between H and T means nothing
    assert not handle.line.isVisible() and not handle.grip.isVisible()
    w.model.load_preset("gap")
    assert handle.line.isVisible() and handle.grip.isVisible()


def test_step_counter_names_running_and_converged_only(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    label = w.optimizer_panel.status_label
    assert label.text() == "Step 0 · ready"
    w.runner.step(3)
    assert label.text() == f"Step {w.runner.steps}"
