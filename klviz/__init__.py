"""klviz — drag two distributions and watch entropy, cross-entropy and KL divergence react."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from klviz.ui.main_window import MainWindow

__all__ = ["__version__", "show"]


def show(
    p: Any = None,
    q: Any = None,
    *,
    x: Any = None,
    labels: Any = None,
    preset: str | None = None,
    block: bool = True,
) -> MainWindow:
    """Open the klviz window from a script or notebook and return it.

    ``p`` and ``q`` are non-negative weights (normalised visibly if needed), ``x`` the bin
    centres and ``labels`` optional bin names; or name a ``preset``. With ``block=True`` the
    call runs the Qt event loop until the window closes.
    """
    from klviz.app import show_window

    return show_window(p=p, q=q, x=x, labels=labels, preset=preset, block=block)
