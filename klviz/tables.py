"""CSV import and export of P and Q (numpy and the standard library only).

A table is a header row, then one row per bin. Columns: an optional first column ``x``
(bin centres, strictly increasing) or ``label`` (bin names, distinct), then ``p`` and/or
``q`` in either order. Cells are separated by commas or semicolons (decided from the
header); the file is UTF-8, with or without a byte-order mark. For example::

    label,p,q
    H,0.99,0.5
    T,0.01,0.5

``p`` and ``q`` are raw non-negative weights: they are validated here but not normalised.
"""

from __future__ import annotations

import csv
import errno
import io
import itertools
import math
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from klviz.atomic import atomic_write
from klviz.core.distributions import MAX_BINS, validate_labels, validate_weights, validate_x

__all__ = ["MAX_FILE_BYTES", "Table", "read_table", "write_table"]

MAX_FILE_BYTES = 64 * 2**20
"""Largest CSV file :func:`read_table` reads (far more than MAX_BINS rows need)."""

_LAYOUT_COLUMNS = ("x", "label")
_WEIGHT_COLUMNS = ("p", "q")


@dataclass(frozen=True)
class Table:
    """What a CSV file holds: bin centres or labels (or neither) and the P and/or Q weights."""

    x: NDArray[np.float64] | None
    labels: tuple[str, ...] | None
    p: NDArray[np.float64] | None
    q: NDArray[np.float64] | None


class _TableError(ValueError):
    """A problem in a CSV file, worded as ``<file> line <n>: <what>``."""

    def __init__(self, name: str, line: int | None, what: str) -> None:
        where = f"{name} line {line}" if line is not None else name
        super().__init__(f"{where}: {what}")


def _read_text(path: Path, name: str) -> str:
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a directory, not a file", name)
    with open(path, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _TableError(name, None, f"larger than {MAX_FILE_BYTES // 2**20} MiB; not a table")
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise _TableError(name, line, "binary data (a NUL byte); expected a CSV text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _TableError(
            name, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None


def _label_problem(label: str) -> str | None:
    """Why ``label`` cannot be a bin name in a CSV table, or None when it can."""
    if not label.strip():
        return "is empty"
    if label != label.strip():
        return "starts or ends with spaces"
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in label):
        return "contains a control character"
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _parse_header(cells: list[str], name: str) -> list[str]:
    """Lower-cased column names, checked against the format in the module docstring."""
    columns = [c.strip().lower() for c in cells]
    if all(_is_number(c) for c in columns):
        raise _TableError(
            name, 1, "the first line must be a header naming the columns, e.g. x,p,q"
        )
    seen: set[str] = set()
    for i, col in enumerate(columns):
        if not col:
            raise _TableError(name, 1, f"column {i + 1} of the header has no name")
        if col not in _LAYOUT_COLUMNS + _WEIGHT_COLUMNS:
            raise _TableError(
                name, 1,
                f"unknown column {cells[i].strip()!r} in the header; expected x or label, "
                "then p and/or q, separated by ',' or ';'",
            )
        if col in seen:
            raise _TableError(name, 1, f"column {col!r} appears twice in the header")
        seen.add(col)
    if set(_LAYOUT_COLUMNS) <= seen:
        raise _TableError(name, 1, "use either an x or a label column, not both")
    for col in _LAYOUT_COLUMNS:
        if col in seen and columns[0] != col:
            raise _TableError(name, 1, f"column {col!r} must be the first column")
    if not seen & set(_WEIGHT_COLUMNS):
        raise _TableError(name, 1, "the header needs a p or a q column")
    return columns


class _Columns:
    """Collects and checks one table's cells row by row, remembering line numbers."""

    def __init__(self, name: str, columns: list[str]) -> None:
        self.name = name
        self.columns = columns
        self.values: dict[str, list[float]] = {c: [] for c in columns if c != "label"}
        self.labels: dict[str, int] = {}
        self.n_rows = 0

    def add_row(self, line: int, cells: list[str]) -> None:
        if len(cells) != len(self.columns):
            raise _TableError(
                self.name, line,
                f"expected {len(self.columns)} values ({', '.join(self.columns)}), "
                f"got {len(cells)}",
            )
        if self.n_rows == MAX_BINS:
            raise _TableError(
                self.name, line, f"more than {MAX_BINS} rows; klviz handles at most {MAX_BINS} bins"
            )
        self.n_rows += 1
        for col, raw in zip(self.columns, cells, strict=True):
            cell = raw.strip()
            if col == "label":
                self._add_label(line, cell)
            else:
                self._add_number(line, col, cell)

    def _add_label(self, line: int, label: str) -> None:
        problem = _label_problem(label)
        if problem:
            raise _TableError(self.name, line, f"label {label!r} {problem}")
        if label in self.labels:
            raise _TableError(
                self.name, line, f"label {label!r} already used on line {self.labels[label]}"
            )
        self.labels[label] = line

    def _add_number(self, line: int, col: str, cell: str) -> None:
        if not cell:
            raise _TableError(self.name, line, f"no value in column {col}")
        try:
            value = float(cell)
        except ValueError:
            hint = " (use '.' as the decimal point)" if _is_number(cell.replace(",", ".")) else ""
            raise _TableError(
                self.name, line, f"{cell!r} is not a number in column {col}{hint}"
            ) from None
        if not math.isfinite(value):
            raise _TableError(self.name, line, f"{cell!r} is not a finite number in column {col}")
        column = self.values[col]
        if col == "x" and column and value <= column[-1]:
            raise _TableError(
                self.name, line, f"x must be strictly increasing ({cell} after {column[-1]!r})"
            )
        if col != "x" and value < 0:
            raise _TableError(self.name, line, f"negative weight {cell} in column {col}")
        column.append(value)

    def table(self) -> Table:
        def weights(col: str) -> NDArray[np.float64] | None:
            if col not in self.values:
                return None
            return validate_weights(self.values[col], f"{self.name}: column {col}")

        x = self.values.get("x")
        return Table(
            x=None if x is None else np.asarray(x, dtype=np.float64),
            labels=tuple(self.labels) if "label" in self.columns else None,
            p=weights("p"),
            q=weights("q"),
        )


def read_table(path: str | os.PathLike[str]) -> Table:
    """Read P and/or Q (and x or labels) from a CSV file; see the module docstring.

    Weights are validated (non-negative, finite, not all zero, at most MAX_BINS) but not
    normalised. Raises ``ValueError`` naming the file and line for any problem in the
    content, and ``OSError`` when the file cannot be read (missing, a directory, ...).
    """
    path = Path(path)
    name = str(path)
    text = _read_text(path, name)
    if not text.strip():
        raise _TableError(name, None, "the file is empty; expected a header like x,p,q")
    source = io.StringIO(text, newline="")
    header_line = source.readline()
    if not header_line.strip():
        raise _TableError(name, 1, "blank line; the first line must be the header, e.g. x,p,q")
    delimiter = ";" if ";" in header_line and "," not in header_line else ","
    reader = csv.reader(itertools.chain([header_line], source), delimiter=delimiter)
    blank_line: int | None = None
    try:
        columns = _Columns(name, _parse_header(next(reader), name))
        for cells in reader:
            if not any(c.strip() for c in cells):
                if blank_line is None:
                    blank_line = reader.line_num
                continue
            if blank_line is not None:
                raise _TableError(
                    name, blank_line, "blank line inside the data; only trailing blank lines "
                    "are allowed",
                )
            columns.add_row(reader.line_num, cells)
    except csv.Error as exc:
        raise _TableError(name, reader.line_num, str(exc)) from None
    if columns.n_rows == 0:
        raise _TableError(name, None, "has a header but no data rows")
    return columns.table()


def _number_column(values: NDArray[np.float64]) -> list[str]:
    return [repr(v) for v in values.tolist()]


def write_table(
    path: str | os.PathLike[str],
    *,
    x: ArrayLike | None = None,
    labels: Sequence[str] | None = None,
    p: ArrayLike | None = None,
    q: ArrayLike | None = None,
) -> None:
    """Write a CSV table atomically that :func:`read_table` reads back exactly.

    Numbers are written at full precision (``repr``). Raises ``ValueError`` for data the
    reader would reject: neither p nor q, both x and labels, bad weights or mismatched
    lengths, non-increasing x, empty or duplicate labels, labels with surrounding spaces
    (the reader strips cells) or control characters.
    """
    weights = {
        col: validate_weights(w, col.upper())
        for col, w in (("p", p), ("q", q))
        if w is not None
    }
    if not weights:
        raise ValueError("a table needs p or q")
    if x is not None and labels is not None:
        raise ValueError("a table has either x or labels, not both")
    sizes = {w.size for w in weights.values()}
    if len(sizes) > 1:
        raise ValueError(f"P has {weights['p'].size} bins but Q has {weights['q'].size}")
    n = sizes.pop()
    columns: dict[str, list[str]] = {}
    if x is not None:
        columns["x"] = _number_column(validate_x(x, n))
    if labels is not None:
        lab = validate_labels(labels, n)
        for label in lab:
            problem = _label_problem(label)
            if problem:
                raise ValueError(f"label {label!r} {problem}")
        columns["label"] = list(lab)
    columns.update({col: _number_column(w) for col, w in weights.items()})
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(zip(*columns.values(), strict=True))
    atomic_write(path, buf.getvalue())
