"""Crash recovery with real processes: a klviz killed after an edit is offered and restored
exactly at the next start; a running one is never offered; a kill in the middle of writing
never leaves a corrupt autosave."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ui_helpers import open_window

from klviz.autosave import autosave_dir, claim_orphan
from klviz.cli import main
from klviz.session import Session, save_session
from klviz.ui import documents
from klviz.ui.documents import RECOVERED_NAME, Choice, Recovery
from klviz.ui.main_window import MainWindow

# Opens the window as the klviz command does, edits P and Q through the model as undo steps
# (like a drag), waits for the autosave, prints the arrays, then waits to be told to die.
EDIT_THEN_DIE = r"""
import json, os, signal, sys
from PySide6.QtTest import QTest
from klviz.app import create_window
from klviz.autosave import autosave_dir

w = create_window(preset="coin-fair-vs-rigged")
w.show()
w.nats_action.trigger()
w.history.record("Drag", lambda: w.model.set_bar("p", 0, 0.7310585786300049))
w.history.record("Drag", lambda: w.model.set_bar("q", 1, 0.1234567890123))
folder = autosave_dir()
for _ in range(500):
    if any(folder.glob("autosave-*.klviz.json")):
        break
    QTest.qWait(20)
print(json.dumps({"p": w.model.p.tolist(), "q": w.model.q.tolist()}), flush=True)
sys.stdin.readline()
os.kill(os.getpid(), signal.SIGKILL)
"""

# Autosaves large sessions as fast as it can until it is killed; each one says which it is.
WRITE_FOREVER = r"""
import numpy as np
from klviz.autosave import Autosave
from klviz.session import Session

slot, n, k = Autosave(), 20000, 0
while True:
    k += 1
    p = np.full(n, 1.0)
    p[k % n] = 1000.0
    slot.write(Session(x=np.arange(n, dtype=float), p=p / p.sum(), q=np.full(n, 1.0 / n),
                       view={"k": k}))
"""


def start(script: str) -> subprocess.Popen:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")  # and this test's HOME and XDG dirs
    return subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def poll(condition, proc: subprocess.Popen, seconds: float = 30.0) -> None:
    """Wait (bounded) for ``condition`` on files a child process writes."""
    deadline = time.monotonic() + seconds
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"child exited early: {proc.communicate()[1][-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("timed out waiting for the child's files")
        time.sleep(0.02)


def autosaves(folder: Path) -> list[Path]:
    return sorted(folder.glob("autosave-*.klviz.json"))


@pytest.fixture
def answers(monkeypatch) -> dict:
    """The recovery question is answered with ``answers["recovery"]``; offers are counted."""
    given: dict = {"recovery": Recovery.RESTORE, "offers": []}

    def ask_recover(_parent, saved_at, answer) -> None:
        given["offers"].append(saved_at)
        answer(given["recovery"])

    monkeypatch.setattr(documents, "ask_recover", ask_recover)
    monkeypatch.setattr(documents, "ask_save_changes",
                        lambda _w, _n, answer: answer(Choice.DISCARD))
    return given


def test_a_killed_klviz_is_offered_and_restored_exactly(qtbot, answers) -> None:
    folder = autosave_dir()
    with start(EDIT_THEN_DIE) as child:
        poll(lambda: autosaves(folder), child)
        edited = json.loads(child.stdout.readline())

        running = open_window(qtbot, "gap")  # while the child runs, its autosave is its own
        assert not running.documents.offer_recovery() and answers["offers"] == []

        child.communicate("die\n", timeout=30)
        assert child.returncode == -signal.SIGKILL
    (orphan,) = autosaves(folder)

    w = open_window(qtbot, "gap")
    assert w.documents.offer_recovery()
    assert len(answers["offers"]) == 1
    assert np.array_equal(w.model.p, edited["p"]) and np.array_equal(w.model.q, edited["q"])
    assert w.model.labels == ("H", "T") and w.model.units == "nats"
    assert w.windowTitle() == f"{RECOVERED_NAME}[*] — klviz" and w.isWindowModified()
    assert w.documents.path is None and w.history.count() == 0
    # the restored work is autosaved again at once, by its new owner; the orphan is gone
    assert not orphan.exists()
    (mine,) = autosaves(folder)
    assert mine.name.startswith(f"autosave-{os.getpid()}-")
    assert not open_window(qtbot, "gap").documents.offer_recovery()


def test_a_kill_while_writing_never_leaves_a_corrupt_autosave(tmp_path) -> None:
    folder = autosave_dir()
    for attempt in range(3):
        with start(WRITE_FOREVER) as child:
            poll(lambda: autosaves(folder), child)
            first = autosaves(folder)[0].stat().st_mtime_ns
            poll(lambda first=first: autosaves(folder)[0].stat().st_mtime_ns != first,
                 child)  # kill it mid-stream
            child.kill()
            child.communicate(timeout=30)
        orphan = claim_orphan(folder)
        assert orphan is not None, f"attempt {attempt}"
        saved = orphan.load()
        k = saved.view["k"]
        assert k >= 2 and int(np.argmax(saved.p)) == k % saved.p.size
        orphan.discard()
        assert list(folder.iterdir()) == []  # with any half-written temporary file


def test_a_lock_left_without_an_autosave_is_cleaned_up() -> None:
    # as if killed during its first write: the lock taken, the autosave not yet in place
    script = ("import os; import numpy as np; from klviz.autosave import Autosave; "
              "from klviz.session import Session; slot = Autosave(); "
              "slot.write(Session(x=np.arange(2.0), p=np.ones(2) / 2, q=np.ones(2) / 2)); "
              "slot.path.unlink(); os._exit(0)")
    with start(script) as child:
        child.communicate(timeout=30)
        assert child.returncode == 0
    folder = autosave_dir()
    assert [p.suffix for p in folder.iterdir()] == [".lock"]
    assert claim_orphan(folder) is None
    assert list(folder.iterdir()) == []


def test_declined_or_postponed_recovery(qtbot, answers) -> None:
    folder = autosave_dir()
    with start(EDIT_THEN_DIE) as child:
        poll(lambda: autosaves(folder), child)
        child.communicate("die\n", timeout=30)

    answers["recovery"] = Recovery.LATER  # the box was closed: ask again next time
    w = open_window(qtbot, "gap")
    assert w.documents.offer_recovery() and w.model.preset == "gap"
    assert len(autosaves(folder)) == 1 and not w.documents.modified
    answers["recovery"] = Recovery.DISCARD
    assert w.documents.offer_recovery() and w.model.preset == "gap"
    assert autosaves(folder) == [] and list(folder.iterdir()) == []
    assert not w.documents.offer_recovery()


def test_an_unreadable_autosave_is_reported_and_dropped(qtbot, answers, monkeypatch) -> None:
    folder = autosave_dir()
    folder.mkdir(parents=True)
    (folder / "autosave-1-dead.klviz.json").write_text("{", encoding="utf-8")
    errors: list[str] = []
    monkeypatch.setattr(documents, "show_error", lambda _w, text: errors.append(text))
    w = open_window(qtbot, "gap")
    before = w.model.snapshot()
    assert w.documents.offer_recovery()
    assert len(errors) == 1 and errors[0].startswith("Cannot restore: ")
    assert w.model.snapshot().same_data(before) and not w.documents.modified
    assert list(folder.iterdir()) == []


def test_the_klviz_command_offers_recovery_at_start(qapp, answers) -> None:
    folder = autosave_dir()
    folder.mkdir(parents=True)
    save_session(Session.from_preset("die", units="nats"), folder / "autosave-1-dead.klviz.json")
    seen: dict = {}

    def look_and_close() -> None:
        w = next(w for w in QApplication.topLevelWidgets()
                 if isinstance(w, MainWindow) and w.isVisible())
        seen.update(preset=w.model.preset, title=w.windowTitle(), modified=w.isWindowModified())
        w.close()

    QTimer.singleShot(0, look_and_close)
    assert main(["--preset", "gap"]) == 0
    assert seen == {"preset": "die", "title": f"{RECOVERED_NAME}[*] — klviz", "modified": True}
    assert autosaves(folder) == []  # closed (its changes discarded): nothing left
