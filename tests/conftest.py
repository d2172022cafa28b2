"""Shared test setup: offscreen Qt and pyqtgraph settings that let synthetic drags through."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True, scope="session")
def _pyqtgraph_for_tests():
    """Deliver every mouse move (no rate limit) when a test uses pyqtgraph at all."""
    import pyqtgraph as pg  # pytest-qt (qt_api = pyside6) has imported PySide6 first

    pg.setConfigOptions(mouseRateLimit=-1, antialias=False)
    yield


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Each test gets its own HOME: QSettings, autosave and app data never touch the user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(home / "run"))
    (home / "run").mkdir(mode=0o700)
    # Qt works out where QSettings live once per process, so the HOME above does not
    # separate them between tests: point them at this test's folder explicitly.
    from PySide6.QtCore import QSettings

    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(home / ".config"))


@pytest.fixture(autouse=True, scope="session")
def _empty_clipboard_at_exit():
    """PySide6 6.10 segfaults at interpreter exit on the offscreen platform when the clipboard
    still holds QMimeData set by the app (a 6-line script reproduces it; xcb is fine). Empty
    the clipboard once all tests are done so the suite exits 0."""
    yield
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is not None:
        QGuiApplication.clipboard().clear()
