"""Opening the window from Python (klviz.show) and from the command line (klviz [FILE])."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

import klviz
from klviz.app import create_window, icon_path
from klviz.cli import main
from klviz.session import Session, save_session
from klviz.ui.main_window import MainWindow

SESSIONS = Path(__file__).resolve().parent.parent / "resources" / "sessions"


def _klviz_windows() -> list[MainWindow]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]


@pytest.fixture
def closes_windows(qapp):
    yield
    for w in _klviz_windows():
        w.close()
    qapp.processEvents()


def test_show_without_blocking_returns_the_window_with_the_data(qtbot, closes_windows) -> None:
    w = klviz.show([0.99, 0.01], [0.5, 0.5], labels=["H", "T"], block=False)
    assert isinstance(w, MainWindow) and w.isVisible()
    np.testing.assert_array_equal(w.model.p, [0.99, 0.01])
    np.testing.assert_array_equal(w.model.q, [0.5, 0.5])
    assert w.model.labels == ("H", "T")
    assert w.model.stats()["kl_pq"] == pytest.approx(0.9192, abs=1e-4)
    w.model.set_bar("p", 0, 0.5)  # the model is the live one behind the window
    assert w.readouts.values["kl_pq"].text() == "0"


def test_show_normalises_visibly_and_fills_a_missing_q(qtbot, closes_windows) -> None:
    w = klviz.show([2, 1, 1], x=[0.0, 0.5, 2.0], block=False)
    np.testing.assert_allclose(w.model.p, [0.5, 0.25, 0.25])
    np.testing.assert_allclose(w.model.q, 1 / 3)
    np.testing.assert_array_equal(w.model.x, [0.0, 0.5, 2.0])
    message = w.statusBar().currentMessage()
    assert "P was normalised" in message and "Q was not given" in message


def test_show_a_preset(qtbot, closes_windows) -> None:
    w = klviz.show(preset="gap", block=False)
    assert w.model.preset == "gap" and w.windowTitle() == "P with a gap[*] — klviz"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"p": [1, -1]}, "negative"),
        ({"p": [1, 1], "q": [1, 1, 1]}, "must match"),
        ({"p": ["a"]}, "list of numbers"),
        ({"x": [1, 2]}, "need weights"),
        ({"preset": "nope"}, "unknown preset"),
        ({"p": [1, 1], "labels": ["a", "a"]}, "distinct"),
    ],
)
def test_bad_input_raises_before_any_window_exists(qapp, kwargs, message) -> None:
    before = len(_klviz_windows())
    with pytest.raises(ValueError, match=message):
        create_window(**kwargs)
    assert len(_klviz_windows()) == before


def test_the_model_outlives_a_closed_window(qtbot, closes_windows) -> None:
    w = klviz.show([1, 3], [1, 1], block=False)
    model = w.model
    w.close()
    QApplication.processEvents()
    np.testing.assert_array_equal(model.p, [0.25, 0.75])


def test_the_icon_is_found_and_loads(qapp) -> None:
    from PySide6.QtGui import QIcon

    path = icon_path()
    assert path is not None and path.name == "klviz.svg"
    assert not QIcon(str(path)).pixmap(64, 64).isNull()


# ---------------------------------------------------------------------- the klviz command
def _run_then_close(qapp, argv: list[str]) -> tuple[int, dict]:
    """Run ``klviz ARGV`` in-process; once its window is up, note what it shows and close it."""
    seen: dict = {}

    def close_it() -> None:
        windows = _klviz_windows()
        if windows:
            w = windows[0]
            seen.update(preset=w.model.preset, p=w.model.p.copy(), units=w.model.units,
                        labels=w.model.labels, message=w.statusBar().currentMessage())
            w.close()
        else:
            qapp.quit()

    QTimer.singleShot(0, close_it)
    return main(argv), seen


def test_gui_command_opens_a_preset_and_returns_when_closed(qapp) -> None:
    code, seen = _run_then_close(qapp, ["--preset", "tokens"])
    assert code == 0 and seen["preset"] == "tokens" and seen["labels"][0] == "mat"


def test_gui_command_opens_a_session_file_with_its_units(qapp, tmp_path) -> None:
    code, seen = _run_then_close(qapp, [str(SESSIONS / "coin.klviz.json")])
    assert code == 0 and seen["labels"] == ("H", "T") and seen["units"] == "bits"
    path = tmp_path / "lecture.klviz.json"
    save_session(Session.from_preset("gap", units="nats"), path)
    code, seen = _run_then_close(qapp, ["--session", str(path)])
    assert code == 0 and seen["preset"] == "gap" and seen["units"] == "nats"


def test_gui_command_opens_a_csv_and_weights(qapp, tmp_path) -> None:
    table = tmp_path / "dist.csv"
    table.write_text("label,p,q\na,1,1\nb,3,1\n", encoding="utf-8")
    code, seen = _run_then_close(qapp, [str(table)])
    assert code == 0 and seen["labels"] == ("a", "b")
    np.testing.assert_allclose(seen["p"], [0.25, 0.75])
    assert "P was normalised" in seen["message"]
    code, seen = _run_then_close(qapp, ["--p", "1,1,2"])
    assert code == 0 and "Q was not given" in seen["message"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--p", "1,-1", "--q", "1,1"], "negative"),
        (["--preset", "nope"], "unknown preset"),
        (["missing.klviz.json"], "missing.klviz.json"),
        (["a.csv", "--p-file", "b.csv"], "cannot both be given"),
        (["--p", "1,1", "--q", "1,1,1"], "must match"),
    ],
)
def test_gui_command_bad_input_exits_2_without_a_window(qapp, capsys, argv, message) -> None:
    before = len(_klviz_windows())
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("klviz: error: ") and message in err and err.count("\n") == 1
    assert len(_klviz_windows()) == before


def test_gui_command_bad_input_in_a_real_process(tmp_path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "klviz", "--p", "0.5,nan", "--q", "1,1"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("klviz: error:") and "Traceback" not in result.stderr
