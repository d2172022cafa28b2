"""The objective per optimiser step, one curve per fit, in the model's unit.

When a fit starts again (a new start, Reset, Random start) its last run stays behind as a faint
dashed curve, so two runs can be compared: a fit that stalled on a wide compromise ends higher
than one that found a mode.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from klviz.ui.axes import set_plot_title
from klviz.ui.fit_style import direction_color
from klviz.ui.theme import Theme, style_legend, style_plot

__all__ = ["LossPlot"]

_LN2 = math.log(2.0)

LEGEND_NAMES = {"forward": "KL(P‖Q)", "reverse": "KL(Q‖P)", "alpha": "D_α", "js": "JS"}
"""Short legend names: the plot is narrow, the colours match the panel's parameter lines."""

PREVIOUS_ALPHA = 0.4
"""Opacity of the previous run's curves."""


class LossPlot(pg.PlotWidget):
    """Objective against step for each fit (coloured per direction, with a legend), and each
    fit's previous run, faint."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._units = "bits"
        self._alpha = 0.5
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.previous: dict[str, pg.PlotDataItem] = {}
        self._nats: dict[str, NDArray[np.float64]] = {}
        self._previous_nats: dict[str, NDArray[np.float64]] = {}
        plot = self.getPlotItem()
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.showGrid(x=False, y=True, alpha=0.2)
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.getAxis("left").setStyle(maxTickLevel=0)
        plot.enableAutoRange(x=False, y=True)
        self.legend = pg.LegendItem(labelTextSize=f"{theme.small_font_size}pt", colCount=2)
        self.legend.setParentItem(plot)
        self.legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-8, 0))
        self.setMinimumHeight(150)
        self.apply_theme(theme)

    def set_histories(
        self, histories: dict[str, NDArray[np.float64]], units: str, alpha: float = 0.5
    ) -> None:
        """Show ``histories`` (objective in nats per step, by direction) in ``units``.

        A history shorter than the one shown before means that fit started again: the
        one shown before becomes its previous run.
        """
        previous = {d: h for d, h in self._previous_nats.items() if d in histories}
        for d, values in histories.items():
            old = self._nats.get(d)
            if old is not None and 1 < old.size and values.size < old.size:
                previous[d] = old
        restyle = (set(histories) != set(self.curves) or set(previous) != set(self.previous)
                   or units != self._units or alpha != self._alpha)
        self._units, self._alpha = units, alpha
        self._nats, self._previous_nats = dict(histories), previous
        scale = 1.0 / _LN2 if units == "bits" else 1.0
        longest = 1
        for items, data in ((self.curves, histories), (self.previous, previous)):
            for d in set(items) - set(data):
                self.removeItem(items.pop(d))
            for d, values in data.items():
                if d not in items:
                    items[d] = pg.PlotDataItem(antialias=True)
                    self.addItem(items[d])
                items[d].setData(np.arange(values.size), values * scale)
                longest = max(longest, values.size)
        self.setXRange(0, max(10, longest), padding=0.02)
        if restyle:
            self.apply_theme(self._theme)

    def apply_theme(self, theme: Theme) -> None:
        """Restyle curves, legend, axes and title from ``theme``."""
        self._theme = theme
        plot = self.getPlotItem()
        self.setBackground(theme.color(theme.background))
        style_plot(plot, theme)
        self.legend.clear()
        style_legend(self.legend, theme)
        for direction, curve in self.curves.items():
            curve.setPen(theme.pen(direction_color(theme, direction, self._alpha)))
            curve.setZValue(1)
            self.legend.addItem(curve, LEGEND_NAMES[direction])
        for i, (direction, curve) in enumerate(self.previous.items()):
            pen = theme.pen(direction_color(theme, direction, self._alpha), alpha=PREVIOUS_ALPHA)
            pen.setStyle(Qt.PenStyle.DashLine)
            curve.setPen(pen)
            if i == 0:
                self.legend.addItem(curve, "previous run")
        label = {"color": theme.muted, "font-size": f"{theme.font_size}pt"}
        plot.setLabel("left", f"objective ({self._units})", **label)
        plot.setLabel("bottom", "step", **label)
        set_plot_title(plot, "", theme)  # a title row for the legend; the axes say the rest
