"""The export actions and dialogs: File ▸ Export Figure…, File ▸ Export Animation…, Edit ▸
Copy Figure — options, preview, remembered choices, the file dialog and errors."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from PIL import Image
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QProgressDialog
from ui_helpers import open_window

from klviz import export
from klviz.ui import export_dialog
from klviz.ui.export_dialog import AnimationDialog, ExportDialog, FigureChoices

SIZE = (1200, 800)


@pytest.fixture
def window(qtbot):
    return open_window(qtbot, "coin-fair-vs-rigged", size=SIZE)


def choose(dialog: ExportDialog, **choices: object) -> None:
    """Set the dialog's options as a user would pick them."""
    boxes = {"view": dialog.view_box, "fmt": dialog.format_box, "scale": dialog.scale_box,
             "theme": dialog.theme_box}
    for key, value in choices.items():
        if key == "transparent":
            dialog.transparent_box.setChecked(bool(value))
        else:
            box = boxes[key]
            box.setCurrentIndex(box.findData(str(value) if key == "scale" else value))


def test_menus_list_the_export_actions_with_unique_shortcuts(window) -> None:
    names = [a.text().replace("&", "") for a in window.file_menu.actions()
             if not a.isSeparator()]
    assert names[-3:] == ["Export Figure…", "Export Animation…", "Quit"]
    assert window.exports.export_action.shortcut().toString() == "Ctrl+E"
    assert window.exports.copy_action.shortcut().toString() == "Ctrl+Shift+C"
    assert window.exports.copy_action in window.edit_menu.actions()
    keys = Counter(k.toString() for a in window.findChildren(QAction) for k in a.shortcuts())
    assert [k for k, n in keys.items() if n > 1] == []  # an ambiguous shortcut does nothing


def test_export_writes_the_chosen_format_and_remembers_the_choices(window, tmp_path) -> None:
    dialog = window.exports.open_export_dialog()
    choose(dialog, view="bars", fmt="svg", theme="slide")
    assert not dialog.scale_box.isEnabled() and not dialog.transparent_box.isEnabled()
    written = dialog.export(tmp_path / "figure")
    assert written == tmp_path / "figure.svg"
    assert written.read_bytes().startswith(b"<?xml")
    assert "figure.svg" in window.statusBar().currentMessage()
    remembered = FigureChoices.load()
    assert (remembered.view, remembered.fmt, remembered.theme) == ("bars", "svg", "slide")
    assert remembered.folder == str(tmp_path)
    again = ExportDialog(window)
    assert again.choices() == remembered


def test_preview_follows_the_options(window) -> None:
    dialog = ExportDialog(window)
    choose(dialog, view="bars", fmt="png", scale=2, theme="window", transparent=False)
    size = export.view_size(window, "bars")
    assert dialog.size_label.text() == f"{2 * size.width()} × {2 * size.height()} pixels"
    screen = dialog.preview.pixmap().toImage()
    choose(dialog, theme="slide")
    assert dialog.preview.pixmap().toImage() != screen
    choose(dialog, fmt="pdf")
    assert dialog.size_label.text().startswith("vector, a ")


def test_the_file_dialog_names_the_file(window, tmp_path, monkeypatch) -> None:
    asked = []

    def chooser(parent, title, suggested, filters):
        asked.append((suggested, filters))
        return str(tmp_path / "picked.png") if len(asked) == 1 else None

    monkeypatch.setattr(export_dialog, "choose_figure_path", chooser)
    dialog = ExportDialog(window)
    choose(dialog, view="curves", fmt="png", scale=1)
    assert dialog.export() == tmp_path / "picked.png"
    assert asked[0][0].endswith("klviz-curves.png") and "*.png" in asked[0][1]
    assert ExportDialog(window).export() is None  # cancelled: nothing happens
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picked.png"]


def test_an_unwritable_place_gives_one_line_and_no_file(window, tmp_path) -> None:
    dialog = ExportDialog(window)
    choose(dialog, view="bars", fmt="pdf")
    assert dialog.export(tmp_path / "missing" / "figure.pdf") is None
    assert dialog.error_box is not None
    text = dialog.error_box.text()
    assert "folder does not exist" in text and "\n" not in text
    assert not (tmp_path / "missing").exists()
    dialog.error_box.close()


def test_the_optimiser_view_needs_the_optimiser_on_show(window) -> None:
    window.optimizer_dock.hide()
    dialog = ExportDialog(window)
    item = dialog.view_box.model().item(dialog.view_box.findData("optimizer"))
    assert not item.isEnabled()
    with pytest.raises(ValueError, match="optimiser panel is hidden"):
        export.view_size(window, "optimizer")


def test_copy_figure_uses_the_remembered_view(window) -> None:
    FigureChoices(view="curves").save()
    size = export.view_size(window, "curves")
    window.exports.copy_action.trigger()
    image = QGuiApplication.clipboard().image()
    assert (image.width(), image.height()) == (2 * size.width(), 2 * size.height())
    assert "clipboard" in window.statusBar().currentMessage()


@pytest.fixture
def fitting(qtbot):
    w = open_window(qtbot, "bimodal", size=SIZE)
    w.runner.set_settings(dataclasses.replace(w.runner.settings, direction="reverse"))
    w.runner.set_start(1.0, 2.0)
    return w


def test_animation_dialog_records_a_gif(fitting, tmp_path) -> None:
    fitting.optimizer_dock.hide()
    dialog = fitting.exports.open_animation_dialog()
    assert fitting.optimizer_dock.isVisible()  # the recording shows the optimiser
    assert isinstance(dialog, AnimationDialog)
    dialog.frames_box.setValue(3)
    dialog.width_box.setValue(200)
    written = dialog.record(tmp_path / "fit")
    assert written == tmp_path / "fit.gif"
    with Image.open(written) as gif:
        assert gif.n_frames == 3 and gif.width == 200
    assert dialog.progress is not None and dialog.progress.isHidden()
    assert AnimationDialog(fitting).choices().frames == 3  # remembered


def test_cancelling_the_recording_writes_nothing(fitting, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: True)
    dialog = AnimationDialog(fitting)
    dialog.frames_box.setValue(4)
    dialog.width_box.setValue(160)
    q = fitting.model.q.copy()
    assert dialog.record(tmp_path / "fit.gif") is None
    assert list(tmp_path.iterdir()) == []
    assert (fitting.model.q == q).all()
    assert "cancelled" in fitting.statusBar().currentMessage()
