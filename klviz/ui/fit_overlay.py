"""Fitted Qs drawn over a bar plot (the P editor), with a legend in its title row.

Up to :data:`~klviz.ui.bars_item.GAP_MAX_BINS` bins a fit is a step outline around its bars;
with more, a line through the bin centres, clipped to the view and downsampled (keeping
peaks) like the pointwise curves — pyqtgraph can neither clip nor downsample step data, and an
antialiased outline of 65 536 steps takes a third of a second to draw.

In "both" mode this is the picture the optimiser exists for: the forward-KL fit spreading over
all of P and the reverse-KL fit sitting on one mode, over the same P, in the two fit colours.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray

from klviz.ui.bars_item import GAP_MAX_BINS, bin_edges
from klviz.ui.fit_style import direction_color
from klviz.ui.theme import Theme, style_legend

__all__ = ["FitOverlay"]

OVERLAY_Z = 3.0
"""Above the bars, the zero line and the value labels."""


class FitOverlay:
    """Fitted Qs over ``plot`` — one curve per direction — and their legend."""

    def __init__(self, plot: pg.PlotWidget, theme: Theme) -> None:
        self._plot = plot
        self._theme = theme
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._texts: dict[str, str] = {}
        self.legend = pg.LegendItem(labelTextSize=f"{theme.small_font_size}pt", colCount=2)
        self.legend.setParentItem(plot.getPlotItem())
        self.legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-8, 0))
        self.legend.setVisible(False)

    def show(self, x: NDArray[np.float64], fits: dict[str, tuple[NDArray[np.float64], str]]
             ) -> None:
        """Draw each fit's Q (bin centres ``x``) with its legend text; ``{}`` hides them all."""
        steps = x.size <= GAP_MAX_BINS
        edges = bin_edges(x) if steps else x
        for direction in set(self.curves) - set(fits):
            self._plot.removeItem(self.curves.pop(direction))
        for direction, (q, _) in fits.items():
            curve = self.curves.get(direction)
            if curve is None:
                curve = pg.PlotDataItem(antialias=True, autoDownsampleFactor=1.0)
                curve.setZValue(OVERLAY_Z)
                self._plot.addItem(curve, ignoreBounds=True)
                self.curves[direction] = curve
            curve.setClipToView(not steps)
            curve.setDownsampling(auto=not steps, method="peak")
            curve.setData(edges, q, stepMode="center" if steps else None)
        texts = {direction: text for direction, (_, text) in fits.items()}
        if texts != self._texts:  # rebuilt only when what it says changes, not every frame
            self._texts = texts
            self._restyle()
        self.legend.setVisible(bool(fits))

    def _restyle(self) -> None:
        theme = self._theme
        self.legend.clear()
        style_legend(self.legend, theme)
        for direction, text in self._texts.items():
            curve = self.curves[direction]
            curve.setPen(theme.pen(direction_color(theme, direction)))
            self.legend.addItem(curve, text)

    def apply_theme(self, theme: Theme) -> None:
        """Restyle the outlines and the legend from ``theme``."""
        self._theme = theme
        self._restyle()
