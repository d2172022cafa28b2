"""How fast klviz is, measured: drag → repaint latency against matplotlib on the same data,
the optimiser's frame rate, and cold start to the first painted window (``klviz bench``).

Definitions (all times are wall-clock, medians over repeated runs):

drag → repaint
    One step of a mouse drag of a P bar in a shown window of :data:`WINDOW_SIZE` pixels: a real
    ``QMouseEvent`` (left button held) is sent to the P editor, which turns it into
    ``model.set_bar`` and every live update (P bars, both curves, readouts). The clock stops
    once the P editor, the curves plot and the readouts have each processed a paint event
    (``processEvents`` in a loop), i.e. the new frame is in the window's backing store.
matplotlib
    The same visual update with matplotlib's Agg canvas at the same pixel size: the P bars
    (``ax.bar`` rectangles) get their new heights, the two pointwise-term curves and a line
    of readouts their new values, then ``canvas.draw()``.
optimiser frame
    One ``FitRunner.advance(1)`` at 1 024 bins: an optimiser step, Q pushed into the model and
    the window repainted (measured like a drag step).
first paint
    From just before a fresh Python process is started until it has finished the first paint
    of the main window. The process runs ``klviz --preset bimodal`` (``klviz.cli.main``) with
    an application event filter: at the first ``Paint`` event of a widget in the main window
    it starts a zero-delay timer, which fires once that whole paint pass is done and prints
    ``time.monotonic()`` (a clock shared by every process on the machine) before quitting.

Qt runs offscreen unless ``QT_QPA_PLATFORM`` says otherwise, so the numbers do not depend on a
display server. The window measured uses a blank settings folder (see
:func:`isolated_settings`): your remembered window settings neither shape nor receive it.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from klviz.core.distributions import MAX_BINS, gaussian_on_grid, grid

__all__ = [
    "OPTIMIZER_BINS",
    "QUICK",
    "SIZES",
    "WINDOW_SIZE",
    "BenchPlan",
    "bench_data",
    "isolated_settings",
    "klviz_drag_ms",
    "machine_info",
    "matplotlib_drag_ms",
    "optimizer_frame_ms",
    "run_bench",
    "startup_ms",
]

SIZES = (16, 256, 4096, 65536)
"""Bin counts measured by default."""

WINDOW_SIZE = (1280, 800)
"""Window size (and matplotlib figure size) in pixels."""

OPTIMIZER_BINS = 1024
"""Bin count of the optimiser frame-rate measurement."""

MATPLOTLIB_BUDGET_S = 8.0
"""Matplotlib stops repeating at one size after this long (at 65 536 bars a draw takes seconds);
it always makes at least :data:`MIN_REPEATS` runs."""

MIN_REPEATS = 3
"""Fewest matplotlib draws per size, however long they take."""

DRAG_STEPS_PER_SWEEP = 16
"""Mouse moves of the benchmark drag from its lowest to its highest point."""

STARTUP_TIMEOUT_S = 60.0
"""A child that has not painted by then is a failure, not a number."""

_FIRST_PAINT = "klviz-first-paint"


@dataclass(frozen=True)
class BenchPlan:
    """What one benchmark run measures and how often."""

    sizes: tuple[int, ...] = SIZES
    repeats: int = 30
    optimizer_frames: int = 120
    startup_runs: int = 5


QUICK = BenchPlan(sizes=(16, 64), repeats=5, optimizer_frames=10, startup_runs=1)
"""``--quick``: small sizes and few repeats, to check that the benchmark works."""


def bench_data(n: int) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Bin centres, P (two bumps) and Q (one broad bump) on ``n`` bins over [-4, 4]."""
    if not 2 <= n <= MAX_BINS:
        raise ValueError(f"bench sizes must be between 2 and {MAX_BINS} bins, got {n}")
    x = grid(-4.0, 4.0, n)
    p = 0.6 * gaussian_on_grid(x, -1.5, 0.6) + 0.4 * gaussian_on_grid(x, 1.5, 0.8)
    return x, p / p.sum(), gaussian_on_grid(x, 0.0, 1.5)


def _drag_targets(n: int, steps: int) -> tuple[int, list[float]]:
    """The dragged bin and the heights a hand drags it through: up and down between 0.4 and
    0.9 of the tallest bar, :data:`DRAG_STEPS_PER_SWEEP` mouse moves each way."""
    _, p, _ = bench_data(n)
    tallest = float(p.max())
    phase = np.arange(steps) % (2 * DRAG_STEPS_PER_SWEEP) / DRAG_STEPS_PER_SWEEP
    sweep = 1.0 - np.abs(1.0 - phase)  # a triangle wave: 0 → 1 → 0
    return n // 3, [tallest * (0.4 + 0.5 * s) for s in sweep]


# ---------------------------------------------------------------------- the klviz window
_HOME_VARIABLES = ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")


@contextlib.contextmanager
def isolated_settings() -> Iterator[Path]:
    """A blank home folder while measuring: settings (QSettings), autosaves and the start-up
    children's files go there, and the user's own neither shape nor receive the benchmark.

    QSettings keep pointing there for the rest of the process (Qt has no way back).
    """
    from PySide6.QtCore import QSettings

    saved = {name: os.environ.get(name) for name in _HOME_VARIABLES}
    with tempfile.TemporaryDirectory(prefix="klviz-bench-") as folder:
        home = Path(folder)
        os.environ.update(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_CACHE_HOME=str(home / ".cache"),
        )
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, str(home / ".config"))
        try:
            yield home
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


class _PaintWatch:
    """Counts paint events of some widgets; :meth:`wait` processes events until each of them
    has painted since the last :meth:`wait` or :meth:`settle`."""

    def __init__(self, app: Any, widgets: Sequence[Any]) -> None:
        from PySide6.QtCore import QEvent, QObject

        paint = QEvent.Type.Paint
        targets = list(widgets)
        counts = self._counts = [0] * len(targets)

        class Filter(QObject):
            def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
                if ev.type() == paint:
                    counts[targets.index(obj)] += 1
                return False

        self._app = app
        self._filter = Filter()
        for w in targets:
            w.installEventFilter(self._filter)
        self._seen = list(counts)

    def settle(self, passes: int = 10) -> None:
        """Handle whatever is pending and start counting afresh."""
        for _ in range(passes):
            self._app.processEvents()
        self._seen = list(self._counts)

    def wait(self, max_passes: int = 200) -> None:
        """Process events until every watched widget has painted (``RuntimeError`` if not)."""
        for _ in range(max_passes):
            if all(c > s for c, s in zip(self._counts, self._seen, strict=True)):
                self._seen = list(self._counts)
                return
            self._app.processEvents()
        raise RuntimeError("internal error: the window did not repaint after a change")


@contextlib.contextmanager
def _shown_window(n: int) -> Iterator[Any]:
    """A shown, laid-out window on :func:`bench_data` ``(n)`` at :data:`WINDOW_SIZE`; closed
    afterwards as if its edits had been saved (no question, no autosave left behind)."""
    from PySide6.QtTest import QTest

    from klviz.app import create_window, ensure_app

    app = ensure_app()
    x, p, q = bench_data(n)
    window = create_window(p, q, x=x)
    window.resize(*WINDOW_SIZE)
    window.show()
    try:
        if not QTest.qWaitForWindowExposed(window, 5000):
            raise RuntimeError("internal error: the benchmark window was never shown")
        yield window
    finally:
        window.history.setClean()
        window.close()
        window.deleteLater()
        app.processEvents()


def _timed(change: Callable[[], object], watch: _PaintWatch, runs: int, warmup: int) -> list[float]:
    """Milliseconds from each ``change()`` until the watched widgets have repainted."""
    times = []
    for k in range(warmup + runs):
        t0 = time.perf_counter()
        change()
        watch.wait()
        if k >= warmup:
            times.append(1000.0 * (time.perf_counter() - t0))
    return times


def klviz_drag_ms(n: int, repeats: int) -> list[float]:
    """Drag → repaint times (ms) of ``repeats`` drag steps of a P bar at ``n`` bins."""
    import pyqtgraph as pg
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    from klviz.app import ensure_app

    app = ensure_app()
    warmup = 4
    index, heights = _drag_targets(n, warmup + repeats)
    with _shown_window(n) as window:
        editor = window.histogram.p_editor
        viewport, vb = editor.viewport(), editor.getViewBox()
        x = float(window.model.x[index])
        left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

        def send(kind: QEvent.Type, y: float, button: Qt.MouseButton,
                 buttons: Qt.MouseButton) -> None:
            pos = QPointF(editor.mapFromScene(vb.mapViewToScene(QPointF(x, y))))
            app.sendEvent(viewport, QMouseEvent(kind, pos, viewport.mapToGlobal(pos), button,
                                                buttons, Qt.KeyboardModifier.NoModifier))

        moves = iter(heights)
        watch = _PaintWatch(app, [viewport, window.curves.plot_widget.viewport(),
                                  window.readouts.decomposition])
        # Each move is handled to the end before the next: pyqtgraph's rate limit (made for
        # bursts of real mouse moves) would only drop moves for being measured quickly.
        rate_limit = pg.getConfigOption("mouseRateLimit")
        pg.setConfigOptions(mouseRateLimit=-1)
        try:
            start = float(window.model.p[index])
            send(QEvent.Type.MouseMove, start, none, none)
            send(QEvent.Type.MouseButtonPress, start, left, left)
            watch.settle()
            times = _timed(lambda: send(QEvent.Type.MouseMove, next(moves), none, left),
                           watch, repeats, warmup)
            _, grabbed = editor.selected  # at many bins per pixel, maybe a neighbour of index
            if not math.isclose(float(window.model.p[grabbed]), heights[-1], rel_tol=0.05):
                raise RuntimeError("internal error: the benchmark drag did not move the bar")
            send(QEvent.Type.MouseButtonRelease, heights[-1], left, none)
        finally:
            pg.setConfigOptions(mouseRateLimit=rate_limit)
    return times


def optimizer_frame_ms(n: int, frames: int) -> list[float]:
    """Times (ms) of ``frames`` optimiser frames at ``n`` bins: one ``FitRunner.advance(1)``
    (the default fit's steps, Q pushed into the model) until the window has repainted."""
    from klviz.app import ensure_app

    app = ensure_app()
    with _shown_window(n) as window:
        runner, x = window.runner, window.model.x
        span = float(x[-1] - x[0])
        runner.set_start(float(x[0]) + 0.15 * span, 0.05 * span)  # far off: the fit travels
        widgets = [window.histogram.q_editor.viewport(), window.curves.plot_widget.viewport(),
                   window.readouts.decomposition, window.optimizer_panel.loss_plot.viewport()]
        watch = _PaintWatch(app, [w for w in widgets if w.isVisible()])
        watch.settle()
        return _timed(lambda: runner.advance(1), watch, frames, warmup=3)


# ---------------------------------------------------------------------- matplotlib
def matplotlib_drag_ms(
    n: int, repeats: int, budget_s: float = MATPLOTLIB_BUDGET_S
) -> list[float]:
    """The same update as a drag step, drawn with matplotlib (Agg) at the window's size.

    Stops early (after at least :data:`MIN_REPEATS` runs) once ``budget_s`` has passed.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from klviz.model import DistributionModel

    x, p, q = bench_data(n)
    model = DistributionModel()  # the same data work as the window: set_bar, cached terms
    model.set_data(x, p, q)
    width, height = WINDOW_SIZE
    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax_p, ax_q, ax_terms = fig.subplots(3, 1, sharex=True)
    step = float(x[1] - x[0])
    top = 1.2 * float(max(p.max(), q.max()))
    bars = ax_p.bar(x, p, width=0.8 * step, color="#0072B2")
    ax_q.bar(x, q, width=0.8 * step, color="#D55E00")
    for ax in (ax_p, ax_q):
        ax.set_ylim(0, top)
    forward, = ax_terms.plot(x, model.pointwise("pq"), color="#009E73")
    reverse, = ax_terms.plot(x, model.pointwise("qp"), color="#CC79A7")
    terms = np.concatenate((model.pointwise("pq"), model.pointwise("qp")))
    ax_terms.set_ylim(1.5 * min(float(terms.min()), 0.0), 1.5 * float(terms.max()))
    readouts = fig.text(0.01, 0.99, "", va="top", fontsize=9)
    canvas.draw()
    index, heights = _drag_targets(n, repeats)
    times: list[float] = []
    started = time.perf_counter()
    for value in heights:
        t0 = time.perf_counter()
        model.set_bar("p", index, value)
        for rect, h in zip(bars, model.p, strict=True):
            rect.set_height(h)
        forward.set_ydata(model.pointwise("pq"))
        reverse.set_ydata(model.pointwise("qp"))
        s = model.stats()
        readouts.set_text(
            f"H(P) {s['entropy_p']:.3f}  H(Q) {s['entropy_q']:.3f}  "
            f"H(P,Q) {s['cross_entropy_pq']:.3f}  H(Q,P) {s['cross_entropy_qp']:.3f}  "
            f"KL(P‖Q) {s['kl_pq']:.3f}  KL(Q‖P) {s['kl_qp']:.3f}  JS {s['js']:.3f}  "
            f"TV {s['tv']:.3f}"
        )
        canvas.draw()
        times.append(1000.0 * (time.perf_counter() - t0))
        if len(times) >= MIN_REPEATS and time.perf_counter() - started > budget_s:
            break
    return times


# ---------------------------------------------------------------------- start-up
_STARTUP_CHILD = f"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget
from klviz.app import ensure_app
from klviz.cli import main
from klviz.ui.main_window import MainWindow

app = ensure_app()

def painted():
    print("{_FIRST_PAINT}", repr(time.monotonic()), flush=True)
    app.quit()

class FirstPaint(QObject):
    def eventFilter(self, obj, ev):
        if (ev.type() == QEvent.Type.Paint and isinstance(obj, QWidget)
                and isinstance(obj.window(), MainWindow)):
            app.removeEventFilter(self)
            QTimer.singleShot(0, painted)
        return False

first_paint = FirstPaint()
app.installEventFilter(first_paint)
sys.exit(main(sys.argv[1:]))
"""


def startup_ms(runs: int) -> list[float]:
    """Cold start to first paint (ms) of ``runs`` fresh ``klviz --preset bimodal`` processes."""
    times = []
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    for _ in range(runs):
        t0 = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-c", _STARTUP_CHILD, "--preset", "bimodal"],
            env=env, capture_output=True, text=True, timeout=STARTUP_TIMEOUT_S, check=False,
        )
        stamps = [line.split()[1] for line in proc.stdout.splitlines()
                  if line.startswith(_FIRST_PAINT + " ")]
        if proc.returncode != 0 or not stamps:
            detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"the start-up run failed (exit {proc.returncode}): {detail}")
        times.append(1000.0 * (float(stamps[0]) - t0))
    return times


# ---------------------------------------------------------------------- report
def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown"


def machine_info() -> dict[str, Any]:
    """CPU, cores, OS and the versions of everything that draws."""
    from PySide6.QtCore import qVersion
    from PySide6.QtGui import QGuiApplication

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "qt": qVersion(),
        "pyside6": _version("PySide6-Essentials"),
        "pyqtgraph": _version("pyqtgraph"),
        "numpy": np.__version__,
        "matplotlib": _version("matplotlib"),
        "qt_platform": QGuiApplication.platformName() or os.environ.get("QT_QPA_PLATFORM", ""),
        "window_px": list(WINDOW_SIZE),
    }


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def run_bench(plan: BenchPlan, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run every measurement of ``plan`` in a blank home folder and return the report:
    medians, repeat counts and the machine. ``progress`` hears what is being measured."""
    from klviz.app import ensure_app

    ensure_app()
    say = progress or (lambda _msg: None)
    klviz_ms, mpl_ms, mpl_counts = [], [], []
    with isolated_settings():
        for n in plan.sizes:
            say(f"drag -> repaint, {n} bins")
            klviz_ms.append(_median(klviz_drag_ms(n, plan.repeats)))
            say(f"matplotlib, {n} bins")
            runs = matplotlib_drag_ms(n, plan.repeats)
            mpl_ms.append(_median(runs))
            mpl_counts.append(len(runs))
        say(f"optimiser, {OPTIMIZER_BINS} bins")
        frame_ms = _median(optimizer_frame_ms(OPTIMIZER_BINS, plan.optimizer_frames))
        say("start-up")
        first_paint = _median(startup_ms(plan.startup_runs))
    return {
        "n_bins": list(plan.sizes),
        "klviz_ms": klviz_ms,
        "matplotlib_ms": mpl_ms,
        "speedup": [m / k for m, k in zip(mpl_ms, klviz_ms, strict=True)],
        "optimizer_frame_ms_1024": frame_ms,
        "optimizer_fps_1024": 1000.0 / frame_ms,
        "startup_ms": first_paint,
        "repeats": {
            "drag_steps": plan.repeats,
            "matplotlib_draws": mpl_counts,
            "optimizer_frames": plan.optimizer_frames,
            "startup_runs": plan.startup_runs,
        },
        "machine": machine_info(),
    }
