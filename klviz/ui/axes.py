"""Axis helpers shared by the plots: the x extent of the bins, category ticks, tidy ranges."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from klviz.model import DistributionModel
from klviz.ui.bars_item import bin_edges
from klviz.ui.theme import Theme

__all__ = [
    "MAX_LABEL_TICKS", "nice_ceiling", "set_bin_ticks", "set_plot_title", "show_all_bins",
]

MAX_LABEL_TICKS = 30
"""At most this many category labels are written under an axis; the rest are thinned out."""

_NICE_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k that is ≥ ``value`` (> 0)."""
    if not value > 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(value))
    return next(s * scale for s in _NICE_STEPS if s * scale >= value * (1 - 1e-12))


def set_bin_ticks(axis: pg.AxisItem, model: DistributionModel) -> None:
    """Category labels as ticks for labelled bins (thinned when crowded); numbers otherwise."""
    labels = model.labels
    if labels is None:
        axis.setTicks(None)
        return
    step = max(1, math.ceil(len(labels) / MAX_LABEL_TICKS))
    major = [(float(model.x[i]), labels[i]) for i in range(0, len(labels), step)]
    axis.setTicks([major, []])


def show_all_bins(plot: pg.PlotItem, model: DistributionModel) -> None:
    """Show every bin (with a little margin) and forbid panning or zooming out past them."""
    edges = bin_edges(model.x)
    span = float(edges[-1] - edges[0])
    pad = 0.01 * span
    lo, hi = float(edges[0]) - pad, float(edges[-1]) + pad
    smallest = float(np.min(np.diff(edges)))
    plot.getViewBox().setLimits(xMin=lo, xMax=hi, minXRange=min(2 * smallest, hi - lo))
    plot.setXRange(lo, hi, padding=0.0)


def set_plot_title(plot: pg.PlotItem, html: str, theme: Theme) -> None:
    """A left-aligned title line above the plot, in the theme's title size and muted colour."""
    plot.setTitle(html, justify="left", color=theme.muted, size=f"{theme.title_font_size}pt")
    plot.layout.setRowFixedHeight(0, round(2.3 * theme.title_font_size))
