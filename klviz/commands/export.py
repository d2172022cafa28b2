"""``klviz export``: a figure (PNG, SVG, PDF) or an animation of the optimiser (GIF), made
without showing a window; prints the path written.

Input is read and every option checked before Qt is imported, so mistakes end quickly with
``klviz: error: ...`` (exit 2). The window is built off screen (``QT_QPA_PLATFORM=offscreen``
when no display is configured) at its default size, with settings kept in a throw-away
folder: an export neither depends on nor changes how the user left klviz.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from klviz.commands.inputs import add_input_arguments, resolve_inputs
from klviz.commands.output import print_text
from klviz.core.families import FAMILIES

if TYPE_CHECKING:  # pragma: no cover
    from klviz.ui.main_window import MainWindow

HELP = (
    "Save a figure of P and Q as PNG (1×, 2× or 4×), SVG or PDF — or, with --fit, an animated "
    "GIF of the optimiser — without opening a window. Prints the path written."
)

__all__ = ["HELP", "add_arguments", "run"]

_FORMATS = ("png", "svg", "pdf", "gif")
_FIT_DIRECTIONS = ("forward", "reverse", "both")
_GIF_FRAMES, _GIF_FPS, _GIF_WIDTH = 60, 15, 800


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Input options, the figure options, the fit and the animation options."""
    add_input_arguments(parser, session=True)
    fig = parser.add_argument_group("figure")
    fig.add_argument("--out", required=True, metavar="FILE",
                     help="file to write; its extension picks the format: .png, .svg, .pdf "
                          "or .gif (an animation of the optimiser, needs --fit)")
    fig.add_argument("--view", metavar="NAME",
                     help="what to draw: window, bars, curves, composed (bars over curves) or "
                          "optimizer (plots beside the optimiser panel). Default: composed, "
                          "or optimizer for a .gif")
    fig.add_argument("--scale", type=int, metavar="N",
                     help="PNG pixels per screen pixel: 1, 2 or 4; lines and text scale too "
                          "(default: 1)")
    fig.add_argument("--theme", default="screen", metavar="NAME",
                     help="screen (as in the window) or slide (larger text, thicker lines); "
                          "default: screen")
    fig.add_argument("--transparent", action="store_true",
                     help="PNG only: leave the plots' background empty")
    fig.add_argument("--size", default="1400x900", metavar="WxH",
                     help="size of the (unseen) window in screen pixels, which the views "
                          "share out; default: 1400x900")
    fit = parser.add_argument_group("fit")
    fit.add_argument("--fit", metavar="DIRECTION",
                     help="fit a restricted Q to P first and show the fitted Q: forward "
                          "(KL(P‖Q)), reverse (KL(Q‖P)) or both side by side")
    fit.add_argument("--family", metavar="NAME",
                     help=f"family of the fitted Q: {', '.join(FAMILIES)} (default: gaussian)")
    fit.add_argument("--steps", type=int, metavar="N",
                     help="most optimiser steps (default: the optimiser panel's limit); the "
                          "fit stops earlier when it converges")
    fit.add_argument("--init-mu", type=float, metavar="M",
                     help="start the fit at location M (gaussian or student-t; default: Q's "
                          "mean)")
    fit.add_argument("--init-sigma", type=float, metavar="S",
                     help="start the fit at scale S (with --init-mu; default: Q's spread)")
    gif = parser.add_argument_group("animation (.gif)")
    gif.add_argument("--frames", type=int, metavar="N",
                     help=f"number of frames (default: {_GIF_FRAMES})")
    gif.add_argument("--fps", type=float, metavar="F",
                     help=f"frames per second (default: {_GIF_FPS})")
    gif.add_argument("--width", type=int, metavar="PX",
                     help=f"width of the animation in pixels (default: {_GIF_WIDTH})")


def _check(args: argparse.Namespace) -> str:
    """The output format; ``ValueError`` for options that do not go together."""
    fmt = Path(args.out).suffix.lower().lstrip(".")
    if fmt not in _FORMATS:
        shown = f"'.{fmt}'" if fmt else "no extension"
        raise ValueError(f"--out {args.out} has {shown}; it must end in "
                         + ", ".join(f".{f}" for f in _FORMATS))
    if args.scale is not None and fmt != "png":
        raise ValueError(f"--scale applies to PNG only; .{fmt} is "
                         + ("vector" if fmt in ("svg", "pdf") else "sized with --width"))
    if args.transparent and fmt != "png":
        raise ValueError("--transparent applies to PNG only")
    animation = [f"--{name}" for name in ("frames", "fps", "width")
                 if getattr(args, name) is not None]
    if animation and fmt != "gif":
        raise ValueError(f"{', '.join(animation)} only apply to a .gif")
    if fmt == "gif" and args.fit is None:
        raise ValueError("a .gif records the optimiser: give --fit forward, reverse or both")
    fit_options = [opt for opt, value in (("--family", args.family), ("--steps", args.steps),
                                          ("--init-mu", args.init_mu),
                                          ("--init-sigma", args.init_sigma))
                   if value is not None]
    if fit_options and args.fit is None:
        raise ValueError(f"{', '.join(fit_options)} need --fit")
    if args.fit is not None and args.fit not in _FIT_DIRECTIONS:
        raise ValueError(f"--fit must be one of {', '.join(_FIT_DIRECTIONS)}, got {args.fit!r}")
    if args.init_sigma is not None and args.init_mu is None:
        raise ValueError("--init-sigma needs --init-mu as well")
    return fmt


def _window_size(text: str) -> tuple[int, int]:
    """``"1400x900"`` as (1400, 900); ``ValueError`` unless both are 600 to 8000."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(part.strip().isdigit() for part in parts):
        raise ValueError(f"--size must look like 1400x900, got {text!r}")
    width, height = (int(part) for part in parts)
    if not (600 <= width <= 8000 and 600 <= height <= 8000):
        raise ValueError(f"--size must be between 600x600 and 8000x8000, got {text!r}")
    return width, height


def _headless_display() -> None:
    """Draw off screen when no display is configured (a server, CI, ssh)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


@contextlib.contextmanager
def _blank_settings() -> Iterator[None]:
    """Qt settings in a throw-away folder: nothing remembered is read, nothing is written."""
    from PySide6.QtCore import QSettings

    folder = tempfile.mkdtemp(prefix="klviz-export-")
    try:
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, folder)
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _fit(window: MainWindow, args: argparse.Namespace) -> None:
    """Set up the optimiser as asked (its start included); the fit itself runs later."""
    runner = window.runner
    changes: dict[str, object] = {"direction": args.fit}
    if args.family is not None:
        changes["family"] = args.family
    if args.steps is not None:
        changes["max_steps"] = args.steps
    runner.set_settings(dataclasses.replace(runner.settings, **changes))
    if args.init_mu is not None:  # set_start refuses families without one μ and σ
        sigma = args.init_sigma
        runner.set_start(args.init_mu, runner.start_params().get("sigma") if sigma is None
                         else sigma)


def run(args: argparse.Namespace) -> int:
    """Check everything, build the window off screen, fit if asked, write and print the path."""
    fmt = _check(args)
    size = _window_size(args.size)
    inputs = resolve_inputs(args, default_preset=None, require_q=False)
    units = None
    if args.session is not None:
        from klviz.session import load_session

        units = load_session(args.session).units
    for note in inputs.notes:
        print(f"klviz: note: {note}", file=sys.stderr)

    _headless_display()
    from PySide6.QtCore import QCoreApplication, QEvent, Qt  # Qt from here on

    from klviz import export
    from klviz.app import create_window, ensure_app
    from klviz.ui.theme import THEMES

    if args.theme not in THEMES:
        raise ValueError(f"--theme must be one of {', '.join(THEMES)}, got {args.theme!r}")
    if args.scale is not None and args.scale not in export.SCALES:
        raise ValueError(f"--scale must be {', '.join(map(str, export.SCALES))}, "
                         f"got {args.scale}")
    theme = THEMES[args.theme]
    view = args.view or ("optimizer" if fmt == "gif" else "composed")
    ensure_app()
    with _blank_settings():
        window = create_window(inputs.p, inputs.q, x=inputs.x, labels=inputs.labels,
                               preset=inputs.preset)
        try:
            window.resize(*size)
            window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
            window.show()  # laid out as on screen, but never on any screen
            if units is not None:
                window.model.set_units(units)
            if view not in ("optimizer", "window"):  # the plots get the optimiser's room
                window.optimizer_dock.hide()
            export.view_layout(window, view)  # an unknown view fails before any fitting
            if args.fit is not None:
                _fit(window, args)
            if fmt == "gif":
                path = export.render_gif(
                    window, args.out, view, theme=theme,
                    frames=_GIF_FRAMES if args.frames is None else args.frames,
                    fps=_GIF_FPS if args.fps is None else args.fps,
                    width=_GIF_WIDTH if args.width is None else args.width,
                )
            else:
                if args.fit is not None:
                    export.finish_fit(window.runner)
                path = export.export_figure(window, args.out, view, scale=args.scale or 1,
                                            theme=theme, transparent=args.transparent)
        finally:
            window.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    print_text(str(path))
    return 0
