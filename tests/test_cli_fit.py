"""``klviz fit``: the expected forward/reverse fits through the CLI, JSON shape, and bad input."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from typing import Any

import numpy as np
import pytest

from klviz.cli import main
from klviz.core.distributions import get_preset
from klviz.core.families import grid_moments

JSON_KEYS = {
    "family", "direction", "units", "params", "grid_mean", "grid_std", "x", "q", "objective",
    "kl_pq", "kl_qp", "iterations", "converged", "epsilon", "epsilon_applied", "seed",
    "restarts", "preset", "notes",
}


def _no_nan(token: str) -> Any:
    raise AssertionError(f"JSON must not contain {token}")


def fit_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    rc = main(["fit", *args, "--json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out, parse_constant=_no_nan)


def exit_code(argv: list[str]) -> int:
    """``main``'s return value (argparse's usage errors included)."""
    return main(argv)


def test_forward_kl_on_bimodal_is_moment_matching(capsys) -> None:
    doc = fit_json(capsys, "--preset", "bimodal")
    assert set(doc) == JSON_KEYS
    assert doc["family"] == "gaussian" and doc["direction"] == "forward"
    assert doc["units"] == "bits" and doc["converged"] and doc["iterations"] < 2000
    assert doc["grid_mean"] == pytest.approx(0.0, abs=1e-6)
    assert doc["grid_std"] == pytest.approx(math.sqrt(0.25 + 9.0), abs=2e-3)
    assert doc["params"]["sigma"] == pytest.approx(4.29, abs=0.01)
    assert doc["objective"] == pytest.approx(doc["kl_pq"], rel=1e-9)
    assert not doc["epsilon_applied"] and doc["epsilon"] == 1e-6
    assert len(doc["x"]) == len(doc["q"]) == 201
    assert sum(doc["q"]) == pytest.approx(1.0)


@pytest.mark.parametrize(("mu0", "mode"), [("2", 3.0), ("-2", -3.0)])
def test_reverse_kl_on_bimodal_picks_the_nearest_mode(capsys, mu0, mode) -> None:
    doc = fit_json(capsys, "--preset", "bimodal", "--direction", "reverse",
                   "--init-mu", mu0, "--init-sigma", "0.5")
    assert doc["converged"] and doc["epsilon_applied"]
    assert doc["params"]["mu"] == pytest.approx(mode, abs=1e-3)
    assert doc["params"]["sigma"] == pytest.approx(0.5, abs=1e-3)
    assert doc["kl_qp"] == pytest.approx(1.0, abs=1e-3)  # one of two equal halves: 1 bit


def test_reverse_kl_with_large_steps_stops_in_the_wide_minimum_reproducibly(capsys) -> None:
    args = ("--preset", "bimodal", "--direction", "reverse", "--init-mu", "1",
            "--init-sigma", "1", "--lr", "0.5")
    first, second = fit_json(capsys, *args), fit_json(capsys, *args)
    assert first == second
    assert first["params"]["mu"] == pytest.approx(0.0, abs=0.01)
    assert first["params"]["sigma"] > 4.0 and first["kl_qp"] > 4.0
    best = fit_json(capsys, *args, "--restarts", "6")
    assert best["kl_qp"] == pytest.approx(1.0, abs=1e-3) and best["restarts"] == 6


def test_alpha_direction_reports_alpha(capsys) -> None:
    doc = fit_json(capsys, "--preset", "bimodal", "--direction", "alpha", "--alpha", "0.5",
                   "--init-mu", "1", "--init-sigma", "1")
    assert doc["direction"] == "alpha" and doc["alpha"] == 0.5
    assert doc["params"]["mu"] == pytest.approx(3.0, abs=1e-2)


def test_alpha_defaults_to_a_half_and_help_says_so(capsys) -> None:
    doc = fit_json(capsys, "--preset", "bimodal", "--direction", "alpha")
    assert doc["direction"] == "alpha" and doc["alpha"] == 0.5
    assert main(["fit", "--help"]) == 0
    assert "default: 0.5" in " ".join(capsys.readouterr().out.split())



    doc = fit_json(capsys, "--preset", "bimodal", "--direction", "js")
    assert doc["direction"] == "js" and "alpha" not in doc
    assert 0.0 < doc["objective"] < 1.0  # JS is at most 1 bit


def test_two_component_mixture_recovers_both_modes(capsys) -> None:
    doc = fit_json(capsys, "--preset", "bimodal", "--family", "mixture", "--k", "2")
    params = doc["params"]
    assert sorted(params["mu"]) == pytest.approx([-3.0, 3.0], abs=1e-2)
    assert params["sigma"] == pytest.approx([0.5, 0.5], abs=1e-2)
    assert params["weight"] == pytest.approx([0.5, 0.5], abs=1e-2)
    assert doc["kl_pq"] == pytest.approx(0.0, abs=1e-3)


def test_init_mu_may_start_with_a_minus_without_an_equals_sign(capsys) -> None:
    doc = fit_json(capsys, "--preset", "bimodal", "--family", "mixture", "--k", "2",
                   "--init-mu", "-3,3")
    assert sorted(doc["params"]["mu"]) == pytest.approx([-3.0, 3.0], abs=0.05)


def test_fixed_sigma_is_held(capsys) -> None:
    doc = fit_json(capsys, "--preset", "bimodal", "--direction", "reverse", "--fixed-sigma",
                   "--init-mu", "2", "--init-sigma", "0.8")
    assert doc["params"]["sigma"] == 0.8
    assert doc["params"]["mu"] == pytest.approx(3.0, abs=0.05)


def test_student_t_reports_nu(capsys) -> None:
    doc = fit_json(capsys, "--preset", "bimodal", "--family", "student-t")
    assert doc["params"]["nu"] == 3.0 and doc["grid_mean"] == pytest.approx(0.0, abs=1e-4)


def test_free_categorical_copies_p(capsys) -> None:
    doc = fit_json(capsys, "--preset", "tokens", "--family", "categorical", "--direction",
                   "reverse", "--steps", "5000")
    assert doc["params"] == {}
    np.testing.assert_allclose(doc["q"], get_preset("tokens").p, atol=1e-5)


def test_infinite_reverse_kl_is_written_as_inf(capsys) -> None:
    doc = fit_json(capsys, "--preset", "gap", "--direction", "reverse")
    assert doc["kl_qp"] == "inf" and doc["epsilon_applied"]
    assert isinstance(doc["objective"], float) and math.isfinite(doc["objective"])


def test_p_from_a_csv_file(capsys, tmp_path) -> None:
    x = np.linspace(0.0, 10.0, 51)
    w = x**2 * np.exp(-x)
    path = tmp_path / "p.csv"
    path.write_text("x,p\n" + "".join(f"{a:.17g},{b:.17g}\n" for a, b in zip(x, w, strict=True)))
    doc = fit_json(capsys, "--p-file", str(path))
    mean, std = grid_moments(x, w / w.sum())
    assert doc["x"] == pytest.approx(x.tolist())
    assert doc["grid_mean"] == pytest.approx(mean, abs=1e-3)
    assert doc["grid_std"] == pytest.approx(std, rel=1e-3)


def test_inline_weights_are_normalised_with_a_note(capsys) -> None:
    doc = fit_json(capsys, "--p", "1,2,4,2,1")
    assert doc["x"] == [0.0, 1.0, 2.0, 3.0, 4.0] and doc["preset"] is None
    assert doc["notes"] == ["P was normalised (its weights summed to 10)"]
    assert doc["grid_mean"] == pytest.approx(2.0, abs=1e-6)
    assert main(["fit", "--p", "1,2,4,2,1"]) == 0
    assert capsys.readouterr().out.startswith("note: P was normalised")


def test_same_seed_same_result(capsys) -> None:
    args = ("--preset", "bimodal", "--family", "mixture", "--k", "3", "--direction", "reverse",
            "--seed", "4", "--steps", "300")
    assert fit_json(capsys, *args) == fit_json(capsys, *args)


def test_human_summary(capsys) -> None:
    assert main(["fit", "--preset", "bimodal", "--direction", "reverse", "--init-mu", "2"]) == 0
    out = capsys.readouterr().out
    assert "KL(P‖Q)" in out and "KL(Q‖P) = 1.0000 bits" in out
    assert "mu 3.0000" in out and "converged" in out and "floored" in out
    assert not out.lstrip().startswith("{")


def test_human_summary_of_a_mixture_lists_components(capsys) -> None:
    assert main(["fit", "--preset", "bimodal", "--family", "mixture", "--k", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count("component ") == 3


def test_worst_case_run_is_fast(capsys) -> None:
    start = time.perf_counter()
    doc = fit_json(capsys, "--preset", "bimodal", "--family", "mixture", "--k", "4",
                   "--direction", "js", "--steps", "2000", "--lr", "0.001")
    assert doc["iterations"] == 2000
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--direction", "alpha", "--alpha", "1.5"], "alpha must be in [0, 1]"),
        (["--direction", "alpha", "--alpha", "-0.5"], "alpha must be in [0, 1]"),
        (["--direction", "forward", "--alpha", "0.5"], "only applies"),
        (["--direction", "sideways"], "unknown objective"),
        (["--family", "mixture", "--k", "5"], "1 to 4 components"),
        (["--family", "mixture", "--k", "0"], "1 to 4 components"),
        (["--k", "2"], "only applies to 'mixture'"),
        (["--family", "cauchy"], "unknown family"),
        (["--init-mu", "0", "--init-sigma", "-1"], "sigma must be positive"),
        (["--fixed-sigma", "--init-sigma", "-1"], "fixed sigma must be positive"),
        (["--init-sigma", "1"], "needs --init-mu"),
        (["--init-mu", "abc"], "--init-mu: item 1 is 'abc', not a number"),
        (["--init-mu", "1,,2"], "--init-mu: item 2 is empty, not a number"),
        (["--init-mu", "1,inf"], "--init-mu must be finite"),
        (["--init-mu", "0", "--init-sigma", "nan"], "--init-sigma must be finite"),
        (["--family", "mixture", "--init-mu", "1"], "mu needs 2 value"),
        (["--family", "categorical", "--fixed-sigma"], "does not apply"),
        (["--family", "categorical", "--init-mu", "1"], "no readable"),
        (["--steps", "0"], "steps must be at least 1"),
        (["--restarts", "0"], "restarts must be at least 1"),
        (["--lr", "0"], "learning rate"),
        (["--epsilon", "0"], "epsilon"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, args, message) -> None:
    rc = exit_code(["fit", "--preset", "bimodal", *args])
    out = capsys.readouterr()
    assert rc == 2 and out.out == ""
    lines = out.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("klviz: error: ")
    assert message in lines[0]


def test_missing_input_is_an_error(capsys) -> None:
    assert exit_code(["fit"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("klviz: error: ")


def test_ascii_terminal_gets_ascii_symbols() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "klviz", "fit", "--preset", "gap", "--direction", "reverse"],
        check=False, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "KL(P||Q)" in proc.stdout and "KL(Q||P) = inf bits" in proc.stdout


def test_real_process_error_has_no_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "klviz", "fit", "--preset", "bimodal", "--direction", "alpha",
         "--alpha", "2"],
        check=False, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("klviz: error: alpha must be in [0, 1]")
    assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
