"""Where KL comes from, bin by bin: the pointwise terms, or the code lengths behind them.

Default view: the terms p·log(p/q) of KL(P‖Q) and q·log(q/p) of KL(Q‖P) — each sums to its
divergence. Coding view: the surprisals −log q and −log p, the number of bits (or nats) a code
built for Q or P spends on each outcome. Infinite terms are not dropped: the curve runs to the
top of the plot there and an upward triangle with "∞" marks the bin. NaN is never plotted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from klviz.model import DistributionModel
from klviz.ui.axes import set_bin_ticks, set_plot_title, show_all_bins
from klviz.ui.bars_item import GAP_MAX_BINS, bin_edges
from klviz.ui.theme import Theme, style_legend, style_plot

__all__ = ["MAX_INFINITY_LABELS", "CurvesPanel", "Series"]

MAX_INFINITY_LABELS = 12
"""At most this many "∞" labels per curve; every infinite bin still gets its marker."""

INFINITY_DROP_PIXELS = 32
"""The ∞ triangles sit this far below the plot's top (more when the theme's "∞" is taller)."""

INFINITY_BAND_PIXELS = INFINITY_DROP_PIXELS + 14
"""Room kept free above the finite values, in screen pixels, for the ∞ markers and labels."""

DENSE_BINS = 512
"""Above this many bins the curves are drawn 1 pixel wide: Qt strokes such lines with its
fast cosmetic stroker, wider ones through its general one (at 4 096 bins a 2-pixel curve
takes ~8 ms to draw, a 1-pixel one ~1 ms). Below it — the 201-bin presets included — the
curves keep the theme's full width, which reads far better on a slide."""

GROWTH_HEADROOM = 0.25
"""When the curves outgrow the y range a little, the new range leaves this share of room on
that side, so a drag that keeps raising them moves the axis now and then, not on every step."""


@dataclass(frozen=True)
class Series:
    """What one curve shows: its legend name and the theme attribute of its colour."""

    name: str
    color: str


FORWARD = Series("p·log(p/q), sum KL(P‖Q)", "forward_fit")
REVERSE = Series("q·log(q/p), sum KL(Q‖P)", "reverse_fit")
SURPRISE_Q = Series("−log q: code built for Q", "q")
SURPRISE_P = Series("−log p: code built for P", "p")


class _Curve:
    """A curve, its ∞ markers and labels, all in one colour."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.line = pg.PlotDataItem(antialias=True, autoDownsampleFactor=1.0)
        self.markers = pg.ScatterPlotItem(symbol="t1", size=11, pxMode=True)
        self.markers.setZValue(5)
        self.labels: list[pg.TextItem] = []
        self.sample = pg.PlotDataItem()  # what the legend shows: the line alone, no fill
        self._plot = plot
        plot.addItem(self.line)
        plot.addItem(self.markers)

    def set_style(self, theme: Theme, color: str, bars: bool, dense: bool) -> None:
        """``bars``: few bins, drawn as filled bars; ``dense``: so many points that the line
        is drawn thin — the theme's thin width, 1 pixel on screen (see :data:`DENSE_BINS`);
        exports scale it with the image."""
        width = theme.thin_line_width if dense or bars else None
        self.line.setPen(theme.pen(color, width))
        self.sample.setPen(theme.pen(color))
        self.line.setFillLevel(0.0 if bars else None)
        self.line.setBrush(theme.color(color, theme.term_bar_alpha) if bars else None)
        self.markers.setPen(theme.pen(color, theme.thin_line_width))
        self.markers.setBrush(theme.color(color))
        for label in self.labels:
            label.setColor(theme.color(color))
            label.setFont(theme.font(theme.value_font_size, bold=True))
        self._color, self._theme = color, theme

    def show_infinities(self, x: NDArray[np.float64], bins: NDArray[np.intp], at: float) -> None:
        """Triangles over ``bins`` at height ``at``, and "∞" above the middle of each run."""
        self.markers.setData(x=x[bins], y=np.full(bins.size, at))
        self.markers.setVisible(bins.size > 0)  # an empty scatter still costs a paint
        breaks = np.diff(bins) != 1
        first = bins[np.r_[True, breaks]] if bins.size else bins
        last = bins[np.r_[breaks, True]] if bins.size else bins
        shown = (0.5 * (x[first] + x[last]))[:MAX_INFINITY_LABELS]
        while len(self.labels) < shown.size:
            label = pg.TextItem("∞", anchor=(0.5, 1.25), fill=self._theme.color(
                self._theme.background, 0.85))
            label.setFont(self._theme.font(self._theme.value_font_size, bold=True))
            label.setZValue(10)
            label.setColor(self._theme.color(self._color))
            self._plot.addItem(label, ignoreBounds=True)
            self.labels.append(label)
        for i, label in enumerate(self.labels):
            label.setVisible(i < shown.size)
            if i < shown.size:
                label.setPos(float(shown[i]), at)


class CurvesPanel(QWidget):
    """The pointwise-terms plot, live with every change of P or Q."""

    def __init__(
        self, model: DistributionModel, theme: Theme, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._theme = theme
        self._coding = False
        self._title = ""
        self._new_grid = True
        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        vb = self.plot.getViewBox()
        vb.setMouseEnabled(x=True, y=False)
        vb.enableAutoRange(enable=False)
        self.plot.showGrid(x=False, y=True, alpha=0.2)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.getAxis("left").setStyle(maxTickLevel=0)  # major grid lines only
        self._zero = pg.InfiniteLine(pos=0.0, angle=0, movable=False)
        self.plot.addItem(self._zero)
        self.curves = [_Curve(self.plot), _Curve(self.plot)]
        # the legend sits in the title row, right-aligned, so it never hides data
        self.legend = pg.LegendItem(labelTextSize=f"{theme.small_font_size}pt", colCount=2)
        self.legend.setParentItem(self.plot)
        self.legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-8, 0))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
        self.plot.geometryChanged.connect(self._fit_title)
        vb.sigResized.connect(self.refresh)  # ∞ marks keep their distance from the top
        self.setMinimumHeight(160)

        model.gridChanged.connect(self._grid_changed)
        model.dataChanged.connect(self.refresh)
        model.unitsChanged.connect(self._units_changed)
        self._grid_changed()
        self.apply_theme(theme)

    # ------------------------------------------------------------------ settings
    @property
    def coding_view(self) -> bool:
        """True when the plot shows code lengths −log q, −log p instead of KL terms."""
        return self._coding

    def set_coding_view(self, on: bool) -> None:
        """Switch between the KL terms and the code lengths (surprisals)."""
        self._coding = bool(on)
        self.apply_theme(self._theme)

    @property
    def series(self) -> tuple[Series, Series]:
        """What the two curves show now."""
        return (SURPRISE_Q, SURPRISE_P) if self._coding else (FORWARD, REVERSE)

    def apply_theme(self, theme: Theme) -> None:
        """Restyle curves, legend, axes and title from ``theme``, then redraw."""
        self._theme = theme
        self.plot_widget.setBackground(theme.color(theme.background))
        style_plot(self.plot, theme)
        self._zero.setPen(theme.pen(theme.muted, theme.thin_line_width))
        bars = self._model.n_bins <= GAP_MAX_BINS
        dense = self._model.n_bins > DENSE_BINS
        self.legend.clear()
        style_legend(self.legend, theme)
        for curve, series in zip(self.curves, self.series, strict=True):
            curve.set_style(theme, getattr(theme, series.color), bars, dense)
            self.legend.addItem(curve.sample, series.name)
        self._units_changed(self._model.units)

    def _units_changed(self, units: str) -> None:
        theme = self._theme
        label = "code length" if self._coding else "contribution"
        self.plot.setLabel(
            "left", f"{label} ({units})", color=theme.muted,
            **{"font-size": f"{theme.font_size}pt"},
        )
        title = (
            f"Code length per outcome, in {units}"
            if self._coding
            else f"Each bin's share of KL, in {units}"
        )
        self._title = title
        self._fit_title()
        self.refresh()

    def _fit_title(self) -> None:
        """Show the title unless it would run into the legend beside it (narrow windows)."""
        set_plot_title(self.plot, self._title, self._theme)
        room = self.plot.width() - self.plot.getAxis("left").width() - 24
        needed = self.plot.titleLabel.item.boundingRect().width() + self.legend.width()
        if needed > room:
            set_plot_title(self.plot, "", self._theme)

    # ------------------------------------------------------------------ data
    def _grid_changed(self) -> None:
        m = self._model
        # Many bins: draw only what is in view, ~2 points per pixel column (peaks kept). Few
        # bins are drawn as bars (step data), which pyqtgraph can neither clip nor downsample.
        many = m.n_bins > GAP_MAX_BINS
        for curve in self.curves:
            # Drop the old grid's data first: toggling clipping re-applies the data it holds,
            # and bar-style step data with line-style settings (or vice versa) is invalid.
            curve.line.clear()
            curve.line.setClipToView(many)
            curve.line.setDownsampling(auto=many, method="peak")
        set_bin_ticks(self.plot.getAxis("bottom"), m)
        show_all_bins(self.plot, m)
        self._edges = bin_edges(m.x)
        self._new_grid = True
        self.apply_theme(self._theme)

    def _half_bars(
        self, heights: NDArray[np.float64], k: int
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Step-curve data drawing ``heights`` as bars in the left (k=0) or right (k=1)
        part of each bin, with zero-height steps in between."""
        left, width = self._edges[:-1], np.diff(self._edges)
        start = left + width * (0.12 + 0.38 * k)
        edges = np.column_stack((start, start + 0.38 * width)).ravel()
        steps = np.zeros(edges.size - 1)
        steps[::2] = heights
        return edges, steps

    def values(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The two curves' values per bin (may hold ``inf``, never NaN)."""
        m = self._model
        if self._coding:
            return m.surprisal("q"), m.surprisal("p")
        return m.pointwise("pq"), m.pointwise("qp")

    def infinite_bins(self) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Indices of the bins marked ∞ on each curve."""
        a, b = self.values()
        return np.flatnonzero(np.isinf(a)), np.flatnonzero(np.isinf(b))

    def refresh(self, *_: object) -> None:
        """Redraw both curves from the model (cached terms; no loop over bins)."""
        m = self._model
        values = self.values()
        finite = [v[np.isfinite(v)] for v in values]
        lo = min([0.0] + [float(f.min()) for f in finite if f.size])
        hi = max([0.0] + [float(f.max()) for f in finite if f.size])
        any_inf = any(f.size < m.n_bins for f in finite)
        bottom, top = self._y_range(lo, hi, any_inf)
        # infinite terms are marked near the top: triangles a bit down, their "∞" just above
        at = top - self._infinity_drop() * (top - bottom) / self._plot_height()
        off_chart = top + 10.0 * (top - bottom)  # ... and their curve runs off the plot
        bars = m.n_bins <= GAP_MAX_BINS
        for k, (curve, v) in enumerate(zip(self.curves, values, strict=True)):
            shown = np.where(np.isinf(v), off_chart, v)
            if bars:
                # side by side in each bin: the first series left of centre, the second right
                edges, heights = self._half_bars(shown, k)
                curve.line.setData(edges, heights, stepMode="center")
                centres = 0.5 * (edges[0:-1:2] + edges[1::2])
            else:
                curve.line.setData(m.x, shown, stepMode=None)
                centres = m.x
            curve.show_infinities(centres, np.flatnonzero(np.isinf(v)), at)

    def _y_range(self, lo: float, hi: float, any_inf: bool) -> tuple[float, float]:
        """The y range to show finite values in [lo, hi] (plus room for ∞ marks).

        The current range is kept while the data fit in it and fill most of it, so the axis
        does not twitch on every mouse move of a drag.
        """
        span = hi - lo if hi > lo else 1.0
        bottom = lo - 0.06 * span
        top = hi + 0.06 * span
        if any_inf:  # the top INFINITY_BAND_PIXELS (or more) stay free of finite values
            extra = INFINITY_BAND_PIXELS - INFINITY_DROP_PIXELS
            band = min((self._infinity_drop() + extra) / self._plot_height(), 0.5)
            top = max(top, (hi - band * bottom) / (1 - band))
        current = tuple(self.plot.getViewBox().viewRange()[1])
        if not self._new_grid:  # a new grid is fitted afresh
            fits = current[0] <= bottom and current[1] >= top
            if fits and (current[1] - current[0]) <= 1.5 * (top - bottom):
                return current[0], current[1]
            # a small overflow, as in a drag, gets room to grow; a jump (new data) is fitted
            room, reach = GROWTH_HEADROOM * (top - bottom), 0.5 * (current[1] - current[0])
            if current[1] < top <= current[1] + reach:
                top += room
            if current[0] - reach <= bottom < current[0]:
                bottom -= room
        self._new_grid = False
        self.plot.setYRange(bottom, top, padding=0.0)
        return bottom, top

    def _infinity_drop(self) -> float:
        """Pixels from the plot's top to the ∞ triangles, so their "∞" (drawn 1.25 of its
        height above them) stays inside the plot in the theme's font."""
        font = self._theme.font(self._theme.value_font_size, bold=True)
        return max(INFINITY_DROP_PIXELS, 1.25 * QFontMetricsF(font).height() + 2)

    def _plot_height(self) -> float:
        """Height of the plotting area in screen pixels (a guess before the first layout)."""
        return max(float(self.plot.getViewBox().height()), 100.0)
