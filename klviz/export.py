"""Figures for slides and papers — PNG at any scale, SVG, PDF, the clipboard — and animated
GIFs of the optimiser (no dialogs here).

A figure is one *view* of a :class:`~klviz.ui.main_window.MainWindow` (see :data:`VIEWS`),
drawn by the window's own widgets with QPainter, so what you export is what you see:

- PNG at scale ``s`` renders onto an image with device pixel ratio ``s``: the layout is the
  on-screen one, and text, fills and symbols get ``s``× the pixels. pyqtgraph draws lines with
  cosmetic pens (fixed device-pixel widths), so for the render the theme's line widths are
  multiplied by ``s`` too — lines look as thick as on screen, only crisper.
- SVG (``QSvgGenerator``) and PDF (``QPdfWriter``) are vector: text stays text, bars stay
  shapes, and a PDF page is the view's size at 96 logical pixels per inch.

The export look — another theme, scaled line widths, a transparent background — is put on the
live window for the render and taken off again before control returns to the event loop,
restoring dock, splitter and plot sizes and view ranges, so the screen never shows it. Panes
whose labels the export theme makes too big get room from their roomiest neighbour.

A GIF replays the window's optimiser run from its start (:func:`render_gif`), frame by frame,
then puts Q, the fits and the undo history back. Every file is written atomically
(:func:`klviz.atomic.atomic_path`): a failed or cancelled export leaves no file behind.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import io
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PIL import Image
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QEvent,
    QIODevice,
    QMarginsF,
    QMimeData,
    QPoint,
    QRect,
    QRectF,
    QSignalBlocker,
    QSize,
    QSizeF,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontInfo,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
    QRegion,
    QTransform,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication, QSplitter, QWidget

from klviz import __version__
from klviz.atomic import atomic_path
from klviz.runner import MAX_STEPS_PER_FRAME, FitRunner
from klviz.ui.theme import Theme

if TYPE_CHECKING:  # pragma: no cover
    from klviz.ui.main_window import MainWindow

__all__ = [
    "CLIPBOARD_SCALE",
    "FIGURE_FORMATS",
    "GIF_FPS",
    "GIF_FRAMES",
    "GIF_HOLD_MS",
    "GIF_WIDTHS",
    "LOGICAL_DPI",
    "SCALES",
    "VIEWS",
    "ExportCancelled",
    "copy_figure_to_clipboard",
    "export_figure",
    "export_theme",
    "figure_format",
    "finish_fit",
    "frame_steps",
    "render_gif",
    "render_image",
    "render_pdf",
    "render_png",
    "render_svg",
    "view_layout",
    "view_size",
]

VIEWS: dict[str, str] = {
    "window": "Whole window",
    "bars": "Bars (P and Q)",
    "curves": "Curves (pointwise terms)",
    "composed": "Bars and curves",
    "optimizer": "Optimiser",
}
"""What can be exported, by name, with a label for people."""

FIGURE_FORMATS = ("png", "svg", "pdf")
"""Still-figure formats, named by their file extension."""

SCALES = (1, 2, 4)
"""PNG scales offered in the app and on the command line."""

CLIPBOARD_SCALE = 2
"""Edit ▸ Copy figure puts a PNG at this scale on the clipboard."""

LOGICAL_DPI = 96
"""Logical pixels per inch: a PNG at scale s says 96·s dpi, a PDF page is the view at 96 dpi."""

_POINTS_PER_PIXEL = 72 / LOGICAL_DPI


def figure_format(path: str | os.PathLike[str], allowed: Sequence[str] = FIGURE_FORMATS) -> str:
    """The format named by ``path``'s extension (``"png"``, ``"svg"``, ...); ``ValueError`` if
    it is not one of ``allowed``."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in allowed:
        shown = f"'.{suffix}'" if suffix else "no extension"
        raise ValueError(
            f"{os.fspath(path)} has {shown}; the file name must end in "
            + ", ".join(f".{f}" for f in allowed)
        )
    return suffix


# ---------------------------------------------------------------------- views
Columns = list[list[QWidget]]
"""A view's widgets: columns side by side, each a stack of widgets from the top."""


def view_layout(window: MainWindow, view: str) -> Columns:
    """The widgets ``view`` is drawn from (``ValueError`` for an unknown view, or for the
    optimiser view while the optimiser panel is hidden)."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; choose one of: {', '.join(VIEWS)}")
    plots: list[QWidget] = [window.histogram, window.curves]
    if view == "optimizer":
        panel = window.optimizer_panel
        if window.isVisible() and not panel.isVisible():
            raise ValueError("the optimiser panel is hidden; show it with View ▸ Optimiser")
        return [plots, [panel]]
    return {
        "window": [[window]], "bars": [[window.histogram]], "curves": [[window.curves]],
        "composed": [plots],
    }[view]


def view_size(window: MainWindow, view: str, theme: Theme | None = None) -> QSize:
    """Size of ``view`` in logical pixels as exported with ``theme`` (None: the window's)."""
    columns = view_layout(window, view)
    with _export_look(window, theme, 1.0, False):
        return _layout_size(columns)


def _layout_size(columns: Columns) -> QSize:
    """Columns side by side: their widths summed, the tallest column's height."""
    widths = [max(w.width() for w in column) for column in columns]
    heights = [sum(w.height() for w in column) for column in columns]
    return QSize(sum(widths), max(heights))


def _settle() -> None:
    """Carry out pending layout work, so sizes and positions are current before drawing."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def _room_needed(widget: QWidget, horizontal: bool) -> int:
    """Pixels ``widget`` lacks along a splitter: for its minimum size hint (labels that would
    be cut), or for the vertical axis titles of its plots (cut when a plot is short)."""
    if horizontal:
        return max(0, widget.minimumSizeHint().width() - widget.width())
    lack = widget.minimumSizeHint().height() - widget.height()
    for plot_widget in [widget, *widget.findChildren(pg.PlotWidget)]:
        if isinstance(plot_widget, pg.PlotWidget) and plot_widget.isVisible():
            axis = plot_widget.getPlotItem().getAxis("left")
            if axis.isVisible() and axis.labelText:
                lack = max(lack, round(axis.label.boundingRect().width() + 8 - axis.height()))
    return max(0, lack)


def _make_room(window: QWidget) -> None:
    """Give splitter panes that the export theme has made too small the room they need,
    taken from their roomiest neighbour (the window keeps its size)."""
    for splitter in window.findChildren(QSplitter):
        horizontal = splitter.orientation() == Qt.Orientation.Horizontal
        sizes = splitter.sizes()
        needs = [_room_needed(splitter.widget(i), horizontal) for i in range(splitter.count())]
        if not any(needs) or all(needs):
            continue
        for i, need in enumerate(needs):
            donor = max((j for j in range(len(sizes)) if not needs[j]), key=sizes.__getitem__)
            give = min(need, sizes[donor] // 2)
            sizes[i] += give
            sizes[donor] -= give
        splitter.setSizes(sizes)
        _settle()


def export_theme(theme: Theme, line_scale: float = 1.0) -> Theme:
    """``theme`` with its line widths multiplied by ``line_scale``.

    Widths in a :class:`Theme` are device pixels (pyqtgraph's pens are cosmetic), so an image
    rendered at scale ``s`` needs them ``s``× wider to look like the screen.
    """
    if line_scale == 1.0:
        return theme
    return dataclasses.replace(
        theme,
        line_width=theme.line_width * line_scale,
        thin_line_width=theme.thin_line_width * line_scale,
    )


@contextlib.contextmanager
def _laid_out(window: QWidget) -> Iterator[None]:
    """A window that was never shown has no layout yet: show it off screen meanwhile."""
    if window.isVisible():
        yield
        return
    window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    window.show()
    try:
        yield
    finally:
        window.hide()
        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, False)


@contextlib.contextmanager
def _export_look(
    window: MainWindow, theme: Theme | None, line_scale: float, transparent: bool
) -> Iterator[Theme]:
    """Dress ``window`` for a render (theme, line widths, transparency, room for labels,
    pyqtgraph's export mode), yield the theme in use, then restore all the user sees."""
    with _laid_out(window), _restored(window):
        look = export_theme(theme or window.theme, line_scale)
        window.apply_theme(look)
        _settle()
        _make_room(window)
        for view in window.findChildren(pg.GraphicsView):
            view.setCacheMode(pg.GraphicsView.CacheModeFlag.CacheNone)
            if transparent:
                view.setBackground(None)
                view.viewport().setAutoFillBackground(False)
                view.setStyleSheet(f"{view.styleSheet()}\n* {{ background: transparent; }}")
            for item in view.scene().items():
                if transparent and isinstance(item, pg.ViewBox):
                    item.setBackgroundColor(None)
                if isinstance(item, pg.GraphicsItem):
                    item.setExportMode(True, {"antialias": True})
        _settle()
        yield look


@contextlib.contextmanager
def _restored(window: MainWindow) -> Iterator[None]:
    """Put back after the block what an export changes: theme, focus, dock and splitter
    sizes, plot sizes and view ranges, the plots' cache mode, style sheets and export mode,
    and the optimiser's start handle (hidden in figures)."""
    shown = window.theme
    views = window.findChildren(pg.GraphicsView)
    styles = [(view, view.styleSheet(), view.viewport().autoFillBackground()) for view in views]
    items = [item for view in views for item in view.scene().items()]
    ranges = [(box, box.viewRange(), box.autoRangeEnabled()) for box in items
              if isinstance(box, pg.ViewBox)]
    docks = window.saveState()
    splitters = [(s, s.sizes()) for s in window.findChildren(QSplitter)]
    scenes = [(view, view.size(), view.sceneRect()) for view in views]
    focus = QApplication.focusWidget()
    if focus is not None and window.isAncestorOf(focus):
        with QSignalBlocker(focus):  # no focus frame in the figure
            focus.clearFocus()
    else:
        focus = None
    handle = window.optimizer_panel.start_handle
    if handle is not None:
        handle.set_suppressed(True)
    try:
        yield
    finally:
        if handle is not None:
            handle.set_suppressed(False)
        for item in items:
            if isinstance(item, pg.GraphicsItem):
                item.setExportMode(False)
        for view, sheet, fill in styles:
            view.setCacheMode(pg.GraphicsView.CacheModeFlag.CacheBackground)
            view.setStyleSheet(sheet)
            view.viewport().setAutoFillBackground(fill)
        window.apply_theme(shown)
        _settle()
        window.restoreState(docks)
        for splitter, sizes in splitters:
            splitter.setSizes(sizes)
        _settle()
        for view, size, rect in scenes:  # a plot's size hint is its scene's size: a layout
            if view.size() != size:  # shares out space as before only with the old hints
                view.setSceneRect(rect)
                view.updateGeometry()
        _settle()
        for box, (x_range, y_range), (x_auto, y_auto) in ranges:
            box.setRange(xRange=x_range, yRange=y_range, padding=0.0, disableAutoRange=False)
            box.enableAutoRange(x=x_auto, y=y_auto)
        if focus is not None:
            with QSignalBlocker(focus):
                focus.setFocus()


def _paint(painter: QPainter, columns: Columns, window_background: bool) -> None:
    """Draw the columns from the painter's origin, each widget on its own (palette)
    background or on whatever the device already holds."""
    flags = QWidget.RenderFlag.DrawChildren
    if window_background:
        flags |= QWidget.RenderFlag.DrawWindowBackground
    x = 0
    for column in columns:
        y = 0
        for widget in column:
            widget.render(painter, QPoint(x, y), QRegion(), flags)
            y += widget.height()
        x += max(w.width() for w in column)


# ---------------------------------------------------------------------- raster
def render_image(
    window: MainWindow, view: str = "composed", *, scale: float = 1.0,
    theme: Theme | None = None, transparent: bool = False,
) -> QImage:
    """``view`` as an image of ``view_size × scale`` pixels (device pixel ratio ``scale``).

    ``theme`` None keeps the window's own; ``transparent`` leaves the plots' background
    empty (panels such as the readouts keep their fill).
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    columns = view_layout(window, view)
    with _export_look(window, theme, scale, transparent) as look:
        size = _layout_size(columns)
        image = QImage(round(size.width() * scale), round(size.height() * scale),
                       QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(scale)
        dots_per_meter = round(LOGICAL_DPI * scale / 0.0254)
        image.setDotsPerMeterX(dots_per_meter)
        image.setDotsPerMeterY(dots_per_meter)
        image.fill(QColor(0, 0, 0, 0) if transparent else look.color(look.background))
        painter = QPainter(image)
        try:
            _paint(painter, columns, view == "window" and not transparent)
        finally:
            painter.end()
    return image


def _encode(image: QImage, fmt: str = "PNG") -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, fmt):
        raise OSError(f"could not encode the image as {fmt}")
    buffer.close()
    return bytes(data.data())


def _write(path: str | os.PathLike[str], produce: Callable[[], bytes]) -> Path:
    """Check ``path`` can be written, then write what ``produce`` returns there atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(produce())
    return Path(path)


def render_png(
    window: MainWindow, path: str | os.PathLike[str], view: str = "composed", *,
    scale: float = 1.0, theme: Theme | None = None, transparent: bool = False,
) -> Path:
    """Write ``view`` as a PNG of ``view_size × scale`` pixels; returns the path."""
    return _write(path, lambda: _encode(
        render_image(window, view, scale=scale, theme=theme, transparent=transparent)
    ))


# ---------------------------------------------------------------------- vector
_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
_GENERIC_FAMILIES = {"Sans Serif": "sans-serif", "Serif": "serif", "Monospace": "monospace"}
_MATRIX = re.compile(r"matrix\(([^)]*)\)")
_PAIR = re.compile(r"(-?[\d.]+(?:e[-+]?\d+)?),(-?[\d.]+(?:e[-+]?\d+)?)")
_SHAPES = {f"{{{_SVG}}}{name}" for name in ("path", "polyline", "polygon", "rect", "line")}


def _portable_family(family: str) -> str:
    """A CSS font list any viewer can resolve: Qt writes its own aliases ("Sans Serif") or
    one installed family, which another machine may lack."""
    generic = _GENERIC_FAMILIES.get(family, "sans-serif")
    name = QFontInfo(QFont(family)).family() if family in _GENERIC_FAMILIES else family
    return f"'{name}', {generic}"


def _map_pairs(text: str, m: list[float]) -> str:
    a, b, c, d, e, f = m

    def point(match: re.Match[str]) -> str:
        x, y = float(match.group(1)), float(match.group(2))
        return f"{a * x + c * y + e:.6g},{b * x + d * y + f:.6g}"

    return _PAIR.sub(point, text)


def _flatten(shape: ET.Element, m: list[float]) -> None:
    """Apply the affine ``m`` to ``shape``'s coordinates (rects become paths)."""
    tag = shape.tag.rpartition("}")[2]
    if tag == "path":
        shape.set("d", _map_pairs(shape.get("d", ""), m))
    elif tag in ("polyline", "polygon"):
        shape.set("points", _map_pairs(shape.get("points", ""), m))
    elif tag == "line":
        ends = _map_pairs(f"{shape.get('x1')},{shape.get('y1')} {shape.get('x2')},{shape.get('y2')}", m)
        (x1, y1), (x2, y2) = (pair.split(",") for pair in ends.split())
        shape.attrib.update(x1=x1, y1=y1, x2=x2, y2=y2)
    else:
        x, y = float(shape.get("x", 0)), float(shape.get("y", 0))
        w, h = float(shape.get("width", 0)), float(shape.get("height", 0))
        for key in ("x", "y", "width", "height", "rx", "ry"):
            shape.attrib.pop(key, None)
        shape.tag = f"{{{_SVG}}}path"
        shape.set("d", _map_pairs(f"M{x},{y} L{x + w},{y} L{x + w},{y + h} L{x},{y + h} Z", m))


@dataclasses.dataclass(frozen=True)
class _PlotArea:
    """Where one plot draws its data on the page: the data-to-page matrix ``(a, b, c, d, e,
    f)`` Qt writes for groups drawn in data coordinates, and the plot's rectangle."""

    matrix: tuple[float, ...]
    rect: QRectF

    def draws(self, m: Sequence[float]) -> bool:
        """True when ``m`` is this plot's data transform (as far as the SVG's digits go)."""
        scale = max(abs(v) for v in self.matrix[:4])
        return all(abs(u - v) <= 1e-3 * scale for u, v in zip(m[:4], self.matrix[:4],
                                                                strict=True)) and all(
            abs(u - v) <= 0.5 for u, v in zip(m[4:], self.matrix[4:], strict=True))


def _plot_areas(columns: Columns) -> list[_PlotArea]:
    """Every visible plot of the columns, placed as :func:`_paint` places them."""
    areas = []
    x = 0
    for column in columns:
        y = 0
        for widget in column:
            views = [widget] if isinstance(widget, pg.GraphicsView) else []
            for view in views + widget.findChildren(pg.GraphicsView):
                if view is not widget and not view.isVisibleTo(widget):
                    continue
                corner = view.viewport().mapTo(widget, QPoint(0, 0)) + QPoint(x, y)
                to_page = view.viewportTransform() * QTransform.fromTranslate(
                    corner.x(), corner.y())
                for box in view.scene().items():
                    if isinstance(box, pg.ViewBox) and box.isVisible():
                        t = box.childGroup.sceneTransform() * to_page
                        areas.append(_PlotArea(
                            (t.m11(), t.m12(), t.m21(), t.m22(), t.m31(), t.m32()),
                            to_page.mapRect(box.sceneBoundingRect())))
            y += widget.height()
        x += max(w.width() for w in column)
    return areas


def _clip_to(group: ET.Element, parent: ET.Element, clip_id: str) -> None:
    """Wrap ``group`` (a child of ``parent``) in a group clipped by ``clip_id``."""
    wrapper = ET.Element(f"{{{_SVG}}}g", {"clip-path": f"url(#{clip_id})"})
    parent.insert(list(parent).index(group), wrapper)
    parent.remove(group)
    wrapper.append(group)


def _tidy_svg(data: bytes, areas: Sequence[_PlotArea]) -> bytes:
    """Make Qt's SVG look the same in every viewer.

    - Qt's SVG has no clipping: groups drawn in a plot's data coordinates are clipped to the
      plot here (an infinite KL term runs far above the plot on purpose).
    - Qt draws plot lines in data coordinates under a scaling ``transform`` with
      ``vector-effect="non-scaling-stroke"``; viewers that ignore that effect (librsvg, many
      office programs) scale the stroke too, turning a 2-pixel line into a band hundreds of
      pixels wide. Such groups get their coordinates mapped to the page instead.
    - Font families get a generic fallback.
    """
    ET.register_namespace("", _SVG)
    ET.register_namespace("xlink", _XLINK)
    root = ET.fromstring(data)
    defs = root.find(f"{{{_SVG}}}defs")
    if defs is None:
        defs = ET.Element(f"{{{_SVG}}}defs")
        root.insert(0, defs)
    for i, area in enumerate(areas):
        clip = ET.SubElement(defs, f"{{{_SVG}}}clipPath", {"id": f"klviz-plot-{i}"})
        r = area.rect
        ET.SubElement(clip, f"{{{_SVG}}}rect", {
            "x": f"{r.x():.6g}", "y": f"{r.y():.6g}",
            "width": f"{r.width():.6g}", "height": f"{r.height():.6g}"})
    for element in root.iter():
        family = element.get("font-family")
        if family:
            element.set("font-family", _portable_family(family))
    parents = {child: parent for parent in root.iter() for child in parent}
    for group in list(root.iter(f"{{{_SVG}}}g")):
        found = _MATRIX.fullmatch(group.get("transform", ""))
        if found is None:
            continue
        m = [float(v) for v in found.group(1).split(",")]
        plot = next((i for i, area in enumerate(areas) if area.draws(m)), None)
        if plot is not None:
            _clip_to(group, parents[group], f"klviz-plot-{plot}")
        shapes = list(group)
        if group.get("stroke", "none") == "none" or m[:4] == [1.0, 0.0, 0.0, 1.0] or (
                not shapes) or any(shape.tag not in _SHAPES for shape in shapes):
            continue
        for shape in shapes:
            _flatten(shape, m)
        group.set("transform", "matrix(1,0,0,1,0,0)")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _vector_bytes(
    window: MainWindow, view: str, theme: Theme | None,
    make_device: Callable[[QBuffer, QSize], QPaintDevice],
) -> tuple[bytes, list[_PlotArea]]:
    """Paint ``view`` onto the vector device ``make_device(buffer, size)`` builds; return the
    bytes written and where the plots are (for SVG clipping)."""
    columns = view_layout(window, view)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    with _export_look(window, theme, 1.0, False) as look:
        size = _layout_size(columns)
        device = make_device(buffer, size)
        painter = QPainter(device)
        try:
            painter.fillRect(QRect(QPoint(0, 0), size), look.color(look.background))
            _paint(painter, columns, view == "window")
        finally:
            painter.end()
        areas = _plot_areas(columns)  # after painting: plots update their transforms then
    buffer.close()
    return bytes(data.data()), areas


def _svg_bytes(window: MainWindow, view: str, theme: Theme | None) -> bytes:
    def generator(buffer: QBuffer, size: QSize) -> QSvgGenerator:
        gen = QSvgGenerator()
        gen.setOutputDevice(buffer)
        gen.setSize(size)
        gen.setViewBox(QRect(QPoint(0, 0), size))
        gen.setResolution(LOGICAL_DPI)
        gen.setTitle(f"klviz — {VIEWS[view]}")
        gen.setDescription(f"Made with klviz {__version__}")
        return gen

    return _tidy_svg(*_vector_bytes(window, view, theme, generator))


def render_svg(
    window: MainWindow, path: str | os.PathLike[str], view: str = "composed", *,
    theme: Theme | None = None,
) -> Path:
    """Write ``view`` as SVG (text as text, shapes as shapes); returns the path."""
    return _write(path, lambda: _svg_bytes(window, view, theme))


def _pdf_bytes(window: MainWindow, view: str, theme: Theme | None) -> bytes:
    def writer(buffer: QBuffer, size: QSize) -> QPdfWriter:
        pdf = QPdfWriter(buffer)
        pdf.setResolution(LOGICAL_DPI)
        pdf.setTitle(f"klviz — {VIEWS[view]}")
        pdf.setCreator(f"klviz {__version__}")
        page = QPageSize(
            QSizeF(size.width() * _POINTS_PER_PIXEL, size.height() * _POINTS_PER_PIXEL),
            QPageSize.Unit.Point, "klviz figure", QPageSize.SizeMatchPolicy.ExactMatch,
        )
        pdf.setPageLayout(
            QPageLayout(page, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0))
        )
        return pdf

    return _vector_bytes(window, view, theme, writer)[0]


def render_pdf(
    window: MainWindow, path: str | os.PathLike[str], view: str = "composed", *,
    theme: Theme | None = None,
) -> Path:
    """Write ``view`` as a one-page PDF the view's size (96 px per inch); returns the path."""
    return _write(path, lambda: _pdf_bytes(window, view, theme))


def export_figure(
    window: MainWindow, path: str | os.PathLike[str], view: str = "composed", *,
    scale: float = 1.0, theme: Theme | None = None, transparent: bool = False,
) -> Path:
    """Write ``view`` in the format ``path``'s extension names (.png, .svg or .pdf).

    ``scale`` and ``transparent`` apply to PNG only (SVG and PDF are vector, on the theme's
    background). Raises ``ValueError`` for a bad extension or view and ``OSError`` when the
    file cannot be written; either way no file is left behind.
    """
    fmt = figure_format(path)
    view_layout(window, view)  # an unknown view fails before anything is touched
    if fmt == "png":
        return render_png(window, path, view, scale=scale, theme=theme,
                          transparent=transparent)
    if fmt == "svg":
        return render_svg(window, path, view, theme=theme)
    return render_pdf(window, path, view, theme=theme)


# ---------------------------------------------------------------------- clipboard
def copy_figure_to_clipboard(
    window: MainWindow, view: str = "composed", *, theme: Theme | None = None
) -> QImage:
    """Put ``view`` on the clipboard as an image (and as PNG data) at :data:`CLIPBOARD_SCALE`."""
    image = render_image(window, view, scale=CLIPBOARD_SCALE, theme=theme)
    mime = QMimeData()
    mime.setImageData(image)
    mime.setData("image/png", QByteArray(_encode(image)))
    QGuiApplication.clipboard().setMimeData(mime)
    return image


# ---------------------------------------------------------------------- the optimiser
class ExportCancelled(Exception):
    """The user cancelled an export in progress (nothing was written)."""


GIF_FRAMES = (2, 600)
"""Fewest and most frames of an animation."""

GIF_FPS = (1, 50)
"""Slowest and fastest frame rate (GIF times frames in hundredths of a second)."""

GIF_WIDTHS = (120, 3840)
"""Narrowest and widest animation, in pixels."""

GIF_HOLD_MS = 1500
"""The last frame (the fitted Q) stays this much longer before the animation loops."""


def _run_length(runner: FitRunner) -> int:
    """Steps the run from where the fits are now takes until every fit has converged or
    the step limit is reached, found on copies of the fits (nothing is shown)."""
    limit = runner.steps + runner.settings.max_steps
    longest = runner.steps
    for fit in runner.fits.values():
        trial = copy.deepcopy(fit)
        while not trial.state.converged and trial.state.steps < limit:
            trial.step()
        longest = max(longest, trial.state.steps)
    return longest


def _advance_to(runner: FitRunner, target: int) -> None:
    """Step the runner until its fits have taken ``target`` steps, in as few frames as it
    allows (the same trajectory as any other chunking: the fits are deterministic)."""
    settings = runner.settings
    try:
        while runner.steps < target:
            chunk = min(MAX_STEPS_PER_FRAME, target - runner.steps)
            runner.set_settings(dataclasses.replace(runner.settings, steps_per_frame=chunk))
            runner.step(1)
    finally:
        runner.set_settings(settings)


def finish_fit(runner: FitRunner) -> int:
    """Run the fits on, at once, until they converge or reach the step limit; the steps."""
    _advance_to(runner, _run_length(runner))
    return runner.steps


@contextlib.contextmanager
def _replaying(window: MainWindow) -> Iterator[FitRunner]:
    """The window's runner back at its start, to replay the run; afterwards Q, the fits and
    the undo history are as before (the fits paused, or running again if they were)."""
    runner, model, history = window.runner, window.model, window.history
    was_running = runner.running
    runner.pause()
    state, before = runner.state(), model.snapshot()
    history.begin("Record the optimiser")  # every frame joins this one step ...
    try:
        runner.reset()
        yield runner
    finally:
        model.restore(before)
        history.end()  # ... which changes nothing in the end, so it is not kept
        runner.apply_state(state)
        if was_running:
            runner.play()


def frame_steps(total: int, frames: int) -> list[int]:
    """The step shown in each of ``frames`` frames of a run of ``total`` steps.

    From 0 to ``total``, spaced quadratically — a fit moves most in its first steps, so they
    get more frames — and at least one step apart, so every frame shows a new step.
    """
    steps = [0]
    for i in range(1, frames):
        steps.append(max(round(total * (i / (frames - 1)) ** 2), steps[-1] + 1))
    return steps


def _to_pil(image: QImage) -> Image.Image:
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    size = (rgb.width(), rgb.height())
    return Image.frombuffer("RGB", size, bytes(rgb.constBits()), "raw", "RGB",
                            rgb.bytesPerLine(), 1).copy()


def _record(
    window: MainWindow, view: str, frames: int, width: int, theme: Theme | None,
    progress: Callable[[int, int], bool] | None,
) -> list[Image.Image]:
    """The frames of the run replayed from its start, at :func:`frame_steps`."""
    columns = view_layout(window, view)
    line_scale = width / view_size(window, view, theme).width()
    images = []
    with _export_look(window, theme, line_scale, False) as look, _replaying(window) as runner:
        size = _layout_size(columns)  # a window shown just for this may differ by a pixel
        scale = width / size.width()
        for i, step in enumerate(frame_steps(_run_length(runner), frames)):
            _advance_to(runner, step)
            image = QImage(width, round(size.height() * scale), QImage.Format.Format_RGB32)
            image.setDevicePixelRatio(scale)
            image.fill(look.color(look.background))
            painter = QPainter(image)
            try:
                _paint(painter, columns, view == "window")
            finally:
                painter.end()
            images.append(_to_pil(image))
            if progress is not None and not progress(i + 1, frames):
                raise ExportCancelled("the animation was cancelled")
    return images


def _gif_bytes(images: Sequence[Image.Image], fps: float) -> bytes:
    """An endlessly looping GIF; one palette, taken from the first and last frames."""
    first, last = images[0], images[-1]
    both = Image.new("RGB", (first.width, first.height * 2))
    both.paste(first, (0, 0))
    both.paste(last, (0, first.height))
    palette = both.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    paletted = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
    frame_ms = round(1000 / fps)
    out = io.BytesIO()
    paletted[0].save(
        out, format="GIF", save_all=True, append_images=paletted[1:], loop=0,
        duration=[frame_ms] * (len(images) - 1) + [frame_ms + GIF_HOLD_MS],
    )
    return out.getvalue()


def render_gif(
    window: MainWindow, path: str | os.PathLike[str], view: str = "optimizer", *,
    frames: int = 60, fps: float = 15, width: int = 800, theme: Theme | None = None,
    progress: Callable[[int, int], bool] | None = None,
) -> Path:
    """Replay the optimiser run from its start as an animated GIF of ``view``.

    ``frames`` frames, ``width`` pixels wide, shown at ``fps``; the last one is held
    :data:`GIF_HOLD_MS` longer. ``progress(done, frames)`` is called after each frame and
    cancels the export (``ExportCancelled``, no file) by returning False. The window's Q,
    fits and undo history are as before afterwards.
    """
    figure_format(path, ("gif",))
    for name, value, (lo, hi) in (("frames", frames, GIF_FRAMES), ("fps", fps, GIF_FPS),
                                  ("width", width, GIF_WIDTHS)):
        if not lo <= value <= hi:
            raise ValueError(f"{name} must be between {lo} and {hi}, got {value:g}")
    view_layout(window, view)
    return _write(path, lambda: _gif_bytes(
        _record(window, view, frames, width, theme, progress), fps))
