"""One way to make a menu/toolbar action, so every action has a tooltip, a status tip and, when it
has a shortcut, says so in its tooltip."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

__all__ = ["make_action", "set_tip"]


def make_action(
    parent: QObject,
    text: str,
    tip: str,
    slot: Callable[..., object] | None = None,
    *,
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    checkable: bool = False,
) -> QAction:
    """A ``QAction`` with ``tip`` as tooltip and status tip.

    ``slot`` is called with no argument when the action is triggered, or with the new state
    (``bool``) when ``checkable`` and toggled.
    """
    action = QAction(text, parent)
    action.setCheckable(checkable)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        tip = f"{tip} ({keys})" if keys else tip
    set_tip(action, tip)
    if slot is not None:
        if checkable:
            action.toggled.connect(slot)
        else:
            action.triggered.connect(lambda _checked=False: slot())
    return action


def set_tip(action: QAction, tip: str) -> QAction:
    """``action`` with ``tip`` as its tooltip and status tip (e.g. a dock's or a menu's)."""
    action.setToolTip(tip)
    action.setStatusTip(tip)
    return action
