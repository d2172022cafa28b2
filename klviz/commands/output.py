"""Printing for the CLI: text that degrades to ASCII on terminals that cannot show ‖ and ∞,
and JSON that never contains NaN (infinity is the string ``"inf"``)."""

from __future__ import annotations

import json
import math
import sys
from typing import Any, TextIO

__all__ = ["json_number", "print_json", "print_text", "shows_symbols", "to_ascii"]

_ASCII_SYMBOLS = {"‖": "||", "∞": "inf", "–": "-", "…": "...", "σ": "sigma", "μ": "mu"}
_ASCII = str.maketrans(_ASCII_SYMBOLS)


def shows_symbols(stream: TextIO) -> bool:
    """Whether ``stream``'s encoding can show ‖, ∞ and the other symbols klviz prints."""
    try:
        "".join(_ASCII_SYMBOLS).encode(stream.encoding or "ascii")
    except UnicodeEncodeError:
        return False
    return True


def to_ascii(text: str) -> str:
    """``text`` with klviz's symbols spelled in ASCII (‖ → ||, ∞ → inf)."""
    return text.translate(_ASCII)


def print_text(text: str, stream: TextIO | None = None) -> None:
    """Print ``text``; symbols become ASCII (‖ → ||, ∞ → inf) where the stream cannot show them."""
    out = sys.stdout if stream is None else stream
    if not shows_symbols(out):
        text = to_ascii(text)
    encoding = out.encoding or "ascii"
    print(text.encode(encoding, errors="replace").decode(encoding), file=out)


def json_number(value: float) -> float | str:
    """A float for JSON: ``"inf"`` when infinite (NaN is a bug and raises)."""
    if math.isnan(value):
        raise ValueError("internal error: a NaN reached the output")
    return "inf" if math.isinf(value) else value


def print_json(doc: dict[str, Any]) -> None:
    """Print one indented JSON object (``allow_nan=False``: NaN or inf there is a bug)."""
    print(json.dumps(doc, indent=2, allow_nan=False))
