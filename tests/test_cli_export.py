"""``klviz export``: figures and animations without a window, the path on stdout, and every
mistake ending in one line, exit 2 and no file."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtGui import QImage

from klviz.cli import main
from klviz.core.families import FAMILIES


@pytest.fixture
def klviz(qapp, capsys):
    """Run ``klviz export ARGS`` in this process: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["export", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_png_scale_multiplies_the_pixels(klviz, tmp_path) -> None:
    sizes = []
    for scale in ("1", "2"):
        out = tmp_path / f"coin{scale}.png"
        code, stdout, stderr = klviz("--preset", "coin-fair-vs-rigged", "--theme", "slide",
                                     "--scale", scale, "--out", str(out))
        assert (code, stdout, stderr) == (0, f"{out}\n", "")
        image = QImage(str(out))
        sizes.append((image.width(), image.height()))
    assert sizes[1] == (2 * sizes[0][0], 2 * sizes[0][1])


def test_size_sets_the_window_the_views_share(klviz, tmp_path) -> None:
    small, large = tmp_path / "small.png", tmp_path / "large.png"
    assert klviz("--preset", "die", "--view", "window", "--size", "1000x700",
                 "--out", str(small))[0] == 0
    assert klviz("--preset", "die", "--view", "window", "--size", "1600x900",
                 "--out", str(large))[0] == 0
    assert QImage(str(small)).size().toTuple() == (1000, 700)
    assert QImage(str(large)).size().toTuple() == (1600, 900)


def test_fit_both_shows_both_fitted_qs_in_an_svg(klviz, tmp_path) -> None:
    out = tmp_path / "both.svg"
    code, _, _ = klviz("--preset", "bimodal", "--fit", "both", "--init-mu", "1",
                       "--out", str(out))
    assert code == 0
    root = ET.parse(out).getroot()
    text = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "forward-KL fit" in text and "reverse-KL fit" in text
    assert "probability" in text


def test_pdf_and_transparent_png(klviz, tmp_path) -> None:
    pdf, png = tmp_path / "gap.pdf", tmp_path / "gap.png"
    assert klviz("--preset", "gap", "--view", "curves", "--out", str(pdf))[0] == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert klviz("--preset", "gap", "--view", "bars", "--transparent", "--out", str(png))[0] == 0
    with Image.open(png) as image:
        assert image.mode == "RGBA" and image.getextrema()[3][0] == 0


def test_gif_records_the_fit(klviz, tmp_path) -> None:
    out = tmp_path / "reverse.gif"
    code, stdout, _ = klviz("--preset", "bimodal", "--fit", "reverse", "--init-mu", "1",
                            "--frames", "3", "--fps", "5", "--width", "240", "--out", str(out))
    assert (code, stdout) == (0, f"{out}\n")
    with Image.open(out) as gif:
        assert gif.n_frames == 3 and gif.width == 240
        assert gif.info["duration"] == 200


def test_export_keeps_the_users_settings(klviz, tmp_path) -> None:
    config = Path(os.environ["HOME"]) / ".config"
    assert klviz("--preset", "die", "--out", str(tmp_path / "die.png"))[0] == 0
    assert not list(config.rglob("*klviz*"))


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "f.jpg"], "must end in .png, .svg, .pdf, .gif"),
    (["--out", "f.svg", "--scale", "2"], "--scale applies to PNG only"),
    (["--out", "f.pdf", "--transparent"], "--transparent applies to PNG only"),
    (["--out", "f.png", "--frames", "3"], "--frames only apply to a .gif"),
    (["--out", "f.gif"], "a .gif records the optimiser"),
    (["--out", "f.png", "--family", "gaussian"], "--family need --fit"),
    (["--out", "f.png", "--fit", "sideways"], "--fit must be one of"),
    (["--out", "f.png", "--size", "10x10"], "--size must be between"),
    (["--out", "f.png", "--theme", "poster"], "--theme must be one of screen, slide"),
    (["--out", "f.png", "--scale", "3"], "--scale must be 1, 2, 4"),
    (["--out", "f.png", "--view", "nowhere"], "unknown view 'nowhere'"),
    (["--out", "f.png", "--fit", "both", "--family", "mixture", "--init-mu", "1"],
     "needs the gaussian or student-t family"),
    (["--out", "missing/f.png"], "folder does not exist"),
    (["--out", "f.gif", "--fit", "reverse", "--frames", "1"], "frames must be between"),
])
def test_mistakes_exit_2_with_one_line_and_no_file(klviz, tmp_path, monkeypatch, args,
                                                   message) -> None:
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = klviz("--preset", "bimodal", *args)
    assert code == 2 and stdout == ""
    assert stderr.startswith("klviz: error: ") and stderr.count("\n") == 1
    assert message in stderr
    assert list(tmp_path.iterdir()) == []


def test_a_real_run_needs_no_display(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = tmp_path / "coin.png"
    done = subprocess.run(
        [sys.executable, "-m", "klviz", "export", "--preset", "coin-fair-vs-rigged",
         "--view", "bars", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{out}\n", "")
    assert QImage(str(out)).width() > 500
    bad = subprocess.run(
        [sys.executable, "-m", "klviz", "export", "--preset", "coin-fair-vs-rigged",
         "--out", str(tmp_path / "nowhere" / "coin.png")],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("klviz: error: folder does not exist")
    assert bad.stderr.count("\n") == 1


@pytest.mark.parametrize("command", ["fit", "export"])
def test_family_choices_are_listed_in_menu_order(capsys, command: str) -> None:
    assert main([command, "--help"]) == 0
    assert ", ".join(FAMILIES) in " ".join(capsys.readouterr().out.split())
