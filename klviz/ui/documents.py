"""The window's document: the session file it shows, whether it has unsaved changes, and the
File menu that opens, saves, imports and exports it — plus autosave and crash recovery.

Rules:

- Opening (File ▸ Open…, Open Recent, Open Example, a dropped file, ``klviz FILE``) replaces
  the document: once unsaved changes are saved or discarded (the user is asked), P, Q, units,
  view and optimiser settings come from the file and the undo history starts afresh — undo
  never reaches back into another file. A ``.csv`` opens as an untitled document; an example
  opens untitled too, so Save never writes into klviz's own files. *Import CSV…* instead
  replaces P and Q as one undoable edit of the current document.
- The optimiser's settings and fitted parameters (``window.runner.state()``) are saved in
  the session's ``optimizer`` field, nested keys joined by dots (session settings are flat),
  and restored on open; if they no longer fit, the data still opens and a notice says so.
- A file that cannot be loaded or saved changes nothing — data, file path, modified flag and
  undo history stay as they were — and one message box says why, in one line.
- "Modified" follows the undo stack's clean state: undoing back to the saved state clears it.
  Units and view settings are saved with the session but are not edits.
- Every change is autosaved (:mod:`klviz.autosave`) at most :data:`AUTOSAVE_DELAY_MS` later,
  while the document is modified; a clean exit removes the autosave.
- Dialogs go through the module functions :func:`ask_save_changes`, :func:`ask_recover`,
  :func:`show_error`, :func:`choose_open_path` and :func:`choose_save_path`, which tests
  replace. Questions never block: they are window-modal and answer through a callback.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shiboken6
from PySide6.QtCore import QEvent, QObject, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from klviz.autosave import Autosave, claim_orphan
from klviz.paths import example_sessions
from klviz.session import Session, load_session, save_session
from klviz.tables import read_table, write_table
from klviz.ui.actions import make_action, set_tip
from klviz.ui.settings import app_settings

if TYPE_CHECKING:  # pragma: no cover
    from klviz.ui.main_window import MainWindow

__all__ = [
    "AUTOSAVE_DELAY_MS",
    "MAX_RECENT",
    "Choice",
    "DocumentController",
    "Recovery",
    "ask_recover",
    "ask_save_changes",
    "choose_open_path",
    "choose_save_path",
    "show_error",
]

AUTOSAVE_DELAY_MS = 1500
"""Longest time between a change and its autosave."""

MAX_RECENT = 8
"""How many files File ▸ Open Recent lists."""

SESSION_SUFFIX = ".klviz.json"
SESSION_FILTER = "klviz sessions (*.klviz.json *.json)"
CSV_FILTER = "CSV tables (*.csv)"
OPEN_FILTER = f"klviz sessions and CSV tables (*.klviz.json *.json *.csv);;{SESSION_FILTER};;" \
    f"{CSV_FILTER}"
RECOVERED_NAME = "Recovered session"

_RECENT_KEY = "documents/recent"
_FOLDER_KEY = "documents/folder"
_OPENABLE = (".json", ".csv")


class Choice(Enum):
    """Answers to "save your changes first?"."""

    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Recovery(Enum):
    """Answers to "restore the session autosaved before klviz stopped?"."""

    RESTORE = "restore"
    DISCARD = "discard"
    LATER = "later"  # the box was closed: keep the autosave for the next start


# ---------------------------------------------------------------------- dialogs (replaceable)
def ask_save_changes(parent: QWidget, name: str, answer: Callable[[Choice], None]) -> None:
    """Ask (window-modal, without blocking) whether to save ``name`` first; Escape cancels."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, "klviz", f"Save the changes to “{name}”?",
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel, parent,
    )
    box.setInformativeText("If you don't save them, your changes will be lost.")
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    choices = {QMessageBox.StandardButton.Save: Choice.SAVE,
               QMessageBox.StandardButton.Discard: Choice.DISCARD}

    def finished() -> None:
        answer(choices.get(box.standardButton(box.clickedButton()), Choice.CANCEL))

    _open_box(box, finished)


def ask_recover(parent: QWidget, saved_at: datetime, answer: Callable[[Recovery], None]) -> None:
    """Offer (without blocking) to restore a session autosaved before klviz stopped."""
    box = QMessageBox(
        QMessageBox.Icon.Question, "klviz",
        "klviz did not close properly last time. Restore the unsaved session it autosaved "
        f"at {saved_at:%H:%M} on {saved_at:%d %b %Y}?", QMessageBox.StandardButton.NoButton,
        parent,
    )
    restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(restore)

    def finished() -> None:
        clicked = box.clickedButton()
        answer(Recovery.RESTORE if clicked is restore
               else Recovery.DISCARD if clicked is discard else Recovery.LATER)

    _open_box(box, finished)


def show_error(parent: QWidget, text: str) -> None:
    """Show a one-line problem in a message box (without blocking)."""
    box = QMessageBox(QMessageBox.Icon.Warning, "klviz", text, QMessageBox.StandardButton.Ok,
                      parent)
    _open_box(box, lambda: None)


def _open_box(box: QMessageBox, finished: Callable[[], None]) -> None:
    box.setTextFormat(Qt.TextFormat.PlainText)  # file names are never read as HTML
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.finished.connect(finished)
    box.open()


def choose_open_path(parent: QWidget, title: str, folder: str, filters: str) -> str | None:
    """A file to open, from the platform's file dialog (None if cancelled)."""
    path, _ = QFileDialog.getOpenFileName(parent, title, folder, filters)
    return path or None


def choose_save_path(parent: QWidget, title: str, suggested: str, filters: str) -> str | None:
    """A file to write, from the platform's file dialog (None if cancelled)."""
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return path or None


# ---------------------------------------------------------------------- helpers
def _problem(exc: Exception, path: Path) -> str:
    """One line saying what went wrong with ``path``."""
    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else path
        return f"{where}: {exc.strerror or exc}"
    return str(exc)


def _flat(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested settings as one level, keys joined by dots: ``{"fits.forward.theta": [...]}``."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`_flat`; ``ValueError`` when keys clash (``a`` and ``a.b``)."""
    tree: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, leaf = key.split(".")
        node = tree
        for part in parents:
            if part in node and not isinstance(node[part], dict):
                raise ValueError(f"setting {key!r} clashes with setting {part!r}")
            node = node.setdefault(part, {})
        if leaf in node:
            raise ValueError(f"setting {key!r} clashes with another one")
        node[leaf] = value
    return tree


def _stem(name: str) -> str:
    """A file name without the suffixes klviz uses."""
    for suffix in (SESSION_SUFFIX, ".json", ".csv"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _session_from_table(path: Path, units: str, view: dict[str, object]) -> Session:
    """A CSV table as a session; raw weights (the model normalises them visibly), and a
    missing P or Q starts uniform."""
    table = read_table(path)
    n = (table.p if table.p is not None else table.q).size  # it has a p or a q column
    uniform = np.full(n, 1.0 / n)
    notes = [f"{path.name} has no {name.lower()} column, so {name} starts uniform"
             for name, weights in (("P", table.p), ("Q", table.q)) if weights is None]
    return Session(
        x=np.arange(n, dtype=np.float64) if table.x is None else table.x,
        p=uniform if table.p is None else table.p,
        q=uniform if table.q is None else table.q,
        labels=table.labels, units=units, view=view, notes=notes,
    )


# ---------------------------------------------------------------------- the controller
class DocumentController(QObject):
    """The document behind one :class:`~klviz.ui.main_window.MainWindow`.

    It adds Open…, Open Recent, Open Example, Save, Save As…, Import CSV… and Export CSV… to
    the window's File menu, keeps the title ("lecture.klviz.json[*] — klviz") and modified
    marker, asks before unsaved changes are closed or replaced, opens dropped files, and
    autosaves. Methods taking a path skip the file dialog.
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._model = window.model
        self._history = window.history
        self._path: Path | None = None
        self._untitled_name: str | None = None
        self._title_preset: object = object()  # never a preset name: set the title first time
        self._asking = False
        self._in_close_event = False
        self._close_accepted = False
        self._closing = False
        self._autosave = Autosave()
        self._autosave_problem: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_DELAY_MS)
        self._timer.timeout.connect(self.autosave_now)

        self._build_actions()
        self._history.cleanChanged.connect(self._clean_changed)
        self._history.indexChanged.connect(self._schedule_autosave)
        self._model.dataChanged.connect(self._data_changed)
        self._model.unitsChanged.connect(self._schedule_autosave)
        for action in (window.overlay_action, window.coding_action):
            action.toggled.connect(self._schedule_autosave)
        window.runner.runningChanged.connect(self._schedule_autosave)  # e.g. a fit stopped
        window.runner.restarted.connect(self._schedule_autosave)  # new optimiser settings
        window.setAcceptDrops(True)
        window.installEventFilter(self)
        self._update_title()

    # ------------------------------------------------------------------ state
    @property
    def path(self) -> Path | None:
        """The session file the document is saved in, or None for an untitled document."""
        return self._path

    @property
    def name(self) -> str:
        """The document's name in the title: its file name, where it came from, or the
        preset it shows."""
        if self._path is not None:
            return self._path.name
        if self._untitled_name is not None:
            return self._untitled_name
        return self._window.data_title()

    @property
    def modified(self) -> bool:
        """True when the document has changes that are not saved."""
        return not self._history.isClean()

    def current_session(self) -> Session:
        """Everything Save writes: the data, units, preset, the window's view settings and
        the optimiser's settings and fitted parameters."""
        m = self._model
        return Session(x=m.x, p=m.p, q=m.q, labels=m.labels, units=m.units, preset=m.preset,
                       view=self._window.view_state(),
                       optimizer=_flat(self._window.runner.state()))

    # ------------------------------------------------------------------ menu
    def _build_actions(self) -> None:
        keys = QKeySequence.StandardKey
        self.open_action = make_action(
            self._window,
            "&Open…", "Open a saved session (.klviz.json) or a CSV table of P and Q", self.open,
            shortcut=keys.Open)
        self.save_action = make_action(
            self._window,
            "&Save", "Save P, Q and the settings to the session file", self.save,
            shortcut=keys.Save)
        self.save_as_action = make_action(
            self._window,
            "Save &As…", "Save P, Q and the settings to a new session file", self.save_as,
            shortcut="Ctrl+Shift+S")
        self.import_action = make_action(
            self._window,
            "&Import CSV…", "Replace P and Q by a CSV table's (an undoable edit)",
            self.import_csv)
        self.export_action = make_action(
            self._window,
            "Export CS&V…", "Write P and Q to a CSV table (x or label, p, q)", self.export_csv)
        self.recent_menu = QMenu("Open &Recent", self._window)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        set_tip(self.recent_menu.menuAction(), "Open one of the files opened or saved lately")
        self.clear_recent_action = make_action(
            self._window, "&Clear Menu", "Forget the recent files", self.clear_recent)
        self.examples_menu = QMenu("Open E&xample", self._window)
        for path in self._examples():
            action = make_action(self._window, _stem(path.name),
                                 f"Open the example session {path.name}",
                                 lambda p=path: self.open_example(p))
            self.examples_menu.addAction(action)
        self.examples_menu.setEnabled(not self.examples_menu.isEmpty())
        set_tip(self.examples_menu.menuAction(), "Open one of the example sessions that come with klviz")
        self._fill_recent_menu()

        menu, before = self._window.file_menu, self._window.quit_action
        menu.insertAction(before, self.open_action)
        menu.insertMenu(before, self.recent_menu)
        menu.insertMenu(before, self.examples_menu)
        menu.insertSeparator(before)
        menu.insertActions(before, [self.save_action, self.save_as_action])
        menu.insertSeparator(before)
        menu.insertActions(before, [self.import_action, self.export_action])
        menu.insertSeparator(before)

    @staticmethod
    def _examples() -> list[Path]:
        try:
            return example_sessions()
        except FileNotFoundError:
            return []

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = self.recent_files()
        for i, file in enumerate(files, start=1):
            action = make_action(menu, f"&{i} {Path(file).name}", file,  # menu.clear() frees it
                                 lambda f=file: self.open_recent(f))
            menu.addAction(action)
        if not files:
            empty = make_action(menu, "No recent files",
                                "Sessions and tables you open or save are listed here")
            empty.setEnabled(False)
            menu.addAction(empty)
        menu.addSeparator()
        menu.addAction(self.clear_recent_action)
        self.clear_recent_action.setEnabled(bool(files))

    # ------------------------------------------------------------------ recent files
    def recent_files(self) -> list[str]:
        """Files opened or saved lately, newest first (at most :data:`MAX_RECENT`)."""
        files = app_settings().value(_RECENT_KEY, [], type=list)
        return [f for f in files if isinstance(f, str)][:MAX_RECENT]

    def clear_recent(self) -> None:
        """Empty File ▸ Open Recent."""
        self._store_recent([])

    def _store_recent(self, files: list[str]) -> None:
        s = app_settings()
        s.setValue(_RECENT_KEY, files[:MAX_RECENT])
        s.sync()
        self._fill_recent_menu()

    def _remember(self, path: Path) -> None:
        file = os.path.abspath(path)
        app_settings().setValue(_FOLDER_KEY, os.path.dirname(file))
        self._store_recent([file] + [f for f in self.recent_files() if f != file])

    def open_recent(self, file: str) -> None:
        """Open a file from the recent list; one that no longer exists leaves the list."""
        if not Path(file).is_file():
            self._store_recent([f for f in self.recent_files() if f != file])
            self._window.show_notice(f"{file} no longer exists; removed from Open Recent")
            return
        self.open(file)

    def _folder(self) -> str:
        folder = app_settings().value(_FOLDER_KEY, "")
        if isinstance(folder, str) and folder and os.path.isdir(folder):
            return folder
        return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)

    def _suggested(self, suffix: str) -> str:
        """Where Save As / Export suggest writing: beside the document, named after it."""
        if self._path is not None:
            return str(self._path.with_name(_stem(self._path.name) + suffix))
        stem = _stem(self._untitled_name or self._model.preset or "untitled")
        return os.path.join(self._folder(), stem.removesuffix(" (example)") + suffix)

    # ------------------------------------------------------------------ opening
    def open(self, path: str | os.PathLike[str] | None = None) -> None:
        """Open a session or CSV file (asking for one when ``path`` is None) as the document,
        once unsaved changes are saved or discarded."""

        def go() -> None:
            chosen = path
            if chosen is None:
                chosen = choose_open_path(self._window, "Open", self._folder(), OPEN_FILTER)
            if chosen is not None:
                self._load(Path(chosen))

        self.when_saved_or_discarded(go)

    def open_example(self, path: str | os.PathLike[str]) -> None:
        """Open a bundled example session as an untitled document."""
        source = Path(path)
        self.when_saved_or_discarded(
            lambda: self._load(source, untitled_name=f"{_stem(source.name)} (example)"))

    def _load(self, path: Path, *, untitled_name: str | None = None) -> bool:
        """Replace the document by the file at ``path`` without asking; on failure show why
        and change nothing."""
        csv = path.suffix.lower() == ".csv"
        try:
            if csv:
                session = _session_from_table(path, self._model.units, self._window.view_state())
            else:
                session = load_session(path)
            self._install(session)
        except (OSError, ValueError) as exc:
            show_error(self._window, _problem(exc, path))
            return False
        self._path = None if csv or untitled_name is not None else path
        self._untitled_name = path.name if csv else untitled_name
        if untitled_name is None:
            self._remember(path)
        self._update_title()
        return True

    def _install(self, session: Session) -> None:
        """Make ``session`` the document's content with a fresh undo history. Raises
        ``ValueError`` (changing nothing) if the model rejects the data."""
        self._set_data(session)
        self._model.set_units(session.units)
        self._window.apply_view_state(session.view)
        if session.optimizer:
            try:
                self._window.runner.apply_state(_nested(session.optimizer))
            except ValueError as exc:
                self._window.show_notice(f"Optimiser settings not restored: {exc}")
        self._history.clear()

    def _set_data(self, session: Session) -> None:
        """Put the session's bins and weights into the model; its notes and the model's
        notices (e.g. that P was normalised) reach the status bar together."""
        notes = list(session.notes)
        self._model.notice.connect(notes.append)
        try:
            self._model.set_data(session.x, session.p, session.q, session.labels,
                                 preset=session.preset)
        finally:
            self._model.notice.disconnect(notes.append)
        if notes:
            self._window.show_notice("; ".join(notes))

    def when_saved_or_discarded(self, then: Callable[[], object]) -> None:
        """Run ``then`` now if nothing is unsaved; else ask Save / Discard / Cancel first and
        run it after a successful save or a discard (never after Cancel)."""
        if not self.modified:
            then()
            return
        if self._asking:
            return

        def answered(choice: Choice) -> None:
            self._asking = False
            if (choice is Choice.SAVE and self.save()) or choice is Choice.DISCARD:
                then()

        self._asking = True
        ask_save_changes(self._window, self.name, answered)

    # ------------------------------------------------------------------ saving
    def save(self) -> bool:
        """Save to the document's file (asking for one if it has none); True on success."""
        if self._path is None:
            return self.save_as()
        return self._write(self._path)

    def save_as(self, path: str | os.PathLike[str] | None = None) -> bool:
        """Save to ``path`` (asking for one when None), which becomes the document's file."""
        if path is None:
            chosen = choose_save_path(self._window, "Save session as",
                                      self._suggested(SESSION_SUFFIX), SESSION_FILTER)
            if chosen is None:
                return False
            path = chosen if Path(chosen).suffix else chosen + SESSION_SUFFIX
        return self._write(Path(path))

    def _write(self, path: Path) -> bool:
        try:
            save_session(self.current_session(), path)
        except (OSError, ValueError) as exc:
            show_error(self._window, f"Not saved: {_problem(exc, path)}")
            return False
        self._path, self._untitled_name = path, None
        self._history.setClean()
        self._remember(path)
        self._update_title()
        self._window.show_notice(f"Saved {path}")
        return True

    # ------------------------------------------------------------------ CSV
    def import_csv(self, path: str | os.PathLike[str] | None = None) -> bool:
        """Replace P and Q (and the bins) by a CSV table's, as one undoable edit."""
        if path is None:
            path = choose_open_path(self._window, "Import CSV", self._folder(), CSV_FILTER)
            if path is None:
                return False
        source = Path(path)
        try:
            session = _session_from_table(source, self._model.units, {})
            self._history.record(f"Import {source.name}", lambda: self._set_data(session))
        except (OSError, ValueError) as exc:
            show_error(self._window, _problem(exc, source))
            return False
        return True

    def export_csv(self, path: str | os.PathLike[str] | None = None) -> bool:
        """Write P and Q (with x or the labels) to a CSV table; True on success."""
        if path is None:
            path = choose_save_path(self._window, "Export CSV", self._suggested(".csv"),
                                    CSV_FILTER)
            if path is None:
                return False
        target, m = Path(path), self._model
        try:
            write_table(target, x=None if m.labels else m.x, labels=m.labels, p=m.p, q=m.q)
        except (OSError, ValueError) as exc:
            show_error(self._window, f"Not exported: {_problem(exc, target)}")
            return False
        self._window.show_notice(f"Exported P and Q to {target}")
        return True

    # ------------------------------------------------------------------ title and modified
    def _update_title(self) -> None:
        self._title_preset = self._model.preset
        self._window.setWindowTitle(f"{self.name}[*] — klviz")
        self._window.setWindowModified(self.modified)

    def _clean_changed(self, clean: bool) -> None:
        if not shiboken6.isValid(self._window):  # the stack empties as the window is deleted
            return
        self._window.setWindowModified(not clean)
        self._schedule_autosave()

    def _data_changed(self, _which: str) -> None:
        if self._model.preset != self._title_preset:
            self._update_title()
        if not self._history.recording:  # a drag is autosaved when it ends (an undo step)
            self._schedule_autosave()

    # ------------------------------------------------------------------ autosave and recovery
    def _schedule_autosave(self, *_: object) -> None:
        if not self._timer.isActive():  # a steady stream of edits still saves every interval
            self._timer.start()

    def autosave_now(self) -> None:
        """Write the autosave now (or delete it when nothing is unsaved); problems are shown
        once in the status bar."""
        self._timer.stop()
        try:
            if self.modified:
                self._autosave.write(self.current_session())
            else:
                self._autosave.clear()
        except (OSError, ValueError) as exc:
            problem = f"Autosave failed: {_problem(exc, self._autosave.path)}"
            if problem != self._autosave_problem:
                self._window.show_notice(problem)
            self._autosave_problem = problem
        else:
            self._autosave_problem = None

    def offer_recovery(self) -> bool:
        """If a klviz that did not exit cleanly left an autosave, offer to restore it as an
        unsaved "Recovered session"; True when one was offered."""
        orphan = claim_orphan(self._autosave.folder)
        if orphan is None:
            return False

        def restore() -> None:
            try:
                session = orphan.load()
                self._install(session)
            except (OSError, ValueError) as exc:
                show_error(self._window, f"Cannot restore: {_problem(exc, orphan.path)}")
                orphan.discard()
                return
            self._path, self._untitled_name = None, RECOVERED_NAME
            self._history.resetClean()  # unsaved until saved somewhere
            self._update_title()
            self.autosave_now()  # our own copy exists before the orphan goes
            orphan.discard()

        def answered(answer: Recovery) -> None:
            if answer is Recovery.RESTORE:
                self.when_saved_or_discarded(restore)
            elif answer is Recovery.DISCARD:
                orphan.discard()
            else:
                orphan.release()

        ask_recover(self._window, orphan.saved_at, answered)
        return True

    # ------------------------------------------------------------------ closing and drops
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window:
            kind = event.type()
            if kind == QEvent.Type.Close:
                return self._close_requested(event)  # type: ignore[arg-type]
            if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
                return self._drop_event(event)  # type: ignore[arg-type]
        return super().eventFilter(watched, event)

    def _close_requested(self, event: QCloseEvent) -> bool:
        """Let the window close (False), or keep it open while the user decides (True)."""
        if self.modified and not self._closing:
            self._in_close_event, self._close_accepted = True, False
            try:
                self.when_saved_or_discarded(self._close_now)
            finally:
                self._in_close_event = False
            if not self._close_accepted:
                event.ignore()
                return True
        self._timer.stop()
        self._autosave.close()
        return False

    def _close_now(self) -> None:
        if self._in_close_event:  # answered at once: let this very close event through
            self._close_accepted = True
            return
        self._closing = True
        try:
            self._window.close()
        finally:
            self._closing = False

    @staticmethod
    def _dropped_file(event: QDropEvent) -> Path | None:
        for url in event.mimeData().urls():
            if url.isLocalFile() and url.toLocalFile().lower().endswith(_OPENABLE):
                return Path(url.toLocalFile())
        return None

    def _drop_event(self, event: QDropEvent) -> bool:
        path = self._dropped_file(event)
        if path is None:
            return False
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        if event.type() == QEvent.Type.Drop:
            self.open(path)
        return True
