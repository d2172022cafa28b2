"""The window's document: open/save round trips, title and modified marker, the prompt before
unsaved changes go, recent files, examples, CSV import/export, bad files and dropped files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from ui_helpers import open_window

from klviz.cli import main
from klviz.paths import example_sessions
from klviz.runner import FitSettings
from klviz.session import Session, load_session, save_session
from klviz.tables import read_table
from klviz.ui import documents
from klviz.ui.documents import MAX_RECENT, Choice
from klviz.ui.main_window import MainWindow

DATA = Path(__file__).parent / "data"
BAD_FILES = sorted((DATA / "bad").iterdir())


class Dialogs:
    """Stands in for every dialog of :mod:`klviz.ui.documents` and records what was shown."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.asked: list[str] = []
        self.choice = Choice.CANCEL
        self.open_path: str | None = None
        self.save_path: str | None = None
        self.save_suggested: list[str] = []

    def ask_save_changes(self, _parent, name: str, answer) -> None:
        self.asked.append(name)
        answer(self.choice)

    def show_error(self, _parent, text: str) -> None:
        self.errors.append(text)

    def choose_open_path(self, *_args) -> str | None:
        return self.open_path

    def choose_save_path(self, _parent, _title: str, suggested: str, _filters: str) -> str | None:
        self.save_suggested.append(suggested)
        return self.save_path


@pytest.fixture
def dialogs(monkeypatch) -> Dialogs:
    d = Dialogs()
    for name in ("ask_save_changes", "show_error", "choose_open_path", "choose_save_path"):
        monkeypatch.setattr(documents, name, getattr(d, name))
    return d


def edit(w: MainWindow, which: str = "p", index: int = 0, value: float = 0.3) -> None:
    """One undoable edit, as a drag or key press makes it."""
    w.history.record("Edit", lambda: w.model.set_bar(which, index, value))


def state(w: MainWindow) -> tuple:
    """Everything a failed open or save must leave alone."""
    d = w.documents
    return (w.model.snapshot(), w.model.units, d.path, d.modified, w.isWindowModified(),
            w.windowTitle(), w.history.count(), w.history.index(), w.history.undoText())


def same_state(a: tuple, b: tuple) -> bool:
    return a[0].same_data(b[0]) and a[1:] == b[1:]


# ---------------------------------------------------------------------- save and open
def test_round_trip_through_the_ui_keeps_arrays_and_settings_exactly(
    qtbot, dialogs, tmp_path
) -> None:
    w = open_window(qtbot, "bimodal")
    edit(w, "p", 3, 0.123456789)
    edit(w, "q", 7, 0.0)
    w.nats_action.trigger()
    w.overlay_action.setChecked(True)
    w.coding_action.setChecked(True)
    path = tmp_path / "lecture.klviz.json"
    assert w.documents.save_as(path)
    assert dialogs.errors == []

    other = open_window(qtbot, "gap")
    other.documents.open(path)
    for got, want in ((other.model.x, w.model.x), (other.model.p, w.model.p),
                      (other.model.q, w.model.q)):
        assert np.array_equal(got, want)
    assert other.model.labels == w.model.labels and other.model.preset == "bimodal"
    assert other.model.units == "nats"
    assert other.view_state() == {"overlay": True, "coding": True}
    assert other.documents.path == path and not other.documents.modified
    assert other.history.count() == 0  # a new document starts a new undo history
    assert other.windowTitle() == "lecture.klviz.json[*] — klviz"


def test_optimiser_settings_and_fits_round_trip(qtbot, dialogs, tmp_path) -> None:
    w = open_window(qtbot, "bimodal")
    w.runner.set_settings(FitSettings(family="mixture", direction="both", k=3, seed=4))
    w.runner.step(5)
    path = tmp_path / "fit.klviz.json"
    assert w.documents.save_as(path)
    assert load_session(path).optimizer["settings.family"] == "mixture"
    other = open_window(qtbot, "gap")
    other.documents.open(path)
    saved, restored = w.runner.state(), other.runner.state()
    assert restored["settings"] == saved["settings"]
    assert restored["init_theta"] == saved["init_theta"]
    for direction in ("forward", "reverse"):
        assert restored["fits"][direction]["theta"] == saved["fits"][direction]["theta"]
    assert np.array_equal(other.model.q, w.model.q) and not other.documents.modified


@pytest.mark.parametrize(
    ("optimizer", "problem"),
    [({"settings.family": "nope"}, "unknown family 'nope'"),
     ({"settings": 1, "settings.k": 2}, "clashes")],
)
def test_optimiser_settings_that_no_longer_fit_still_open_the_data(
    qtbot, dialogs, tmp_path, optimizer, problem
) -> None:
    path = tmp_path / "odd.klviz.json"
    save_session(Session.from_preset("die"), path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(doc | {"optimizer": optimizer}), encoding="utf-8")
    w = open_window(qtbot, "gap")
    w.documents.open(path)
    assert w.model.preset == "die" and w.documents.path == path and dialogs.errors == []
    message = w.statusBar().currentMessage()
    assert message.startswith("Optimiser settings not restored: ") and problem in message


def test_save_writes_back_to_the_file_it_opened(qtbot, dialogs, tmp_path) -> None:
    path = tmp_path / "coin.klviz.json"
    save_session(Session.from_preset("coin-fair-vs-rigged"), path)
    w = open_window(qtbot, "bimodal")
    w.documents.open(path)
    edit(w, "q", 0, 0.9)
    w.documents.save_action.trigger()
    assert dialogs.save_suggested == []  # no dialog: it has a file
    np.testing.assert_array_equal(load_session(path).q, w.model.q)
    assert not w.documents.modified


def test_save_as_dialog_suggests_a_name_and_adds_the_suffix(qtbot, dialogs, tmp_path) -> None:
    w = open_window(qtbot, "gap")
    dialogs.save_path = str(tmp_path / "talk")
    w.documents.save_action.trigger()  # untitled: Save asks where
    assert Path(dialogs.save_suggested[0]).name == "gap.klviz.json"
    assert w.documents.path == tmp_path / "talk.klviz.json"
    assert load_session(tmp_path / "talk.klviz.json").preset == "gap"
    dialogs.save_path = None  # cancelled: nothing changes
    edit(w)
    assert not w.documents.save_as()
    assert w.documents.path == tmp_path / "talk.klviz.json" and w.documents.modified


def test_file_menu_lists_the_document_actions_with_shortcuts(qtbot) -> None:
    w = open_window(qtbot)
    names = [a.text().replace("&", "") for a in w.file_menu.actions() if not a.isSeparator()]
    assert names[:7] == ["Open…", "Open Recent", "Open Example", "Save", "Save As…",
                         "Import CSV…", "Export CSV…"]
    assert names[-1] == "Quit"
    d = w.documents
    assert d.open_action.shortcut().toString() == "Ctrl+O"
    assert d.save_action.shortcut().toString() == "Ctrl+S"
    assert d.save_as_action.shortcut().toString() == "Ctrl+Shift+S"


# ---------------------------------------------------------------------- title and modified
def test_title_and_modified_marker_follow_the_undo_stack(qtbot, dialogs, tmp_path) -> None:
    w = open_window(qtbot, "bimodal")
    assert w.windowTitle() == "Bimodal P, one Gaussian Q[*] — klviz"
    assert not w.isWindowModified()
    edit(w)
    assert w.isWindowModified() and w.documents.modified
    w.undo_action.trigger()
    assert not w.isWindowModified()
    w.redo_action.trigger()
    assert w.isWindowModified()
    assert w.documents.save_as(tmp_path / "lecture.klviz.json")
    assert w.windowTitle() == "lecture.klviz.json[*] — klviz" and not w.isWindowModified()
    w.undo_action.trigger()  # away from the saved state ...
    assert w.isWindowModified()
    w.redo_action.trigger()  # ... and back to it
    assert not w.isWindowModified()
    w.nats_action.trigger()  # units and view are settings, not edits
    w.overlay_action.setChecked(True)
    assert not w.isWindowModified()


# ---------------------------------------------------------------------- unsaved changes
def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_window(qtbot, dialogs) -> None:
    w = open_window(qtbot, "gap")
    assert w.close()  # nothing unsaved: no question
    assert dialogs.asked == []
    w = open_window(qtbot, "gap")
    edit(w)
    dialogs.choice = Choice.CANCEL
    assert not w.close()
    assert dialogs.asked == ["P with a gap"] and w.isVisible() and w.documents.modified


def test_discard_closes_without_saving(qtbot, dialogs) -> None:
    w = open_window(qtbot, "gap")
    edit(w)
    dialogs.choice = Choice.DISCARD
    assert w.close()
    assert not w.isVisible()


def test_save_when_closing_writes_the_file_first(qtbot, dialogs, tmp_path) -> None:
    w = open_window(qtbot, "gap")
    edit(w, "p", 2, 0.5)
    dialogs.choice = Choice.SAVE
    dialogs.save_path = None  # untitled, and the Save As dialog is cancelled: stay open
    assert not w.close() and w.isVisible()
    dialogs.save_path = str(tmp_path / "gap.klviz.json")
    assert w.close() and not w.isVisible()
    assert load_session(tmp_path / "gap.klviz.json").p[2] == w.model.p[2]


def test_the_real_question_box_does_not_block_and_its_answer_counts(qtbot) -> None:
    w = open_window(qtbot, "gap")
    edit(w)
    assert not w.close()  # the question is open, the window stays
    boxes = [b for b in w.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1 and "P with a gap" in boxes[0].text()
    assert w.isVisible()
    w.close()  # asking again while the box is up changes nothing
    assert len([b for b in w.findChildren(QMessageBox) if b.isVisible()]) == 1
    boxes[0].button(QMessageBox.StandardButton.Discard).click()
    qtbot.waitUntil(lambda: not w.isVisible())


def test_opening_another_file_asks_first(qtbot, dialogs, tmp_path) -> None:
    path = tmp_path / "coin.klviz.json"
    save_session(Session.from_preset("coin-fair-vs-rigged"), path)
    w = open_window(qtbot, "gap")
    edit(w)
    before = state(w)
    dialogs.choice = Choice.CANCEL
    w.documents.open(path)
    assert dialogs.asked == ["P with a gap"] and same_state(state(w), before)
    dialogs.choice = Choice.DISCARD
    w.documents.open(path)
    assert w.documents.path == path and w.model.labels == ("H", "T")


# ---------------------------------------------------------------------- bad files
def modified_document(qtbot, tmp_path) -> MainWindow:
    """A window with a saved file, two undo steps after it, and one undone."""
    w = open_window(qtbot, "bimodal")
    assert w.documents.save_as(tmp_path / "mine.klviz.json")
    edit(w, "p", 1, 0.2)
    edit(w, "q", 2, 0.4)
    w.undo_action.trigger()
    return w


def test_each_bad_file_shows_one_line_and_changes_nothing(qtbot, dialogs, tmp_path) -> None:
    assert len(BAD_FILES) > 50
    w = modified_document(qtbot, tmp_path)
    before = state(w)
    dialogs.choice = Choice.DISCARD  # "open another file?" is answered, then the load fails
    for path in BAD_FILES:
        dialogs.errors.clear()
        w.documents.open(path)
        assert len(dialogs.errors) == 1, path.name
        message = dialogs.errors[0]
        assert "\n" not in message and path.name in message, message
        assert same_state(state(w), before), path.name
    assert len(dialogs.asked) == len(BAD_FILES)  # still unsaved after every failure
    assert w.documents.recent_files() == [str(tmp_path / "mine.klviz.json")]


@pytest.mark.parametrize("name", ["missing.klviz.json", "folder.klviz.json", "missing.csv"])
def test_unreadable_paths_show_one_line_and_change_nothing(qtbot, dialogs, tmp_path,
                                                           name) -> None:
    (tmp_path / "folder.klviz.json").mkdir()
    w = modified_document(qtbot, tmp_path)
    before = state(w)
    dialogs.choice = Choice.DISCARD
    w.documents.open(tmp_path / name)
    assert len(dialogs.errors) == 1 and name in dialogs.errors[0]
    assert "\n" not in dialogs.errors[0] and "Errno" not in dialogs.errors[0]
    assert same_state(state(w), before)


def test_the_real_error_box_shows_the_loader_message(qtbot, tmp_path) -> None:
    w = open_window(qtbot, "gap")
    w.documents.open(DATA / "bad" / "negative-weight.klviz.json")
    boxes = [b for b in w.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    assert "'p' has a negative value (-0.1) at bin 1" in boxes[0].text()
    boxes[0].button(QMessageBox.StandardButton.Ok).click()


def test_unnormalised_weights_are_accepted_with_a_notice(qtbot, dialogs, tmp_path) -> None:
    path = tmp_path / "raw.klviz.json"
    path.write_text(json.dumps({"format": "klviz-session", "version": 1,
                                "p": [2, 2], "q": [1, 3]}), encoding="utf-8")
    w = open_window(qtbot, "gap")
    w.documents.open(path)
    np.testing.assert_array_equal(w.model.p, [0.5, 0.5])
    np.testing.assert_array_equal(w.model.q, [0.25, 0.75])
    message = w.statusBar().currentMessage()
    assert "P was normalised" in message and "Q was normalised" in message
    assert dialogs.errors == []


# ---------------------------------------------------------------------- saving fails
@pytest.mark.parametrize("where", ["missing folder", "file as folder", "read-only folder"])
def test_saving_where_it_cannot_write_changes_nothing(qtbot, dialogs, tmp_path, where) -> None:
    w = modified_document(qtbot, tmp_path)
    folder = {"missing folder": tmp_path / "nope",
              "file as folder": tmp_path / "mine.klviz.json",
              "read-only folder": tmp_path / "locked"}[where]
    if where == "read-only folder":
        folder.mkdir(mode=0o500)
        if os.access(folder, os.W_OK):
            pytest.skip("running with privileges that ignore folder permissions")
    before = state(w)
    assert not w.documents.save_as(folder / "new.klviz.json")
    assert len(dialogs.errors) == 1 and "\n" not in dialogs.errors[0]
    assert dialogs.errors[0].startswith("Not saved: ")
    assert same_state(state(w), before)
    assert not (folder / "new.klviz.json").exists()


# ---------------------------------------------------------------------- recent files
def test_recent_files_newest_first_at_most_eight_and_clearable(qtbot, dialogs, tmp_path) -> None:
    w = open_window(qtbot, "gap")
    paths = [tmp_path / f"s{i}.klviz.json" for i in range(MAX_RECENT + 2)]
    for p in paths:
        assert w.documents.save_as(p)
    w.documents.open(paths[3])
    recent = w.documents.recent_files()
    assert recent[0] == str(paths[3]) and len(recent) == MAX_RECENT
    assert recent == [str(paths[i]) for i in (3, 9, 8, 7, 6, 5, 4, 2)]
    w.documents.recent_menu.aboutToShow.emit()
    entries = [a for a in w.documents.recent_menu.actions() if not a.isSeparator()]
    assert entries[0].text() == "&1 s3.klviz.json" and entries[0].toolTip() == str(paths[3])
    again = open_window(qtbot, "gap")  # remembered across windows (and runs)
    assert again.documents.recent_files() == recent
    w.documents.clear_recent_action.trigger()
    assert w.documents.recent_files() == []
    w.documents.recent_menu.aboutToShow.emit()
    assert [a.text() for a in w.documents.recent_menu.actions() if not a.isSeparator()] == [
        "No recent files", "&Clear Menu"]


def test_a_recent_file_that_is_gone_is_removed_with_a_notice(qtbot, dialogs, tmp_path) -> None:
    w = open_window(qtbot, "gap")
    kept, gone = tmp_path / "kept.klviz.json", tmp_path / "gone.klviz.json"
    assert w.documents.save_as(kept) and w.documents.save_as(gone)
    gone.unlink()
    w.documents.recent_menu.aboutToShow.emit()
    w.documents.recent_menu.actions()[0].trigger()
    assert w.documents.recent_files() == [str(kept)]
    assert "gone.klviz.json no longer exists" in w.statusBar().currentMessage()
    assert dialogs.errors == []
    w.documents.recent_menu.actions()[0].trigger()
    assert w.documents.path == kept


# ---------------------------------------------------------------------- examples and CSV
def test_examples_open_untitled_so_save_asks_where(qtbot, dialogs, tmp_path) -> None:
    w = open_window(qtbot, "gap")
    actions = w.documents.examples_menu.actions()
    assert [a.text() for a in actions] == [p.name.removesuffix(".klviz.json")
                                           for p in example_sessions()]
    coin = next(a for a in actions if a.text() == "coin")
    coin.trigger()
    assert w.model.labels == ("H", "T") and w.documents.path is None
    assert w.windowTitle() == "coin (example)[*] — klviz"
    dialogs.save_path = None
    assert not w.documents.save()
    assert Path(dialogs.save_suggested[0]).name == "coin.klviz.json"
    assert w.documents.recent_files() == []


def test_a_csv_opens_as_an_untitled_document(qtbot, dialogs, tmp_path) -> None:
    w = open_window(qtbot, "gap")
    dialogs.open_path = str(DATA / "p-only.csv")
    w.documents.open_action.trigger()
    np.testing.assert_allclose(w.model.p, [0.1, 0.2, 0.4, 0.2, 0.1])
    np.testing.assert_array_equal(w.model.q, np.full(5, 0.2))
    assert "so Q starts uniform" in w.statusBar().currentMessage()
    assert w.documents.path is None and w.windowTitle() == "p-only.csv[*] — klviz"
    assert not w.documents.modified
    dialogs.save_path = None
    w.documents.save()
    assert Path(dialogs.save_suggested[0]) == DATA / "p-only.klviz.json"


def test_import_csv_is_one_undoable_edit_of_the_document(qtbot, dialogs, tmp_path) -> None:
    w = open_window(qtbot, "bimodal")
    assert w.documents.save_as(tmp_path / "mine.klviz.json")
    before = w.model.snapshot()
    assert w.documents.import_csv(DATA / "coin.csv")
    assert w.model.labels == ("H", "T")
    np.testing.assert_array_equal(w.model.p, [0.99, 0.01])
    assert w.history.undoText() == "Import coin.csv" and w.documents.modified
    assert w.documents.path == tmp_path / "mine.klviz.json"
    w.undo_action.trigger()
    assert w.model.snapshot().same_data(before) and not w.documents.modified
    assert not w.documents.import_csv(DATA / "bad" / "csv-negative.csv")
    assert len(dialogs.errors) == 1 and w.model.snapshot().same_data(before)


@pytest.mark.parametrize("preset", ["tokens", "bimodal"])
def test_export_csv_reads_back_exactly(qtbot, dialogs, tmp_path, preset) -> None:
    w = open_window(qtbot, preset)
    edit(w, "q", 1, 0.3)
    path = tmp_path / "out.csv"
    assert w.documents.export_csv(path)
    table = read_table(path)
    np.testing.assert_array_equal(table.p, w.model.p)
    np.testing.assert_array_equal(table.q, w.model.q)
    if w.model.labels is None:
        np.testing.assert_array_equal(table.x, w.model.x)
    else:
        assert table.labels == w.model.labels and table.x is None
    assert w.documents.path is None and w.documents.modified  # exporting is not saving
    assert not w.documents.export_csv(tmp_path / "nope" / "out.csv")
    assert dialogs.errors[0].startswith("Not exported: ")


# ---------------------------------------------------------------------- drag and drop
def drop(target, path: Path) -> tuple[bool, bool]:
    """Drag ``path`` over ``target`` and drop it; whether enter and drop were accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = QPointF(target.width() / 2, target.height() / 2)
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False, False
    dropped = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, QEvent.Type.Drop)
    QApplication.sendEvent(target, dropped)
    return True, dropped.isAccepted()


def test_dropping_a_session_or_csv_opens_it(qtbot, dialogs, tmp_path) -> None:
    path = tmp_path / "dropped.klviz.json"
    save_session(Session.from_preset("die"), path)
    w = open_window(qtbot, "gap")
    assert drop(w, path) == (True, True)
    assert w.documents.path == path and w.model.preset == "die"
    assert drop(w.histogram.p_editor.viewport(), DATA / "coin.csv") == (True, True)  # a plot
    assert w.model.labels == ("H", "T") and w.windowTitle() == "coin.csv[*] — klviz"


def test_other_files_are_not_taken(qtbot, dialogs, tmp_path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    w = open_window(qtbot, "gap")
    before = state(w)
    assert drop(w, text) == (False, False)
    assert same_state(state(w), before) and dialogs.errors == []


# ---------------------------------------------------------------------- the klviz command
def test_klviz_file_opens_the_session_as_the_document(qapp, tmp_path) -> None:
    path = tmp_path / "lecture.klviz.json"
    save_session(Session.from_preset("tokens", units="nats"), path)
    seen: dict = {}

    def look_and_close() -> None:
        w = next(w for w in QApplication.topLevelWidgets()
                 if isinstance(w, MainWindow) and w.isVisible())
        seen.update(path=w.documents.path, title=w.windowTitle(), units=w.model.units,
                    modified=w.documents.modified)
        w.close()

    for argv in ([str(path)], ["--session", str(path)]):
        QTimer.singleShot(0, look_and_close)
        assert main(argv) == 0
        assert seen == {"path": path, "title": "lecture.klviz.json[*] — klviz",
                        "units": "nats", "modified": False}
