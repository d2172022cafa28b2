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

from klviz.core.distributions import get_preset
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
) -> MainWindow:
    """Build (but do not show) a window.

    With neither ``p`` nor ``q``: the named ``preset``, or the one shown last time. With
    weights: P and Q from them (normalised visibly); a missing one starts uniform. ``preset``
    then only names where the data came from (title, Reset). Bad input raises ``ValueError``
    before any window exists.
    """
    ensure_app()
    if p is None and q is None:
        if x is not None or labels is not None:
            raise ValueError("x and labels need weights: give p (and q) too")
        return MainWindow(DistributionModel(preset or remembered_preset()), theme=theme)
    if preset is not None:
        get_preset(preset)  # an unknown name is an error here, not a blank title later
    given = np.asarray(p if p is not None else q, dtype=np.float64)
    uniform = np.full(given.shape, 1.0 / max(given.size, 1))
    model = DistributionModel()
    notes: list[str] = []
    model.notice.connect(notes.append)
    model.set_data(x, uniform if p is None else p, uniform if q is None else q, labels,
                   preset=preset)
    model.notice.disconnect(notes.append)
    if p is None or q is None:
        notes.append(f"{'P' if p is None else 'Q'} was not given, so it starts uniform")
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
) -> MainWindow:
    """Show a window (see :func:`create_window`) and, if ``block``, run Qt until it closes.

    The returned window's ``model`` keeps the final P and Q after the window has closed.
    """
    app = ensure_app()
    window = create_window(p, q, x=x, labels=labels, preset=preset)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _open_windows.add(window)
    window.destroyed.connect(lambda *_: _open_windows.discard(window))
    window.show()
    window.raise_()
    if block:
        app.exec()
    return window
