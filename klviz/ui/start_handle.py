"""A handle on the Q editor at the start's μ: drag its triangle sideways to move where a
Gaussian (or Student-t) fit starts, with Q's bars following live; one drag is one undo step.

The dashed line through the start only marks it — bars under it are still dragged as usual;
the grip is the triangle at the top of the plot. Shown while the fit is not running and the
family has a readable location; the start's σ is kept (set it in the optimiser panel).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt

from klviz.runner import FitRunner
from klviz.ui.theme import Theme

__all__ = ["GRIP_HEIGHT", "StartHandle"]

HANDLE_Z = 4.0
"""Above the bars, the zero line and the value labels."""

GRIP_HEIGHT = 0.96
"""Where the grip sits, as a share of the plot's height above zero."""


class StartHandle:
    """The start-μ marker (:attr:`line`) and its grip (:attr:`grip`) of ``runner`` on
    ``plot`` (the Q editor)."""

    def __init__(self, plot: pg.PlotWidget, runner: FitRunner, theme: Theme) -> None:
        self._plot = plot
        self._runner = runner
        self._dragging = False
        self._placing = False
        self._suppressed = False
        self.line = pg.InfiniteLine(angle=90, movable=False, label="start μ = {value:.2f}",
                                    labelOpts={"position": 0.82, "anchors": [(0, 1), (0, 1)]})
        self.grip = pg.TargetItem(size=15, symbol="t", movable=True)
        self.grip.setToolTip("Drag sideways to move where the fit starts (Q's location); Q "
                             "follows")
        for item in (self.line, self.grip):
            item.setZValue(HANDLE_Z)
            plot.addItem(item, ignoreBounds=True)
        self.grip.sigPositionChanged.connect(self._moved)
        self.grip.sigPositionChangeFinished.connect(self._released)
        self.apply_theme(theme)

    def set_suppressed(self, suppressed: bool) -> None:
        """Hide the handle whatever the fit's state (exported figures show data, not grips)."""
        self._suppressed = suppressed
        self.sync()

    def sync(self) -> None:
        """Show the handle at the start's μ — hidden while running, without a location, or
        over labelled (categorical) bins, where a position between labels means nothing."""
        r = self._runner
        shown = (
            r.settings.family in ("gaussian", "student-t")
            and not r.running
            and r.model.labels is None
            and not self._suppressed
        )
        self.line.setVisible(shown)
        self.grip.setVisible(shown)
        if shown and not self._dragging:
            self._place(r.start_params()["mu"])

    def apply_theme(self, theme: Theme) -> None:
        """Q's colour: a dashed line, a solid grip, the label on the background."""
        pen = theme.pen(theme.q, theme.thin_line_width)
        pen.setStyle(Qt.PenStyle.DashLine)
        self.line.setPen(pen)
        self.line.label.setColor(theme.color(theme.q))
        self.line.label.fill = pg.mkBrush(theme.color(theme.background, 0.85))
        self.line.label.setFont(theme.font(theme.small_font_size))
        self.line.label.update()
        self.grip.setPen(theme.pen(theme.q, theme.thin_line_width))
        self.grip.setBrush(theme.color(theme.q))
        self.grip.setHoverPen(theme.pen(theme.foreground, theme.line_width))
        self.grip.setHoverBrush(theme.color(theme.q))

    def _place(self, mu: float) -> None:
        """Line and grip at ``mu`` (kept over the bins), the grip near the top."""
        x = self._runner.model.x
        mu = min(max(mu, float(x[0])), float(x[-1]))
        top = self._plot.getViewBox().viewRange()[1][1]
        self._placing = True  # our own move, not the user's
        try:
            self.grip.setPos(QPointF(mu, GRIP_HEIGHT * top))
            self.line.setValue(mu)
        finally:
            self._placing = False

    def _moved(self) -> None:
        if self._placing:
            return
        self._place(self.grip.pos().x())  # sideways only, over the bins
        sigma = self._runner.start_params()["sigma"]
        continuing, self._dragging = self._dragging, True
        self._runner.set_start(float(self.line.value()), sigma, continuing=continuing)

    def _released(self) -> None:
        self._dragging = False
        self.sync()
