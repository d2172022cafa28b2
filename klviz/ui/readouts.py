"""The numbers: entropies, cross-entropies, KL both ways, JS and TV, live in the chosen unit.

A painted stacked bar shows the decomposition H(P,Q) = H(P) + KL(P‖Q) (and its mirror
H(Q,P) = H(Q) + KL(Q‖P)) on one scale, so the asymmetry of KL is visible at a glance. An
infinite divergence reads "∞", with a badge naming the bins that make it infinite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from klviz.model import DistributionModel
from klviz.ui.steady_label import SteadyLabel
from klviz.ui.theme import Theme

__all__ = ["DecompositionBar", "ReadoutsPanel", "describe_bins", "format_value"]

BADGE_BINS = 4
"""Bins named in an ∞ badge before "and N more"; the tooltip names up to TOOLTIP_BINS."""
TOOLTIP_BINS = 40


def format_value(value: float) -> str:
    """A readout number: "∞", "0", 3 decimals, or scientific notation when tiny."""
    if math.isinf(value):
        return "∞"
    if value == 0:
        return "0"
    if abs(value) < 5e-4:
        return f"{value:.1e}"
    return f"{value:.3f}"


def describe_bins(model: DistributionModel, bins: ArrayLike, limit: int = BADGE_BINS) -> str:
    """Name bins for a person: labels, or x values with runs of neighbours as ranges.

    ``[3, 4, 5, 9]`` on a numeric grid reads ``x = -0.8 … -0.4, x = 1.2``; more than ``limit``
    names (or runs) end with "and N more bins".
    """
    idx = np.asarray(bins, dtype=np.intp)
    if idx.size == 0:
        return ""
    if model.labels is not None:
        names = [model.bin_name(int(i)) for i in idx[:limit]]
        rest = idx.size - len(names)
    else:
        breaks = np.flatnonzero(np.diff(idx) != 1)
        firsts = np.r_[idx[0], idx[breaks + 1]][:limit]
        lasts = np.r_[idx[breaks], idx[-1]][:limit]
        names = [
            model.bin_name(int(a)) if a == b else f"{model.bin_name(int(a))} … {model.x[b]:.4g}"
            for a, b in zip(firsts, lasts, strict=True)
        ]
        rest = idx.size - int(np.sum(lasts - firsts + 1))
    text = ", ".join(names)
    return f"{text} and {rest} more bin{'s' if rest != 1 else ''}" if rest else text


@dataclass(frozen=True)
class _Row:
    """One stacked bar: entropy + KL = cross-entropy."""

    equation: str
    entropy: float
    kl: float
    entropy_color: str
    kl_color: str


class DecompositionBar(QWidget):
    """Cross-entropy drawn as entropy plus KL, for both directions on one scale."""

    BAR_HEIGHT = 24
    ROW_GAP = 8

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._rows: list[_Row] = []
        self._units = "bits"
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(240)

    def set_rows(self, rows: list[_Row], units: str) -> None:
        """Show ``rows`` (values in ``units``)."""
        if len(rows) != len(self._rows):
            self.updateGeometry()
        self._rows, self._units = rows, units
        self.update()

    def apply_theme(self, theme: Theme) -> None:
        """Repaint with ``theme``."""
        self._theme = theme
        self.updateGeometry()
        self.update()

    def _line_height(self) -> float:
        return QFontMetricsF(self._theme.font(self._theme.small_font_size)).height()

    def sizeHint(self) -> QSize:
        per_row = self._line_height() + 4 + self.BAR_HEIGHT + self.ROW_GAP
        return QSize(300, math.ceil(max(len(self._rows), 2) * per_row))

    def paintEvent(self, event: QPaintEvent) -> None:
        theme = self._theme
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = float(self.width()) - 1
        finite = [r.entropy + r.kl for r in self._rows if math.isfinite(r.kl)]
        scale = max(finite + [r.entropy for r in self._rows] + [1e-12])
        if any(math.isinf(r.kl) for r in self._rows):
            scale *= 1.25  # leave room to show an infinite part as "more than everything"
        line = self._line_height()
        y = 0.0
        small = theme.font(theme.small_font_size)
        for row in self._rows:
            painter.setFont(small)
            painter.setPen(theme.color(theme.muted))
            total = row.entropy + row.kl
            painter.drawText(
                QRectF(0, y, width, line), Qt.AlignmentFlag.AlignLeft, row.equation
            )
            painter.setPen(theme.color(theme.foreground))
            painter.drawText(
                QRectF(0, y, width, line), Qt.AlignmentFlag.AlignRight,
                f"= {format_value(total)} {self._units}",
            )
            y += line + 4
            bar = QRectF(0.5, y + 0.5, width - 1, self.BAR_HEIGHT)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.color(theme.grid, 0.35))
            painter.drawRoundedRect(bar, 3, 3)
            w1 = bar.width() * row.entropy / scale
            w2 = bar.width() - w1 if math.isinf(row.kl) else bar.width() * row.kl / scale
            self._segment(painter, QRectF(bar.left(), bar.top(), w1, bar.height()),
                          row.entropy, row.entropy_color, hatched=False)
            self._segment(painter, QRectF(bar.left() + w1, bar.top(), w2, bar.height()),
                          row.kl, row.kl_color, hatched=math.isinf(row.kl))
            y += self.BAR_HEIGHT + self.ROW_GAP
        painter.end()

    def _segment(
        self, painter: QPainter, rect: QRectF, value: float, color: str, hatched: bool
    ) -> None:
        theme = self._theme
        if rect.width() <= 0:
            return
        fill = theme.color(color)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.color(color, 0.35) if hatched else fill)
        painter.drawRect(rect)
        if hatched:
            painter.setBrush(QBrush(fill, Qt.BrushStyle.BDiagPattern))
            painter.drawRect(rect)
        text = format_value(value)
        font = theme.font(theme.small_font_size, bold=True)
        painter.setFont(font)
        if QFontMetricsF(font).horizontalAdvance(text) + 8 > rect.width():
            return
        painter.setPen(theme.color(theme.foreground) if hatched else _text_on(fill, theme))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def _text_on(fill: QColor, theme: Theme) -> QColor:
    """White or dark text, whichever reads better on ``fill``."""
    light = 0.299 * fill.redF() + 0.587 * fill.greenF() + 0.114 * fill.blueF()
    return theme.color(theme.foreground) if light > 0.55 else QColor(Qt.GlobalColor.white)


@dataclass(frozen=True)
class _Readout:
    key: str
    name: str
    what: str
    color: str | None
    tooltip: str


_JS_MAX = {"bits": "1 bit", "nats": "ln 2 ≈ 0.693 nats"}


def _readouts(units: str) -> list[_Readout]:
    u = units
    return [
        _Readout("entropy_p", "H(P)", "entropy of P", "p",
                 f"Entropy of P: the average {u} per sample of the best possible code for data "
                 "from P. No code can do better."),
        _Readout("entropy_q", "H(Q)", "entropy of Q", "q",
                 f"Entropy of Q: the average {u} per sample of the best code for data from Q."),
        _Readout("cross_entropy_pq", "H(P,Q)", "cross-entropy", None,
                 f"Cross-entropy: the average {u} per sample when data come from P but the code "
                 "was built for Q. It is never below H(P); the gap is KL(P‖Q). This is the "
                 "log-loss a classifier Q pays on data from P."),
        _Readout("cross_entropy_qp", "H(Q,P)", "cross-entropy", None,
                 f"Cross-entropy the other way: average {u} per sample when data come from Q "
                 "but the code was built for P. Never below H(Q); the gap is KL(Q‖P)."),
        _Readout("kl_pq", "KL(P‖Q)", "forward", "forward_fit",
                 f"KL(P‖Q): extra {u} per sample when you code data from P with a code built "
                 "for Q, i.e. H(P,Q) − H(P). Infinite if Q is 0 where P is not. Minimising it "
                 "over Q makes Q cover all of P (mass-covering)."),
        _Readout("kl_qp", "KL(Q‖P)", "reverse", "reverse_fit",
                 f"KL(Q‖P): extra {u} per sample when data come from Q and the code was built "
                 "for P, i.e. H(Q,P) − H(Q). Infinite if P is 0 where Q is not. Minimising it "
                 "over Q makes Q settle on a mode of P (mode-seeking). KL is not symmetric."),
        _Readout("js", "JS", "Jensen–Shannon", None,
                 "Jensen–Shannon divergence: the average KL from P and from Q to their mixture "
                 f"M = ½(P+Q). Symmetric, always finite, at most {_JS_MAX[u]}."),
        _Readout("tv", "TV", "total variation", None,
                 "Total variation: half the summed absolute differences of P and Q; the largest "
                 "difference in probability they can give any event. From 0 to 1, no unit."),
    ]


@dataclass(frozen=True)
class _Badge:
    """Why a KL direction is infinite, and which stats key lists the bins."""

    bins_key: str
    where: str
    why: str
    color: str


_BADGES = {
    "kl_pq": _Badge(
        "infinite_bins_pq", "P > 0 where Q = 0",
        "Q gives probability 0 to outcomes that happen under P, so a code built for Q has no "
        "codeword for them: infinitely many extra {u}.", "forward_fit",
    ),
    "kl_qp": _Badge(
        "infinite_bins_qp", "Q > 0 where P = 0",
        "Q puts probability on outcomes P says never happen, so a code built for P has no "
        "codeword for them: infinitely many extra {u}.", "reverse_fit",
    ),
}


class ReadoutsPanel(QFrame):
    """Live readouts of the model's :meth:`~klviz.model.DistributionModel.stats`."""

    def __init__(
        self, model: DistributionModel, theme: Theme, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._theme = theme
        self.setObjectName("readouts")
        self.heading = QLabel()
        self.decomposition = DecompositionBar(theme)
        self.equation = QLabel()
        self.equation.setWordWrap(True)
        self.explanation = QLabel(
            "Each bar is the average code length when outcomes of the first distribution are "
            "coded with a code built for the second: what any code must pay (the entropy) "
            "plus the extra for the wrong code (KL). Swapping P and Q changes the extra — "
            "KL is not symmetric."
        )
        self.explanation.setWordWrap(True)
        self.names: dict[str, QLabel] = {}
        self._whats: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        self.units: dict[str, QLabel] = {}
        self.badges: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(5)
        row = 0
        for r in _readouts(model.units):
            name, what, value, unit = QLabel(), QLabel(r.what), SteadyLabel(), QLabel()
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            for col, label in enumerate((name, what, value, unit)):
                grid.addWidget(label, row, col)
            self.names[r.key], self._whats[r.key] = name, what
            self.values[r.key], self.units[r.key] = value, unit
            row += 1
            if r.key in _BADGES:
                badge = QLabel()
                badge.setWordWrap(True)
                badge.setVisible(False)
                grid.addWidget(badge, row, 0, 1, 4)
                self.badges[r.key] = badge
                row += 1
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addWidget(self.decomposition)
        layout.addWidget(self.equation)
        layout.addWidget(self.explanation)
        layout.addSpacing(6)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.tip = QLabel("Hover over a name or number to see what it means.")
        self.tip.setWordWrap(True)
        layout.addWidget(self.tip)
        self.setMinimumWidth(320)

        model.dataChanged.connect(self.refresh)
        model.gridChanged.connect(self.refresh)
        model.unitsChanged.connect(self._units_changed)
        self.apply_theme(theme)

    def apply_theme(self, theme: Theme) -> None:
        """Restyle every label from ``theme`` and refresh the numbers."""
        self._theme = theme
        self.setStyleSheet(
            f"QFrame#readouts {{ background: {theme.surface}; "
            f"border-left: 1px solid {theme.grid}; }}"
        )
        self.heading.setFont(theme.font(theme.title_font_size, bold=True))
        self.equation.setFont(theme.font(theme.small_font_size))
        for label in (self.tip, self.explanation):
            label.setFont(theme.font(theme.small_font_size))
            label.setStyleSheet(f"color: {theme.muted}")
        self.decomposition.apply_theme(theme)
        for r in _readouts(self._model.units):
            color = _color_of(theme, r.color)
            self.names[r.key].setText(f'<span style="color:{color}">{r.name}</span>')
            self.names[r.key].setFont(theme.font(theme.font_size, bold=True))
            self.values[r.key].setFont(theme.font(theme.value_font_size, bold=True))
            self.values[r.key].setStyleSheet(f"color: {color}")
            for label in (self.units[r.key], self._whats[r.key]):
                label.setFont(theme.font(theme.small_font_size))
                label.setStyleSheet(f"color: {theme.muted}")
        for key, badge in self.badges.items():
            color = getattr(theme, _BADGES[key].color)
            badge.setFont(theme.font(theme.small_font_size))
            badge.setStyleSheet(
                f"QLabel {{ background: {theme.color(color, 0.14).name(QColor.NameFormat.HexArgb)};"
                f" border: 1px solid {color}; border-radius: 4px; padding: 3px 6px;"
                f" color: {theme.foreground}; }}"
            )
        self._units_changed(self._model.units)

    def _units_changed(self, units: str) -> None:
        self.heading.setText(f"Readouts, in {units}")
        for r in _readouts(units):
            self.units[r.key].setText("" if r.key == "tv" else units)
            for widget in (self.names[r.key], self.values[r.key], self._whats[r.key]):
                widget.setToolTip(r.tooltip)
        self.refresh()

    def refresh(self, *_: object) -> None:
        """Show the model's current numbers (one cached stats() call)."""
        m, theme = self._model, self._theme
        stats = m.stats()
        units = m.units
        for key, value in self.values.items():
            value.setText(format_value(stats[key]))
        for key, badge in self.badges.items():
            info = _BADGES[key]
            bins = stats[info.bins_key]
            badge.setVisible(bool(bins))
            if bins:
                n = len(bins)
                badge.setText(
                    f"∞: {info.where} at {n} bin{'s' if n != 1 else ''}: {describe_bins(m, bins)}"
                )
                badge.setToolTip(
                    info.why.format(u=units) + "\n\nBins: " + describe_bins(m, bins, TOOLTIP_BINS)
                )
        self.decomposition.set_rows(
            [
                _Row("H(P,Q) = H(P) + KL(P‖Q)", stats["entropy_p"], stats["kl_pq"],
                     theme.p, theme.forward_fit),
                _Row("H(Q,P) = H(Q) + KL(Q‖P)", stats["entropy_q"], stats["kl_qp"],
                     theme.q, theme.reverse_fit),
            ],
            units,
        )
        self.equation.setText(
            f"H(P,Q) = H(P) + KL(P‖Q):  {format_value(stats['cross_entropy_pq'])} = "
            f"{format_value(stats['entropy_p'])} + {format_value(stats['kl_pq'])}"
        )


def _color_of(theme: Theme, attr: str | None) -> str:
    return theme.foreground if attr is None else getattr(theme, attr)
