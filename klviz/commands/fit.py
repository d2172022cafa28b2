"""``klviz fit``: fit a restricted Q to P under forward/reverse KL, α or JS, without a window."""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from klviz.commands.inputs import Inputs, add_input_arguments, parse_number_list, resolve_inputs
from klviz.commands.output import json_number, print_json, print_text
from klviz.core.families import FAMILIES, GridScale
from klviz.core.optimize import (
    DEFAULT_ALPHA,
    DEFAULT_EPSILON,
    DEFAULT_LR,
    DEFAULT_STEPS,
    OBJECTIVES,
    FitResult,
    fit,
)

HELP = (
    "Fit a restricted Q (Gaussian, Student-t, Gaussian mixture or free categorical) to P by "
    "minimising forward KL(P‖Q), reverse KL(Q‖P), an α-divergence or JS, and print the result."
)

__all__ = ["HELP", "add_arguments", "format_fit", "result_json", "run"]

_LN2 = math.log(2.0)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Input options (P; Q is not needed) plus the fit settings."""
    add_input_arguments(parser, session=True)
    fit_opts = parser.add_argument_group("fit")
    fit_opts.add_argument("--family", default="gaussian", metavar="NAME",
                          help=f"family of Q: {', '.join(FAMILIES)} (default: gaussian)")
    fit_opts.add_argument("--direction", default="forward", metavar="NAME",
                          help=f"objective: {', '.join(OBJECTIVES)} (default: forward, i.e. "
                               "KL(P‖Q); reverse is KL(Q‖P))")
    fit_opts.add_argument("--alpha", type=float, metavar="A",
                          help="α in [0, 1] for --direction alpha (0 = reverse KL, 1 = forward KL; "
                               f"default: {DEFAULT_ALPHA:g})")
    fit_opts.add_argument("--k", type=int, metavar="K",
                          help="number of mixture components, 1 to 4 (default: 2)")
    fit_opts.add_argument("--init-mu", metavar="M",
                          help="initial location(s); a comma-separated list for a mixture, "
                               "e.g. -3,3 (default: random start drawn with --seed)")
    fit_opts.add_argument("--init-sigma", metavar="S",
                          help="initial scale(s), one value or one per component "
                               "(default: a sixth of the grid span when --init-mu is given)")
    fit_opts.add_argument("--fixed-sigma", action="store_true",
                          help="hold σ at --init-sigma (or a sixth of the span) and fit only "
                               "locations and weights")
    fit_opts.add_argument("--lr", type=float, default=DEFAULT_LR,
                          help=f"Adam learning rate in grid-normalised units (default: {DEFAULT_LR})")
    fit_opts.add_argument("--steps", type=int, default=DEFAULT_STEPS, metavar="N",
                          help=f"maximum Adam steps per start (default: {DEFAULT_STEPS})")
    fit_opts.add_argument("--restarts", type=int, default=1, metavar="R",
                          help="number of starts; the best fit is kept (default: 1)")
    fit_opts.add_argument("--seed", type=int, default=0,
                          help="seed for random starts (default: 0)")
    fit_opts.add_argument("--epsilon", type=float, default=DEFAULT_EPSILON, metavar="E",
                          help="floor for P under reverse KL, which is infinite where P = 0 "
                               f"(default: {DEFAULT_EPSILON:g})")
    fit_opts.add_argument("--json", action="store_true", help="print the result as JSON")


def _floats(text: str | None, option: str) -> list[float] | None:
    """A finite number or comma-separated list given to ``option``, or None if not given."""
    if text is None:
        return None
    values = parse_number_list(text, option)
    if not np.isfinite(values).all():
        raise ValueError(f"{option} must be finite, got {text!r}")
    return values.tolist()


def _settings(args: argparse.Namespace, x: NDArray[np.float64]) -> dict[str, Any]:
    """Keyword arguments for :func:`klviz.core.optimize.fit` from the command line."""
    mu = _floats(args.init_mu, "--init-mu")
    sigma = _floats(args.init_sigma, "--init-sigma")
    fixed_sigma = None
    if args.fixed_sigma:
        if sigma is not None and len(sigma) != 1:
            raise ValueError("--fixed-sigma holds every sigma at one --init-sigma value")
        fixed_sigma = sigma[0] if sigma else GridScale.of(x).default_sigma
    elif sigma is not None and mu is None:
        raise ValueError("--init-sigma needs --init-mu as well")
    init = None if mu is None else {"mu": mu, "sigma": None if args.fixed_sigma else sigma}
    alpha = args.alpha
    if alpha is None and args.direction == "alpha":
        alpha = DEFAULT_ALPHA
    return {
        "family": args.family, "objective": args.direction, "alpha": alpha, "k": args.k,
        "init": init, "fixed_sigma": fixed_sigma, "lr": args.lr, "max_steps": args.steps,
        "restarts": args.restarts, "seed": args.seed, "epsilon": args.epsilon,
    }


def _bits(nats: float) -> float | str:
    """A divergence in bits for JSON: ``"inf"`` when infinite."""
    return json_number(nats / _LN2)


def result_json(res: FitResult, inputs: Inputs, seed: int, restarts: int) -> dict[str, Any]:
    """The ``klviz fit --json`` document (divergences in bits, never NaN, inf as ``"inf"``)."""
    doc: dict[str, Any] = {"family": res.family, "direction": res.objective.name}
    if res.objective.name == "alpha":
        doc["alpha"] = res.objective.alpha
    doc.update({
        "units": "bits",
        "params": res.params,
        "grid_mean": res.grid_mean,
        "grid_std": res.grid_std,
        "x": res.x.tolist(),
        "q": res.q.tolist(),
        "objective": _bits(res.value),
        "kl_pq": _bits(res.kl_pq),
        "kl_qp": _bits(res.kl_qp),
        "iterations": res.steps,
        "converged": res.converged,
        "epsilon": res.epsilon,
        "epsilon_applied": res.epsilon_applied,
        "seed": seed,
        "restarts": restarts,
        "preset": inputs.preset,
        "notes": list(inputs.notes),
    })
    return doc


def _show(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value / _LN2:.4f}"


def _params_lines(res: FitResult) -> list[str]:
    p = res.params
    if not p:
        return ["  free categorical: one logit per bin"]
    if isinstance(p["mu"], list):
        return [
            f"  component {i + 1}: weight {w:.4f}  mu {m:.4f}  sigma {s:.4f}"
            for i, (w, m, s) in enumerate(zip(p["weight"], p["mu"], p["sigma"], strict=True))
        ]
    extra = f"  nu {p['nu']:g}" if "nu" in p else ""
    return [f"  mu {p['mu']:.4f}  sigma {p['sigma']:.4f}{extra}"]


def format_fit(res: FitResult, inputs: Inputs) -> str:
    """The human-readable summary: notes, parameters, grid moments, KL both ways in bits."""
    status = "converged" if res.converged else "not converged (try more --steps)"
    source = f" (preset {inputs.preset})" if inputs.preset else ""
    bins = f"{res.x.size} bin{'s' * (res.x.size != 1)}"
    goal = res.objective.label()
    lines = [
        *(f"note: {note}" for note in inputs.notes),
        f"{res.family} Q fitted to P{source}, {bins}, by minimising {goal}",
        *_params_lines(res),
        f"  grid mean {res.grid_mean:.4f}  grid std {res.grid_std:.4f}",
        f"  KL(P‖Q) = {_show(res.kl_pq)} bits   KL(Q‖P) = {_show(res.kl_qp)} bits",
        f"  objective {_show(res.value)} bits after {res.steps} steps, {status}",
    ]
    if res.epsilon_applied:
        lines.append(
            f"  P floored at epsilon = {res.epsilon:g} for the optimisation; the KLs above use "
            "the honest P"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Resolve P, fit, print a summary or JSON; returns 0."""
    inputs = resolve_inputs(args, default_preset=None, require_q=False)
    res = fit(inputs.p, inputs.x, **_settings(args, inputs.x))
    if args.json:
        doc = result_json(res, inputs, args.seed, args.restarts)
        print_json(doc)
    else:
        print_text(format_fit(res, inputs))
    return 0
