"""``klviz bench``: how fast the window redraws, against matplotlib, measured on this machine.

What is measured and how is described in :mod:`klviz.bench`. Qt runs offscreen unless
``QT_QPA_PLATFORM`` names another platform; matplotlib (the ``bench`` extra) draws the baseline.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import sys
from typing import Any

from klviz.commands.output import print_json, print_text
from klviz.core.distributions import MAX_BINS

HELP = (
    "Measure klviz's speed: drag -> repaint latency at several bin counts against the same "
    "update drawn with matplotlib, the optimiser's frame rate at 1 024 bins and the cold start "
    "to the first painted window."
)

__all__ = ["HELP", "add_arguments", "format_report", "run"]


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated whole numbers, got {text!r}"
        ) from None
    bad = [n for n in sizes if not 2 <= n <= MAX_BINS]
    if bad:
        raise argparse.ArgumentTypeError(f"bin counts must be 2 to {MAX_BINS}, got {bad[0]}")
    return sizes


def _repeats(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--sizes, --repeats, --quick and --json."""
    parser.add_argument(
        "--sizes", type=_sizes, metavar="N,N,...",
        help="bin counts of the drag measurement (default 16,256,4096,65536)",
    )
    parser.add_argument(
        "--repeats", type=_repeats, metavar="N",
        help="drag steps (and matplotlib draws) timed per size (default 30)",
    )
    parser.add_argument(
        "--quick", action="store_true",
        help="small sizes and few repeats: checks that the benchmark works, in seconds",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _plan(args: argparse.Namespace) -> Any:
    from klviz.bench import QUICK, BenchPlan

    chosen = {"sizes": args.sizes, "repeats": args.repeats}
    return dataclasses.replace(QUICK if args.quick else BenchPlan(),
                               **{k: v for k, v in chosen.items() if v is not None})


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 1000 else f"{value:,.0f} ms"


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def format_report(report: dict[str, Any]) -> str:
    """The report as a table plus one line each for the optimiser, start-up and machine."""
    m, r = report["machine"], report["repeats"]
    width, height = m["window_px"]
    head = (
        f"drag -> repaint, median of {_count(r['drag_steps'], 'drag step')} (window {width}x{height}, "
        f"Qt platform {m['qt_platform']})"
    )
    lines = [head]
    lines.append(f"{'bins':>8}  {'klviz':>10}  {'matplotlib':>11}  {'speedup':>8}")
    for n, k, mpl, x in zip(report["n_bins"], report["klviz_ms"], report["matplotlib_ms"],
                            report["speedup"], strict=True):
        lines.append(f"{n:>8,}  {_ms(k):>10}  {_ms(mpl):>11}  {x:>7.1f}x")
    draws = ", ".join(map(str, r["matplotlib_draws"]))
    lines.append(f"matplotlib draws per size: {draws}")
    lines.append(
        f"optimiser at 1,024 bins: {_ms(report['optimizer_frame_ms_1024'])} per frame "
        f"(step + redraw), {report['optimizer_fps_1024']:.0f} frames per second "
        f"(median of {_count(r['optimizer_frames'], 'frame')})"
    )
    lines.append(
        f"cold start to first paint: {_ms(report['startup_ms'])} "
        f"(median of {_count(r['startup_runs'], 'run')})"
    )
    lines.append(f"machine: {m['cpu']}, {m['cores']} cores, {m['platform']}")
    lines.append(
        f"versions: Python {m['python']}, Qt {m['qt']}, PySide6 {m['pyside6']}, "
        f"pyqtgraph {m['pyqtgraph']}, numpy {m['numpy']}, matplotlib {m['matplotlib']}"
    )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Measure (progress on stderr), then print the table or JSON; returns 0."""
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        raise ValueError(
            "klviz bench needs matplotlib for its baseline; install it with "
            "pip install 'klviz[bench]'"
        ) from None
    plan = _plan(args)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from klviz.bench import run_bench  # Qt from here on

    report = run_bench(plan, progress=lambda text: print(f"measuring {text}...",
                                                         file=sys.stderr, flush=True))
    if args.json:
        print_json(report)
    else:
        print_text(format_report(report))
    return 0
