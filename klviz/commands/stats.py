"""``klviz stats``: entropy, cross-entropy, KL both ways, JS and TV of P and Q, without a window."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from klviz.commands.inputs import Inputs, add_input_arguments, resolve_inputs
from klviz.commands.output import json_number, print_json, print_text, shows_symbols, to_ascii
from klviz.core.distributions import get_preset, preset_names
from klviz.core.divergence import BITS, NATS, summary

HELP = (
    "Print H(P), H(Q), both cross-entropies, KL(P‖Q), KL(Q‖P), JS and TV of two "
    "distributions, in bits (or nats), as a table or JSON."
)

__all__ = ["HELP", "add_arguments", "format_stats", "run", "stats_json"]

_ROWS = (
    ("H(P)", "entropy_p"),
    ("H(Q)", "entropy_q"),
    ("H(P,Q)", "cross_entropy_pq"),
    ("H(Q,P)", "cross_entropy_qp"),
    ("KL(P‖Q)", "kl_pq"),
    ("KL(Q‖P)", "kl_qp"),
    ("JS", "js"),
    ("TV", "tv"),
)
_MAX_LISTED = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Input options plus --nats, --json and --list-presets."""
    add_input_arguments(parser, session=True)
    out = parser.add_argument_group("output")
    out.add_argument("--nats", action="store_true", help="natural-log units (default: bits)")
    out.add_argument(
        "--json", action="store_true", help='print one JSON object; infinity is the string "inf"'
    )
    out.add_argument(
        "--list-presets", action="store_true", help="list the preset names and titles, then exit"
    )


def _number(value: float) -> str:
    if math.isinf(value):
        return "∞"
    if value != 0 and abs(value) < 0.001:
        return f"{value:.2e}"
    return f"{value:.3f}"


def _bin_list(bins: list[int], labels: tuple[str, ...] | None) -> str:
    """``bins 3–7, 9`` or ``bins 'H', 'T'``; long lists are cut short."""
    if labels is not None:
        items = [repr(labels[i]) for i in bins]
    else:
        runs: list[list[int]] = []
        for i in bins:
            if runs and i == runs[-1][-1] + 1:
                runs[-1].append(i)
            else:
                runs.append([i])
        items = [str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs]
    shown = ", ".join(items[:_MAX_LISTED])
    if len(items) > _MAX_LISTED:
        shown += f", … ({len(bins)} bins in all)"
    return f"{'bin' if len(bins) == 1 else 'bins'} {shown}"


def format_stats(stats: dict[str, Any], inputs: Inputs, *, ascii_only: bool = False) -> str:
    """The human-readable table: notes, one aligned row per readout, then what makes ∞.

    With ``ascii_only``, ‖ and ∞ are written as ``||`` and ``inf`` (for terminals that
    cannot show them).
    """

    def sym(text: str) -> str:
        return to_ascii(text) if ascii_only else text

    lines = [f"note: {note}" for note in inputs.notes]
    source = f" (preset {inputs.preset})" if inputs.preset else ""
    lines.append(f"P and Q: {stats['n_bins']} bins{source}")
    names = [sym(name) for name, _ in _ROWS]
    values = [sym(_number(stats[key])) for _, key in _ROWS]
    width, value_width = max(map(len, names)), max(map(len, values))
    for name, value, (_, key) in zip(names, values, _ROWS, strict=True):
        unit = "" if key == "tv" else f" {stats['units']}"
        lines.append(f"  {name:<{width}}  {value:>{value_width}}{unit}")
    for bins, direction, cause in (
        (stats["infinite_bins_pq"], "KL(P‖Q) and H(P,Q)", "Q = 0 where P > 0"),
        (stats["infinite_bins_qp"], "KL(Q‖P) and H(Q,P)", "P = 0 where Q > 0"),
    ):
        if bins:
            where = _bin_list(bins, inputs.labels)
            lines.append(sym(f"∞: {direction} are infinite: {cause} in {where}"))
    return "\n".join(lines)


def stats_json(stats: dict[str, Any], inputs: Inputs) -> dict[str, Any]:
    """:func:`klviz.core.divergence.summary` plus where the data came from; inf → "inf"."""
    out = {k: json_number(v) if isinstance(v, float) else v for k, v in stats.items()}
    out.update(
        normalized=inputs.normalized,
        notes=list(inputs.notes),
        preset=inputs.preset,
        n_bins=int(inputs.p.size),
    )
    return out


def _preset_list() -> str:
    names = preset_names()
    width = max(len(n) for n in names)
    return "\n".join(f"{name:<{width}}  {get_preset(name).title}" for name in names)


def run(args: argparse.Namespace) -> int:
    """Print the readouts (or the preset list); returns 0."""
    if args.list_presets:
        print_text(_preset_list())
        return 0
    inputs = resolve_inputs(args)
    stats = summary(inputs.p, inputs.q, NATS if args.nats else BITS)
    if args.json:
        print_json(stats_json(stats, inputs))
    else:
        print_text(format_stats(stats, inputs, ascii_only=not shows_symbols(sys.stdout)))
    return 0
