"""How fits are named, coloured and described to the user: one place for the panel, the loss
plot and the overlay over P."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtGui import QColor

from klviz.ui.theme import Theme

__all__ = ["FIT_NAMES", "direction_color", "format_number", "format_params"]

FIT_NAMES = {"forward": "forward", "reverse": "reverse", "alpha": "α", "js": "JS"}
"""Short names of the fits, by direction, for text beside their colour."""


def direction_color(theme: Theme, direction: str, alpha: float = 0.5) -> str:
    """The colour of a fit (``#RRGGBB``): the theme's forward / reverse colours, a blend of
    the two for an α-divergence (α = 1 is forward), the foreground for JS."""
    if direction == "forward":
        return theme.forward_fit
    if direction == "reverse":
        return theme.reverse_fit
    if direction == "alpha":
        a, b = QColor(theme.forward_fit), QColor(theme.reverse_fit)
        mix = [round(alpha * x + (1 - alpha) * y)
               for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True)]
        return QColor(*mix).name()
    return theme.foreground


def format_number(value: float, decimals: int = 3) -> str:
    """``value`` rounded to ``decimals``, never as "-0.000"."""
    return f"{round(value, decimals) + 0.0:.{decimals}f}"


def _join(values: float | Sequence[float]) -> str:
    if isinstance(values, Sequence):
        return " / ".join(format_number(v) for v in values)
    return format_number(values)


def format_params(params: dict[str, Any]) -> str:
    """``μ = 2.998, σ = 0.501`` (``/`` between mixture components); "free logits" when the
    family has no readable parameters."""
    if not params:
        return "free logits"
    parts = [f"μ = {_join(params['mu'])}", f"σ = {_join(params['sigma'])}"]
    if "weight" in params:
        parts.insert(0, f"weights {_join(params['weight'])}")
    if "nu" in params:
        parts.append(f"ν = {params['nu']:g}")
    return ", ".join(parts)
