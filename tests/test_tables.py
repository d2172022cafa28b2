"""CSV import/export of P and Q: good files, every kind of bad file, exact round trips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from klviz.cli import error_message
from klviz.core.distributions import MAX_BINS
from klviz.tables import Table, read_table, write_table

DATA = Path(__file__).parent / "data"


def write_bytes(tmp_path: Path, content: bytes | str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


# --- good files ----------------------------------------------------------------------------


def test_reads_labels_p_and_q() -> None:
    t = read_table(DATA / "coin.csv")
    assert t.labels == ("H", "T") and t.x is None
    assert t.p.tolist() == [0.99, 0.01] and t.q.tolist() == [0.5, 0.5]


def test_reads_semicolons_x_and_columns_in_any_order_without_normalising() -> None:
    t = read_table(DATA / "weights-semicolon.csv")
    assert t.labels is None
    assert t.x.tolist() == [-1.5, -0.5, 0.5, 1.5]
    assert t.p.tolist() == [0.0, 3.0, 5.0, 2.0]
    assert t.q.tolist() == [1.0, 2.0, 4.0, 3.0]


def test_reads_a_single_p_column() -> None:
    t = read_table(DATA / "p-only.csv")
    assert t == Table(x=None, labels=None, p=t.p, q=None)
    assert t.p.tolist() == [0.1, 0.2, 0.4, 0.2, 0.1]


def test_tolerates_bom_crlf_spaces_case_and_trailing_blank_lines(tmp_path: Path) -> None:
    content = "\ufeffLabel , Q, P\r\n H ,1, 2\r\n\"a, b\" , 3 ,4\r\n\r\n  \r\n,,\r\n"
    t = read_table(write_bytes(tmp_path, content.encode("utf-8")))
    assert t.labels == ("H", "a, b")
    assert t.p.tolist() == [2.0, 4.0] and t.q.tolist() == [1.0, 3.0]


def test_reads_exactly_max_bins_rows(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "p\n" + "1\n" * MAX_BINS)
    assert read_table(path).p.size == MAX_BINS


# --- bad files -----------------------------------------------------------------------------

BAD_FILES = [
    (b"", "data.csv: the file is empty"),
    (b"  \n\n", "data.csv: the file is empty"),
    (b"\np\n1\n", "data.csv line 1: blank line; the first line must be the header"),
    (b"0.5,0.5\n0.5,0.5\n", "data.csv line 1: the first line must be a header"),
    (b"x,p,r\n0,1,1\n", "data.csv line 1: unknown column 'r' in the header"),
    (b"x\tp\tq\n0\t1\t1\n", r"data.csv line 1: unknown column .*separated by ',' or ';'"),
    (b"p,q,P\n1,1,1\n", "data.csv line 1: column 'p' appears twice"),
    (b"x,label,p\n0,a,1\n", "data.csv line 1: use either an x or a label column, not both"),
    (b"p,x\n1,0\n", "data.csv line 1: column 'x' must be the first column"),
    (b"label\nH\n", "data.csv line 1: the header needs a p or a q column"),
    (b"x,p,q,\n0,1,1,\n", "data.csv line 1: column 4 of the header has no name"),
    (b"x,p,q\n", "data.csv: has a header but no data rows"),
    (b"x,p,q\n\n\n", "data.csv: has a header but no data rows"),
    (b"x,p,q\n0,1,1\n1,1\n", r"data.csv line 3: expected 3 values \(x, p, q\), got 2"),
    (b"p\n1\n2,3\n", r"data.csv line 3: expected 1 values \(p\), got 2"),
    (b"label,p\nH,abc\n", "data.csv line 2: 'abc' is not a number in column p$"),
    (b"x;p\n0;0,5\n", r"data.csv line 2: '0,5' is not a number in column p \(use '.' as"),
    (b"p,q\n1,nan\n", "data.csv line 2: 'nan' is not a finite number in column q"),
    (b"x,p\n0,1\ninf,1\n", "data.csv line 3: 'inf' is not a finite number in column x"),
    (b"p,q\n1,1\n1,-0.5\n", "data.csv line 3: negative weight -0.5 in column q"),
    (b"p,q\n1,\n", "data.csv line 2: no value in column q"),
    (b"x,p\n0,1\n1,1\n1,1\n", r"data.csv line 4: x must be strictly increasing \(1 after 1.0\)"),
    (b"label,p\nH,1\n ,1\n", "data.csv line 3: label '' is empty"),
    (b'label,p\nH,1\n"a\nb",1\n', r"data.csv line 4: label 'a\\nb' contains a control char"),
    (b"label,p\nH,1\nT,1\nH,1\n", "data.csv line 4: label 'H' already used on line 2"),
    (b"p\n1\n\n2\n", "data.csv line 3: blank line inside the data"),
    (b"p,q\n0,1\n0,1\n", "data.csv: column p is all zeros"),
    (b"p\n1\n\x00\x01\x02\xff", r"data.csv line 3: binary data \(a NUL byte\)"),
    (b"p\n0.5\n\xff\xfe\n", r"data.csv line 3: not UTF-8 text \(byte 0xff\)"),
    ("label,p\ncafé,1\n".encode("latin-1"), r"data.csv line 2: not UTF-8 text \(byte 0xe9\)"),
    (b"label,p\nH,1\n" + b"T" * 200_000 + b",1\n", "data.csv line 3: field larger than"),
    ("p\n" + "1\n" * (MAX_BINS + 1), f"data.csv line {MAX_BINS + 2}: more than {MAX_BINS} rows"),
]


@pytest.mark.parametrize(
    ("content", "message"), BAD_FILES, ids=[m[:40] for _, m in BAD_FILES]
)
def test_bad_files_raise_one_line_errors_naming_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes | str, message: str
) -> None:
    write_bytes(tmp_path, content)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=message) as info:
        read_table("data.csv")
    assert "\n" not in str(info.value)


def test_a_directory_is_an_os_error_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as info:
        read_table(tmp_path)
    assert error_message(info.value) == f"is a directory, not a file: {tmp_path}"


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    with pytest.raises(FileNotFoundError) as info:
        read_table(missing)
    assert error_message(info.value) == f"no such file or directory: {missing}"


# --- writing -------------------------------------------------------------------------------

FLOATS = st.one_of(st.just(0.0), st.floats(1e-300, 1e300))
LABEL = st.text(
    st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=8
).map(str.strip).filter(bool)


@st.composite
def tables(draw) -> dict:
    n = draw(st.integers(1, 30))
    weights = st.lists(FLOATS, min_size=n, max_size=n).filter(any)
    which = draw(st.sampled_from(["p", "q", "pq"]))
    kwargs = {col: np.array(draw(weights)) for col in which}
    layout = draw(st.sampled_from(["x", "labels", None]))
    if layout == "x":
        steps = draw(st.lists(st.floats(1e-3, 1e3), min_size=n, max_size=n))
        kwargs["x"] = draw(st.floats(-1e6, 1e6)) + np.cumsum(steps)
    elif layout == "labels":
        kwargs["labels"] = tuple(draw(st.lists(LABEL, min_size=n, max_size=n, unique=True)))
    return kwargs


@given(tables())
def test_write_then_read_round_trips_exactly(tmp_path_factory, kwargs: dict) -> None:
    path = tmp_path_factory.mktemp("rt") / "table.csv"
    write_table(path, **kwargs)
    t = read_table(path)
    for col in ("x", "p", "q"):
        if col in kwargs:
            assert np.array_equal(getattr(t, col), kwargs[col])
        else:
            assert getattr(t, col) is None
    assert t.labels == kwargs.get("labels")


def test_write_table_writes_a_plain_csv(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_table(path, labels=["H", "T"], p=[0.99, 0.01], q=[0.5, 0.5])
    assert path.read_text() == "label,p,q\nH,0.99,0.5\nT,0.01,0.5\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"], "no temporary files left"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "a table needs p or q"),
        ({"x": [0, 1], "labels": ["a", "b"], "p": [1, 1]}, "either x or labels"),
        ({"p": [1, 1], "q": [1, 1, 1]}, "P has 2 bins but Q has 3"),
        ({"p": [1, -1]}, "P has a negative value"),
        ({"q": [0, 0]}, "Q is all zeros"),
        ({"x": [1, 0], "p": [1, 1]}, "strictly increasing"),
        ({"labels": ["a", "a"], "p": [1, 1]}, "distinct"),
        ({"labels": ["a", " b"], "p": [1, 1]}, "label ' b' starts or ends with spaces"),
        ({"labels": ["a", "b\rc"], "p": [1, 1]}, r"label 'b\\rc' contains a control"),
    ],
)
def test_write_table_refuses_what_read_table_would_reject(
    tmp_path: Path, kwargs: dict, message: str
) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old")
    with pytest.raises(ValueError, match=message):
        write_table(path, **kwargs)
    assert path.read_text() == "old"


def test_write_table_into_a_missing_folder_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_table(tmp_path / "nope" / "out.csv", p=[1.0])
