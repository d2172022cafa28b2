"""A label whose text changes on every mouse move without laying out the window again."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel

__all__ = ["SteadyLabel"]

_UNLIMITED = 16_777_215  # QWIDGETSIZE_MAX


class SteadyLabel(QLabel):
    """A one-line label kept at a fixed size: Qt then skips the relayout of every enclosing
    layout on a text change. The size grows when a text needs more room and is released when
    the font or style changes (the next text fixes it again)."""

    def setText(self, text: str) -> None:
        """Show ``text``, growing the label only if it does not fit."""
        if text != self.text():
            super().setText(text)
        hint = self.sizeHint()
        if hint.height() != self.maximumHeight():
            self.setFixedSize(hint)
        elif hint.width() > self.maximumWidth():
            self.setFixedWidth(hint.width())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.setMinimumSize(0, 0)
            self.setMaximumSize(_UNLIMITED, _UNLIMITED)
