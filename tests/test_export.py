"""Figure export (klviz.export): PNG sizes and scaling, SVG and PDF as vector files, the slide
theme, transparency, the clipboard, animated GIFs of the optimiser, and failures that leave no
file behind."""

from __future__ import annotations

import dataclasses
import itertools
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image, ImageSequence
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QSplitter
from ui_helpers import open_window

from klviz import export
from klviz.app import create_window
from klviz.ui.readouts import format_value
from klviz.ui.theme import SCREEN, SLIDE

SIZE = (1200, 800)


def pixels(image: QImage) -> np.ndarray:
    """An image as an (h, w, 4) uint8 array of R, G, B, A."""
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    h, w, stride = rgba.height(), rgba.width(), rgba.bytesPerLine()
    raw = np.frombuffer(bytes(rgba.constBits()), np.uint8).reshape(h, stride)
    return raw[:, : 4 * w].reshape(h, w, 4)


def count_colour(image: QImage, colour: str, tolerance: int = 40) -> int:
    """Pixels within ``tolerance`` (summed over R, G, B) of ``colour``."""
    target = np.array(QColor(colour).getRgb()[:3])
    diff = np.abs(pixels(image)[..., :3].astype(int) - target).sum(axis=-1)
    return int((diff <= tolerance).sum())


def axis_line_width(image: QImage) -> int:
    """Width in pixels of the left axis line of a plot image: the columns in its left
    quarter that are dark in (almost) every row of the middle of the plot."""
    grey = pixels(image)[..., :3].mean(axis=-1)
    h, w = grey.shape
    dark = (grey[int(0.3 * h): int(0.7 * h), : w // 4] < 160).mean(axis=0)
    return int((dark > 0.8).sum())


@pytest.fixture
def window(qtbot):
    return open_window(qtbot, "coin-fair-vs-rigged", size=SIZE)


@pytest.mark.parametrize("scale", export.SCALES)
def test_png_is_the_view_size_times_the_scale(window, tmp_path, scale) -> None:
    size = export.view_size(window, "bars")
    path = export.render_png(window, tmp_path / "bars.png", "bars", scale=scale)
    image = QImage(str(path))
    assert (image.width(), image.height()) == (size.width() * scale, size.height() * scale)
    assert image.dotsPerMeterX() == pytest.approx(96 * scale / 0.0254, abs=1)


def test_views_are_their_widgets_side_by_side(window) -> None:
    h, c, panel = window.histogram, window.curves, window.optimizer_panel
    composed = export.view_size(window, "composed")
    assert composed.height() == h.height() + c.height()
    optimizer = export.view_size(window, "optimizer")
    assert optimizer.width() == max(h.width(), c.width()) + panel.width()
    assert export.view_size(window, "window") == window.size()
    with pytest.raises(ValueError, match="unknown view"):
        export.view_size(window, "readouts")


def test_scaled_renders_keep_the_layout_and_scale_the_lines(window) -> None:
    one = export.render_image(window, "composed", scale=1)
    four = export.render_image(window, "composed", scale=4)
    assert (four.width(), four.height()) == (4 * one.width(), 4 * one.height())
    shrunk = four.scaled(one.width(), one.height(), Qt.AspectRatioMode.IgnoreAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)
    diff = np.abs(pixels(shrunk).astype(int) - pixels(one).astype(int)).mean()
    assert diff < 4, "the 4× image, shrunk, should look like the 1× one"
    # the axis line is 1 pixel wide at 1×, 4 at 4× (not 1, as pyqtgraph's own export has it)
    assert axis_line_width(export.render_image(window, "curves", scale=1)) == 1
    assert axis_line_width(export.render_image(window, "curves", scale=4)) == 4


def test_slide_theme_changes_panels_and_line_widths(window) -> None:
    corner = window.caption.mapTo(window, QPoint(3, 3))
    for theme in (SCREEN, SLIDE):
        image = export.render_image(window, "window", theme=theme)
        assert image.pixelColor(corner).name() == QColor(theme.surface).name()
    assert axis_line_width(export.render_image(window, "curves", theme=SCREEN)) == 1
    assert axis_line_width(export.render_image(window, "curves", theme=SLIDE)) == 2


def test_exporting_leaves_the_screen_as_it_was(window, tmp_path) -> None:
    window.histogram.p_editor.setFocus()
    QApplication.processEvents()  # the focus hint in the status bar settles first
    splitters = [s.sizes() for s in window.findChildren(QSplitter)]
    before = pixels(window.grab().toImage()).copy()
    export.render_png(window, tmp_path / "a.png", "window", scale=4, theme=SLIDE,
                      transparent=True)
    export.render_svg(window, tmp_path / "a.svg", "composed", theme=SLIDE)
    assert window.theme is SCREEN
    assert [s.sizes() for s in window.findChildren(QSplitter)] == splitters
    assert np.array_equal(pixels(window.grab().toImage()), before)
    assert window.histogram.p_editor.hasFocus()


def test_svg_is_vector_with_text_readouts_and_infinity(qtbot, tmp_path) -> None:
    w = open_window(qtbot, "gap", size=SIZE)  # Q > 0 where P = 0: KL(Q‖P) = ∞
    path = export.render_svg(w, tmp_path / "window.svg", "window")
    root = ET.parse(path).getroot()
    svg = "{http://www.w3.org/2000/svg}"
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{svg}text"))
    assert "probability" in text and "contribution" in text
    assert format_value(w.model.stats()["kl_pq"]) in text
    assert text.count("∞") >= 2  # the KL(Q‖P) readout and the marker over the curves
    families = {e.get("font-family") for e in root.iter() if e.get("font-family")}
    assert families and all(f.endswith("sans-serif") for f in families)  # a fallback for all
    bars = ET.parse(export.render_svg(w, tmp_path / "bars.svg", "bars")).getroot()
    assert not list(bars.iter(f"{svg}image")), "bars are shapes, not pictures"
    assert len(list(bars.iter(f"{svg}rect"))) >= 2 * w.model.n_bins
    for root_ in (root, bars):  # no stroke is scaled by a data transform (viewers differ)
        for group in root_.iter(f"{svg}g"):
            m = re.fullmatch(r"matrix\(([^)]*)\)", group.get("transform", ""))
            if m and group.get("stroke", "none") != "none":
                scaling = [float(v) for v in m.group(1).split(",")][:4] != [1, 0, 0, 1]
                assert not (scaling and any(c.tag != f"{svg}text" for c in group))


def test_svg_clips_what_runs_off_a_plot(qtbot, tmp_path) -> None:
    """Infinite KL terms are drawn far above the plot on purpose; SVG must clip them."""
    w = open_window(qtbot, "gap", size=SIZE)
    root = ET.parse(export.render_svg(w, tmp_path / "curves.svg", "curves")).getroot()
    svg = "{http://www.w3.org/2000/svg}"
    parents = {child: parent for parent in root.iter() for child in parent}
    clips = {c.get("id") for c in root.iter(f"{svg}clipPath")}
    off_page = 0
    for path in root.iter(f"{svg}path"):
        ys = [float(y) for y in re.findall(r",(-?[\d.]+(?:e[-+]?\d+)?)", path.get("d", ""))]
        if ys and min(ys) < 0:  # above the page: only an infinite term goes there
            off_page += 1
            node, clipped = path, None
            while node in parents and clipped is None:
                node = parents[node]
                clipped = node.get("clip-path")
            assert clipped is not None and clipped[5:-1] in clips
    assert off_page > 0


def test_pdf_is_one_page_the_size_of_the_view(window, tmp_path) -> None:
    size = export.view_size(window, "curves", SLIDE)
    data = export.render_pdf(window, tmp_path / "curves.pdf", "curves", theme=SLIDE).read_bytes()
    assert data.startswith(b"%PDF")
    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert box is not None
    assert float(box.group(1)) == pytest.approx(size.width() * 0.75, abs=1)
    assert float(box.group(2)) == pytest.approx(size.height() * 0.75, abs=1)
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(
        b"/Type /Page>") == 1


def test_transparent_png_has_an_empty_background(window, tmp_path) -> None:
    clear = pixels(QImage(str(export.render_png(window, tmp_path / "t.png", "bars",
                                                transparent=True))))
    assert clear[..., 3].min() == 0 and clear[..., 3].max() == 255
    assert (clear[..., 3] == 0).mean() > 0.3
    solid = pixels(QImage(str(export.render_png(window, tmp_path / "s.png", "bars"))))
    assert solid[..., 3].min() == 255


def test_copy_figure_puts_a_2x_image_on_the_clipboard(window) -> None:
    size = export.view_size(window, "bars")
    export.copy_figure_to_clipboard(window, "bars")
    clipboard = QGuiApplication.clipboard()
    image = clipboard.image()
    assert (image.width(), image.height()) == (2 * size.width(), 2 * size.height())
    assert clipboard.mimeData().hasFormat("image/png")


def test_export_figure_follows_the_extension(window, tmp_path) -> None:
    for name, head in (("f.png", b"\x89PNG"), ("f.SVG", b"<?xml"), ("f.pdf", b"%PDF")):
        assert export.export_figure(window, tmp_path / name, "bars").read_bytes().startswith(
            head)


@pytest.mark.parametrize(("name", "error", "message"), [
    ("figure.jpg", ValueError, r"must end in \.png, \.svg, \.pdf"),
    ("figure", ValueError, "no extension"),
    ("missing/figure.png", OSError, "folder does not exist"),
])
def test_bad_paths_raise_and_write_nothing(window, tmp_path, name, error, message) -> None:
    with pytest.raises(error, match=message):
        export.export_figure(window, tmp_path / name, "bars")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_render_leaves_no_file(window, tmp_path, monkeypatch) -> None:
    def broken(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_encode", broken)
    with pytest.raises(OSError, match="No space"):
        export.render_png(window, tmp_path / "fig.png", "bars")
    assert list(tmp_path.iterdir()) == []


def test_a_window_never_shown_renders_and_stays_hidden(qtbot, tmp_path) -> None:
    w = create_window(preset="bimodal")
    qtbot.addWidget(w)
    path = export.render_png(w, tmp_path / "hidden.png", "composed")
    image = pixels(QImage(str(path)))
    assert image.shape[0] > 300 and image.shape[1] > 300
    assert count_colour(QImage(str(path)), SCREEN.bar_color(SCREEN.p).name(), 10) > 1000
    assert not w.isVisible()


# ---------------------------------------------------------------------- the optimiser
@pytest.fixture
def reverse_fit(qtbot):
    """Reverse KL on the bimodal preset, started off-centre so it picks a mode."""
    w = open_window(qtbot, "bimodal", size=SIZE)
    w.runner.set_settings(dataclasses.replace(w.runner.settings, direction="reverse"))
    w.runner.set_start(1.0, 2.0)
    return w


def test_frame_steps_start_at_zero_end_at_the_run_and_never_repeat() -> None:
    assert export.frame_steps(100, 5) == [0, 6, 25, 56, 100]
    short = export.frame_steps(3, 6)
    assert short[0] == 0 and all(b > a for a, b in itertools.pairwise(short))


def test_finish_fit_settles_reverse_kl_on_a_mode(reverse_fit) -> None:
    steps = export.finish_fit(reverse_fit.runner)
    assert steps == reverse_fit.runner.steps > 0
    assert reverse_fit.runner.converged
    assert reverse_fit.runner.params("reverse")["mu"] == pytest.approx(3.0, abs=0.1)
    assert reverse_fit.runner.settings.steps_per_frame == 2  # as before


def test_gif_replays_the_run_and_puts_everything_back(reverse_fit, tmp_path) -> None:
    w = reverse_fit
    q, undo_steps = w.model.q.copy(), w.history.count()
    start = w.runner.start_params()
    path = export.render_gif(w, tmp_path / "fit.gif", frames=4, fps=10, width=240)
    with Image.open(path) as gif:
        assert gif.n_frames == 4 and gif.width == 240
        frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(gif)]
    assert all(not np.array_equal(a, b) for a, b in itertools.pairwise(frames))
    assert np.array_equal(w.model.q, q)
    assert w.history.count() == undo_steps
    assert w.runner.start_params() == start


def test_cancelling_a_gif_leaves_no_file(reverse_fit, tmp_path) -> None:
    q = reverse_fit.model.q.copy()
    calls = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return done < 2

    with pytest.raises(export.ExportCancelled):
        export.render_gif(reverse_fit, tmp_path / "fit.gif", frames=5, width=200,
                          progress=progress)
    assert calls == [(1, 5), (2, 5)]
    assert list(tmp_path.iterdir()) == []
    assert np.array_equal(reverse_fit.model.q, q)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"frames": 1}, "frames must be between"),
    ({"fps": 0}, "fps must be between"),
    ({"width": 10}, "width must be between"),
    ({"view": "nowhere"}, "unknown view"),
])
def test_bad_gif_settings_raise_before_anything_runs(reverse_fit, tmp_path, kwargs,
                                                     message) -> None:
    with pytest.raises(ValueError, match=message):
        export.render_gif(reverse_fit, tmp_path / "fit.gif", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_figures_leave_out_the_start_handle_and_the_window_keeps_it(
    qtbot, tmp_path, monkeypatch
) -> None:
    w = open_window(qtbot, "bimodal", size=SIZE)
    handle = w.optimizer_panel.start_handle
    assert handle.line.isVisible()
    seen: list[bool] = []
    original = export._paint

    def spy(*args, **kwargs):
        seen.append(handle.line.isVisible() or handle.grip.isVisible())
        return original(*args, **kwargs)

    monkeypatch.setattr(export, "_paint", spy)
    export.render_png(w, tmp_path / "bars.png", "bars")
    assert seen == [False]
    assert handle.line.isVisible() and handle.grip.isVisible()
