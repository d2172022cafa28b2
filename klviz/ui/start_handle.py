"""A vertical handle on the Q editor at the start's μ: drag it sideways to move where a
Gaussian (or Student-t) fit starts, with Q's bars following live; one drag is one undo step.

Shown while the fit is not running and the family has a readable location; the start's σ is
kept (set it in the optimiser panel).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt

from klviz.core.families import GridScale
from klviz.runner import FitRunner
from klviz.ui.theme import Theme

__all__ = ["StartHandle"]

HANDLE_Z = 4.0
"""Above the bars, so the handle is grabbed before a bar under it."""


class StartHandle:
    """The start-μ handle of ``runner`` on ``plot`` (the Q editor)."""

    def __init__(self, plot: pg.PlotWidget, runner: FitRunner, theme: Theme) -> None:
        self._runner = runner
        self._dragging = False
        self.line = pg.InfiniteLine(angle=90, movable=True, label="start μ = {value:.2f}",
                                    labelOpts={"position": 0.9, "anchors": [(0, 1), (0, 1)]})
        self.line.setZValue(HANDLE_Z)
        self.line.setToolTip("Drag to move where the fit starts (Q's location); Q follows")
        plot.addItem(self.line, ignoreBounds=True)
        self.line.sigDragged.connect(self._dragged)
        self.line.sigPositionChangeFinished.connect(self._released)
        self.apply_theme(theme)

    def sync(self) -> None:
        """Show the handle at the start's μ — hidden while running or without a location."""
        r = self._runner
        shown = r.settings.family in ("gaussian", "student-t") and not r.running
        self.line.setVisible(shown)
        if shown and not self._dragging:
            scale = GridScale.of(r.model.x)
            self.line.setBounds((float(r.model.x[0]), float(r.model.x[-1])))
            self.line.setValue(min(max(r.start_params()["mu"], scale.mu_min), scale.mu_max))

    def apply_theme(self, theme: Theme) -> None:
        """Q's colour, dashed; the label on the background."""
        pen = theme.pen(theme.q, theme.line_width)
        pen.setStyle(Qt.PenStyle.DashLine)
        self.line.setPen(pen)
        self.line.setHoverPen(theme.pen(theme.foreground, 2 * theme.line_width))
        self.line.label.setColor(theme.color(theme.q))
        self.line.label.fill = pg.mkBrush(theme.color(theme.background, 0.85))
        self.line.label.setFont(theme.font(theme.small_font_size))
        self.line.label.update()

    def _dragged(self) -> None:
        sigma = self._runner.start_params()["sigma"]
        continuing, self._dragging = self._dragging, True
        self._runner.set_start(float(self.line.value()), sigma, continuing=continuing)

    def _released(self) -> None:
        self._dragging = False
        self.sync()
