"""The look of every view — colours, fonts, line widths — in one :class:`Theme` object.

Views take a Theme and restyle themselves from it (``apply_theme``), so the screen look
(:data:`SCREEN`) and other looks (e.g. one for slides) never need scattered constants.
Colours follow the colour-blind-safe Okabe–Ito palette and mean the same thing everywhere:
P is blue, Q vermillion, forward KL(P‖Q) bluish green, reverse KL(Q‖P) reddish purple.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QPen

__all__ = ["SCREEN", "SLIDE", "THEMES", "Theme", "style_legend", "style_plot"]


@dataclass(frozen=True)
class Theme:
    """Colours (``#RRGGBB``), font sizes (points) and line widths (pixels) of the views."""

    name: str
    background: str
    """Plot and panel background."""
    foreground: str
    """Main text, selection outlines."""
    muted: str
    """Axes, tick labels, secondary text."""
    grid: str
    """Faint lines: grid, zero line, empty parts of bars."""
    surface: str
    """Cards and side panels, slightly off the background."""
    p: str
    """P, the true / data distribution: bars, −log p, H(P)."""
    q: str
    """Q, the model: bars, −log q, H(Q)."""
    forward_fit: str
    """Forward KL(P‖Q): its readout, its pointwise terms p·log(p/q) and the forward fit."""
    reverse_fit: str
    """Reverse KL(Q‖P): its readout, its pointwise terms q·log(q/p) and the reverse fit."""
    font_family: str = ""
    """Font family of all text; empty for the system's user-interface font."""
    font_size: float = 10.0
    """Body text: labels, captions, axis titles."""
    small_font_size: float = 9.0
    """Secondary text: legends, badges, units."""
    title_font_size: float = 11.0
    """Plot titles and headings."""
    value_font_size: float = 15.0
    """The big readout numbers."""
    tick_font_size: float = 9.0
    """Axis tick labels."""
    left_axis_width: float = 64.0
    """Width of every plot's left axis in pixels: the same for all, so stacked plots line up."""
    line_width: float = 2.0
    """Curves."""
    thin_line_width: float = 1.0
    """Axes, zero lines, outlines."""
    bar_alpha: float = 0.85
    """How strongly P and Q bars take their colour (drawn opaque: see :meth:`bar_color`)."""
    term_bar_alpha: float = 0.4
    """Opacity of pointwise-term bars (few bins)."""

    def color(self, value: str, alpha: float = 1.0) -> QColor:
        """A QColor from a ``#RRGGBB`` string with opacity ``alpha`` in [0, 1]."""
        c = QColor(value)
        c.setAlphaF(alpha)
        return c

    def bar_color(self, value: str) -> QColor:
        """``value`` at :attr:`bar_alpha` over the background, as an opaque colour.

        Opaque bars look the same as translucent ones on the plain background, and are far
        cheaper to fill: no blending of thousands of pixels on every drag step.
        """
        a, b = QColor(value), QColor(self.background)
        mix = [round(self.bar_alpha * x + (1 - self.bar_alpha) * y)
               for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True)]
        return QColor(*mix)

    def font(self, size: float | None = None, *, bold: bool = False) -> QFont:
        """The theme's font at ``size`` points (body size by default)."""
        f = QFont(self.font_family) if self.font_family else QFont()
        f.setPointSizeF(self.font_size if size is None else size)
        f.setBold(bold)
        return f

    def pen(self, value: str, width: float | None = None, alpha: float = 1.0) -> QPen:
        """A cosmetic pen (width in screen pixels, whatever the zoom)."""
        return pg.mkPen(self.color(value, alpha), width=self.line_width if width is None else width)


SCREEN = Theme(
    name="screen",
    background="#FFFFFF",
    foreground="#1B1F24",
    muted="#57606A",
    grid="#D0D7DE",
    surface="#F6F8FA",
    p="#0072B2",
    q="#D55E00",
    forward_fit="#009E73",
    reverse_fit="#CC79A7",
)
"""The on-screen look: white plots, Okabe–Ito colours."""

SLIDE = Theme(
    name="slide",
    background="#FFFFFF",
    foreground="#000000",
    muted="#24292F",
    grid="#C9D1D9",
    surface="#FFFFFF",
    p="#0072B2",
    q="#D55E00",
    forward_fit="#009E73",
    reverse_fit="#CC79A7",
    font_size=14.0,
    small_font_size=12.0,
    title_font_size=16.0,
    value_font_size=20.0,
    tick_font_size=13.0,
    left_axis_width=88.0,
    line_width=3.5,
    thin_line_width=2.0,
    bar_alpha=1.0,
    term_bar_alpha=0.5,
)
"""For slides and papers: white all over, near-black axes and text, larger fonts, thicker
lines and full-strength (colour-blind-safe) Okabe–Ito colours."""

THEMES: dict[str, Theme] = {t.name: t for t in (SCREEN, SLIDE)}
"""Every theme by name."""


def style_plot(plot: pg.PlotItem, theme: Theme) -> None:
    """Give a plot's axes, ticks and labels the theme's colours and fonts."""
    tick_font = theme.font(theme.tick_font_size)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(theme.pen(theme.muted, theme.thin_line_width))
        axis.setTextPen(theme.pen(theme.muted))
        axis.setTickFont(tick_font)
        axis.label.setFont(theme.font())
    plot.getAxis("left").setWidth(theme.left_axis_width)
    plot.getViewBox().setBackgroundColor(theme.color(theme.background))


def style_legend(legend: pg.LegendItem, theme: Theme) -> None:
    """Give a legend's labels the theme's small font and text colour.

    Call it before adding items: pyqtgraph styles a label when it is added, and
    ``setLabelTextColor`` does not redraw labels already there.
    """
    legend.opts["labelTextSize"] = f"{theme.small_font_size}pt"
    legend.opts["labelTextColor"] = theme.color(theme.foreground)
