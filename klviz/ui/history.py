"""Undo and redo for every edit of P and Q, as exact model snapshots.

Each undo step holds the model's :class:`~klviz.model.Snapshot` from before and after the
edit, so undo restores the previous arrays bit for bit. A one-shot edit (a preset, a swap, a
key press) is recorded with :meth:`EditHistory.record`; a mouse drag, which changes the model
many times, is bracketed by :meth:`EditHistory.begin` and :meth:`EditHistory.end` and becomes
one step when the mouse is released. While such an edit is under way, undo and redo wait:
the history refuses them and its undo/redo actions are disabled, so a drag can neither write
into a restored grid nor lose the steps it would have replaced. Changing units is not an edit
of the data and is not recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QUndoCommand, QUndoStack

from klviz.model import DistributionModel, Snapshot

__all__ = ["EditHistory"]

_MERGEABLE_ID = 1


class _SnapshotStep(QUndoCommand):
    """One undo step: the model before and after an edit that has already happened."""

    def __init__(
        self, model: DistributionModel, text: str, before: Snapshot, after: Snapshot,
        merge_key: Hashable | None, merge: bool,
    ) -> None:
        super().__init__(text)
        self._model = model
        self.before, self.after = before, after
        self.merge_key, self.merge = merge_key, merge
        self._applied = True  # QUndoStack.push() calls redo(); the edit is already done

    def redo(self) -> None:
        if self._applied:
            self._applied = False
            return
        self._model.restore(self.after)

    def undo(self) -> None:
        self._model.restore(self.before)

    def id(self) -> int:
        return -1 if self.merge_key is None else _MERGEABLE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (isinstance(other, _SnapshotStep) and other.merge):
            return False
        if other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True


class EditHistory(QUndoStack):
    """The undo stack of one model: every recorded edit is one step.

    Edits made without the history (a script calling ``model.set_bar``, the optimiser) are
    not steps of their own; undoing a later step returns to that step's snapshot.

    Signals:
        recordingChanged(bool): :meth:`begin` started (True) or :meth:`end` finished (False)
            a multi-change edit.
    """

    recordingChanged = Signal(bool)

    def __init__(self, model: DistributionModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._pending: tuple[str, Snapshot] | None = None

    @property
    def recording(self) -> bool:
        """True between :meth:`begin` and :meth:`end` (e.g. while a bar is dragged)."""
        return self._pending is not None

    def undo(self) -> None:
        """Undo the last step — unless an edit is being recorded (then nothing happens)."""
        if not self.recording:
            super().undo()

    def redo(self) -> None:
        """Redo the step just undone — unless an edit is being recorded."""
        if not self.recording:
            super().redo()

    def createUndoAction(self, parent: QObject, prefix: str = "") -> QAction:
        """Qt's undo action, also disabled while an edit is being recorded."""
        action = super().createUndoAction(parent, prefix)
        self.recordingChanged.connect(action.setDisabled)
        return action

    def createRedoAction(self, parent: QObject, prefix: str = "") -> QAction:
        """Qt's redo action, also disabled while an edit is being recorded."""
        action = super().createRedoAction(parent, prefix)
        self.recordingChanged.connect(action.setDisabled)
        return action

    def record(
        self, text: str, edit: Callable[[], object], *, merge_key: Hashable | None = None,
        merge: bool = False,
    ) -> None:
        """Run ``edit`` and make what it changed one undo step called ``text``.

        Nothing is recorded when the edit changes nothing, or when it raises (the exception
        propagates; model methods validate before they change anything). During a drag the
        edit simply joins the drag's step. With ``merge=True`` the step is folded into the
        previous one if both carry the same ``merge_key`` (a held-down key is one step).
        """
        if self._pending is not None:
            edit()
            return
        before = self._model.snapshot()
        edit()
        self._push(text, before, merge_key, merge)

    def begin(self, text: str) -> None:
        """Start a multi-change edit (a drag); :meth:`end` makes it one step."""
        if self._pending is not None:
            self.end()
        self._pending = (text, self._model.snapshot())
        self.recordingChanged.emit(True)

    def end(self) -> None:
        """Finish the edit started by :meth:`begin` (no step if nothing changed)."""
        if self._pending is None:
            return
        text, before = self._pending
        self._pending = None
        self._push(text, before, None, False)
        self.recordingChanged.emit(False)
        self.canUndoChanged.emit(self.canUndo())  # Qt's actions take their state back
        self.canRedoChanged.emit(self.canRedo())

    def _push(
        self, text: str, before: Snapshot, merge_key: Hashable | None, merge: bool
    ) -> None:
        after = self._model.snapshot()
        if after.same_data(before):
            return
        self.push(_SnapshotStep(self._model, text, before, after, merge_key, merge))
