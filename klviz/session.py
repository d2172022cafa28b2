"""Session files: P, Q, their grid and the window's settings as versioned JSON (no Qt).

A session file (by convention ``*.klviz.json``) is UTF-8 JSON holding one object. Schema,
version 1 — fields marked *required* must be present; unknown top-level fields are an error:

``format`` (required, string)
    Always ``"klviz-session"``; anything else is not a session file.
``version`` (required, integer)
    Schema version, currently ``1``. A larger number means the file was made by a newer klviz.
``p``, ``q`` (required, lists of numbers)
    Weights of P and Q: the same length, 1 to :data:`~klviz.core.distributions.MAX_BINS`
    bins, finite, non-negative, not all zero. Weights that do not sum to 1 (relative
    tolerance :data:`~klviz.core.distributions.SUM_TOLERANCE`) are normalised on load, and
    :attr:`Session.notes` says so. JSON has no NaN or Infinity: such values are rejected.
``x`` (optional, list of numbers)
    Bin centres: one per bin, finite and strictly increasing. Default ``0, 1, …, n−1``.
``labels`` (optional, list of strings or ``null``)
    Bin names for categorical data: one per bin, non-empty and distinct. Default ``null``.
``units`` (optional, string)
    ``"bits"`` (the default) or ``"nats"``.
``preset`` (optional, string or ``null``)
    Name of the preset the session started from, for display only. Default ``null``.
``optimizer``, ``view`` (optional, objects)
    Optimiser settings / fitted parameters and view settings, owned by the window. Keys are
    strings; each value is ``null``, ``true``/``false``, a finite number, a string or a list of
    at most ``MAX_BINS`` finite numbers. Keys inside them are not checked (kept as they are).
    Default ``{}``.

Files are at most :data:`MAX_FILE_BYTES` long; a UTF-8 byte-order mark is accepted.
Every problem raises :class:`SessionError` (a ``ValueError``) with one line that starts with
the file's name, e.g. ``lecture.klviz.json: 'p' has a negative value (-0.1) at bin 3``;
a missing, unreadable or directory path raises ``OSError``. Saving is atomic.
"""

from __future__ import annotations

import codecs
import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from klviz.atomic import atomic_write
from klviz.core.distributions import (
    MAX_BINS,
    get_preset,
    normalized_with_note,
    validate_labels,
    validate_weights,
    validate_x,
)

__all__ = [
    "FORMAT",
    "MAX_FILE_BYTES",
    "UNITS",
    "VERSION",
    "Session",
    "SessionError",
    "dumps_session",
    "load_session",
    "loads_session",
    "save_session",
]

FORMAT = "klviz-session"
"""The value of the ``format`` field."""

VERSION = 1
"""The schema version this klviz writes and the newest it reads."""

MAX_FILE_BYTES = 50 * 1024 * 1024
"""Largest session file klviz reads (checked before parsing)."""

UNITS = ("bits", "nats")
"""Allowed values of ``units``."""

_REQUIRED = ("format", "version", "p", "q")
_OPTIONAL = ("x", "labels", "units", "preset", "optimizer", "view")
_LARGEST_INT = int(np.finfo(np.float64).max)


class SessionError(ValueError):
    """A session file or text is not a valid klviz session; the message is one line."""


class _Invalid(Exception):
    """A problem found while checking a document; the caller adds the source name."""


@dataclass(eq=False)
class Session:
    """Everything a session file holds, checked and normalised.

    ``notes`` are one-line remarks made while loading (e.g. that P was normalised); they
    are not written to files.
    """

    x: NDArray[np.float64]
    p: NDArray[np.float64]
    q: NDArray[np.float64]
    labels: tuple[str, ...] | None = None
    units: str = "bits"
    preset: str | None = None
    optimizer: dict[str, Any] = field(default_factory=dict)
    view: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_preset(cls, name: str, units: str = "bits") -> Session:
        """A session holding the preset called ``name`` (``ValueError`` if there is none).

        This is how example session files are made: the ones shipped in
        ``resources/sessions`` are ``save_session(Session.from_preset(name), path)``.
        """
        pr = get_preset(name)
        return cls(x=pr.x, p=pr.p, q=pr.q, labels=pr.labels, units=units, preset=pr.name)


def load_session(path: str | os.PathLike[str]) -> Session:
    """Read and check the session file at ``path``.

    Raises ``OSError`` when the file cannot be read (missing, a directory, no permission)
    and :class:`SessionError` when its content is not a valid session.
    """
    source = os.fspath(path)
    with open(path, "rb") as fh:
        raw = fh.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise SessionError(
            f"{source}: file is larger than {MAX_FILE_BYTES // 2**20} MB; "
            "that is too big for a klviz session"
        )
    return loads_session(_decode(raw, source), source)


def loads_session(text: str, source: str = "<string>") -> Session:
    """Parse and check session JSON ``text``; ``source`` names it in error messages."""
    try:
        return _session_from(_parse(text))
    except _Invalid as exc:
        raise SessionError(f"{source}: {exc}") from None


def dumps_session(session: Session) -> str:
    """The session as JSON text (one field per line), checked so that it loads back.

    Raises :class:`SessionError` if the session holds something a file cannot (e.g. a NaN,
    or a setting that is not a JSON scalar or list of numbers).
    """
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "preset": session.preset,
        "units": session.units,
        "optimizer": _plain_settings(session.optimizer),
        "view": _plain_settings(session.view),
        "labels": _plain(session.labels),
        "x": _plain(session.x),
        "p": _plain(session.p),
        "q": _plain(session.q),
    }
    try:
        _session_from(doc)
    except _Invalid as exc:
        raise SessionError(f"cannot save session: {exc}") from None
    lines = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in doc.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def save_session(session: Session, path: str | os.PathLike[str]) -> None:
    """Write ``session`` to ``path`` atomically: on any error the old file stays as it was."""
    atomic_write(path, dumps_session(session), encoding="utf-8")


def _plain(value: Any) -> Any:
    """Arrays and tuples as lists, numpy scalars as numbers; the checks judge the rest."""
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    return list(value) if isinstance(value, tuple) else value


def _plain_settings(settings: Any) -> Any:
    if not isinstance(settings, Mapping):
        return settings
    return {k: _plain(v) for k, v in settings.items()}


def _decode(raw: bytes, source: str) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SessionError(f"{source}: file is UTF-16 text; save it as UTF-8")
    if b"\x00" in raw:
        raise SessionError(f"{source}: file contains NUL bytes; it is not a UTF-8 JSON file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SessionError(
            f"{source}: file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset "
            f"{exc.start}); save it as UTF-8"
        ) from None


def _parse(text: str) -> Any:
    if not text.strip():
        raise _Invalid("file is empty; expected a klviz session (JSON)")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise _Invalid("JSON ends too early (is the file truncated?)") from None
        raise _Invalid(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise _Invalid("not usable JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer literal with thousands of digits
        raise _Invalid(f"not usable JSON: {str(exc).split(':')[0]}") from None


def _session_from(doc: Any) -> Session:
    if not isinstance(doc, dict):
        raise _Invalid(f"expected a JSON object at the top level, got {_kind(doc)}")
    _check_header(doc)
    p, notes = _weights(doc, "p")
    q, q_notes = _weights(doc, "q")
    if q.size != p.size:
        raise _Invalid(f"'p' has {p.size} bins but 'q' has {q.size}; they must match")
    x = np.arange(p.size, dtype=np.float64)
    if "x" in doc:
        x = _numbers(doc["x"], "'x'")
        if x.size != p.size:
            raise _Invalid(f"'x' has {x.size} values but 'p' has {p.size} bins")
        x = _core(validate_x, x, p.size)
    return Session(
        x=x,
        p=p,
        q=q,
        labels=_labels(doc.get("labels"), p.size),
        units=_units(doc.get("units", "bits")),
        preset=_optional_text(doc.get("preset"), "preset"),
        optimizer=_settings(doc.get("optimizer", {}), "optimizer"),
        view=_settings(doc.get("view", {}), "view"),
        notes=notes + q_notes,
    )


def _check_header(doc: dict[str, Any]) -> None:
    if "format" not in doc:
        raise _Invalid("'format' is missing; this is not a klviz session file")
    if doc["format"] != FORMAT:
        raise _Invalid(
            f"'format' is {_show(doc['format'])}, not \"{FORMAT}\"; "
            "this is not a klviz session file"
        )
    if "version" not in doc:
        raise _Invalid("'version' is missing")
    version = doc["version"]
    if not _is_int(version) or version < 1:
        raise _Invalid(f"'version' must be a whole number from 1, got {_show(version)}")
    if version > VERSION:
        raise _Invalid(
            f"session version {version} was made by a newer klviz; this one reads up to "
            f"version {VERSION} (please upgrade klviz)"
        )
    unknown = sorted(set(doc) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        names = ", ".join(_show(k) for k in unknown)
        raise _Invalid(f"unknown field{'s' if len(unknown) > 1 else ''} {names}")
    missing = [k for k in _REQUIRED if k not in doc]
    if missing:
        raise _Invalid(f"'{missing[0]}' is missing")


def _weights(doc: dict[str, Any], key: str) -> tuple[NDArray[np.float64], list[str]]:
    arr = _core(validate_weights, _numbers(doc[key], f"'{key}'"), f"'{key}'")
    dist, note = normalized_with_note(arr, key.upper())
    return dist, [note] if note else []


def _numbers(value: Any, what: str, item: str = "bin") -> NDArray[np.float64]:
    """``value`` as a float64 array if it is a list of finite numbers; ``what`` names it."""
    if not isinstance(value, list):
        raise _Invalid(f"{what} must be a list of numbers, got {_kind(value)}")
    if len(value) > MAX_BINS:
        raise _Invalid(f"{what} has {len(value)} values; klviz handles at most {MAX_BINS}")
    for i, v in enumerate(value):
        problem = _number_problem(v)
        if problem:
            raise _Invalid(f"{what} has {problem} at {item} {i}")
    return np.array(value, dtype=np.float64)


def _number_problem(v: Any) -> str | None:
    """Why ``v`` is not a finite JSON number that fits a float64, or None if it is one."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return f"a non-number ({_show(v)})"
    if isinstance(v, int):
        return None if abs(v) <= _LARGEST_INT else "a number too large for a float"
    return None if math.isfinite(v) else f"a non-finite value ({v})"


def _labels(value: Any, n: int) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise _Invalid(f"'labels' must be a list of strings or null, got {_kind(value)}")
    if len(value) != n:
        raise _Invalid(f"'labels' gives {len(value)} names for {n} bins")
    for i, v in enumerate(value):
        if not isinstance(v, str):
            raise _Invalid(f"'labels' has a non-string ({_show(v)}) at bin {i}")
        _check_text(v, f"'labels' entry {i}")
    return _core(validate_labels, value, n)


def _units(value: Any) -> str:
    if value not in UNITS:
        raise _Invalid(f"'units' must be 'bits' or 'nats', got {_show(value)}")
    return str(value)


def _optional_text(value: Any, key: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise _Invalid(f"'{key}' must be a string or null, got {_kind(value)}")
    if value is not None:
        _check_text(value, f"'{key}'")
    return value


def _settings(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(f"'{key}' must be an object, got {_kind(value)}")
    for name, v in value.items():
        if not isinstance(name, str):
            raise _Invalid(f"'{key}' has a non-string key ({_show(name)})")
        _check_text(name, f"a key of '{key}'")
        where = f"'{key}' entry {_show(name)}"
        if isinstance(v, str):
            _check_text(v, where)
        elif isinstance(v, list):
            _numbers(v, where, item="index")
        elif v is not None and not isinstance(v, bool):
            if not isinstance(v, int | float):
                raise _Invalid(
                    f"{where} must be null, true/false, a number, a string or a list of "
                    f"numbers, got {_kind(v)}"
                )
            problem = _number_problem(v)
            if problem:
                raise _Invalid(f"{where} has {problem}")
    return {name: list(v) if isinstance(v, list) else v for name, v in value.items()}


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _Invalid(f"{where} is not valid Unicode text") from None


def _core(check: Callable[..., Any], *args: Any) -> Any:
    """Run a core validator, turning its ``ValueError`` into a session problem."""
    try:
        return check(*args)
    except ValueError as exc:
        raise _Invalid(str(exc)) from None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, int | float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list | tuple):
        return "a list"
    if isinstance(v, dict):
        return "an object"
    return type(v).__name__


def _show(v: Any, limit: int = 40) -> str:
    """A short one-line JSON-ish rendering of ``v`` for messages."""
    try:
        text = json.dumps(v, ensure_ascii=True)
    except (TypeError, ValueError):
        text = f"<{type(v).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"
