"""Bad session and CSV files: the loaders and the CLI refuse them with one clear line.

Every file in ``tests/data/bad/`` goes through its loader (``load_session`` for
``*.klviz.json``, ``read_table`` for ``*.csv``) and through ``klviz stats``; hypothesis then
throws random JSON, text and bytes at the same code.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import klviz.session
from klviz.cli import main
from klviz.core.distributions import MAX_BINS, as_distribution
from klviz.session import UNITS, Session, SessionError, dumps_session, load_session, loads_session
from klviz.tables import Table, read_table

BAD = Path(__file__).parent / "data" / "bad"
SESSION_FILES = sorted(BAD.glob("*.klviz.json"))
CSV_FILES = sorted(BAD.glob("*.csv"))

# What each bad session file must be told off for (a fragment of the one-line message).
SESSION_PROBLEMS = {
    "all-zero-p.klviz.json": "'p' is all zeros",
    "binary-garbage.klviz.json": "NUL bytes",
    "boolean-in-q.klviz.json": "'q' has a non-number (true) at bin 0",
    "deeply-nested.klviz.json": "nested too deeply",
    "duplicate-labels.klviz.json": "labels must be distinct",
    "empty-label.klviz.json": "labels must be non-empty",
    "empty-q.klviz.json": "'q' is empty",
    "empty.klviz.json": "file is empty",
    "extra-field.klviz.json": 'unknown field "foo"',
    "future-version.klviz.json": "made by a newer klviz",
    "infinity-literal.klviz.json": "'p' has a non-finite value (inf) at bin 0",
    "integer-too-large.klviz.json": "'p' has a number too large",
    "integer-too-many-digits.klviz.json": "not usable JSON",
    "labels-are-numbers.klviz.json": "'labels' has a non-string (1) at bin 0",
    "labels-is-string.klviz.json": "'labels' must be a list of strings or null",
    "labels-length-mismatch.klviz.json": "'labels' gives 2 names for 3 bins",
    "latin1-label.klviz.json": "not UTF-8",
    "lone-surrogate-label.klviz.json": "'labels' entry 1 is not valid Unicode",
    "minus-infinity-in-x.klviz.json": "'x' has a non-finite value (-inf) at bin 0",
    "missing-format.klviz.json": "'format' is missing",
    "missing-p.klviz.json": "'p' is missing",
    "missing-q.klviz.json": "'q' is missing",
    "missing-version.klviz.json": "'version' is missing",
    "nan-literal.klviz.json": "'p' has a non-finite value (nan) at bin 1",
    "negative-weight.klviz.json": "'p' has a negative value (-0.1) at bin 1",
    "nested-list-in-p.klviz.json": "'p' has a non-number",
    "not-json.klviz.json": "not valid JSON",
    "null-in-p.klviz.json": "'p' has a non-number (null) at bin 1",
    "number-overflows-to-infinity.klviz.json": "'p' has a non-finite value (inf) at bin 2",
    "numbers-as-strings.klviz.json": "'p' has a non-number (\"0.5\") at bin 0",
    "optimizer-is-list.klviz.json": "'optimizer' must be an object",
    "optimizer-nan-setting.klviz.json": "'optimizer' entry \"lr\" has a non-finite value",
    "p-is-string.klviz.json": "'p' must be a list of numbers, got a string",
    "p-q-different-lengths.klviz.json": "'p' has 3 bins but 'q' has 2",
    "preset-is-number.klviz.json": "'preset' must be a string or null",
    "top-level-array.klviz.json": "expected a JSON object at the top level, got a list",
    "top-level-null.klviz.json": "expected a JSON object at the top level, got null",
    "top-level-number.klviz.json": "expected a JSON object at the top level, got a number",
    "trailing-garbage.klviz.json": "not valid JSON: Extra data",
    "truncated.klviz.json": "truncated",
    "units-unknown.klviz.json": "'units' must be 'bits' or 'nats'",
    "utf16-no-bom.klviz.json": "NUL bytes",
    "utf16-with-bom.klviz.json": "UTF-16",
    "version-as-string.klviz.json": "'version' must be a whole number",
    "version-zero.klviz.json": "'version' must be a whole number",
    "view-list-of-strings.klviz.json": "'view' entry \"colours\" has a non-number",
    "view-nested-object.klviz.json": "'view' entry \"zoom\" must be null, true/false",
    "whitespace-only.klviz.json": "file is empty",
    "wrong-format-tag.klviz.json": "not a klviz session file",
    "x-is-object.klviz.json": "'x' must be a list of numbers, got an object",
    "x-length-mismatch.klviz.json": "'x' has 2 values but 'p' has 3 bins",
    "x-not-increasing.klviz.json": "x must be strictly increasing",
    "x-repeated-value.klviz.json": "x must be strictly increasing",
}

# The same for bad CSV files: fragments of the message (file, line and what is wrong).
CSV_PROBLEMS = {
    "csv-all-zero.csv": ("column p is all zeros",),
    "csv-binary-garbage.csv": ("line 1", "binary data"),
    "csv-blank-first-line.csv": ("line 1", "header"),
    "csv-blank-line-inside.csv": ("line 3", "blank line"),
    "csv-decimal-comma.csv": ("line 2", "decimal point"),
    "csv-duplicate-labels.csv": ("line 4", "'H' already used on line 2"),
    "csv-empty-label.csv": ("line 3", "empty"),
    "csv-empty.csv": ("empty",),
    "csv-header-only.csv": ("no data rows",),
    "csv-infinity.csv": ("line 2", "'inf' is not a finite number in column q"),
    "csv-latin1-label.csv": ("line 2", "not UTF-8"),
    "csv-missing-cell.csv": ("line 2", "no value in column p"),
    "csv-nan.csv": ("line 2", "'nan' is not a finite number in column p"),
    "csv-negative.csv": ("line 3", "negative weight -0.1 in column p"),
    "csv-no-header.csv": ("line 1", "must be a header"),
    "csv-no-weight-column.csv": ("line 1", "needs a p or a q column"),
    "csv-not-numeric.csv": ("line 3", "'half' is not a number in column p"),
    "csv-ragged.csv": ("line 3", "expected 3 values"),
    "csv-unknown-column.csv": ("line 1", "unknown column 'bin'"),
    "csv-unterminated-quote.csv": ("line 3",),
    "csv-utf16.csv": ("line 1",),
    "csv-x-and-label.csv": ("line 1", "either an x or a label column"),
    "csv-x-not-increasing.csv": ("line 4", "strictly increasing"),
}


def _one_line(message: str) -> str:
    assert len(message.splitlines()) == 1, repr(message)
    return message


def _cli_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``klviz`` in-process; it must fail with exit 2 and one ``klviz: error:`` line."""
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 2, (code, out, err)
    assert out == ""
    assert _one_line(err.rstrip("\n")).startswith("klviz: error: ")
    return err


def test_every_bad_file_is_listed() -> None:
    on_disk = {p.name for p in BAD.iterdir()}
    assert {p.name for p in SESSION_FILES} == set(SESSION_PROBLEMS)
    assert {p.name for p in CSV_FILES} == set(CSV_PROBLEMS)
    assert on_disk == set(SESSION_PROBLEMS) | set(CSV_PROBLEMS)


@pytest.mark.parametrize("path", SESSION_FILES, ids=lambda p: p.name)
def test_loader_refuses_bad_session_with_one_line(path: Path) -> None:
    with pytest.raises(SessionError) as info:
        load_session(path)
    message = _one_line(str(info.value))
    assert message.startswith(f"{path}: ")
    assert SESSION_PROBLEMS[path.name] in message


@pytest.mark.parametrize("path", SESSION_FILES, ids=lambda p: p.name)
def test_cli_refuses_bad_session(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _cli_error(["stats", "--session", str(path)], capsys)
    assert path.name in err and SESSION_PROBLEMS[path.name] in err


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: p.name)
def test_loader_refuses_bad_csv_with_one_line(path: Path) -> None:
    with pytest.raises(ValueError) as info:
        read_table(path)
    message = _one_line(str(info.value))
    assert message.startswith(str(path))
    assert all(fragment in message for fragment in CSV_PROBLEMS[path.name]), message


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: p.name)
def test_cli_refuses_bad_csv(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _cli_error(["stats", "--p-file", str(path)], capsys)
    assert str(path) in err
    assert all(fragment in err for fragment in CSV_PROBLEMS[path.name]), err


def _too_many_bins(folder: Path) -> Path:
    ones = [1] * (MAX_BINS + 1)
    doc = {"format": "klviz-session", "version": 1, "p": ones, "q": ones}
    path = folder / "huge.klviz.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_more_than_max_bins_is_refused(tmp_path: Path, capsys) -> None:
    path = _too_many_bins(tmp_path)
    with pytest.raises(SessionError, match=f"at most {MAX_BINS}"):
        load_session(path)
    assert f"at most {MAX_BINS}" in _cli_error(["stats", "--session", str(path)], capsys)


def test_more_than_max_bins_rows_in_csv_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("p\n" + "1\n" * (MAX_BINS + 1), encoding="utf-8")
    with pytest.raises(ValueError, match=f"line {MAX_BINS + 2}: .*at most {MAX_BINS}"):
        read_table(path)
    assert f"at most {MAX_BINS}" in _cli_error(["stats", "--p-file", str(path)], capsys)


def test_oversized_file_is_refused_before_parsing(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "big.klviz.json"
    path.write_text(dumps_session(Session.from_preset("bimodal")), encoding="utf-8")
    monkeypatch.setattr(klviz.session, "MAX_FILE_BYTES", path.stat().st_size - 1)
    with pytest.raises(SessionError, match="too big"):
        load_session(path)


def _unreadable(tmp_path: Path) -> Path:
    path = tmp_path / "secret.klviz.json"
    path.write_text(dumps_session(Session.from_preset("tokens")), encoding="utf-8")
    path.chmod(0)
    if os.access(path, os.R_OK):
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
        pytest.skip("running with privileges that ignore file permissions")
    return path


@pytest.mark.parametrize("option", ["--session", "--p-file"])
@pytest.mark.parametrize(
    ("make", "error", "fragment"),
    [
        (lambda tmp: tmp, IsADirectoryError, "is a directory"),
        (lambda tmp: tmp / "missing.klviz.json", FileNotFoundError, "no such file"),
        (_unreadable, PermissionError, "permission denied"),
    ],
    ids=["directory", "missing", "unreadable"],
)
def test_unreadable_paths(option, make, error, fragment, tmp_path: Path, capsys) -> None:
    path = make(tmp_path)
    with pytest.raises(error):
        (load_session if option == "--session" else read_table)(path)
    err = _cli_error(["stats", option, str(path)], capsys)
    assert fragment in err and str(path) in err


def test_real_process_prints_no_traceback() -> None:
    path = BAD / "binary-garbage.klviz.json"
    run = subprocess.run(
        [sys.executable, "-m", "klviz", "stats", "--session", str(path)],
        check=False, capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 2 and run.stdout == ""
    assert _one_line(run.stderr.rstrip("\n")).startswith("klviz: error: ")


# --- hypothesis: nothing but SessionError, and whatever loads is a valid session -----------

JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=12,
)
SETTING = (
    st.none() | st.booleans() | st.text(max_size=6)
    | st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**6), 10**6)
    | st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=3)
)


@st.composite
def session_docs(draw: st.DrawFn) -> dict:
    """Mostly valid session objects with now and then a field broken, dropped or added."""
    n = draw(st.integers(1, 4))

    def sometimes_broken(valid: st.SearchStrategy) -> object:
        return draw(JSON) if draw(st.integers(0, 7)) == 0 else draw(valid)

    weights = st.lists(st.floats(0, 1e6) | st.integers(0, 10**6), min_size=n, max_size=n)
    doc = {
        "format": sometimes_broken(st.just("klviz-session")),
        "version": sometimes_broken(st.just(1)),
        "p": sometimes_broken(weights),
        "q": sometimes_broken(weights),
    }
    optional = {
        "x": st.lists(st.floats(-1e6, 1e6), min_size=n, max_size=n, unique=True).map(sorted),
        "labels": st.none() | st.lists(st.text(min_size=1, max_size=4), min_size=n,
                                       max_size=n, unique=True),
        "units": st.sampled_from(UNITS),
        "preset": st.none() | st.text(max_size=10),
        "optimizer": st.dictionaries(st.text(max_size=6), SETTING, max_size=3),
        "view": st.dictionaries(st.text(max_size=6), SETTING, max_size=3),
    }
    for key, valid in optional.items():
        if draw(st.booleans()):
            doc[key] = sometimes_broken(valid)
    if draw(st.integers(0, 9)) == 0:
        doc[draw(st.text(max_size=6))] = draw(JSON)
    return doc


def _load_or_refuse(text: str) -> Session | None:
    """Load ``text``; a refusal must be one SessionError line naming the source."""
    try:
        s = loads_session(text, "fuzz.klviz.json")
    except SessionError as exc:
        assert _one_line(str(exc)).startswith("fuzz.klviz.json: ")
        return None
    n = s.p.size
    assert 1 <= n <= MAX_BINS and s.q.size == n and s.x.size == n
    as_distribution(s.p)
    as_distribution(s.q)
    assert n == 1 or (np.diff(s.x) > 0).all()
    assert s.labels is None or (len(s.labels) == n and len(set(s.labels)) == n)
    assert s.units in UNITS
    again = loads_session(dumps_session(s))
    assert again.p.tobytes() == s.p.tobytes() and again.q.tobytes() == s.q.tobytes()
    assert again.x.tobytes() == s.x.tobytes() and again.labels == s.labels
    assert (again.optimizer, again.view, again.preset) == (s.optimizer, s.view, s.preset)
    return s


@settings(max_examples=300, deadline=None)
@given(session_docs())
def test_fuzzed_session_objects(doc: dict) -> None:
    _load_or_refuse(json.dumps(doc))


@settings(deadline=None)
@given(JSON)
def test_random_json_values(value: object) -> None:
    _load_or_refuse(json.dumps(value))


@settings(deadline=None)
@given(st.text() | st.text(alphabet='{}[]":,.0123456789eE+-truefalsnNIiy \n\\'))
def test_random_text(text: str) -> None:
    _load_or_refuse(text)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_random_bytes(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "fuzz.klviz.json"
    path.write_bytes(raw)
    try:
        load_session(path)
    except SessionError as exc:
        assert _one_line(str(exc)).startswith(f"{path}: ")


CSV_ALPHABET = 'xlabelpq,;\n\r"\t .0123456789-+eEinfaHT\u00e9\x00'


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=CSV_ALPHABET) | st.text()
       | st.lists(st.sampled_from(["x,p,q", "label,p", "q", "0,1,2", "1,0.5,-1", "a,1", ""]),
                  max_size=6).map("\n".join))
def test_random_csv_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        table = read_table(path)
    except ValueError as exc:
        assert _one_line(str(exc)).startswith(str(path))
        return
    _check_table(table)


def _check_table(t: Table) -> None:
    weights = [w for w in (t.p, t.q) if w is not None]
    assert weights and all(w.size == weights[0].size for w in weights)
    n = weights[0].size
    for w in weights:
        assert np.isfinite(w).all() and (w >= 0).all() and w.any()
    assert t.x is None or t.labels is None
    assert t.x is None or (t.x.size == n and (np.diff(t.x) > 0).all())
    assert t.labels is None or (len(t.labels) == n == len(set(t.labels)))
