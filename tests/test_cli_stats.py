"""``klviz stats`` and the shared input options, in-process and as a real subprocess."""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from klviz.cli import main
from klviz.commands.inputs import add_input_arguments, resolve_inputs
from klviz.core.distributions import get_preset, preset_names
from klviz.session import Session, save_session
from klviz.tables import write_table

DATA = Path(__file__).parent / "data"


def run_stats(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["stats", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def stats_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    code, out, err = run_stats(capsys, *argv, "--json")
    assert (code, err) == (0, "")
    return json.loads(out)


def table_rows(out: str) -> dict[str, str]:
    """The readout rows of the human table, name -> the rest of the line."""
    rows = {}
    for line in out.splitlines():
        if line.startswith("  "):
            name, rest = line.split(maxsplit=1)
            rows[name] = rest
    return rows


# --- the coin numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [["--preset", "coin-fair-vs-rigged"], ["--p", "0.99,0.01", "--q", "0.5,0.5"]],
)
def test_rigged_coin_believed_fair(capsys, argv: list[str]) -> None:
    s = stats_json(capsys, *argv)
    assert s["units"] == "bits" and s["n_bins"] == 2
    assert round(s["cross_entropy_pq"], 3) == 1.000
    assert round(s["kl_pq"], 3) == 0.919
    assert round(s["cross_entropy_qp"], 3) == 3.329
    assert s["normalized"] is False and s["notes"] == []


def test_fair_coin_believed_rigged(capsys) -> None:
    s = stats_json(capsys, "--preset", "coin-rigged-vs-fair")
    assert round(s["cross_entropy_pq"], 3) == 3.329
    assert round(s["kl_pq"], 3) == 2.329
    assert s["preset"] == "coin-rigged-vs-fair"
    assert s["infinite_bins_pq"] == [] and s["infinite_bins_qp"] == []


def test_nats_are_bits_times_ln2(capsys) -> None:
    bits = stats_json(capsys, "--preset", "tokens")
    nats = stats_json(capsys, "--preset", "tokens", "--nats")
    assert nats["units"] == "nats"
    for key in ("entropy_p", "cross_entropy_pq", "kl_pq", "kl_qp", "js"):
        assert nats[key] == pytest.approx(bits[key] * math.log(2))
    assert nats["tv"] == bits["tv"]


def test_human_table_is_aligned_with_units(capsys) -> None:
    code, out, err = run_stats(capsys, "--preset", "coin-fair-vs-rigged")
    assert (code, err) == (0, "")
    rows = table_rows(out)
    assert list(rows) == [
        "H(P)", "H(Q)", "H(P,Q)", "H(Q,P)", "KL(P‖Q)", "KL(Q‖P)", "JS", "TV"
    ]
    assert rows["H(P,Q)"] == "1.000 bits" and rows["KL(P‖Q)"] == "0.919 bits"
    assert rows["H(Q,P)"] == "3.329 bits" and rows["TV"] == "0.490"
    value_ends = {line.index(" bits") for line in out.splitlines() if line.endswith(" bits")}
    assert len(value_ends) == 1, "values right-aligned in one column"
    assert "nats" in run_stats(capsys, "--preset", "die", "--nats")[1]


# --- infinities ----------------------------------------------------------------------------


def test_infinite_kl_is_the_string_inf_in_json(capsys) -> None:
    code, out, _ = run_stats(capsys, "--p", "0.5,0.5,0", "--q", "1,0,0", "--json")
    assert code == 0
    assert "NaN" not in out and "Infinity" not in out
    s = json.loads(out)
    assert s["kl_pq"] == "inf" and s["cross_entropy_pq"] == "inf"
    assert s["infinite_bins_pq"] == [1]
    assert isinstance(s["kl_qp"], float) and s["kl_qp"] == pytest.approx(1.0)


def test_human_output_names_the_bins_that_make_kl_infinite(capsys) -> None:
    _, out, _ = run_stats(capsys, "--preset", "gap")
    gap = np.flatnonzero(get_preset("gap").p == 0)
    rows = table_rows(out)
    assert rows["KL(Q‖P)"] == "∞ bits" and rows["H(Q,P)"] == "∞ bits"
    assert rows["KL(P‖Q)"] != "∞ bits"
    assert out.splitlines()[-1] == (
        "∞: KL(Q‖P) and H(Q,P) are infinite: P = 0 where Q > 0 in "
        f"bins {gap[0]}–{gap[-1]}"
    )


def test_infinite_bins_are_named_by_label_when_there_are_labels(capsys) -> None:
    _, out, _ = run_stats(capsys, "--preset", "die", "--q", "1,0,1,1,1,0")
    assert out.splitlines()[-1].endswith("Q = 0 where P > 0 in bins '2', '6'")


def test_long_lists_of_infinite_bins_are_cut_short(capsys) -> None:
    q = ",".join("1" if i % 2 else "0" for i in range(40))
    _, out, _ = run_stats(capsys, "--p", ",".join(["1"] * 40), "--q", q)
    last = out.splitlines()[-1]
    assert last.endswith("bins 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, … (20 bins in all)")


# --- normalisation notices -----------------------------------------------------------------


def test_normalisation_is_announced(capsys) -> None:
    code, out, _ = run_stats(capsys, "--p", "1,1", "--q", "1,3")
    assert code == 0
    assert out.splitlines()[:2] == [
        "note: P was normalised (its weights summed to 2)",
        "note: Q was normalised (its weights summed to 4)",
    ]
    s = stats_json(capsys, "--p", "1,1", "--q", "1,3")
    assert s["normalized"] is True and len(s["notes"]) == 2
    assert s["kl_pq"] == pytest.approx(stats_json(capsys, "--p", ".5,.5", "--q", ".25,.75")["kl_pq"])


@pytest.mark.parametrize(
    ("value", "message"),
    [("-1,2", "P has a negative value"), ("-.5,1", "P has a negative value"),
     ("-inf,1", "P has a non-finite value"), ("-nan,1", "P has a non-finite value")],
)
def test_list_options_take_values_starting_with_a_minus(capsys, value, message) -> None:
    code, out, err = run_stats(capsys, "--p", value, "--q", "1,1")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and message in err


def test_a_minus_word_after_a_list_option_is_still_an_option(capsys) -> None:
    code, _, err = run_stats(capsys, "--p", "--json")
    assert code == 2 and "argument --p: expected one argument" in err


def test_huge_weights_are_normalised_without_a_warning(capsys) -> None:
    code, out, err = run_stats(capsys, "--p", "1e308,1e308", "--q", "1,1")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "note: P was normalised (its weights summed to inf)"
    assert stats_json(capsys, "--p", "1e308,1e308", "--q", "1,1")["kl_pq"] == 0.0


# --- --list-presets ------------------------------------------------------------------------


def test_list_presets_needs_no_other_arguments(capsys) -> None:
    code, out, err = run_stats(capsys, "--list-presets")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == preset_names()
    title_columns = set()
    for line, name in zip(lines, preset_names(), strict=True):
        title = get_preset(name).title
        assert line.endswith(title)
        title_columns.add(line.index(title))
    assert len(title_columns) == 1, "titles aligned"


# --- files and the shared input rules ------------------------------------------------------


def test_p_file_with_p_and_q_supplies_both(capsys) -> None:
    from_file = stats_json(capsys, "--p-file", str(DATA / "coin.csv"))
    from_preset = stats_json(capsys, "--preset", "coin-fair-vs-rigged")
    assert from_file["kl_pq"] == from_preset["kl_pq"] and from_file["preset"] is None


def test_q_options_override_the_q_that_comes_with_p(capsys, tmp_path: Path) -> None:
    s = stats_json(capsys, "--p-file", str(DATA / "coin.csv"), "--q", "0.99,0.01")
    assert s["kl_pq"] == 0.0
    q_file = tmp_path / "q.csv"
    write_table(q_file, labels=["H", "T"], q=[0.99, 0.01])
    s = stats_json(capsys, "--preset", "coin-fair-vs-rigged", "--q-file", str(q_file))
    assert s["kl_pq"] == 0.0 and s["preset"] == "coin-fair-vs-rigged"


def _args(*argv: str, session: bool = True) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_input_arguments(parser, session=session)
    return parser.parse_args(argv)


def test_resolve_inputs_takes_x_and_labels_from_files(tmp_path: Path) -> None:
    inputs = resolve_inputs(_args("--p-file", str(DATA / "weights-semicolon.csv")))
    assert inputs.x.tolist() == [-1.5, -0.5, 0.5, 1.5] and inputs.labels is None
    assert inputs.p.tolist() == [0.0, 0.3, 0.5, 0.2]
    assert inputs.q.tolist() == [0.1, 0.2, 0.4, 0.3]
    assert inputs.normalized and inputs.preset is None
    q_file = tmp_path / "q.csv"
    write_table(q_file, x=[10, 20, 30, 40, 50], p=[1, 1, 1, 1, 1])
    inputs = resolve_inputs(_args("--p", "1,2,3,2,1", "--q-file", str(q_file)))
    assert inputs.x.tolist() == [10, 20, 30, 40, 50]
    assert inputs.q.tolist() == [0.2] * 5, "a file with only p serves as Q"
    inputs = resolve_inputs(_args("--p-file", str(DATA / "coin.csv")))
    assert inputs.labels == ("H", "T") and inputs.x.tolist() == [0.0, 1.0]


def test_resolve_inputs_defaults(tmp_path: Path) -> None:
    inputs = resolve_inputs(_args(session=False), default_preset="bimodal")
    assert inputs.preset == "bimodal" and inputs.x.size == 201 and inputs.notes == []
    only_p = resolve_inputs(_args("--p", "1,3"), require_q=False)
    assert only_p.q is None and only_p.p.tolist() == [0.25, 0.75]
    assert only_p.x.tolist() == [0.0, 1.0]
    p_file = resolve_inputs(_args("--p-file", str(DATA / "p-only.csv")), require_q=False)
    assert p_file.q is None and p_file.p.size == 5
    with pytest.raises(ValueError, match="give --preset, --p or --p-file"):
        resolve_inputs(_args())
    with pytest.raises(ValueError, match="Q is missing"):
        resolve_inputs(_args("--p", "1,3"))


def test_session_supplies_p_and_q(capsys, tmp_path: Path) -> None:
    path = tmp_path / "s.klviz.json"
    save_session(
        Session(x=np.array([0.0, 1.0]), p=np.array([0.99, 0.01]), q=np.array([0.5, 0.5]),
                labels=("H", "T"), preset="coin-fair-vs-rigged"),
        path,
    )
    s = stats_json(capsys, "--session", str(path))
    assert round(s["kl_pq"], 3) == 0.919 and s["preset"] == "coin-fair-vs-rigged"
    assert stats_json(capsys, "--session", str(path), "--q", "0.99,0.01")["kl_pq"] == 0.0
    inputs = resolve_inputs(_args("--session", str(path)))
    assert inputs.labels == ("H", "T") and not inputs.normalized


def test_session_normalisation_is_reported(capsys, tmp_path: Path) -> None:
    path = tmp_path / "s.klviz.json"
    save_session(Session(x=np.arange(2.0), p=np.array([1.0, 1.0]), q=np.array([0.5, 0.5])), path)
    s = stats_json(capsys, "--session", str(path))
    assert s["normalized"] is True
    assert s["notes"] == ["P was normalised (its weights summed to 2)"]
    assert s["kl_pq"] == 0.0


# --- bad input: exit 2 and one line on stderr ----------------------------------------------


BAD_INPUTS: dict[str, tuple[list[str], str]] = {
    "not a number": (["--p", "0.5,abc", "--q", "1,1"], "--p: item 2 is 'abc', not a number"),
    "empty item": (["--p", "0.5,,0.5", "--q", "1,1,1"], "--p: item 2 is empty, not a number"),
    "empty list": (["--p", "", "--q", "1"], "--p is empty"),
    "negative": (["--p=-0.5,1.5", "--q", "1,1"], r"P has a negative value \(-0.5\) at bin 0"),
    "nan": (["--p", "1,1", "--q", "nan,1"], r"Q has a non-finite value \(nan\) at bin 0"),
    "overflow": (["--p", "1e999,1", "--q", "1,1"], r"P has a non-finite value \(inf\)"),
    "all zero": (["--p", "0,0", "--q", "1,1"], "P is all zeros"),
    "mismatched lengths": (
        ["--p", "1,1", "--q", "1,1,1"], r"P has 2 bins \(--p\) but Q has 3 \(--q\)"
    ),
    "preset with wrong q length": (
        ["--preset", "tokens", "--q", "1,1"], r"P has 8 bins \(preset tokens\) but Q has 2"
    ),
    "unknown preset": (["--preset", "nope"], "unknown preset 'nope'; choose one of: coin"),
    "empty preset": (["--preset", ""], "unknown preset ''; choose one of: coin"),
    "missing file": (["--p-file", "{tmp}/missing.csv"], "no such file or directory: .*missing"),
    "directory": (["--p-file", "{tmp}"], "is a directory, not a file"),
    "bad csv": (["--p-file", "{tmp}/ragged.csv"], "ragged.csv line 3: expected 2 values"),
    "p-file without p": (["--p-file", "{tmp}/q-only.csv"], "q-only.csv has no p column"),
    "x differs": (
        ["--p-file", "{tmp}/x1.csv", "--q-file", "{tmp}/x2.csv"], "the x values of --q-file"
    ),
    "missing session": (["--session", "{tmp}/missing.json"], "no such file or directory"),
    "preset and p": (["--preset", "gap", "--p", "1,1"], "--preset and --p cannot be combined"),
    "preset and session": (
        ["--preset", "gap", "--session", "{tmp}/s.json"], "--preset and --session cannot be"
    ),
    "p and p-file": (["--p", "1,1", "--p-file", "{tmp}/x1.csv"], "--p and --p-file cannot be"),
    "q and q-file": (
        ["--p", "1,1", "--q", "1,1", "--q-file", "{tmp}/x2.csv"], "--q and --q-file cannot be"
    ),
    "no q": (["--p", "1,1"], "Q is missing"),
    "nothing": ([], "give --preset, --p or --p-file"),
    "unknown option": (["--preset", "gap", "--bogus"], "unrecognized arguments: --bogus"),
    "option without value": (["--p"], "argument --p: expected one argument"),
}


@pytest.fixture
def bad_files(tmp_path: Path) -> Path:
    (tmp_path / "ragged.csv").write_text("p,q\n1,1\n1\n")
    (tmp_path / "q-only.csv").write_text("q\n1\n1\n")
    write_table(tmp_path / "x1.csv", x=[0, 1], p=[1, 1])
    write_table(tmp_path / "x2.csv", x=[0, 2], q=[1, 1])
    return tmp_path


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_exits_2_with_one_error_line(capsys, bad_files: Path, case: str) -> None:
    argv, message = BAD_INPUTS[case]
    argv = [a.replace("{tmp}", str(bad_files)) for a in argv]
    code = main(["stats", *argv])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("klviz: error: ")
    assert re.search(message, err), err


# --- a real process ------------------------------------------------------------------------


def klviz(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "klviz", *argv], check=False, capture_output=True, text=True,
        timeout=60, env={**os.environ, **env},
    )


def test_subprocess_prints_the_coin_json() -> None:
    proc = klviz("stats", "--preset", "coin-rigged-vs-fair", "--json")
    assert (proc.returncode, proc.stderr) == (0, "")
    s = json.loads(proc.stdout)
    assert round(s["cross_entropy_pq"], 3) == 3.329 and round(s["kl_pq"], 3) == 2.329


def test_subprocess_error_is_one_line_without_traceback() -> None:
    proc = klviz("stats", "--p", "1,-1", "--q", "1,1")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "klviz: error: P has a negative value (-1) at bin 1\n"


def test_subprocess_falls_back_to_ascii_symbols() -> None:
    proc = klviz("stats", "--preset", "gap", PYTHONIOENCODING="ascii")
    assert proc.returncode == 0 and proc.stderr == ""
    rows = table_rows(proc.stdout)
    assert rows["KL(Q||P)"] == "inf bits"
    assert proc.stdout.splitlines()[-1].startswith("inf: KL(Q||P) and H(Q,P) are infinite")
