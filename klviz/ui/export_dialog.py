"""File ▸ Export Figure…, File ▸ Export Animation… and Edit ▸ Copy Figure of a window.

The dialogs only collect choices and show a preview; :mod:`klviz.export` does the drawing.
The last choices are remembered (QSettings ``export/…``); Copy Figure uses the remembered
view and theme. A file that cannot be written leaves nothing behind and one message box says
why, in one line. The file dialog and the message box go through :func:`choose_figure_path`
and :func:`show_export_error`, which tests replace; methods taking a path skip the dialog.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSize, QStandardPaths, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from klviz.cli import error_message
from klviz.export import (
    CLIPBOARD_SCALE,
    FIGURE_FORMATS,
    GIF_FPS,
    GIF_FRAMES,
    GIF_WIDTHS,
    LOGICAL_DPI,
    SCALES,
    VIEWS,
    ExportCancelled,
    copy_figure_to_clipboard,
    export_figure,
    render_gif,
    render_image,
)
from klviz.ui.actions import make_action
from klviz.ui.settings import app_settings
from klviz.ui.theme import THEMES, Theme

if TYPE_CHECKING:  # pragma: no cover
    from klviz.ui.main_window import MainWindow

__all__ = [
    "FORMAT_NAMES",
    "THEME_CHOICES",
    "AnimationChoices",
    "AnimationDialog",
    "ExportController",
    "ExportDialog",
    "FigureChoices",
    "choose_figure_path",
    "show_export_error",
]

FORMAT_NAMES = {"png": "PNG image", "svg": "SVG (vector)", "pdf": "PDF (vector)", "gif": "GIF"}
"""How each file format is named to people."""

THEME_CHOICES = {"window": "As on screen", "slide": "Slide: larger text, thicker lines"}
"""Looks to export with: the window's own, or a theme from :data:`klviz.ui.theme.THEMES`."""

PREVIEW_SIZE = QSize(440, 280)
"""The live preview fits in this many pixels."""


def theme_for(key: str) -> Theme | None:
    """The theme a :data:`THEME_CHOICES` key stands for (None: the window's own)."""
    return None if key == "window" else THEMES[key]


def choose_figure_path(parent: QWidget, title: str, suggested: str, filters: str) -> str | None:
    """A file to write, from the platform's file dialog (None if cancelled)."""
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return path or None


def show_export_error(parent: QWidget, text: str) -> QMessageBox:
    """Say in one line why an export failed (window-modal, without blocking)."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Export failed", text,
                      QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def _default_folder() -> str:
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)


def _with_suffix(path: str | os.PathLike[str], fmt: str) -> Path:
    """``path``, with ``.fmt`` added unless it already ends so."""
    target = Path(path)
    return target if target.suffix.lower() == f".{fmt}" else Path(f"{target}.{fmt}")


def _combo(choices: dict[str, str], current: str) -> QComboBox:
    box = QComboBox()
    for key, text in choices.items():
        box.addItem(text, key)
    box.setCurrentIndex(max(0, box.findData(current)))
    return box


@dataclass
class FigureChoices:
    """What File ▸ Export Figure… last exported, and where."""

    view: str = "composed"
    fmt: str = "png"
    scale: int = 2
    theme: str = "window"
    transparent: bool = False
    folder: str = ""

    @classmethod
    def load(cls) -> FigureChoices:
        """The remembered choices; defaults for anything missing or no longer valid."""
        s, d = app_settings(), cls()
        view, fmt, theme = (str(s.value(f"export/{k}", getattr(d, k)))
                            for k in ("view", "fmt", "theme"))
        scale = s.value("export/scale", d.scale, type=int)
        return cls(
            view=view if view in VIEWS else d.view,
            fmt=fmt if fmt in FIGURE_FORMATS else d.fmt,
            scale=scale if scale in SCALES else d.scale,
            theme=theme if theme in THEME_CHOICES else d.theme,
            transparent=s.value("export/transparent", d.transparent, type=bool),
            folder=str(s.value("export/folder", d.folder)),
        )

    def save(self) -> None:
        """Remember these choices for the next export."""
        s = app_settings()
        for key in ("view", "fmt", "scale", "theme", "transparent", "folder"):
            s.setValue(f"export/{key}", getattr(self, key))


@dataclass
class AnimationChoices:
    """What File ▸ Export Animation… last recorded, and where."""

    frames: int = 60
    fps: int = 15
    width: int = 800
    theme: str = "window"
    folder: str = ""

    @classmethod
    def load(cls) -> AnimationChoices:
        """The remembered choices; defaults for anything missing or out of range."""
        s, d = app_settings(), cls()

        def number(key: str, limits: tuple[int, int]) -> int:
            value = s.value(f"animation/{key}", getattr(d, key), type=int)
            return value if limits[0] <= value <= limits[1] else getattr(d, key)

        theme = str(s.value("animation/theme", d.theme))
        return cls(
            frames=number("frames", GIF_FRAMES), fps=number("fps", GIF_FPS),
            width=number("width", GIF_WIDTHS),
            theme=theme if theme in THEME_CHOICES else d.theme,
            folder=str(s.value("animation/folder", d.folder)),
        )

    def save(self) -> None:
        """Remember these choices for the next recording."""
        s = app_settings()
        for key in ("frames", "fps", "width", "theme", "folder"):
            s.setValue(f"animation/{key}", getattr(self, key))


def _checkerboard(size: QSize) -> QPixmap:
    """Grey squares, the usual backdrop that shows transparency."""
    pixmap = QPixmap(size)
    pixmap.fill(Qt.GlobalColor.white)
    painter = QPainter(pixmap)
    step = 8
    for y in range(0, size.height(), step):
        for x in range(0, size.width(), step):
            if (x // step + y // step) % 2:
                painter.fillRect(x, y, step, step, Qt.GlobalColor.lightGray)
    painter.end()
    return pixmap


class ExportDialog(QDialog):
    """Choose view, format, scale, theme and transparency, with a live preview."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Export Figure")
        self._window = window
        self.error_box: QMessageBox | None = None
        c = FigureChoices.load()
        self._folder = c.folder
        self.view_box = _combo(VIEWS, c.view)
        self.format_box = _combo({f: FORMAT_NAMES[f] for f in FIGURE_FORMATS}, c.fmt)
        self.scale_box = _combo({str(s): f"{s}×" for s in SCALES}, str(c.scale))
        self.scale_box.setToolTip("Pixels per screen pixel: lines, text and legends all scale")
        self.theme_box = _combo(THEME_CHOICES, c.theme)
        self.transparent_box = QCheckBox("Transparent background")
        self.transparent_box.setChecked(c.transparent)
        self.transparent_box.setToolTip("Leave the plots' background empty (PNG only)")
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(PREVIEW_SIZE)
        self.size_label = QLabel()
        self.size_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        form = QFormLayout()
        form.addRow("&What", self.view_box)
        form.addRow("&Format", self.format_box)
        form.addRow("&Scale", self.scale_box)
        form.addRow("&Theme", self.theme_box)
        form.addRow("", self.transparent_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("&Export…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(lambda: self.export())
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.size_label)
        layout.addWidget(buttons)

        self._enable_optimizer_choice()
        for box in (self.view_box, self.format_box, self.scale_box, self.theme_box):
            box.currentIndexChanged.connect(self.update_preview)
        self.transparent_box.toggled.connect(self.update_preview)
        self.update_preview()

    def _enable_optimizer_choice(self) -> None:
        """The optimiser view needs the optimiser panel on show."""
        i = self.view_box.findData("optimizer")
        shown = self._window.optimizer_panel.isVisible() or not self._window.isVisible()
        item = self.view_box.model().item(i)  # type: ignore[attr-defined]
        item.setEnabled(shown)
        item.setToolTip("" if shown else "Show the optimiser first (View ▸ Optimiser)")
        if not shown and self.view_box.currentIndex() == i:
            self.view_box.setCurrentIndex(self.view_box.findData(FigureChoices.view))

    def choices(self) -> FigureChoices:
        """The options as set in the dialog."""
        return FigureChoices(
            view=self.view_box.currentData(), fmt=self.format_box.currentData(),
            scale=int(self.scale_box.currentData()), theme=self.theme_box.currentData(),
            transparent=self.transparent_box.isChecked(), folder=self._folder,
        )

    def update_preview(self) -> None:
        """Redraw the preview and the output size for the current options."""
        c = self.choices()
        png = c.fmt == "png"
        self.scale_box.setEnabled(png)
        self.transparent_box.setEnabled(png)
        transparent = png and c.transparent
        try:
            image = render_image(self._window, c.view, theme=theme_for(c.theme),
                                 transparent=transparent)
        except ValueError as exc:
            self.preview.clear()
            self.size_label.setText(str(exc))
            self.export_button.setEnabled(False)
            return
        self.export_button.setEnabled(True)
        w, h = image.width(), image.height()
        small = image.scaled(PREVIEW_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
        small.setDevicePixelRatio(1.0)
        shown = _checkerboard(small.size()) if transparent else QPixmap(small.size())
        if not transparent:
            shown.fill(Qt.GlobalColor.white)
        painter = QPainter(shown)
        painter.drawImage(0, 0, small)
        painter.end()
        self.preview.setPixmap(shown)
        if png:
            self.size_label.setText(f"{w * c.scale} × {h * c.scale} pixels")
        elif c.fmt == "pdf":
            pt = 72 / LOGICAL_DPI
            self.size_label.setText(f"vector, a {w * pt:.0f} × {h * pt:.0f} pt page")
        else:
            self.size_label.setText(f"vector, {w} × {h}")

    def export(self, path: str | os.PathLike[str] | None = None) -> Path | None:
        """Write the figure to ``path`` (asked for when None); the path written, or None
        when the user cancelled or the export failed (a message box says why)."""
        c = self.choices()
        if path is None:
            folder = Path(c.folder or _default_folder())
            chosen = choose_figure_path(
                self, "Export Figure", str(folder / f"klviz-{c.view}.{c.fmt}"),
                f"{FORMAT_NAMES[c.fmt]} (*.{c.fmt})")
            if chosen is None:
                return None
            path = chosen
        try:
            written = export_figure(
                self._window, _with_suffix(path, c.fmt), c.view, scale=c.scale,
                theme=theme_for(c.theme), transparent=c.fmt == "png" and c.transparent)
        except (ValueError, OSError) as exc:
            self.error_box = show_export_error(self, error_message(exc))
            return None
        c.folder = str(written.parent)
        c.save()
        self._window.show_notice(f"Exported {VIEWS[c.view].lower()} to {written}")
        self.accept()
        return written


class AnimationDialog(QDialog):
    """Record the optimiser run, replayed from its start, as an animated GIF."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Export Animation")
        self._window = window
        self.error_box: QMessageBox | None = None
        self.progress: QProgressDialog | None = None
        c = AnimationChoices.load()
        self._folder = c.folder
        self.frames_box = _spin(GIF_FRAMES, c.frames, " frames")
        self.fps_box = _spin(GIF_FPS, c.fps, " frames/s")
        self.width_box = _spin(GIF_WIDTHS, c.width, " px wide")
        self.theme_box = _combo(THEME_CHOICES, c.theme)
        note = QLabel(
            "The fit is replayed from its start to convergence (or the step limit), with the "
            "optimiser panel, its loss curve and step counter beside the plots. Q and the "
            "fit are put back afterwards.")
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Length", self.frames_box)
        form.addRow("&Speed", self.fps_box)
        form.addRow("Si&ze", self.width_box)
        form.addRow("&Theme", self.theme_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.record_button = buttons.addButton("&Record…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(lambda: self.record())
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def choices(self) -> AnimationChoices:
        """The options as set in the dialog."""
        return AnimationChoices(
            frames=self.frames_box.value(), fps=self.fps_box.value(),
            width=self.width_box.value(), theme=self.theme_box.currentData(),
            folder=self._folder,
        )

    def record(self, path: str | os.PathLike[str] | None = None) -> Path | None:
        """Record to ``path`` (asked for when None), with a progress dialog that can cancel;
        the path written, or None when cancelled or failed (nothing is left behind)."""
        c = self.choices()
        if path is None:
            folder = Path(c.folder or _default_folder())
            chosen = choose_figure_path(self, "Export Animation",
                                        str(folder / "klviz-optimiser.gif"), "GIF (*.gif)")
            if chosen is None:
                return None
            path = chosen
        progress = QProgressDialog("Recording the optimiser…", "Cancel", 0, c.frames, self)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        self.progress = progress

        def report(done: int, total: int) -> bool:
            progress.setValue(done)
            return not progress.wasCanceled()

        try:
            written = render_gif(self._window, _with_suffix(path, "gif"), frames=c.frames,
                                 fps=c.fps, width=c.width, theme=theme_for(c.theme),
                                 progress=report)
        except ExportCancelled:
            self._window.show_notice("Recording cancelled; nothing was written")
            return None
        except (ValueError, OSError) as exc:
            self.error_box = show_export_error(self, error_message(exc))
            return None
        finally:
            progress.close()
        c.folder = str(written.parent)
        c.save()
        self._window.show_notice(f"Recorded {c.frames} frames to {written}")
        self.accept()
        return written


def _spin(limits: tuple[int, int], value: int, suffix: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(*limits)
    box.setValue(value)
    box.setSuffix(suffix)
    return box


class ExportController(QObject):
    """The export actions of one window: File ▸ Export Figure… (Ctrl+E), File ▸ Export
    Animation… and Edit ▸ Copy Figure (Ctrl+Shift+C, a 2× PNG on the clipboard)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.export_action = make_action(
            window, "&Export Figure…", "Save the plots as PNG (1×, 2×, 4×), SVG or PDF",
            self.open_export_dialog, shortcut="Ctrl+E")
        self.animation_action = make_action(
            window, "Export A&nimation…", "Record the optimiser run as an animated GIF",
            self.open_animation_dialog)
        self.copy_action = make_action(
            window, "Copy &Figure", f"Put the figure on the clipboard as a {CLIPBOARD_SCALE}× "
            "image (what and theme as last exported)", self.copy_figure, shortcut="Ctrl+Shift+C")
        before = window.quit_action
        window.file_menu.insertActions(before, [self.export_action, self.animation_action])
        window.file_menu.insertSeparator(before)
        window.edit_menu.addSeparator()
        window.edit_menu.addAction(self.copy_action)

    def open_export_dialog(self) -> ExportDialog:
        """Open File ▸ Export Figure… (window-modal, without blocking)."""
        dialog = ExportDialog(self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_animation_dialog(self) -> AnimationDialog:
        """Show the optimiser and open File ▸ Export Animation… (without blocking)."""
        self._window.optimizer_dock.show()
        dialog = AnimationDialog(self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def copy_figure(self) -> QImage | None:
        """Put the figure (the last exported view and theme) on the clipboard."""
        c = FigureChoices.load()
        try:
            image = copy_figure_to_clipboard(self._window, c.view, theme=theme_for(c.theme))
        except ValueError as exc:
            self._window.show_notice(str(exc))
            return None
        self._window.show_notice(
            f"Copied {VIEWS[c.view].lower()} to the clipboard "
            f"({image.width()} × {image.height()} pixels)")
        return image
