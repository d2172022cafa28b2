"""Autosave: written soon after an edit as a valid session, kept only while something is
unsaved, removed at a clean exit; one file and one lock per window; orphans newest first."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from ui_helpers import open_window

from klviz.autosave import Autosave, autosave_dir, claim_orphan
from klviz.session import Session, load_session, save_session
from klviz.ui import documents
from klviz.ui.documents import AUTOSAVE_DELAY_MS, Choice
from klviz.ui.main_window import MainWindow

WAIT_MS = AUTOSAVE_DELAY_MS + 5000


def autosaves(folder: Path) -> list[Path]:
    return sorted(folder.glob("autosave-*.klviz.json"))


def edit(w: MainWindow, which: str = "p", index: int = 0, value: float = 0.3) -> None:
    w.history.record("Edit", lambda: w.model.set_bar(which, index, value))


@pytest.fixture
def folder() -> Path:
    return autosave_dir()


# ---------------------------------------------------------------------- in the window
def test_an_edit_is_autosaved_soon_as_a_valid_session(qtbot, folder) -> None:
    w = open_window(qtbot, "coin-fair-vs-rigged")
    edit(w, "q", 0, 0.25)
    assert autosaves(folder) == []  # not at once: edits come in bursts
    qtbot.waitUntil(lambda: len(autosaves(folder)) == 1, timeout=WAIT_MS)
    path = autosaves(folder)[0]
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == "klviz-session"
    saved = load_session(path)
    np.testing.assert_array_equal(saved.p, w.model.p)
    np.testing.assert_array_equal(saved.q, w.model.q)
    assert saved.labels == ("H", "T") and saved.preset == "coin-fair-vs-rigged"
    assert path.name.startswith(f"autosave-{os.getpid()}-")
    assert path.with_name(path.name.replace(".klviz.json", ".lock")).is_file()


def test_units_and_view_changes_of_unsaved_work_are_autosaved(qtbot, folder) -> None:
    w = open_window(qtbot, "gap")
    edit(w)
    w.documents.autosave_now()
    (path,) = autosaves(folder)
    assert load_session(path).units == "bits"
    w.nats_action.trigger()
    w.coding_action.setChecked(True)
    qtbot.waitUntil(lambda: load_session(path).units == "nats", timeout=WAIT_MS)
    assert load_session(path).view == {"overlay": False, "coding": True}


def test_nothing_unsaved_means_no_autosave(qtbot, folder, tmp_path) -> None:
    w = open_window(qtbot, "gap")
    edit(w)
    w.documents.autosave_now()
    assert len(autosaves(folder)) == 1
    w.undo_action.trigger()  # back to the state as opened
    qtbot.waitUntil(lambda: autosaves(folder) == [], timeout=WAIT_MS)
    edit(w)
    w.documents.autosave_now()
    assert w.documents.save_as(tmp_path / "saved.klviz.json")
    w.documents.autosave_now()
    assert autosaves(folder) == []


def test_a_clean_exit_removes_the_autosave_and_its_lock(qtbot, folder, monkeypatch) -> None:
    monkeypatch.setattr(documents, "ask_save_changes", lambda _w, _n, answer: answer(
        Choice.DISCARD))
    w = open_window(qtbot, "gap")
    edit(w)
    w.documents.autosave_now()
    assert len(list(folder.iterdir())) == 2  # the session and its lock
    assert w.close()
    assert list(folder.iterdir()) == []


def test_each_window_has_its_own_file_and_a_live_one_is_no_orphan(qtbot, folder) -> None:
    a, b = open_window(qtbot, "gap"), open_window(qtbot, "gap")
    edit(a, "p", 0, 0.1)
    edit(b, "p", 0, 0.9)
    a.documents.autosave_now()
    b.documents.autosave_now()
    first, second = autosaves(folder)
    assert sorted(load_session(p).p[0] for p in (first, second)) == sorted(
        [a.model.p[0], b.model.p[0]])
    assert claim_orphan(folder) is None
    assert not a.documents.offer_recovery()


def test_autosave_problems_show_once_and_never_stop_editing(qtbot, tmp_path,
                                                            monkeypatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    w = open_window(qtbot, "gap")
    edit(w)
    w.documents.autosave_now()
    assert w.statusBar().currentMessage().startswith("Autosave failed: ")
    w.statusBar().clearMessage()
    edit(w, "p", 1, 0.2)
    w.documents.autosave_now()
    assert w.statusBar().currentMessage() == ""  # the same problem is not repeated
    assert w.documents.modified and w.model.p[1] == pytest.approx(0.2)


# ---------------------------------------------------------------------- the files themselves
def session(value: float) -> Session:
    return Session(x=np.arange(2.0), p=np.array([value, 1 - value]), q=np.array([0.5, 0.5]))


def left_behind(folder: Path, value: float, mtime: float) -> Path:
    """An autosave whose window is gone and whose lock was released (as Recovery.LATER
    leaves it); a killed owner's stale lock is tested with real processes in test_recovery."""
    path = folder / f"autosave-1-{int(mtime)}.klviz.json"
    save_session(session(value), path)
    os.utime(path, (mtime, mtime))
    return path


def test_autosave_write_locks_and_close_removes_everything(tmp_path) -> None:
    slot = Autosave(tmp_path / "new" / "folder")
    slot.write(session(0.25))
    assert load_session(slot.path).p[0] == 0.25
    assert claim_orphan(slot.folder) is None  # its owner (this process) is alive
    slot.clear()
    assert not slot.path.exists()
    slot.write(session(0.5))
    slot.close()
    assert list(slot.folder.iterdir()) == []


def test_orphans_are_claimed_newest_first_and_only_once(tmp_path) -> None:
    old = left_behind(tmp_path, 0.1, 1_000_000)
    new = left_behind(tmp_path, 0.2, 2_000_000)
    first = claim_orphan(tmp_path)
    assert first is not None and first.path == new and first.load().p[0] == 0.2
    second = claim_orphan(tmp_path)  # the newest is locked by its claimer now
    assert second is not None and second.path == old
    assert claim_orphan(tmp_path) is None
    second.release()  # kept for a later start
    first.discard()
    assert not new.exists() and old.exists()
    again = claim_orphan(tmp_path)
    assert again is not None and again.path == old
    again.discard()
    assert list(tmp_path.iterdir()) == []


def test_discarding_removes_what_a_killed_write_left(tmp_path) -> None:
    path = left_behind(tmp_path, 0.3, 1_000_000)
    leftover = tmp_path / f".{path.name}.abc123.tmp"  # a write killed before its rename
    leftover.write_text("{", encoding="utf-8")
    orphan = claim_orphan(tmp_path)
    assert orphan is not None
    orphan.discard()
    assert list(tmp_path.iterdir()) == []


def test_no_folder_means_no_orphans(tmp_path) -> None:
    assert claim_orphan(tmp_path / "missing") is None
