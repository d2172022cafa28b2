"""Shared helpers for the window tests: open a window, press keys, drag bars with real mouse
events sent to a plot's viewport."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from klviz.app import create_window
from klviz.ui.histogram_panel import BarEditor
from klviz.ui.main_window import MainWindow


def open_window(
    qtbot, preset: str | None = None, size: tuple[int, int] | None = (1400, 900), **kwargs
) -> MainWindow:
    """A shown window on ``preset`` or on the given weights, closed after the test.

    ``size=None`` keeps the size the window chose (e.g. the one remembered from last time).
    """
    window = create_window(preset=preset, **kwargs)
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


def to_widget(editor: BarEditor, x: float, y: float) -> QPoint:
    """Data coordinates of ``editor``'s plot to pixel coordinates of its viewport."""
    vb = editor.getViewBox()
    return editor.mapFromScene(vb.mapViewToScene(QPointF(x, y)))


def _send(editor: BarEditor, kind: QEvent.Type, pos: QPoint, button: Qt.MouseButton,
          buttons: Qt.MouseButton) -> None:
    viewport = editor.viewport()
    local = QPointF(pos)
    event = QMouseEvent(kind, local, QPointF(viewport.mapToGlobal(pos)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, event)


def drag(editor: BarEditor, x: float, y_from: float, y_to: float, steps: int = 6,
         on_move=None) -> None:
    """Press at (x, y_from), move in ``steps`` steps to (x, y_to) and release.

    ``on_move`` (if given) is called after every move, while the button is still down.
    """
    editor.scene().minDragTime = 0
    start, end = to_widget(editor, x, y_from), to_widget(editor, x, y_to)
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _send(editor, QEvent.Type.MouseMove, start, none, none)  # hover first, like a real mouse
    _send(editor, QEvent.Type.MouseButtonPress, start, left, left)
    for t in np.linspace(0, 1, steps + 1)[1:]:
        pos = QPoint(round(start.x() + t * (end.x() - start.x())),
                     round(start.y() + t * (end.y() - start.y())))
        _send(editor, QEvent.Type.MouseMove, pos, none, left)
        if on_move is not None:
            on_move()
    _send(editor, QEvent.Type.MouseButtonRelease, end, left, none)


def click(editor: BarEditor, x: float, y: float) -> None:
    """A left click at data coordinates (x, y)."""
    pos = to_widget(editor, x, y)
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _send(editor, QEvent.Type.MouseMove, pos, none, none)
    _send(editor, QEvent.Type.MouseButtonPress, pos, left, left)
    _send(editor, QEvent.Type.MouseButtonRelease, pos, left, none)
