"""The klviz main window: bar editors, pointwise curves and readouts, with menus and controls.

Layout: a toolbar of controls and a caption describing the data on top; the P and Q editors
over the pointwise curves on the left; the readouts on the right. Docks (e.g. an optimiser)
can be added with :meth:`MainWindow.add_dock`. Every edit goes through the model and is one
undo step of :attr:`MainWindow.history`.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, qVersion
from PySide6.QtGui import QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSpinBox,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from klviz import __version__
from klviz.core.distributions import MAX_BINS, get_preset, preset_names
from klviz.model import DistributionModel
from klviz.runner import FitRunner
from klviz.ui.actions import make_action, set_tip
from klviz.ui.axes import show_all_bins
from klviz.ui.curves_panel import CurvesPanel
from klviz.ui.documents import DocumentController
from klviz.ui.export_dialog import ExportController
from klviz.ui.focus_keys import ControlsKeepSpace
from klviz.ui.histogram_panel import HistogramPanel
from klviz.ui.history import EditHistory
from klviz.ui.optimizer_panel import OptimizerPanel
from klviz.ui.readouts import ReadoutsPanel
from klviz.ui.settings import app_settings
from klviz.ui.steady_label import SteadyLabel
from klviz.ui.theme import SCREEN, Theme

__all__ = ["NOTICE_MS", "MainWindow"]

NOTICE_MS = 8000
"""How long a notice stays in the status bar."""

WHAT_IS_KL = """
<h3>What is KL divergence?</h3>
<p>Say outcomes come from <b style="color:{p}">P</b>, but you built your code — or your
predictions — from <b style="color:{q}">Q</b>. An outcome x then costs −log q(x) bits, and on
average you pay the <b>cross-entropy</b> H(P,Q) = −Σ p log q. The best possible code, built
from P itself, pays the <b>entropy</b> H(P) = −Σ p log p.</p>
<p><b style="color:{fwd}">KL(P‖Q) = H(P,Q) − H(P)</b>: the <i>extra</i> bits per outcome you
pay for believing Q when the truth is P. It is never negative, and 0 only when Q = P.</p>
<p><b>It is not symmetric.</b> <b style="color:{rev}">KL(Q‖P)</b> is a different number —
press “Swap P and Q” and watch them trade places.</p>
<ul>
<li><b style="color:{fwd}">Forward KL(P‖Q)</b> averages over P: wherever P has mass, Q must
too, or the cost is infinite. Fitting Q with it spreads Q over all of P:
<i>mass-covering</i>, <i>zero-avoiding</i>. Training a classifier or distilling a model
minimises it.</li>
<li><b style="color:{rev}">Reverse KL(Q‖P)</b> averages over Q: Q is punished for putting mass
where P has little, never for missing part of P. Fitting Q with it makes Q settle on one mode:
<i>mode-seeking</i>, <i>zero-forcing</i>. Variational inference minimises it.</li>
</ul>
<p>Try it: drag a P bar to zero where Q is positive. KL(Q‖P) becomes ∞; KL(P‖Q) stays
finite.</p>
"""


class MainWindow(QMainWindow):
    """The klviz window around one :class:`~klviz.model.DistributionModel`.

    Public parts for colleagues and scripts: :attr:`model`, :attr:`history`, :attr:`theme`,
    the panels (:attr:`histogram`, :attr:`curves`, :attr:`readouts`), the menus
    (:attr:`file_menu`, :attr:`edit_menu`, :attr:`view_menu`, :attr:`help_menu`), the
    :attr:`toolbar`, :attr:`documents` (the file behind the window: File menu, title,
    autosave), :attr:`runner` and :attr:`optimizer_panel` (the optimiser dock),
    :attr:`exports` (figure export, animation, copy figure), and :meth:`add_dock` /
    :meth:`show_notice`.
    """

    def __init__(
        self, model: DistributionModel | None = None, *, theme: Theme = SCREEN,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model if model is not None else DistributionModel()
        self.history = EditHistory(self.model, self)
        self.theme = theme
        self.histogram = HistogramPanel(self.model, self.history, theme)
        self.curves = CurvesPanel(self.model, theme)
        self.curves.plot_widget.setXLink(self.histogram.p_editor)
        self.readouts = ReadoutsPanel(self.model, theme)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.hover_label = SteadyLabel()
        self._space_keeper = ControlsKeepSpace(self)
        self._space_keeper.watch(self)
        self._shown_preset: object = object()  # never equal to a preset name: sync first time

        self._build_central()
        self._build_actions()
        self._build_toolbar()
        self._build_menus()
        self.runner = FitRunner(self.model, history=self.history, parent=self)
        self.optimizer_panel = OptimizerPanel(self.runner, theme, self.histogram)
        self.optimizer_panel.notice.connect(self.show_notice)
        self.optimizer_dock = self.add_dock(self.optimizer_panel, "Optimiser")
        self.menuBar().insertMenu(self.help_menu.menuAction(), self.optimizer_panel.menu)
        self.statusBar().addPermanentWidget(self.hover_label)
        self.setMinimumSize(900, 600)
        self.resize(1400, 900)

        self.histogram.status.connect(self.hover_label.setText)
        self.histogram.hint.connect(self.show_notice)
        self.model.notice.connect(self.show_notice)
        self.model.gridChanged.connect(self._sync_controls)
        self.model.dataChanged.connect(self._data_changed)
        self.model.unitsChanged.connect(self._units_changed)
        self._restore_settings()
        self._sync_controls()
        self._units_changed(self.model.units)
        self.apply_theme(theme)
        self.documents = DocumentController(self)
        self.exports = ExportController(self)
        self.histogram.p_editor.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ building
    def _build_central(self) -> None:
        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(self.histogram)
        plots.addWidget(self.curves)
        plots.setStretchFactor(0, 3)
        plots.setStretchFactor(1, 2)
        plots.setChildrenCollapsible(False)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(plots)
        main.addWidget(self.readouts)
        main.setStretchFactor(0, 1)
        main.setStretchFactor(1, 0)
        main.setChildrenCollapsible(False)
        main.setSizes([1040, 360])
        self.splitter = main
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(main, 1)
        self.setCentralWidget(central)

    def _edit(self, text: str, edit: Callable[[], object]) -> Callable[[], None]:
        """A slot that runs ``edit`` as one undo step, reporting bad input in the status bar."""

        def run() -> None:
            try:
                self.history.record(text, edit)
            except ValueError as exc:
                self.show_notice(str(exc))

        return run

    def _build_actions(self) -> None:
        m = self.model
        self.undo_action = self.history.createUndoAction(self, "Undo")
        self.undo_action.setShortcuts(QKeySequence.StandardKey.Undo)
        self.undo_action.setIconText("Undo")
        self.undo_action.setToolTip("Undo the last edit (Ctrl+Z)")
        self.undo_action.setStatusTip("Undo the last edit")
        self.redo_action = self.history.createRedoAction(self, "Redo")
        redo_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
        if QKeySequence("Ctrl+Shift+Z") not in redo_keys:
            redo_keys.append(QKeySequence("Ctrl+Shift+Z"))
        self.redo_action.setShortcuts(redo_keys)
        self.redo_action.setIconText("Redo")
        self.redo_action.setToolTip("Redo the edit just undone (Ctrl+Shift+Z)")
        self.redo_action.setStatusTip("Redo the edit just undone")
        self.swap_action = make_action(
            self,
            "&Swap P and Q", "Exchange P and Q: KL(P‖Q) and KL(Q‖P) trade places",
            self._edit("Swap P and Q", m.swap),
        )
        self.swap_action.setIconText("Swap P↔Q")
        self.copy_action = make_action(
            self,
            "&Copy P to Q", "Make Q identical to P: every divergence becomes 0",
            self._edit("Copy P to Q", m.copy_p_to_q),
        )
        self.copy_action.setIconText("Copy P→Q")
        self.uniform_p_action = make_action(
            self,
            "Uniform &P", "Spread P evenly over all bins",
            self._edit("Uniform P", lambda: m.make_uniform("p")),
        )
        self.uniform_q_action = make_action(
            self,
            "Uniform &Q", "Spread Q evenly over all bins (a maximum-entropy guess)",
            self._edit("Uniform Q", lambda: m.make_uniform("q")),
        )
        self.reset_action = make_action(
            self,
            "&Reset", "Reload the current preset (or the data as loaded), undoably",
            self._edit("Reset", m.reset),
        )
        self.overlay_action = make_action(
            self,
            "&Overlay P and Q", "Draw P and Q in one plot (for slides); drag either one",
            self.histogram.set_overlay, checkable=True, shortcut="Ctrl+Shift+O",
        )
        self.coding_action = make_action(
            self,
            "&Coding view",
            "Show code lengths −log q and −log p per outcome instead of KL terms",
            self.curves.set_coding_view, checkable=True, shortcut="Ctrl+Shift+L",
        )
        self.show_all_action = make_action(
            self,
            "Show &all bins", "Zoom back out to every bin (the mouse wheel zooms in)",
            lambda: show_all_bins(self.histogram.p_editor.getPlotItem(), self.model),
            shortcut="Ctrl+0",
        )
        self.units_group = QActionGroup(self)
        self.bits_action = make_action(
            self,
            "&Bits", "Logarithms base 2: information in bits", checkable=True,
            shortcut="Ctrl+1",
        )
        self.nats_action = make_action(
            self,
            "&Nats", "Natural logarithms: information in nats (1 nat ≈ 1.443 bits)",
            checkable=True, shortcut="Ctrl+2",
        )
        for action, units in ((self.bits_action, "bits"), (self.nats_action, "nats")):
            self.units_group.addAction(action)
            action.triggered.connect(lambda _=False, u=units: self.model.set_units(u))
        self.quit_action = make_action(self, "&Quit", "Close klviz", self.close,
                                        shortcut=QKeySequence.StandardKey.Quit)
        self.what_is_kl_action = make_action(
            self,
            "&What is KL divergence?", "KL divergence in plain words", self.show_what_is_kl,
            shortcut=QKeySequence.StandardKey.HelpContents,
        )
        self.about_action = make_action(
            self, "&About klviz", "Version and credits", self.show_about)

    def _build_toolbar(self) -> None:
        bar = QToolBar("Controls")
        bar.setObjectName("controls")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar = bar
        self.preset_box = QComboBox()
        self.preset_box.setToolTip("Load a prepared example of P and Q (an undoable edit)")
        self.preset_box.setPlaceholderText("Custom data")
        for name in preset_names():
            pr = get_preset(name)
            self.preset_box.addItem(pr.title, name)
            self.preset_box.setItemData(
                self.preset_box.count() - 1, pr.description, Qt.ItemDataRole.ToolTipRole
            )
        self.preset_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.preset_box.activated.connect(self._preset_chosen)
        self.bins_box = QSpinBox()
        self.bins_box.setRange(2, MAX_BINS)
        self.bins_box.setKeyboardTracking(False)
        self.bins_box.setAccelerated(True)
        self.bins_box.valueChanged.connect(self._bins_chosen)
        preset_label, bins_label = QLabel(" Preset "), QLabel("  Bins ")
        preset_label.setBuddy(self.preset_box)
        bins_label.setBuddy(self.bins_box)
        bar.addWidget(preset_label)
        bar.addWidget(self.preset_box)
        bar.addWidget(bins_label)
        bar.addWidget(self.bins_box)
        bar.addSeparator()
        bar.addActions([self.bits_action, self.nats_action])
        bar.addSeparator()
        bar.addActions([self.undo_action, self.redo_action])
        bar.addSeparator()
        bar.addActions([self.swap_action, self.copy_action, self.uniform_p_action,
                        self.uniform_q_action, self.reset_action])
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    def _build_menus(self) -> None:
        menubar = self.menuBar()
        self.file_menu = menubar.addMenu("&File")
        self.file_menu.addAction(self.quit_action)
        self.edit_menu = menubar.addMenu("&Edit")
        self.edit_menu.addActions([self.undo_action, self.redo_action])
        self.edit_menu.addSeparator()
        self.edit_menu.addActions([self.swap_action, self.copy_action, self.uniform_p_action,
                                   self.uniform_q_action])
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.reset_action)
        self.view_menu = menubar.addMenu("&View")
        self.view_menu.addActions([self.overlay_action, self.coding_action,
                                   self.show_all_action])
        self.view_menu.addSeparator()
        self.view_menu.addActions([self.bits_action, self.nats_action])
        self.view_menu.addSeparator()
        self.view_menu.addAction(set_tip(self.toolbar.toggleViewAction(),
                                           "Show or hide the toolbar of controls"))
        self.help_menu = menubar.addMenu("&Help")
        self.help_menu.addActions([self.what_is_kl_action, self.about_action])

    # ------------------------------------------------------------------ public
    def add_dock(
        self, widget: QWidget, title: str,
        area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea,
    ) -> QDockWidget:
        """Dock ``widget`` beside the plots (right or bottom) and list it in the View menu."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.restoreDockWidget(dock)  # where the user left it last time, if anywhere
        self._space_keeper.watch(dock)  # a floating dock is a window of its own
        self.view_menu.addAction(
            set_tip(dock.toggleViewAction(), f"Show or hide the {title} panel"))
        return dock

    def show_notice(self, text: str) -> None:
        """A one-line message for the user, in the status bar for a few seconds."""
        self.statusBar().showMessage(text, NOTICE_MS)

    def apply_theme(self, theme: Theme) -> None:
        """Restyle every view from ``theme``."""
        self.theme = theme
        self.histogram.apply_theme(theme)
        self.curves.apply_theme(theme)
        self.readouts.apply_theme(theme)
        self.optimizer_panel.apply_theme(theme)
        self.caption.setFont(theme.font(theme.font_size))
        self.caption.setStyleSheet(
            f"QLabel {{ background: {theme.surface}; color: {theme.muted}; padding: 6px 12px;"
            f" border-bottom: 1px solid {theme.grid}; }}"
        )
        self.hover_label.setFont(theme.font(theme.small_font_size))
        self._sync_caption()

    def what_is_kl_text(self) -> str:
        """The "What is KL divergence?" explanation (HTML), in the theme's colours."""
        t = self.theme
        return WHAT_IS_KL.format(p=t.p, q=t.q, fwd=t.forward_fit, rev=t.reverse_fit)

    def show_what_is_kl(self) -> QMessageBox:
        """Open the plain-words explanation of KL (non-blocking); returns the dialog."""
        return self._message("What is KL divergence?", self.what_is_kl_text())

    def show_about(self) -> QMessageBox:
        """Open the About box (non-blocking); returns the dialog."""
        text = (
            f"<h3>klviz {__version__}</h3>"
            "<p>KL divergence you can touch: drag two distributions and watch entropy, "
            "cross-entropy and KL react.</p>"
            f"<p>Qt {qVersion()} · pyqtgraph {pg.__version__}<br>"
            "Colours: the colour-blind-safe Okabe–Ito palette.</p>"
        )
        return self._message("About klviz", text)

    def _message(self, title: str, text: str) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.NoIcon, title, text, QMessageBox.StandardButton.Close,
                          self)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    # ------------------------------------------------------------------ model → controls
    def _data_changed(self, _which: str) -> None:
        if self.model.preset != self._shown_preset:
            self._sync_controls()

    def _sync_controls(self) -> None:
        m = self.model
        self._shown_preset = m.preset
        with QSignalBlocker(self.preset_box):
            self.preset_box.setCurrentIndex(self.preset_box.findData(m.preset))
        with QSignalBlocker(self.bins_box):
            self.bins_box.setValue(m.n_bins)
        labelled = m.labels is not None
        self.bins_box.setEnabled(not labelled)
        self.bins_box.setToolTip(
            "Categories cannot be resampled" if labelled
            else "Number of bins: resample P and Q over the same span, keeping their shapes"
        )
        self._sync_caption()

    def data_title(self) -> str:
        """What the data on show is called: its preset's title, or "Custom data"."""
        return self._preset_text()[0]

    def _preset_text(self) -> tuple[str, str]:
        """Title and description of the data on show."""
        m = self.model
        if m.preset in preset_names():
            pr = get_preset(m.preset)
            return pr.title, pr.description
        origin = f"from preset “{m.preset}”, " if m.preset else ""
        return "Custom data", f"{m.n_bins} bins, {origin}drag the bars to edit P and Q."

    def _sync_caption(self) -> None:
        head, body = self._preset_text()
        self.caption.setText(
            f'<b style="color:{self.theme.foreground}">{html.escape(head)}.</b> '
            f"{html.escape(body)}"
        )

    def _units_changed(self, units: str) -> None:
        (self.bits_action if units == "bits" else self.nats_action).setChecked(True)

    def _preset_chosen(self, index: int) -> None:
        name = self.preset_box.itemData(index)
        self._edit(f"Load preset {self.preset_box.itemText(index)}",
                   lambda: self.model.load_preset(name))()

    def _bins_chosen(self, n: int) -> None:
        if n != self.model.n_bins:
            self._edit(f"Resample to {n} bins", lambda: self.model.resample(n))()

    # ------------------------------------------------------------------ settings
    def _restore_settings(self) -> None:
        s = app_settings()
        geometry, state = s.value("window/geometry"), s.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        units = s.value("view/units", "bits")
        if units in ("bits", "nats"):
            self.model.set_units(units)
        self.overlay_action.setChecked(s.value("view/overlay", False, type=bool))
        self.coding_action.setChecked(s.value("view/coding", False, type=bool))

    def view_state(self) -> dict[str, bool]:
        """The view settings a session keeps: P and Q overlaid, the coding view."""
        return {"overlay": self.overlay_action.isChecked(),
                "coding": self.coding_action.isChecked()}

    def apply_view_state(self, state: Mapping[str, object]) -> None:
        """Apply settings as :meth:`view_state` gives them; others are ignored."""
        for key, action in (("overlay", self.overlay_action), ("coding", self.coding_action)):
            if isinstance(state.get(key), bool):
                action.setChecked(bool(state[key]))

    def save_settings(self) -> None:
        """Remember geometry, the preset on show and the view options for the next run."""
        s = app_settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        if self.model.preset is not None:
            s.setValue("data/preset", self.model.preset)
        s.setValue("view/units", self.model.units)
        s.setValue("view/overlay", self.overlay_action.isChecked())
        s.setValue("view/coding", self.coding_action.isChecked())
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.statusBar().clearMessage()
        super().closeEvent(event)

