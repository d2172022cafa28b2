"""The optimiser dock: fit a restricted Q to P under forward, reverse (or α / JS) divergence
and watch it move — zero-avoiding against zero-forcing.

Controls on top (family, start, what to minimise, speed), a plain-words caption that changes
with the direction, Play / Step / Reset / Random start, each fit's parameters and a live loss
plot. In "both" mode the forward and the reverse fit are also drawn over P (the P editor) in
the two fit colours, while Q's bars show the reverse fit. Everything runs through a
:class:`~klviz.runner.FitRunner`; this panel only sets its settings and shows its state.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from klviz.core.families import MAX_COMPONENTS, GridScale
from klviz.runner import MAX_STEPS_PER_FRAME, SHOWN_IN_BOTH, FitRunner
from klviz.ui.actions import make_action
from klviz.ui.fit_overlay import FitOverlay
from klviz.ui.fit_style import FIT_NAMES, direction_color, format_number, format_params
from klviz.ui.histogram_panel import HistogramPanel
from klviz.ui.loss_plot import LossPlot
from klviz.ui.start_handle import StartHandle
from klviz.ui.theme import Theme

__all__ = ["CAPTIONS", "EPSILONS", "FAMILY_CHOICES", "OptimizerPanel"]

FAMILY_CHOICES = (
    ("Gaussian", "gaussian", "One discretised Gaussian N(μ, σ²)"),
    ("Gaussian mixture", "mixture", "A mixture of K Gaussians (set K beside it)"),
    ("Student-t (ν = 3)", "student-t", "A heavy-tailed location-scale family"),
    ("Free categorical", "categorical",
     "One free logit per bin: any Q with full support, so Q can match P exactly"),
)
"""Menu text, family name and tooltip of each choice of Q's family."""

DIRECTION_CHOICES = (
    ("Forward", "forward", "Minimise forward KL(P‖Q): Q must cover all of P"),
    ("Reverse", "reverse", "Minimise reverse KL(Q‖P): Q settles where P is large"),
    ("Both", "both", "Fit forward and reverse KL side by side from the same start"),
    ("α", "alpha", "Minimise an α-divergence: α = 1 is forward KL, α = 0 reverse KL"),
    ("JS", "js", "Minimise the Jensen–Shannon divergence (symmetric, never ∞)"),
)

EPSILONS = (1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12)
"""Choices of the floor under P for reverse KL."""

CAPTIONS = {
    "forward": "<b style='color:{fwd}'>Forward KL(P‖Q)</b>: Q must cover every place P has "
               "mass — <i>zero-avoiding</i>. One Gaussian spreads out over all of P, "
               "modes and the gap between them.",
    "reverse": "<b style='color:{rev}'>Reverse KL(Q‖P)</b>: Q avoids places where P is small "
               "— <i>zero-forcing</i>. One Gaussian settles on a single mode; which one "
               "depends on where it starts.",
    "both": "Same start, two fits over P: <b style='color:{fwd}'>forward KL</b> covers "
            "everything P has — <i>zero-avoiding</i>; <b style='color:{rev}'>reverse KL</b> "
            "picks one mode — <i>zero-forcing</i>. Q's bars show the reverse fit.",
    "alpha": "<b style='color:{alpha}'>α-divergence</b> between the two: α = 1 is forward "
             "KL (cover all of P), α = 0 is reverse KL (pick a mode); in between Q trades "
             "one for the other. Move the slider while it runs.",
    "js": "<b>Jensen–Shannon</b> compares P and Q with their average: symmetric and never "
          "∞. Its fit sits between the forward and the reverse one.",
}
"""Plain-words caption per direction (HTML; colours filled in from the theme)."""

SADDLE_HINT = (
    "A start halfway between two modes can stall wide (a saddle): move μ off-centre or "
    "press Random start."
)


class OptimizerPanel(QWidget):
    """Controls, captions, parameters and loss plot of one :class:`FitRunner`.

    With a ``histogram`` panel, "both" mode draws the two fits over its P editor, and a handle
    on its Q editor moves the start's μ.

    Signals:
        notice(str): a one-line message for the status bar (e.g. "converged after …").
    """

    notice = Signal(str)

    def __init__(
        self, runner: FitRunner, theme: Theme, histogram: HistogramPanel | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self._model = runner.model
        self._theme = theme
        self.overlay = None if histogram is None else FitOverlay(histogram.p_editor, theme)
        self.start_handle = None if histogram is None else StartHandle(
            histogram.q_editor, runner, theme)
        self._build_controls()
        self._build_actions()
        self._build_layout()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

        runner.stepped.connect(self._refresh)
        runner.restarted.connect(self._restarted)
        runner.runningChanged.connect(self._running_changed)
        runner.finished.connect(self._finished)
        self._model.unitsChanged.connect(self._refresh)
        self._model.dataChanged.connect(self._p_changed)
        self._sync_controls()
        self._running_changed(runner.running)
        self.apply_theme(theme)

    # ------------------------------------------------------------------ building
    def _build_controls(self) -> None:
        self.family_box = QComboBox()
        for text, name, tip in FAMILY_CHOICES:
            self.family_box.addItem(text, name)
            self.family_box.setItemData(self.family_box.count() - 1, tip,
                                        Qt.ItemDataRole.ToolTipRole)
        self.family_box.setToolTip("The family Q is restricted to while it is fitted")
        self.k_box = QSpinBox()
        self.k_box.setRange(1, MAX_COMPONENTS)
        self.k_box.setPrefix("K = ")
        self.k_box.setToolTip("Number of Gaussians in the mixture")
        self.fixed_sigma_box = QCheckBox("Hold σ fixed")
        self.fixed_sigma_box.setToolTip(
            "Keep σ at its start value and fit only the location (and mixture weights)")

        self.mu_box = _number_box("μ = ", "Where Q starts: its location (an undoable edit of "
                                  "Q). Dragging Q's bars sets the start too.")
        self.sigma_box = _number_box("σ = ", "Where Q starts: its scale (an undoable edit of Q)")
        self.start_note = QLabel("from Q's bars — drag them")
        self.start_note.setToolTip("The start is taken from Q's shape: mixtures split Q into "
                                   "equal-mass parts; the categorical start is log Q")

        self.direction_group = QButtonGroup(self)
        self.direction_buttons: dict[str, QToolButton] = {}
        for text, name, tip in DIRECTION_CHOICES:
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.direction_group.addButton(button)
            self.direction_buttons[name] = button
        self.alpha_slider = QSlider(Qt.Orientation.Horizontal)
        self.alpha_slider.setRange(0, 100)
        self.alpha_slider.setToolTip("α from 0 (reverse KL: pick a mode) to 1 (forward KL: "
                                     "cover everything); takes effect while running")
        self.alpha_label = QLabel()
        self.alpha_label.setMinimumWidth(self.alpha_label.fontMetrics().horizontalAdvance(
            "0.00 "))

        self.lr_box = QDoubleSpinBox()
        self.lr_box.setRange(0.001, 2.0)
        self.lr_box.setDecimals(3)
        self.lr_box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.lr_box.setKeyboardTracking(False)
        self.lr_box.setToolTip("Adam learning rate (in units of half the grid's span). Large "
                               "steps can jump over a mode — try 0.5 for reverse KL")
        self.speed_box = QSpinBox()
        self.speed_box.setRange(1, MAX_STEPS_PER_FRAME)
        self.speed_box.setSuffix(" steps/frame")
        self.speed_box.setKeyboardTracking(False)
        self.speed_box.setToolTip("Optimiser steps per animation frame (about 60 frames a "
                                  "second): the speed of the animation")
        self.epsilon_box = QComboBox()
        self.epsilon_box.setToolTip("Floor under P for reverse KL, which is ∞ wherever P = 0 "
                                    "and Q > 0: the fit sees max(p, ε), renormalised")
        self.epsilon_note = QLabel()
        self.epsilon_note.setWordWrap(True)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.status_label = QLabel()
        self.params_label = QLabel()
        self.params_label.setWordWrap(True)
        self.params_label.setTextFormat(Qt.TextFormat.RichText)
        self.params_label.setToolTip(
            "Each fit's parameters and the divergence it minimises, now. σ is the scale of the "
            "Gaussian before the grid cuts it off, so it can exceed Q's spread")
        self.loss_plot = LossPlot(self._theme)

        self.family_box.activated.connect(self._controls_changed)
        self.k_box.valueChanged.connect(self._controls_changed)
        self.fixed_sigma_box.toggled.connect(self._controls_changed)
        self.direction_group.buttonClicked.connect(self._controls_changed)
        self.alpha_slider.valueChanged.connect(self._controls_changed)
        self.lr_box.valueChanged.connect(self._controls_changed)
        self.speed_box.valueChanged.connect(self._controls_changed)
        self.epsilon_box.activated.connect(self._controls_changed)
        self.mu_box.editingFinished.connect(self._start_edited)
        self.sigma_box.editingFinished.connect(self._start_edited)

    def _build_actions(self) -> None:
        style = self.style()
        self.play_action = make_action(self, "Play", "Start or pause the fit", self._play,
                                       shortcut="Space")
        self.step_action = make_action(self, "Step", "Take one frame of optimiser steps",
                                       lambda: self.runner.step(1), shortcut="Ctrl+Right")
        self.step_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward))
        self.reset_action = make_action(self, "Reset Fit", "Back to the start: Q returns to where "
                                        "the fit began (an undoable edit)", self.runner.reset)
        self.reset_action.setIconText("Reset")  # on its button, beside Play and Step
        self.reset_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipBackward))
        self.random_action = make_action(
            self, "Random start", "Restart from a random start (a new seed) and play: reverse "
            "KL may land on another mode", self._random_start)
        self.menu = QMenu("F&it", self)
        self.menu.addActions([self.play_action, self.step_action, self.reset_action,
                              self.random_action])

    def _build_layout(self) -> None:
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        rows: list[tuple[str, QHBoxLayout]] = [
            ("Family", _row(self.family_box, self.k_box, stretch=0)),
            ("", _row(self.fixed_sigma_box)),
            ("Start", _row(self.mu_box, self.sigma_box, self.start_note)),
            ("Minimise", _row(*self.direction_buttons.values(), spacing=0)),
            ("α", _row(self.alpha_slider, self.alpha_label)),
            ("Learning rate", _row(self.lr_box, stretch=1)),
            ("Speed", _row(self.speed_box, stretch=1)),
            ("ε floor", _row(self.epsilon_box, stretch=1)),
        ]
        self.row_labels: dict[str, QLabel] = {}
        for r, (text, content) in enumerate(rows):
            label = QLabel(text)
            self.row_labels[text] = label
            grid.addWidget(label, r, 0, Qt.AlignmentFlag.AlignRight)
            grid.addLayout(content, r, 1)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        self.play_button = _tool_button(self.play_action)
        self.step_button = _tool_button(self.step_action)
        self.reset_button = _tool_button(self.reset_action)
        self.random_button = _tool_button(self.random_action)
        for button in (self.play_button, self.step_button, self.reset_button,
                       self.random_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(8)
        layout.addLayout(grid)
        layout.addWidget(self.caption)
        layout.addWidget(self.epsilon_note)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        layout.addWidget(self.params_label)
        layout.addWidget(self.loss_plot, 1)

    def sizeHint(self) -> QSize:
        """Narrow enough to leave the plots most of the window."""
        return QSize(330, 760)

    # ------------------------------------------------------------------ look
    def apply_theme(self, theme: Theme) -> None:
        """Restyle text, captions, plots and the overlay from ``theme``."""
        self._theme = theme
        self.setFont(theme.font())
        small = theme.font(theme.small_font_size)
        for label in (self.epsilon_note, self.start_note):
            label.setFont(small)
            label.setStyleSheet(f"color: {theme.muted};")
        self.caption.setStyleSheet(
            f"QLabel {{ background: {theme.surface}; color: {theme.foreground}; "
            f"border: 1px solid {theme.grid}; border-radius: 4px; padding: 6px; }}")
        self.status_label.setStyleSheet(f"color: {theme.muted};")
        for name, button in self.direction_buttons.items():
            color = direction_color(theme, name) if name in ("forward", "reverse") else None
            checked = f"background: {theme.surface}; font-weight: bold;"
            if color:
                checked += f" color: {color};"
            button.setStyleSheet(f"QToolButton:checked {{ {checked} }}")
        self.loss_plot.apply_theme(theme)
        if self.overlay is not None:
            self.overlay.apply_theme(theme)
        if self.start_handle is not None:
            self.start_handle.apply_theme(theme)
        self._refresh()

    # ------------------------------------------------------------------ settings ↔ controls
    def _sync_controls(self) -> None:
        """Show the runner's settings (and the start) in the controls, without feedback."""
        s = self.runner.settings
        boxes = (self.family_box, self.k_box, self.fixed_sigma_box, self.alpha_slider,
                 self.lr_box, self.speed_box, self.epsilon_box, self.mu_box, self.sigma_box)
        blockers = [QSignalBlocker(w) for w in boxes]
        self.family_box.setCurrentIndex(self.family_box.findData(s.family))
        self.k_box.setValue(s.k)
        self.fixed_sigma_box.setChecked(s.fixed_sigma)
        self.direction_buttons[s.direction].setChecked(True)
        self.alpha_slider.setValue(round(100 * s.alpha))
        self.lr_box.setValue(s.lr)
        self.speed_box.setValue(s.steps_per_frame)
        self._fill_epsilons(s.epsilon)
        self._sync_start()
        del blockers
        self.k_box.setVisible(s.family == "mixture")
        self.fixed_sigma_box.setEnabled(s.family != "categorical")
        alpha_on = s.direction == "alpha"
        for widget in (self.alpha_slider, self.alpha_label, self.row_labels["α"]):
            widget.setVisible(alpha_on)
        self.alpha_label.setText(f"{s.alpha:.2f}")
        self._show_caption()

    def _fill_epsilons(self, epsilon: float) -> None:
        choices = sorted(set(EPSILONS) | {epsilon}, reverse=True)
        if [self.epsilon_box.itemData(i) for i in range(self.epsilon_box.count())] != choices:
            self.epsilon_box.clear()
            for e in choices:
                self.epsilon_box.addItem(f"ε = {_short(e)}", e)
        self.epsilon_box.setCurrentIndex(choices.index(epsilon))

    def _sync_start(self) -> None:
        """The start's μ and σ in the spin boxes (Gaussian / Student-t), else a note."""
        params = self.runner.start_params()
        readable = self.runner.settings.family in ("gaussian", "student-t")
        self.mu_box.setVisible(readable)
        self.sigma_box.setVisible(readable)
        self.start_note.setVisible(not readable)
        if readable:
            scale = GridScale.of(self._model.x)
            self.mu_box.setRange(scale.mu_min, scale.mu_max)
            self.sigma_box.setRange(scale.sigma_min, scale.sigma_max)
            self.mu_box.setValue(params["mu"])
            self.sigma_box.setValue(params["sigma"])

    def _controls_changed(self, *_: object) -> None:
        direction = next(name for name, b in self.direction_buttons.items() if b.isChecked())
        settings = dataclasses.replace(
            self.runner.settings,
            family=self.family_box.currentData(), k=self.k_box.value(),
            fixed_sigma=self.fixed_sigma_box.isChecked(), direction=direction,
            alpha=self.alpha_slider.value() / 100, lr=self.lr_box.value(),
            steps_per_frame=self.speed_box.value(), epsilon=self.epsilon_box.currentData(),
        )
        self.runner.set_settings(settings)
        self._sync_controls()
        self._refresh()

    def _start_edited(self) -> None:
        mu, sigma = self.mu_box.value(), self.sigma_box.value()
        params = self.runner.start_params()
        if math.isclose(mu, params["mu"], abs_tol=5e-4) and math.isclose(
                sigma, params["sigma"], abs_tol=5e-4):
            return  # focus left the box without a change
        try:
            self.runner.set_start(mu, sigma)
        except ValueError as exc:
            self.notice.emit(str(exc))

    def _show_caption(self) -> None:
        s, t = self.runner.settings, self._theme
        text = CAPTIONS[s.direction].format(
            fwd=t.forward_fit, rev=t.reverse_fit, alpha=direction_color(t, "alpha", s.alpha))
        if s.direction in ("reverse", "both", "alpha") and s.family != "categorical":
            text += f"<br><span style='color:{t.muted}'>{SADDLE_HINT}</span>"
        self.caption.setText(text)

    # ------------------------------------------------------------------ runner → view
    def _play(self) -> None:
        if self.runner.running:
            self.runner.pause()
        else:
            self.runner.play()

    def _random_start(self) -> None:
        self.runner.restart_random()
        self.runner.play()

    def _running_changed(self, running: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if running else (
            QStyle.StandardPixmap.SP_MediaPlay)
        self.play_action.setIcon(self.style().standardIcon(icon))
        self.play_action.setText("Pause" if running else "Play")
        self._refresh()

    def _restarted(self) -> None:
        self._sync_controls()
        self._refresh()

    def _p_changed(self, which: str) -> None:
        if "p" in which:
            self._show_epsilon_note()

    def _finished(self, converged: bool) -> None:
        steps = self.runner.steps
        how = (f"Converged after {steps} steps" if converged
               else f"Stopped at the step limit ({steps} steps) before converging")
        fits = self.runner.fits
        if len(fits) == 1:
            self.notice.emit(f"{how}: {format_params(self.runner.params(next(iter(fits))))}")
        else:
            self.notice.emit(f"{how} — " + "; ".join(
                f"{FIT_NAMES[d]}: {format_params(self.runner.params(d))}" for d in fits))

    def _refresh(self, *_: object) -> None:
        """Loss curves, parameters, status and the overlay from the runner's fits."""
        r, t, m = self.runner, self._theme, self._model
        fits = r.fits
        alpha = r.settings.alpha
        self.loss_plot.set_histories({d: r.history(d) for d in fits}, m.units, alpha)
        scale = 1.0 / math.log(2.0) if m.units == "bits" else 1.0
        lines = []
        for d, fit in fits.items():
            color = direction_color(t, d, alpha)
            value = (f" — {format_number(fit.state.history[-1] * scale)} {m.units}"
                     if fit.state.history else "")
            params = format_params(r.params(d)).replace(" = ", "\u00a0=\u00a0").replace(
                " / ", "\u00a0/\u00a0")  # lines break between values, not inside one
            lines.append(f"<span style='color:{color}'>■</span> <b>{FIT_NAMES[d]}</b>: "
                         f"{params}{value}")
        self.params_label.setText("<br>".join(lines))
        state = ("running" if r.running else "converged" if r.converged
                 else "ready" if r.steps == 0 else "")  # paused: the Play button says so
        self.status_label.setText(f"Step {r.steps}" + (f" · {state}" if state else ""))
        self._show_epsilon_note()
        if self.start_handle is not None:
            self.start_handle.sync()
        if self.overlay is not None:
            both = r.settings.direction == "both"
            self.overlay.show(m.x, {
                d: (r.fitted_q(d), f"{d}-KL fit" + (" (Q's bars)" if d == SHOWN_IN_BOTH else ""))
                for d in fits
            } if both else {})

    def _show_epsilon_note(self) -> None:
        r = self.runner
        if not r.epsilon_applied:
            self.epsilon_note.setVisible(False)
            return
        honest = ("readouts show the honest ∞" if np.any(self._model.p == 0)
                  else "readouts use the honest P")
        self.epsilon_note.setText(f"Reverse KL optimises against P floored at "
                                  f"ε = {_short(r.settings.epsilon)}; {honest}.")
        self.epsilon_note.setVisible(True)


def _short(value: float) -> str:
    """``1e-6`` rather than ``1e-06``."""
    return f"{value:g}".replace("e-0", "e-").replace("e+0", "e+")


def _number_box(prefix: str, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setPrefix(prefix)
    box.setDecimals(3)
    box.setSingleStep(0.1)
    box.setKeyboardTracking(False)
    box.setToolTip(tip)
    return box


def _tool_button(action: QAction) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return button


def _row(*widgets: QWidget, stretch: int | None = None, spacing: int = 6) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(spacing)
    for w in widgets:
        row.addWidget(w)
    if stretch is not None:
        row.addStretch(stretch)
    return row
