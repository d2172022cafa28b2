"""The main window: controls, menus, undoable actions, remembered settings, a real picture."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QMessageBox, QWidgetAction
from ui_helpers import (
    open_window,
)

from klviz import __version__
from klviz.core.distributions import get_preset, preset_names
from klviz.ui.main_window import MainWindow
from klviz.ui.theme import SCREEN


def test_title_caption_and_menus(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    assert w.windowTitle() == "Bimodal P, one Gaussian Q[*] — klviz"
    assert get_preset("bimodal").description.split(";")[0] in w.caption.text()
    menus = {m.title().replace("&", ""): m for m in (w.file_menu, w.edit_menu, w.view_menu,
                                                      w.help_menu)}
    assert list(menus) == ["File", "Edit", "View", "Help"]
    edit = [a.text().replace("&", "") for a in w.edit_menu.actions() if not a.isSeparator()]
    assert edit[2:] == ["Swap P and Q", "Copy P to Q", "Uniform P", "Uniform Q", "Reset",
                        "Copy Figure"]
    assert w.undo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert QKeySequence("Ctrl+Shift+Z") in w.redo_action.shortcuts()
    buttons = [a for a in w.toolbar.actions()
               if not a.isSeparator() and not isinstance(a, QWidgetAction)]
    assert len(buttons) == 9 and all(a.toolTip() for a in buttons)
    assert w.preset_box.toolTip() and w.bins_box.toolTip()


def test_every_preset_can_be_chosen_and_each_load_is_an_undo_step(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    for i, name in enumerate(preset_names()):
        w.preset_box.activated.emit(i)
        assert w.model.preset == name
        pr = get_preset(name)
        assert w.windowTitle() == f"{pr.title}[*] — klviz" and pr.title in w.caption.text()
        assert w.bins_box.isEnabled() == (pr.labels is None)
    assert w.history.count() == len(preset_names())
    w.preset_box.activated.emit(len(preset_names()) - 1)  # the same again: nothing changes
    assert w.history.count() == len(preset_names())
    w.undo_action.trigger()
    assert w.model.preset == preset_names()[-2]
    assert w.preset_box.currentData() == preset_names()[-2]


def test_bins_spin_box_resamples_undoably(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    before = w.model.snapshot()
    w.bins_box.setValue(64)
    assert w.model.n_bins == 64 and w.history.count() == 1
    assert w.histogram.p_editor.bars["p"].n_bins == 64
    w.undo_action.trigger()
    assert w.model.snapshot().same_data(before) and w.bins_box.value() == 201
    w.preset_box.activated.emit(preset_names().index("tokens"))
    assert not w.bins_box.isEnabled() and w.bins_box.value() == 8


def test_units_are_not_an_undo_step(qtbot) -> None:
    w = open_window(qtbot, "coin-fair-vs-rigged")
    w.nats_action.trigger()
    assert w.model.units == "nats" and w.nats_action.isChecked()
    assert w.readouts.units["kl_pq"].text() == "nats"
    assert w.history.count() == 0
    w.model.set_units("bits")
    assert w.bits_action.isChecked()


@pytest.mark.parametrize(
    ("action", "check"),
    [
        ("swap_action", lambda m, p, q: np.array_equal(m.p, q) and np.array_equal(m.q, p)),
        ("copy_action", lambda m, p, q: np.array_equal(m.q, p) and m.stats()["kl_pq"] == 0),
        ("uniform_p_action", lambda m, p, q: np.allclose(m.p, 1 / m.n_bins)),
        ("uniform_q_action", lambda m, p, q: np.allclose(m.q, 1 / m.n_bins)),
    ],
)
def test_edit_actions_are_undoable(qtbot, action: str, check) -> None:
    w = open_window(qtbot, "tokens")
    m = w.model
    before = m.snapshot()
    getattr(w, action).trigger()
    assert check(m, before.p, before.q)
    assert w.history.count() == 1
    w.undo_action.trigger()
    assert m.snapshot().same_data(before)


def test_reset_reloads_the_preset(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    fresh = w.model.snapshot()
    w.bins_box.setValue(30)
    w.model.set_bar("p", 3, 0.5)
    w.reset_action.trigger()
    assert w.model.snapshot().same_data(fresh)
    assert w.bins_box.value() == 201


def test_notices_reach_the_status_bar(qtbot) -> None:
    w = open_window(qtbot, "tokens")
    w.model.set_data(None, [1, 1, 2], [1, 1, 1])
    message = w.statusBar().currentMessage()
    assert "P was normalised" in message and "Q was normalised" in message
    assert w.windowTitle() == "Custom data[*] — klviz"


def test_overlay_and_coding_view_toggles(qtbot) -> None:
    w = open_window(qtbot, "tokens")
    w.overlay_action.setChecked(True)
    assert w.histogram.overlay and not w.histogram.q_editor.isVisible()
    assert w.histogram.p_editor.bars["q"].isVisible()
    w.overlay_action.setChecked(False)
    assert w.histogram.q_editor.isVisible() and not w.histogram.p_editor.bars["q"].isVisible()
    w.coding_action.setChecked(True)
    assert w.curves.coding_view


def test_zooming_in_and_back_out(qtbot) -> None:
    w = open_window(qtbot, "bimodal")
    editor, curves = w.histogram.p_editor, w.curves.plot
    full = editor.getViewBox().viewRange()[0]
    editor.setXRange(-1.0, 1.0, padding=0.0)
    for view in (curves, w.histogram.q_editor):  # linked, and lined up on screen
        assert view.getViewBox().viewRange()[0] == pytest.approx([-1.0, 1.0])
    w.show_all_action.trigger()
    assert editor.getViewBox().viewRange()[0] == pytest.approx(full)


def test_settings_are_remembered(qtbot) -> None:
    w = open_window(qtbot, "gap")
    w.nats_action.trigger()
    w.overlay_action.setChecked(True)
    w.resize(1111, 777)
    w.close()
    again = open_window(qtbot, size=None)  # no preset given: the one shown last
    assert again.model.preset == "gap" and again.model.units == "nats"
    assert again.overlay_action.isChecked()
    # the geometry came back (the offscreen test screen may clamp it, so not its exact size)
    assert (again.width(), again.height()) != (1400, 900)


def test_help_dialogs_explain_kl(qtbot) -> None:
    w = open_window(qtbot, "tokens")
    box = w.show_what_is_kl()
    qtbot.waitExposed(box)
    text = box.text()
    for phrase in ("H(P,Q) − H(P)", "extra", "not symmetric", "mass-covering", "zero-avoiding",
                   "mode-seeking", "zero-forcing"):
        assert phrase in text
    box.close()
    about = w.show_about()
    assert isinstance(about, QMessageBox) and __version__ in about.text()
    about.close()


def test_add_dock_takes_a_panel(qtbot) -> None:
    w = open_window(qtbot, "tokens")
    panel = QLabel("optimiser")
    dock = w.add_dock(panel, "Optimiser")
    assert dock.widget() is panel and dock.toggleViewAction() in w.view_menu.actions()


def test_window_renders_to_a_picture_with_both_colours(qtbot, tmp_path) -> None:
    w = open_window(qtbot, "bimodal")
    path = tmp_path / "window.png"
    assert w.grab().save(str(path))
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    assert image.width() >= 1400
    pixels = np.frombuffer(image.constBits(), np.uint32).reshape(image.height(), -1)
    rgb = np.stack([(pixels >> s) & 0xFF for s in (16, 8, 0)], axis=-1).astype(int)

    def share(hex_colour: str) -> float:
        """Share of pixels showing a bar colour."""
        target = np.array(SCREEN.bar_color(hex_colour).getRgb()[:3])
        return float(np.mean(np.abs(rgb - target).sum(axis=-1) < 30))

    # P blue and Q vermillion bars (the plots share the width with readouts and optimiser)
    assert share(SCREEN.p) > 0.01 and share(SCREEN.q) > 0.01
    assert len(np.unique(pixels)) > 50


def test_no_timer_is_left_running_after_close(qtbot) -> None:
    w = open_window(qtbot, "gap")
    w.show_notice("a notice with a timeout")
    w.histogram.p_editor.select(3)
    w.close()
    running = [t for t in w.findChildren(QTimer) if t.isActive()]
    running += [t for t in QApplication.instance().findChildren(QTimer) if t.isActive()]
    assert running == []


def test_window_takes_its_look_from_a_theme(qtbot) -> None:
    from dataclasses import replace

    w = open_window(qtbot, "tokens")
    dark = replace(SCREEN, name="test", background="#101010", p="#56B4E9")
    w.apply_theme(dark)
    assert w.theme is dark
    assert w.histogram.p_editor.backgroundBrush().color().name() == "#101010"
    assert isinstance(w, MainWindow)


def test_switching_between_bar_and_line_grids_in_every_order(qtbot) -> None:
    # Regression: going from few bins (bars, step data) to many (clipped lines) used to
    # raise inside pyqtgraph when clipping was toggled over the old grid's data.
    w = open_window(qtbot, "tokens")
    names = preset_names()
    for a in names:
        for b in names:
            w.model.load_preset(a)
            w.model.load_preset(b)
            assert not np.isnan(np.concatenate(w.curves.values())).any()


def _mnemonic(text: str) -> str | None:
    """The letter after a single ``&`` (``&&`` is a literal ampersand), lower-cased."""
    found = re.search(r"&(.)", text.replace("&&", ""))
    return found.group(1).lower() if found else None


def _walk(menu: QMenu) -> list[tuple[QMenu, list[QAction]]]:
    menu.aboutToShow.emit()  # menus filled on demand (Open Recent)
    actions = [a for a in menu.actions() if not a.isSeparator()]
    found = [(menu, actions)]
    for action in actions:
        if action.menu() is not None:
            found += _walk(action.menu())
    return found


def _check_menus(w: MainWindow) -> None:
    bar = [a for a in w.menuBar().actions() if not a.isSeparator()]
    menus = [(None, bar)] + [found for a in bar for found in _walk(a.menu())]
    assert {m.title() for m, _ in menus if m} >= {"Open &Recent", "F&it", "&View"}
    for menu, actions in menus:
        where = menu.title() if menu else "menu bar"
        keys = [k for k in map(_mnemonic, (a.text() for a in actions)) if k]
        assert len(keys) == len(set(keys)), f"{where}: {keys}"
        if menu is None:
            continue
        for a in actions:
            name = a.text().replace("&", "").rstrip("…")
            assert a.statusTip(), f"{where} ▸ {name}: no status tip"
            # Qt falls back on the text when no tooltip is set; a recent file's is its path
            assert a.toolTip().replace("&", "").rstrip("…") != name, f"{where} ▸ {name}"


def test_every_menu_has_unique_mnemonics_and_every_entry_a_tooltip_and_status_tip(
        qtbot, tmp_path) -> None:
    w = open_window(qtbot, "bimodal")
    _check_menus(w)  # Open Recent empty
    assert w.documents.save_as(tmp_path / "mine.klviz.json")
    _check_menus(w)  # Open Recent with one file
    assert w.optimizer_panel.reset_action.text() == "Reset Fit"
    assert w.undo_action.statusTip() == "Undo the last edit"
