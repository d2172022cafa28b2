"""EditHistory: one undo step per edit, exact snapshots, drags bracketed by begin/end."""

from __future__ import annotations

import numpy as np
import pytest

from klviz.model import DistributionModel
from klviz.ui.history import EditHistory


@pytest.fixture
def m(qapp) -> DistributionModel:
    return DistributionModel("tokens")


@pytest.fixture
def history(m: DistributionModel) -> EditHistory:
    return EditHistory(m)


def test_record_makes_one_step_that_undoes_and_redoes_exactly(m: DistributionModel, history: EditHistory) -> None:
    before = m.snapshot()
    history.record("Swap P and Q", m.swap)
    after = m.snapshot()
    assert history.count() == 1 and history.undoText() == "Swap P and Q"
    history.undo()
    assert m.snapshot().same_data(before)
    history.redo()
    assert m.snapshot().same_data(after)


def test_edits_that_change_nothing_or_fail_leave_no_step(m: DistributionModel, history: EditHistory) -> None:
    history.record("Nothing", lambda: None)
    history.record("Uniform P twice", lambda: m.make_uniform("p"))
    history.record("Uniform P twice", lambda: m.make_uniform("p"))
    assert history.count() == 1
    with pytest.raises(ValueError):
        history.record("Bad", lambda: m.set_values("q", [1, -1]))
    assert history.count() == 1


def test_a_drag_is_one_step_however_many_changes(m: DistributionModel, history: EditHistory) -> None:
    before = m.snapshot()
    history.begin("Drag P bar mat")
    assert history.recording
    for value in np.linspace(0.4, 0.1, 20):
        m.set_bar("p", 0, value)
    history.record("A key press during the drag", lambda: m.set_bar("p", 1, 0.2))
    history.end()
    assert not history.recording and history.count() == 1
    history.undo()
    assert m.snapshot().same_data(before)


def test_a_drag_that_ends_where_it_began_is_no_step(m: DistributionModel, history: EditHistory) -> None:
    start = m.snapshot()
    history.begin("Drag P bar mat")
    m.set_bar("p", 0, 0.2)
    m.restore(start)  # back exactly where it began
    history.end()
    assert history.count() == 0


def test_merging_only_folds_repeats_of_the_same_edit(m: DistributionModel, history: EditHistory) -> None:
    key = ("nudge", "p", 3)
    history.record("Nudge", lambda: m.set_bar("p", 3, 0.10), merge_key=key)
    history.record("Nudge", lambda: m.set_bar("p", 3, 0.11), merge_key=key, merge=True)
    history.record("Nudge", lambda: m.set_bar("p", 3, 0.12), merge_key=key, merge=True)
    assert history.count() == 1
    history.record("Nudge", lambda: m.set_bar("p", 3, 0.13), merge_key=key)  # a new press
    history.record("Nudge", lambda: m.set_bar("p", 4, 0.13), merge_key=("nudge", "p", 4),
                   merge=True)  # another bar
    assert history.count() == 3
    history.undo()
    history.undo()
    assert m.p[3] == pytest.approx(0.12)


def test_undo_and_redo_wait_while_an_edit_is_recorded(m: DistributionModel, history: EditHistory) -> None:
    undo, redo = history.createUndoAction(history), history.createRedoAction(history)
    history.record("Swap P and Q", m.swap)
    history.record("Uniform P", lambda: m.make_uniform("p"))
    history.undo()
    swapped = m.snapshot()
    assert undo.isEnabled() and redo.isEnabled()
    history.begin("Drag")
    assert not undo.isEnabled() and not redo.isEnabled()
    history.undo()
    history.redo()
    assert m.snapshot().same_data(swapped) and history.index() == 1
    history.end()  # nothing changed: no step, and the actions are as before
    assert undo.isEnabled() and redo.isEnabled() and history.count() == 2
    history.begin("Drag")
    m.set_bar("q", 0, 0.5)
    history.end()
    assert undo.isEnabled() and not redo.isEnabled()
    assert history.count() == 2 and history.undoText() == "Drag"
