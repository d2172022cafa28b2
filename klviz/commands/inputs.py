"""Where P and Q come from on the command line: shared by ``stats``, ``fit``, ``export`` and the
window.

P comes from exactly one of ``--preset``, ``--session``, ``--p`` (comma-separated weights) or
``--p-file`` (a CSV table, see :mod:`klviz.tables`); Q comes with it (the preset's or
session's Q, or the q column of the P file) unless ``--q`` or ``--q-file`` gives it. Weights
are normalised explicitly, with a note saying so.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from klviz.core.distributions import (
    get_preset,
    normalized_with_note,
    preset_names,
)
from klviz.tables import read_table

__all__ = ["Inputs", "add_input_arguments", "parse_number_list", "resolve_inputs"]


@dataclass
class Inputs:
    """P and Q as distributions on bin centres ``x``, plus what the user should be told.

    ``notes`` are one-line notices such as "P was normalised (its weights summed to 2)";
    ``normalized`` says whether P or Q had to be rescaled.
    """

    x: NDArray[np.float64]
    p: NDArray[np.float64]
    q: NDArray[np.float64] | None
    labels: tuple[str, ...] | None
    preset: str | None
    notes: list[str] = field(default_factory=list)
    normalized: bool = False


@dataclass
class _Source:
    """Raw weights from one place the user named; ``what`` says which, for messages."""

    what: str
    q: NDArray[np.float64] | None
    x: NDArray[np.float64] | None = None
    labels: tuple[str, ...] | None = None


@dataclass
class _PSource(_Source):
    """The place P comes from, which may bring Q, a preset name and loading notes along.

    ``notes`` come from :func:`klviz.session.load_session`, whose remarks are all about
    weights it had to normalise.
    """

    p: NDArray[np.float64] = field(kw_only=True)
    preset: str | None = field(default=None, kw_only=True)
    notes: list[str] = field(default_factory=list, kw_only=True)


def add_input_arguments(parser: argparse.ArgumentParser, *, session: bool = True) -> None:
    """Add --preset, --p, --q, --p-file, --q-file and (if ``session``) --session."""
    group = parser.add_argument_group(
        "input",
        "P from one of --preset, --session, --p or --p-file; Q from the same place unless "
        "--q or --q-file gives it. CSV files have a header: x or label (optional, first), "
        "then p and/or q. Weights are normalised if they do not sum to 1.",
    )
    group.add_argument(
        "--preset", metavar="NAME", help=f"a named example: {', '.join(preset_names())}"
    )
    if session:
        group.add_argument("--session", metavar="FILE", help="P and Q from a saved klviz session")
    group.add_argument("--p", metavar="LIST", help="P as comma-separated weights, e.g. 0.99,0.01")
    group.add_argument("--q", metavar="LIST", help="Q as comma-separated weights, e.g. 0.5,0.5")
    group.add_argument(
        "--p-file", metavar="CSV", help="P from a CSV file; its q column, if any, gives Q"
    )
    group.add_argument(
        "--q-file", metavar="CSV",
        help="Q from a CSV file: its q column, or its p column when it has no q",
    )


def parse_number_list(text: str, option: str) -> NDArray[np.float64]:
    """Comma-separated numbers such as ``"0.99, 0.01"``; ``ValueError`` naming ``option``."""
    if not text.strip():
        raise ValueError(f"{option} is empty; give comma-separated numbers such as 0.5,0.5")
    values = []
    for i, cell in enumerate(text.split(","), start=1):
        try:
            values.append(float(cell))
        except ValueError:
            shown = repr(cell.strip()) if cell.strip() else "empty"
            raise ValueError(f"{option}: item {i} is {shown}, not a number") from None
    return np.asarray(values, dtype=np.float64)


def _p_file(path: str) -> _PSource:
    table = read_table(path)
    if table.p is None:
        raise ValueError(f"{path} has no p column; use it with --q-file")
    return _PSource(f"--p-file {path}", table.q, table.x, table.labels, p=table.p)


def _q_file(path: str) -> _Source:
    table = read_table(path)
    return _Source(f"--q-file {path}", table.q if table.q is not None else table.p, table.x,
                   table.labels)


def _p_source(args: argparse.Namespace, default_preset: str | None) -> _PSource:
    """The one place P comes from (``ValueError`` if none or several are given)."""
    given = {
        "--preset": args.preset,
        "--session": getattr(args, "session", None),
        "--p": args.p,
        "--p-file": args.p_file,
    }
    named = [opt for opt, value in given.items() if value is not None]
    if len(named) > 1:
        raise ValueError(f"{' and '.join(named)} cannot be combined: P comes from one of them")
    option = named[0] if named else None
    if option is None and default_preset is None:
        raise ValueError("give --preset, --p or --p-file")
    if option in (None, "--preset"):
        pr = get_preset(default_preset if option is None else args.preset)
        return _PSource(f"preset {pr.name}", pr.q, pr.x, pr.labels, p=pr.p, preset=pr.name)
    if option == "--session":
        from klviz.session import load_session

        sess = load_session(args.session)
        return _PSource(
            f"--session {args.session}", sess.q, sess.x, sess.labels, p=sess.p,
            preset=sess.preset, notes=list(sess.notes),
        )
    if option == "--p":
        return _PSource("--p", None, p=parse_number_list(args.p, "--p"))
    return _p_file(args.p_file)


def _q_source(args: argparse.Namespace) -> _Source | None:
    if args.q is not None and args.q_file is not None:
        raise ValueError("--q and --q-file cannot be combined: Q comes from one of them")
    if args.q is not None:
        return _Source("--q", parse_number_list(args.q, "--q"))
    if args.q_file is not None:
        return _q_file(args.q_file)
    return None


def _shared_layout(
    sources: list[_Source], n: int
) -> tuple[NDArray[np.float64], tuple[str, ...] | None]:
    """Bin centres and labels: from whichever source has them; sources must agree."""
    x_from = next((s for s in sources if s.x is not None), None)
    labels_from = next((s for s in sources if s.labels is not None), None)
    for s in sources:
        if x_from is not None and s.x is not None and not np.array_equal(s.x, x_from.x):
            raise ValueError(f"the x values of {s.what} differ from those of {x_from.what}")
        if labels_from is not None and s.labels is not None and s.labels != labels_from.labels:
            raise ValueError(f"the labels of {s.what} differ from those of {labels_from.what}")
    x = x_from.x if x_from is not None else np.arange(n, dtype=np.float64)
    return x, labels_from.labels if labels_from is not None else None


def _distribution(
    weights: NDArray[np.float64], name: str, notes: list[str]
) -> tuple[NDArray[np.float64], bool]:
    dist, note = normalized_with_note(weights, name)
    if note:
        notes.append(note)
    return dist, note is not None


def resolve_inputs(
    args: argparse.Namespace, *, default_preset: str | None = None, require_q: bool = True
) -> Inputs:
    """Turn the options of :func:`add_input_arguments` into normalised P and Q.

    Without any P option, ``default_preset`` is used (``ValueError`` when it is None). Q
    may be None only when ``require_q`` is False. Raises ``ValueError`` for conflicting
    options, bad numbers or files and mismatched bins, ``OSError`` for unreadable files.
    """
    p_src = _p_source(args, default_preset)
    q_src = _q_source(args)
    q_from = q_src if q_src is not None else p_src  # --q/--q-file replace the Q of P's source
    n = p_src.p.size
    if q_from.q is None:
        if require_q:
            raise ValueError("Q is missing: give --q or --q-file (or a --p-file with a q column)")
    elif q_from.q.size != n:
        raise ValueError(
            f"P has {n} bins ({p_src.what}) but Q has {q_from.q.size} ({q_from.what}); "
            "they must match"
        )
    x, labels = _shared_layout([p_src, q_from], n)
    notes = list(p_src.notes)
    p, p_changed = _distribution(p_src.p, "P", notes)
    q, q_changed = (None, False) if q_from.q is None else _distribution(q_from.q, "Q", notes)
    return Inputs(
        x=x, p=p, q=q, labels=labels, preset=p_src.preset, notes=notes,
        normalized=p_changed or q_changed or bool(p_src.notes),
    )
