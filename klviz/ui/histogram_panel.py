"""The P and Q bar editors: drag a bar, or select one and use the keyboard.

Both editors share the x axis (linked views) and the probability scale, so bar heights can
be compared across them. The scale is frozen while a bar is dragged, so the bar stays under
the cursor, and tidied up when the mouse is released. In overlay mode one plot shows P
(filled) and Q (outlined) together; a drag then takes whichever bar top is nearer.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from klviz.model import DistributionModel, Which
from klviz.ui.axes import nice_ceiling, set_bin_ticks, set_plot_title, show_all_bins
from klviz.ui.bars_item import BarsItem
from klviz.ui.history import EditHistory
from klviz.ui.theme import Theme, style_plot

__all__ = ["BarEditor", "HistogramPanel"]

VALUE_LABEL_MAX_BINS = 16
"""Up to this many bins, each bar carries its probability as a number."""

NUDGE_FRACTION = 0.01
"""Up/Down change the selected bar by this share of the plot's height (Shift: 10×)."""

KEY_HELP = (
    "←/→ or Tab select a bar · ↑/↓ nudge it (Shift: ×10) · 0 sets it to zero · "
    "Ctrl+Z undoes"
)

_ROLE = {"p": "true / data distribution", "q": "model distribution"}


class BarEditor(pg.PlotWidget):
    """One plot of bars — P or Q, or both overlaid — edited by mouse and keyboard.

    Signals:
        dragActive(bool): a bar drag started (True) or finished (False).
        status(str): a one-line description of the hovered, dragged or edited bar.
        hint(str): how to use the editor, when it gets the keyboard focus.
    """

    dragActive = Signal(bool)
    status = Signal(str)
    hint = Signal(str)

    def __init__(
        self, model: DistributionModel, history: EditHistory, which: Which, theme: Theme,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._history = history
        self.which: Which = which
        self._other: Which = "q" if which == "p" else "p"
        self._active: Which = which
        self._theme = theme
        self.bars: dict[Which, BarsItem] = {}
        for series in (which, self._other):
            item = BarsItem(theme.color(getattr(theme, series)))
            item.sigBarDragStarted.connect(partial(self._drag_started, series))
            item.sigBarDragged.connect(partial(self._dragged, series))
            item.sigBarDragFinished.connect(self._drag_finished)
            item.sigBarClicked.connect(partial(self._activate, series))
            item.sigBarHovered.connect(partial(self._hovered, series))
            self.addItem(item)
            self.bars[series] = item
        self.bars[self._other].setVisible(False)
        self.bars[self._other].setZValue(1)
        self._zero_line = pg.InfiniteLine(pos=0.0, angle=0, movable=False)
        self._zero_line.setZValue(2)
        self.addItem(self._zero_line)
        self._value_labels: list[pg.TextItem] = []

        plot = self.getPlotItem()
        plot.hideButtons()
        plot.setMenuEnabled(False)
        vb = plot.getViewBox()
        vb.setMouseEnabled(x=True, y=False)
        vb.enableAutoRange(enable=False)
        plot.showGrid(x=False, y=True, alpha=0.2)
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.getAxis("left").setStyle(maxTickLevel=0)  # major grid lines only: cheap to redraw
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(140)

        model.gridChanged.connect(self._grid_changed)
        model.dataChanged.connect(self._data_changed)
        self._grid_changed()
        self.apply_theme(theme)

    # ------------------------------------------------------------------ look
    @property
    def overlay(self) -> bool:
        """True when this editor shows both P and Q."""
        return self.bars[self._other].isVisible()

    def set_overlay(self, on: bool) -> None:
        """Show the other distribution in this plot too (outlined), or only this one."""
        mine, theirs = self.bars[self.which], self.bars[self._other]
        theirs.setVisible(on)
        mine.set_rival(theirs if on else None)
        theirs.set_rival(mine if on else None)
        if not on and self._active != self.which:
            theirs.set_selected(-1)
            self._active = self.which
        self.apply_theme(self._theme)
        self._update_value_labels()

    def apply_theme(self, theme: Theme) -> None:
        """Restyle bars, axes and title from ``theme``."""
        self._theme = theme
        self.setBackground(theme.color(theme.background))
        style_plot(self.getPlotItem(), theme)
        overlay = self.overlay
        for series, item in self.bars.items():
            base = getattr(theme, series)
            outlined = overlay and series != self.which  # overlaid Q: outlines over P's bars
            item.set_colors(
                None if outlined else theme.bar_color(base),
                theme.color(base) if outlined else None,
                theme.color(theme.foreground),
                theme.line_width,
            )
        self._zero_line.setPen(theme.pen(theme.muted, theme.thin_line_width))
        for label in self._value_labels:
            label.setFont(theme.font(theme.small_font_size))
            label.setColor(theme.color(theme.muted))
        names = (self.which, self._other) if overlay else (self.which,)
        parts = [
            f'<span style="color:{getattr(theme, s)}; font-weight:bold">{s.upper()}</span>'
            for s in names
        ]
        role = "" if overlay else f" · {_ROLE[self.which]}"
        set_plot_title(self.getPlotItem(), f'{" and ".join(parts)}{role}', theme)
        self.getPlotItem().setLabel(
            "left", "probability", color=theme.muted, **{"font-size": f"{theme.font_size}pt"}
        )
        self.setStyleSheet(
            "BarEditor { border: 2px solid transparent; }"
            f"BarEditor:focus {{ border: 2px solid {getattr(theme, self.which)}; }}"
        )

    def set_top(self, top: float) -> None:
        """Fix the probability axis to [0, top] (with room below 0 for the zero line and tick)."""
        self.setYRange(-0.05 * top, top, padding=0.0)
        for item in self.bars.values():
            item.set_column_top(top)

    # ------------------------------------------------------------------ model → view
    def _grid_changed(self) -> None:
        m = self._model
        for series, item in self.bars.items():
            item.set_bins(m.x, m.values(series))
        set_bin_ticks(self.getPlotItem().getAxis("bottom"), m)
        show_all_bins(self.getPlotItem(), m)
        self._update_value_labels()

    def _data_changed(self, which: str) -> None:
        for series in which:
            self.bars[series].set_heights(self._model.values(series))  # type: ignore[index]
        if self.which in which:
            self._update_value_labels()

    def _update_value_labels(self) -> None:
        """The probability above each bar, when there are few bars and one series."""
        m = self._model
        n = m.n_bins if m.n_bins <= VALUE_LABEL_MAX_BINS and not self.overlay else 0
        while len(self._value_labels) < n:
            label = pg.TextItem(anchor=(0.5, 1.0))
            label.setFont(self._theme.font(self._theme.small_font_size))
            label.setColor(self._theme.color(self._theme.muted))
            self.addItem(label, ignoreBounds=True)
            self._value_labels.append(label)
        heights = m.values(self.which)
        for i, label in enumerate(self._value_labels):
            label.setVisible(i < n)
            if i < n:
                label.setText(f"{heights[i]:.3g}")
                label.setPos(float(m.x[i]), float(heights[i]))

    # ------------------------------------------------------------------ mouse
    def _drag_started(self, series: Which, index: int) -> None:
        self._activate(series, index)
        self._history.begin(f"Drag {series.upper()} bar {self._model.bin_name(index)}")
        self.dragActive.emit(True)

    def _dragged(self, series: Which, index: int, value: float) -> None:
        self._model.set_bar(series, index, value)
        self._describe(series, index)

    def _drag_finished(self, index: int) -> None:
        self._history.end()
        self.dragActive.emit(False)

    def _hovered(self, series: Which, index: int) -> None:
        item = self.bars[series]
        if index < 0:
            item.setToolTip("")
            return
        item.setToolTip(self._describe(series, index))

    def _activate(self, series: Which, index: int) -> None:
        """Make ``series`` the one the keyboard edits, with bar ``index`` selected."""
        if series != self._active:
            self.bars[self._active].set_selected(-1)
            self._active = series
        self.bars[series].set_selected(index)
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._describe(series, index)

    def _describe(self, series: Which, index: int) -> str:
        value = float(self._model.values(series)[index])
        text = (
            f"{series.upper()} · {self._model.bin_name(index)} · "
            f"{series} = {value:.4g} ({100 * value:.2f} %)"
        )
        self.status.emit(text)
        return text

    # ------------------------------------------------------------------ keyboard
    @property
    def selected(self) -> tuple[Which, int]:
        """The series the keyboard edits and its selected bar (-1 for none)."""
        return self._active, self.bars[self._active].selected

    def select(self, index: int, series: Which | None = None) -> None:
        """Select bar ``index`` of ``series`` (this editor's own by default)."""
        self._activate(series or self.which, index)

    def keyPressEvent(self, ev: QKeyEvent) -> None:
        """Arrows select and nudge, 0 zeroes, Home/End jump, Escape clears the selection."""
        series, index = self.selected
        n = self._model.n_bins
        key, mods = ev.key(), ev.modifiers()
        moves = {
            Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1,
            Qt.Key.Key_PageUp: -max(10, n // 20), Qt.Key.Key_PageDown: max(10, n // 20),
            Qt.Key.Key_Home: -n, Qt.Key.Key_End: n,
        }
        if key in moves:
            target = index + moves[key] if index >= 0 else (0 if moves[key] > 0 else n - 1)
            self._activate(series, int(np.clip(target, 0, n - 1)))
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_0) and index < 0:
            self._activate(series, 0)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            step = NUDGE_FRACTION * self.getViewBox().viewRange()[1][1]
            if mods & Qt.KeyboardModifier.ShiftModifier:
                step *= 10
            sign = 1 if key == Qt.Key.Key_Up else -1
            value = max(0.0, float(self._model.values(series)[index]) + sign * step)
            self._edit(series, index, value, f"Nudge {series.upper()} bar", ev.isAutoRepeat())
        elif key == Qt.Key.Key_0:
            self._edit(series, index, 0.0, f"Set {series.upper()} bar to 0", False)
        elif key == Qt.Key.Key_Escape and index >= 0:
            self.bars[series].set_selected(-1)
        else:
            super().keyPressEvent(ev)
            return
        ev.accept()

    def _edit(self, series: Which, index: int, value: float, text: str, repeat: bool) -> None:
        name = self._model.bin_name(index)
        self._history.record(
            f"{text} {name}", partial(self._model.set_bar, series, index, value),
            merge_key=(text, series, index), merge=repeat,
        )
        self._describe(series, index)

    def focusNextPrevChild(self, forward: bool) -> bool:
        """Tab / Shift+Tab step through the bars; past the last one, focus moves on."""
        series, index = self.selected
        target = index + (1 if forward else -1) if index >= 0 else 0
        if 0 <= target < self._model.n_bins:
            self._activate(series, target)
            return True
        return super().focusNextPrevChild(forward)

    def focusInEvent(self, ev: QFocusEvent) -> None:
        super().focusInEvent(ev)
        self.hint.emit(f"{self._active.upper()} editor: {KEY_HELP}")


class HistogramPanel(QWidget):
    """The P editor above the Q editor, or one overlaid plot.

    Signals:
        status(str): what the hovered / edited bar is, for the status bar.
        hint(str): how to use the focused editor.
    """

    status = Signal(str)
    hint = Signal(str)

    def __init__(
        self, model: DistributionModel, history: EditHistory, theme: Theme,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._dragging = False
        self._top = 1.0
        self.p_editor = BarEditor(model, history, "p", theme)
        self.q_editor = BarEditor(model, history, "q", theme)
        self.q_editor.setXLink(self.p_editor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for editor in self.editors:
            editor.dragActive.connect(self._drag_active)
            editor.status.connect(self.status)
            editor.hint.connect(self.hint)
            layout.addWidget(editor)
        model.dataChanged.connect(self._rescale)
        model.gridChanged.connect(self._rescale)
        self._rescale()

    @property
    def editors(self) -> tuple[BarEditor, BarEditor]:
        """The P and Q editors."""
        return self.p_editor, self.q_editor

    @property
    def overlay(self) -> bool:
        """True when P and Q share one plot."""
        return self.p_editor.overlay

    def set_overlay(self, on: bool) -> None:
        """Draw P and Q in one plot (for slides) or in two."""
        self.p_editor.set_overlay(on)
        self.q_editor.setVisible(not on)

    def apply_theme(self, theme: Theme) -> None:
        """Restyle both editors."""
        for editor in self.editors:
            editor.apply_theme(theme)

    @property
    def dragging(self) -> bool:
        """True while a bar is being dragged (things that also change P or Q should wait)."""
        return self._dragging

    @property
    def top(self) -> float:
        """Upper end of the shared probability axis."""
        return self._top

    def _drag_active(self, active: bool) -> None:
        self._dragging = active
        if not active:
            self._rescale()

    def _rescale(self, *_: object) -> None:
        """One tidy probability scale for both editors — left alone during a drag."""
        if self._dragging:
            return
        m = self._model
        tallest = float(max(m.p.max(), m.q.max()))
        headroom = 1.14 if m.n_bins <= VALUE_LABEL_MAX_BINS else 1.06  # value labels fit
        self._top = max(min(nice_ceiling(headroom * tallest), 1.15), 1.02 * tallest)
        for editor in self.editors:
            editor.set_top(self._top)
