"""Where klviz finds its bundled files (icon, example sessions)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["example_sessions", "resource_dir"]


def resource_dir() -> Path:
    """The resources folder: ``klviz/resources`` when installed, ``resources/`` in a checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "resources", package.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(2, "klviz resources folder not found", str(package / "resources"))


def example_sessions() -> list[Path]:
    """The bundled example ``*.klviz.json`` sessions, sorted by name."""
    return sorted((resource_dir() / "sessions").glob("*.klviz.json"))
