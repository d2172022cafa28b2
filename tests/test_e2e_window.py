"""The real window, as a user meets it: ``klviz --session FILE`` on an X server (Xvfb), a P bar
dragged with the mouse through xdotool, Ctrl+S, and a screenshot of the screen.

Skipped, with the reason, where Xvfb, xdotool or Pillow's X11 screen grab are missing (``.ci/run``
installs them). Every wait has a deadline; the app and the X server are stopped even when a
check fails.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import ImageGrab, features

from klviz.session import Session, load_session, save_session
from klviz.ui.theme import SCREEN

pytestmark = pytest.mark.gui_e2e

TIMEOUT = 30.0
"""Longest wait for any one thing (the X server, the window, a paint, the saved file)."""

PRESET = "coin-rigged-vs-fair"
"""P = (½, ½) for heads and tails, Q = (0.99, 0.01)."""

DRAG_PIXELS = 80
"""How far the heads bar of P is dragged up."""

MIN_BAR_PIXELS = 10
"""A column counts as part of a bar when this many of its pixels have the bar colour."""


def _rgb(color: str) -> NDArray[np.int64]:
    """A bar colour as drawn: the theme's opaque mix of the colour and the background."""
    return np.array(SCREEN.bar_color(color).getRgb()[:3])


def _wait_until(ready: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {TIMEOUT:.0f} s waiting for {what}")
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture
def display(tmp_path: Path) -> Iterator[str]:
    """A fresh Xvfb screen of 1600 x 1000 pixels on a free display number, e.g. ``":3"``."""
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install xvfb xdotool)")
    if not features.check("xcb"):
        pytest.skip("this Pillow cannot grab an X11 screen (built without XCB)")
    read, write = os.pipe()
    with open(tmp_path / "xvfb.log", "wb") as log:
        server = subprocess.Popen(  # -displayfd: Xvfb picks a free number and writes it here
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten",
             "tcp"],
            pass_fds=(write,), stdout=log, stderr=log,
        )
        os.close(write)
        try:
            ready, _, _ = select.select([read], [], [], TIMEOUT)
            number = os.read(read, 32).decode().strip() if ready else ""
            if not number.isdigit():
                pytest.fail(f"Xvfb did not start: {(tmp_path / 'xvfb.log').read_text()}")
            yield f":{number}"
        finally:
            os.close(read)
            _stop(server)


class Screen:
    """xdotool and screenshots on one X display, for a program started with :meth:`env`."""

    def __init__(self, display: str, home: Path) -> None:
        self.display = display
        run = home / "run"
        run.mkdir(parents=True, mode=0o700)
        self.env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
        self.env.update(
            DISPLAY=display, QT_QPA_PLATFORM="xcb", HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_CACHE_HOME=str(home / ".cache"), XDG_RUNTIME_DIR=str(run),
        )

    def xdotool(self, *args: object) -> str:
        done = subprocess.run(
            ["xdotool", *map(str, args)], env=self.env, capture_output=True, text=True,
            timeout=TIMEOUT, check=False,
        )
        assert done.returncode == 0, f"xdotool {args[0]} failed: {done.stderr.strip()}"
        return done.stdout

    def window_rect(self, window: str) -> tuple[int, int, int, int]:
        """Left, top, width and height of ``window`` on the screen."""
        shell = dict(line.split("=", 1) for line in
                     self.xdotool("getwindowgeometry", "--shell", window).split())
        return int(shell["X"]), int(shell["Y"]), int(shell["WIDTH"]), int(shell["HEIGHT"])

    def grab(self, rect: tuple[int, int, int, int]) -> NDArray[np.int64]:
        """The pixels (RGB) of ``rect`` on the screen now."""
        left, top, width, height = rect
        shot = ImageGrab.grab(xdisplay=self.display).convert("RGB")
        return np.asarray(shot.crop((left, top, left + width, top + height)), dtype=np.int64)


def bars(rgb: NDArray[np.int64], color: NDArray[np.int64]) -> list[tuple[int, int, int, int]]:
    """Bars of ``color`` in an image, left to right: (left, right, top, bottom) pixels."""
    mask = np.abs(rgb - color).sum(axis=-1) <= 6
    columns = np.flatnonzero(mask.sum(axis=0) >= MIN_BAR_PIXELS)
    found = []
    for run in np.split(columns, np.flatnonzero(np.diff(columns) > 1) + 1) if columns.size else []:
        middle = (int(run[0]) + int(run[-1])) // 2
        rows = np.flatnonzero(mask[:, middle])
        found.append((int(run[0]), int(run[-1]), int(rows[0]), int(rows[-1])))
    return found


@pytest.fixture
def app(display: str, tmp_path: Path) -> Iterator[tuple[Screen, subprocess.Popen[bytes], Path]]:
    """``python -m klviz --session coin.klviz.json`` running on ``display`` (killed after)."""
    session = tmp_path / "coin.klviz.json"
    save_session(Session.from_preset(PRESET), session)
    screen = Screen(display, tmp_path / "home")
    with open(tmp_path / "klviz.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "klviz", "--session", str(session)],
            env=screen.env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            yield screen, process, session
        finally:
            _stop(process)
    output = (tmp_path / "klviz.log").read_text(errors="replace")
    assert "Traceback" not in output, output  # pyqtgraph prints errors in mouse handlers


def test_drag_a_bar_with_the_mouse_save_with_ctrl_s_and_see_it(app) -> None:
    screen, process, session = app
    before = load_session(session)
    window = screen.xdotool("search", "--sync", "--onlyvisible", "--class", "klviz").split()[0]
    rect = screen.window_rect(window)
    p_color, q_color = _rgb(SCREEN.p), _rgb(SCREEN.q)
    _wait_until(lambda: len(bars(screen.grab(rect), p_color)) == 2, "both P bars on screen")

    # Drag the heads bar of P up by DRAG_PIXELS, in 10-pixel moves 30 ms apart (a hand, not
    # a teleport: pyqtgraph drops mouse moves less than 10 ms apart).
    (left, right, top, bottom), _tails = bars(screen.grab(rect), p_color)
    pixels_per_unit = (bottom - top + 1) / before.p[0]
    x, y = rect[0] + (left + right) // 2, rect[1] + top + 3
    moves: list[object] = []
    for k in range(1, DRAG_PIXELS // 10 + 1):
        moves += ["mousemove", x, y - 10 * k, "sleep", 0.03]
    screen.xdotool("mousemove", x, y, "sleep", 0.1, "mousedown", 1, "sleep", 0.05, *moves,
                   "mouseup", 1)
    screen.xdotool("windowfocus", "--sync", window)
    screen.xdotool("key", "--clearmodifiers", "ctrl+s")
    _wait_until(lambda: load_session(session).p[0] != before.p[0], "Ctrl+S to save the file")

    after = load_session(session)
    dragged_to = before.p[0] + (DRAG_PIXELS - 3) / pixels_per_unit
    assert after.p[0] == pytest.approx(dragged_to, abs=0.02)  # heads went up as dragged...
    assert after.p[1] == pytest.approx(1 - after.p[0])  # ...and tails gave way
    np.testing.assert_array_equal(after.q, before.q)  # Q was not touched
    assert after.labels == before.labels and after.preset == before.preset
    assert process.poll() is None, "klviz quit"

    shot = screen.grab(rect)
    colours = np.unique(shot.reshape(-1, 3), axis=0)
    background = np.all(shot == shot[rect[3] // 2, rect[2] // 2], axis=-1).mean()
    assert len(colours) > 50 and background < 0.9, "the window looks blank"
    heads, tails = bars(shot, p_color)
    assert heads[2] < tails[2]  # on screen, too, heads now stands taller than tails
    assert bars(shot, q_color), "no Q bars on screen"
