"""The one model behind the window: P, Q, bin centres, labels and units (QtCore only).

Every change to the distributions goes through a method here — mouse drags, keyboard edits,
the Python API, the optimiser and undo alike — and is announced by a signal. Views read the
arrays (read-only views, never copies they keep) and call methods; they never write arrays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from PySide6.QtCore import QObject, Signal

from klviz.core import divergence
from klviz.core.distributions import (
    MAX_BINS,
    get_preset,
    normalized_with_note,
    resample,
    validate_labels,
    validate_x,
)

Which = Literal["p", "q"]
Direction = Literal["pq", "qp"]
UNITS: dict[str, float] = {"bits": divergence.BITS, "nats": divergence.NATS}

__all__ = ["UNITS", "Direction", "DistributionModel", "Snapshot", "Which"]


@dataclass(frozen=True)
class Snapshot:
    """An immutable copy of the model's data, for undo and for saving."""

    x: NDArray[np.float64]
    p: NDArray[np.float64]
    q: NDArray[np.float64]
    labels: tuple[str, ...] | None
    preset: str | None

    def same_data(self, other: Snapshot) -> bool:
        """True when both hold the same arrays and labels (bit for bit)."""
        return (
            self.labels == other.labels
            and np.array_equal(self.x, other.x)
            and np.array_equal(self.p, other.p)
            and np.array_equal(self.q, other.q)
        )


def _frozen(a: NDArray[np.float64]) -> NDArray[np.float64]:
    a.flags.writeable = False
    return a


class DistributionModel(QObject):
    """P (true / data), Q (model) on shared bin centres, plus the display unit.

    Signals:
        dataChanged(str): bar heights changed; the argument is ``"p"``, ``"q"`` or ``"pq"``.
        gridChanged(): the bins themselves changed (count, centres or labels); implies new data.
        unitsChanged(str): ``"bits"`` or ``"nats"``.
        notice(str): a one-line message for the user, e.g. that input was normalised.
    """

    dataChanged = Signal(str)
    gridChanged = Signal()
    unitsChanged = Signal(str)
    notice = Signal(str)

    def __init__(self, preset: str = "bimodal", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._units = "bits"
        self._cache: dict[str, Any] = {}
        self._x = self._p = self._q = _frozen(np.ones(1))
        self._labels: tuple[str, ...] | None = None
        self._preset: str | None = None
        self._origin = self.snapshot()
        self.load_preset(preset)  # the same arrays, bit for bit, as a later reset() gives

    # ------------------------------------------------------------------ reading
    @property
    def x(self) -> NDArray[np.float64]:
        """Bin centres (read-only)."""
        return self._x

    @property
    def p(self) -> NDArray[np.float64]:
        """The true distribution P (read-only)."""
        return self._p

    @property
    def q(self) -> NDArray[np.float64]:
        """The model distribution Q (read-only)."""
        return self._q

    def values(self, which: Which) -> NDArray[np.float64]:
        """P or Q by name."""
        return self._p if _check_which(which) == "p" else self._q

    @property
    def labels(self) -> tuple[str, ...] | None:
        """Bin labels (categorical data) or None."""
        return self._labels

    @property
    def n_bins(self) -> int:
        """Number of bins shared by P and Q."""
        return int(self._x.size)

    @property
    def preset(self) -> str | None:
        """Name of the preset the data came from, until the grid is replaced otherwise."""
        return self._preset

    @property
    def units(self) -> str:
        """``"bits"`` or ``"nats"``."""
        return self._units

    @property
    def base(self) -> float:
        """Logarithm base of the current unit."""
        return UNITS[self._units]

    def bin_name(self, index: int) -> str:
        """How a bin is named to the user: its label, or its x value."""
        if self._labels is not None:
            return self._labels[index]
        return f"x = {self._x[index]:.4g}"

    def stats(self) -> dict[str, Any]:
        """Every readout in the current unit, keyed as ``klviz stats --json`` (cached)."""
        if "stats" not in self._cache:
            stats = divergence.summary(self._p, self._q, self.base)
            stats["normalized"] = False
            stats["preset"] = self._preset
            self._cache["stats"] = stats
        return dict(self._cache["stats"])

    def pointwise(self, direction: Direction) -> NDArray[np.float64]:
        """Per-bin terms in the current unit (cached, read-only).

        ``"pq"``: p·log(p/q), the terms of KL(P‖Q); ``"qp"``: q·log(q/p), those of KL(Q‖P).
        Infinite where the first distribution is positive and the second zero; never NaN.
        """
        if direction not in ("pq", "qp"):
            raise ValueError(f"direction must be 'pq' or 'qp', got {direction!r}")
        key = f"pointwise_{direction}"
        if key not in self._cache:
            a, b = (self._p, self._q) if direction == "pq" else (self._q, self._p)
            self._cache[key] = _frozen(divergence.pointwise_kl(a, b, self.base))
        return self._cache[key]

    def surprisal(self, which: Which) -> NDArray[np.float64]:
        """Per-bin −log p or −log q in the current unit: the code length of each outcome
        under a code built for P or Q (cached, read-only; infinite where the value is 0)."""
        key = f"surprisal_{_check_which(which)}"
        if key not in self._cache:
            self._cache[key] = _frozen(divergence.surprise(self.values(which), self.base))
        return self._cache[key]

    def snapshot(self) -> Snapshot:
        """An immutable copy of the current data (arrays are shared: they are read-only)."""
        return Snapshot(self._x, self._p, self._q, self._labels, self._preset)

    # ------------------------------------------------------------------ editing
    def set_bar(self, which: Which, index: int, value: float) -> None:
        """Set one bar of P or Q to ``value`` (clamped to [0, 1]); the others rescale.

        The remaining bars are scaled proportionally so the distribution still sums to 1;
        if they are all zero the remainder is spread uniformly over them. A non-finite
        ``value`` raises ``ValueError`` and changes nothing.
        """
        which = _check_which(which)
        if not math.isfinite(value):
            raise ValueError(f"a bar height must be a finite number, got {value!r}")
        old = self.values(which)
        n = old.size
        if not 0 <= index < n:
            raise IndexError(f"bin {index} is out of range (0..{n - 1})")
        value = 1.0 if n == 1 else float(np.clip(value, 0.0, 1.0))
        new = old.copy()
        new[index] = 0.0
        rest = float(new.sum())
        if rest > 0.0:  # divide first: (1 - value) / rest overflows when rest is denormal
            new = new / rest * (1.0 - value)
        else:
            new[:] = (1.0 - value) / (n - 1)
        new[index] = value
        self._store(which, new)

    def set_values(self, which: Which, weights: ArrayLike) -> None:
        """Replace P or Q by ``weights`` (same bin count), normalising visibly if needed."""
        which = _check_which(which)
        name = which.upper()
        notes: list[str] = []
        dist = _normalized(weights, name, notes)
        if dist.size != self.n_bins:
            raise ValueError(f"{name} needs {self.n_bins} values, got {dist.size}")
        self._store(which, dist)
        self._announce(notes)

    def set_data(
        self,
        x: ArrayLike | None,
        p: ArrayLike,
        q: ArrayLike,
        labels: Sequence[str] | None = None,
        preset: str | None = None,
    ) -> None:
        """Replace the whole grid and both distributions; validates before touching anything.

        If weights had to be normalised, one ``notice`` says so (after the change).
        """
        notes: list[str] = []
        pa = _normalized(p, "P", notes)
        qa = _normalized(q, "Q", notes)
        if pa.size != qa.size:
            raise ValueError(f"P has {pa.size} bins but Q has {qa.size}; they must match")
        xa = np.arange(pa.size, dtype=np.float64) if x is None else validate_x(x, pa.size)
        lab = None if labels is None else validate_labels(labels, pa.size)
        self._replace(xa, pa, qa, lab, preset, new_origin=True)
        self._announce(notes)

    def restore(self, snap: Snapshot) -> None:
        """Return to a :meth:`snapshot` exactly (used by undo)."""
        same_grid = snap.labels == self._labels and np.array_equal(snap.x, self._x)
        self._x, self._p, self._q = snap.x, snap.p, snap.q
        self._labels, self._preset = snap.labels, snap.preset
        self._cache.clear()
        if not same_grid:
            self.gridChanged.emit()
        self.dataChanged.emit("pq")

    def load_preset(self, name: str) -> None:
        """Replace everything by the named preset."""
        pr = get_preset(name)
        self.set_data(pr.x, pr.p, pr.q, pr.labels, preset=pr.name)

    def set_units(self, units: str) -> None:
        """Switch the display unit to ``"bits"`` or ``"nats"``."""
        if units not in UNITS:
            raise ValueError(f"units must be 'bits' or 'nats', got {units!r}")
        if units != self._units:
            self._units = units
            self._cache.clear()
            self.unitsChanged.emit(units)

    def swap(self) -> None:
        """Exchange P and Q."""
        self._p, self._q = self._q, self._p
        self._cache.clear()
        self.dataChanged.emit("pq")

    def copy_p_to_q(self) -> None:
        """Make Q identical to P (every divergence becomes 0)."""
        self._store("q", self._p.copy())

    def make_uniform(self, which: Which) -> None:
        """Set P or Q to the uniform distribution."""
        self._store(_check_which(which), np.full(self.n_bins, 1.0 / self.n_bins))

    def resample(self, n: int) -> None:
        """Re-grid P and Q to ``n`` bins over the same span, keeping their shapes.

        Only for numeric grids: labelled (categorical) bins cannot be resampled.
        """
        if self._labels is not None:
            raise ValueError("labelled bins (categories) cannot be resampled")
        if not 2 <= n <= MAX_BINS:
            raise ValueError(f"number of bins must be between 2 and {MAX_BINS}, got {n}")
        if n == self.n_bins:
            return
        x, p = resample(self._x, self._p, n)
        _, q = resample(self._x, self._q, n)
        self._replace(x, p, q, None, self._preset, new_origin=False)

    def reset(self) -> None:
        """Start over: reload the current preset, or else return to the data as last loaded
        with :meth:`set_data` (resampling and edits are undone; the unit stays)."""
        if self._preset is not None:
            self.load_preset(self._preset)
        else:
            self.restore(self._origin)

    # ------------------------------------------------------------------ internals
    def _replace(
        self,
        x: NDArray[np.float64],
        p: NDArray[np.float64],
        q: NDArray[np.float64],
        labels: tuple[str, ...] | None,
        preset: str | None,
        *,
        new_origin: bool,
    ) -> None:
        """Install a validated grid and both distributions; ``new_origin`` marks them as
        what :meth:`reset` returns to."""
        self._x, self._p, self._q = _frozen(x), _frozen(p), _frozen(q)
        self._labels, self._preset = labels, preset
        if new_origin:
            self._origin = self.snapshot()
        self._cache.clear()
        self.gridChanged.emit()
        self.dataChanged.emit("pq")

    def _announce(self, notes: list[str]) -> None:
        if notes:
            self.notice.emit("; ".join(notes))

    def _store(self, which: Which, values: NDArray[np.float64]) -> None:
        if which == "p":
            self._p = _frozen(values)
        else:
            self._q = _frozen(values)
        self._cache.clear()
        self.dataChanged.emit(which)


def _normalized(weights: ArrayLike, name: str, notes: list[str]) -> NDArray[np.float64]:
    """``weights`` as a distribution; a note joins ``notes`` if they had to be rescaled."""
    dist, note = normalized_with_note(weights, name)
    if note:
        notes.append(note)
    return dist


def _check_which(which: str) -> Which:
    if which not in ("p", "q"):
        raise ValueError(f"which must be 'p' or 'q', got {which!r}")
    return which  # type: ignore[return-value]
