"""``klviz bench``: the benchmark runs at small sizes and reports every number it promises.

Timings themselves are not asserted (they depend on the machine); their shape is.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from klviz.bench import QUICK, isolated_settings, klviz_drag_ms
from klviz.cli import main
from klviz.commands.bench import format_report


def _positive(value: object) -> bool:
    return isinstance(value, float) and math.isfinite(value) and value > 0


def test_quick_json_reports_every_measurement_as_positive_numbers(capsys) -> None:
    assert main(["bench", "--quick", "--json"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    sizes = list(QUICK.sizes)
    assert report["n_bins"] == sizes
    for key in ("klviz_ms", "matplotlib_ms", "speedup"):
        assert len(report[key]) == len(sizes) and all(map(_positive, report[key])), key
    for n, k, m, x in zip(sizes, report["klviz_ms"], report["matplotlib_ms"],
                          report["speedup"], strict=True):
        assert x == pytest.approx(m / k), n
    for key in ("optimizer_fps_1024", "optimizer_frame_ms_1024", "startup_ms"):
        assert _positive(report[key]), key
    assert report["optimizer_fps_1024"] == pytest.approx(1000 / report["optimizer_frame_ms_1024"])
    assert report["repeats"] == {
        "drag_steps": QUICK.repeats,
        "matplotlib_draws": [QUICK.repeats] * len(sizes),  # small sizes: never cut short
        "optimizer_frames": QUICK.optimizer_frames,
        "startup_runs": QUICK.startup_runs,
    }
    machine = report["machine"]
    assert machine["cores"] >= 1 and machine["qt_platform"] == "offscreen"
    for key in ("cpu", "platform", "python", "qt", "pyside6", "pyqtgraph", "numpy",
                "matplotlib"):
        assert isinstance(machine[key], str) and machine[key], key
    assert "measuring drag -> repaint" in err  # progress goes to stderr, JSON stays clean

    table = format_report(report).splitlines()
    rows = [line.split() for line in table if line.split()[:1] in ([f"{n:,}"] for n in sizes)]
    assert [row[0] for row in rows] == [f"{n:,}" for n in sizes]
    assert all(row[1:] and row[-1].endswith("x") for row in rows)
    assert any(line.startswith("optimiser at 1,024 bins") for line in table)


def test_measuring_neither_reads_nor_changes_the_users_files(qapp) -> None:
    home = Path(os.environ["HOME"])  # this test's own home (conftest)
    user = QSettings("klviz", "klviz")
    user.setValue("view/overlay", True)
    user.sync()
    before = {p: p.read_bytes() for p in home.rglob("*") if p.is_file()}
    with isolated_settings() as bench_home:
        assert not QSettings("klviz", "klviz").value("view/overlay", False, type=bool)
        assert len(klviz_drag_ms(16, 2)) == 2  # a window opened, dragged and closed
    after = {p: p.read_bytes() for p in home.rglob("*") if p.is_file()}
    assert after == before
    assert os.environ["HOME"] == str(home) and not bench_home.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--sizes", "1"], "bin counts must be 2 to"),
        (["--sizes", "16,abc"], "comma-separated whole numbers"),
        (["--repeats", "0"], "must be at least 1"),
    ],
)
def test_bad_options_end_with_one_line(capsys, argv: list[str], message: str) -> None:
    assert main(["bench", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("klviz: error: ") and message in err
    assert len(err.strip().splitlines()) == 1


def test_without_matplotlib_it_says_how_to_get_it(capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    assert main(["bench", "--quick"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip() == (
        "klviz: error: klviz bench needs matplotlib for its baseline; "
        "install it with pip install 'klviz[bench]'"
    )
