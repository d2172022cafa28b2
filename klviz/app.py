"""Open the klviz window from Python: ``create_window`` (not shown) and ``show_window``.

``klviz.show()`` calls :func:`show_window`; the ``klviz`` command (``klviz.commands.gui``)
uses :func:`create_window` too. Both create the ``QApplication`` when there is none yet.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from klviz.core.distributions import validate_weights
from klviz.model import DistributionModel
from klviz.paths import resource_dir
from klviz.ui.main_window import MainWindow
from klviz.ui.settings import APPLICATION, ORGANIZATION, remembered_preset
from klviz.ui.theme import SCREEN, Theme

__all__ = ["create_window", "ensure_app", "icon_path", "show_window"]

_open_windows: set[MainWindow] = set()
"""Windows shown without blocking, kept alive until they close (a notebook may drop them)."""


def icon_path() -> Path | None:
    """The app icon (``klviz.svg`` in the resources folder), or None if it is missing."""
    try:
        path = resource_dir() / "klviz.svg"
    except FileNotFoundError:
        return None
    return path if path.is_file() else None


def ensure_app() -> QApplication:
    """The running QApplication, created (named "klviz", with its icon) if there is none."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    if not isinstance(app, QApplication):
        raise TypeError("klviz needs a QApplication, but a non-GUI Qt application is running")
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setDesktopFileName(APPLICATION)
    icon = icon_path()
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    return app


def create_window(
    p: ArrayLike | None = None,
    q: ArrayLike | None = None,
    *,
    x: ArrayLike | None = None,
    labels: Sequence[str] | None = None,
    preset: str | None = None,
    theme: Theme = SCREEN,
    notes: Sequence[str] = (),
) -> MainWindow:
    """Build (but do not show) a window.

    With neither ``p`` nor ``q``: the named ``preset``, or the one shown last time. With
    weights: P and Q from them (normalised visibly); a missing one starts uniform. ``preset``
    then only names where the data came from (caption, Reset). ``notes`` are one-line
    messages for the status bar. Bad input raises ``ValueError`` before any window exists.
    """
    ensure_app()
    notes = list(notes)
    if p is None and q is None:
        if x is not None or labels is not None:
            raise ValueError("x and labels need weights: give p (and q) too")
        window = MainWindow(DistributionModel(preset or remembered_preset()), theme=theme)
        if notes:
            window.show_notice("; ".join(notes))
        return window
    missing = "P" if p is None else "Q" if q is None else None
    if missing:
        given = validate_weights(q if p is None else p, "Q" if p is None else "P")
        uniform = np.full(given.size, 1.0 / given.size)
        p, q = (uniform, q) if p is None else (p, uniform)
    model = DistributionModel()
    model.notice.connect(notes.append)
    try:
        model.set_data(x, p, q, labels, preset=preset)
    finally:
        model.notice.disconnect(notes.append)
    if missing:
        notes.append(f"{missing} was not given, so it starts uniform")
    window = MainWindow(model, theme=theme)
    if notes:
        window.show_notice("; ".join(notes))
    return window


def show_window(
    p: ArrayLike | None = None,
    q: ArrayLike | None = None,
    *,
    x: ArrayLike | None = None,
    labels: Sequence[str] | None = None,
    preset: str | None = None,
    block: bool = True,
    notes: Sequence[str] = (),
) -> MainWindow:
    """Show a window (see :func:`create_window`) and, if ``block``, run Qt until it closes.

    The returned window's ``model`` keeps the final P and Q after the window has closed.
    """
    app = ensure_app()
    window = create_window(p, q, x=x, labels=labels, preset=preset, notes=notes)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _open_windows.add(window)
    window.destroyed.connect(lambda *_: _open_windows.discard(window))
    window.show()
    if block:
        app.exec()
    return window
