"""Space belongs to the focused control (a button, box or slider), not to a shortcut such as
Play: one event filter for a whole window."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QWidget,
)

__all__ = ["CONTROLS", "ControlsKeepSpace"]

CONTROLS = (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox)
"""Widgets that do something of their own on Space (press, open, step)."""


class ControlsKeepSpace(QObject):
    """Install on a top-level widget (a window, a floating dock): while one of its
    :data:`CONTROLS` has the focus, Space goes to that control instead of a shortcut.

    Qt offers the focused widget a ShortcutOverride before any shortcut fires and passes it
    up to the top-level widget when unclaimed, so one filter there covers every control in it.
    """

    def watch(self, widget: QWidget) -> None:
        """Keep Space for the controls inside ``widget``."""
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.ShortcutOverride
                and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Space
                and not event.modifiers()
                and isinstance(QApplication.focusWidget(), CONTROLS)):
            event.accept()
        return super().eventFilter(watched, event)
