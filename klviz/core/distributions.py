"""Validation, normalisation, grids and the named presets (numpy only).

A *distribution* here is a 1-D float64 array of non-negative, finite numbers summing to 1.
*Weights* are the same without the sum constraint; :func:`normalize` turns weights into a
distribution explicitly, and :func:`to_distribution` also says whether it had to.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

MAX_BINS = 100_000
"""Largest number of bins klviz accepts anywhere (files, CLI, the window)."""

SUM_TOLERANCE = 1e-6
"""How far from 1 a sum may be and still count as a distribution (relative)."""

__all__ = [
    "MAX_BINS",
    "SUM_TOLERANCE",
    "Preset",
    "as_distribution",
    "gaussian_on_grid",
    "get_preset",
    "grid",
    "normalize",
    "normalized_with_note",
    "preset_names",
    "resample",
    "softmax",
    "to_distribution",
    "validate_labels",
    "validate_weights",
    "validate_x",
    "weights_total",
]


def validate_weights(w: ArrayLike, name: str = "weights") -> NDArray[np.float64]:
    """Return ``w`` as a 1-D float64 array, or raise ``ValueError`` saying what is wrong.

    Rejected: non-numeric values, not 1-D, empty, more than :data:`MAX_BINS` bins, NaN,
    ±inf, negative values and all-zero input.
    """
    try:
        arr = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a list of numbers") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a flat list of numbers, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if arr.size > MAX_BINS:
        raise ValueError(f"{name} has {arr.size} bins; klviz handles at most {MAX_BINS}")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} has a non-finite value ({arr[i]}) at bin {i}")
    if (arr < 0).any():
        i = int(np.flatnonzero(arr < 0)[0])
        raise ValueError(f"{name} has a negative value ({arr[i]:g}) at bin {i}")
    if not arr.any():
        raise ValueError(f"{name} is all zeros; at least one bin needs positive weight")
    return arr


def validate_x(x: ArrayLike, n: int) -> NDArray[np.float64]:
    """Bin centres: ``n`` finite, strictly increasing numbers."""
    try:
        xa = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("x must be a list of numbers") from None
    if xa.ndim != 1 or xa.size != n:
        raise ValueError(f"x needs {n} values, got {xa.size}")
    if not np.isfinite(xa).all():
        raise ValueError("x has a non-finite value")
    if n > 1 and not (np.diff(xa) > 0).all():
        raise ValueError("x must be strictly increasing")
    return xa


def validate_labels(labels: Sequence[str], n: int) -> tuple[str, ...]:
    """Bin labels: ``n`` distinct, non-empty strings."""
    lab = tuple(labels)
    if len(lab) != n:
        raise ValueError(f"labels need {n} entries, got {len(lab)}")
    if not all(isinstance(s, str) and s for s in lab):
        raise ValueError("labels must be non-empty strings")
    if len(set(lab)) != n:
        repeated = next(s for s, count in Counter(lab).items() if count > 1)
        raise ValueError(f"labels must be distinct; {repeated!r} appears more than once")
    return lab


def weights_total(w: ArrayLike, name: str = "weights") -> float:
    """The sum of valid weights, ``inf`` (without a warning) when it exceeds float64."""
    with np.errstate(over="ignore"):
        return float(validate_weights(w, name).sum())


def _divided(arr: NDArray[np.float64], total: float) -> NDArray[np.float64]:
    """Valid weights ``arr`` over their ``total``; divided by their largest first if it is inf."""
    if math.isinf(total):
        arr = arr / arr.max()
        total = float(arr.sum())
    return arr / total


def normalize(w: ArrayLike, name: str = "weights") -> NDArray[np.float64]:
    """Scale non-negative weights so they sum to 1 (even when their sum overflows float64)."""
    arr = validate_weights(w, name)
    return _divided(arr, weights_total(arr))


def to_distribution(w: ArrayLike, name: str = "weights") -> tuple[NDArray[np.float64], bool]:
    """Normalise ``w`` and report whether that changed it (sum off 1 by > tolerance)."""
    arr = validate_weights(w, name)
    total = weights_total(arr)
    return _divided(arr, total), not np.isclose(total, 1.0, rtol=SUM_TOLERANCE, atol=0.0)


def normalized_with_note(w: ArrayLike, name: str) -> tuple[NDArray[np.float64], str | None]:
    """``w`` as a (fresh) distribution, and a note for the user if it had to be rescaled.

    Weights that already sum to 1 (within tolerance) are kept bit for bit, so a saved session
    opens with exactly the arrays it was saved from.
    """
    arr = validate_weights(w, name)
    dist, changed = to_distribution(arr, name)
    if not changed:
        return arr.copy(), None
    return dist, f"{name} was normalised (its weights summed to {weights_total(arr):.6g})"


def as_distribution(p: ArrayLike, name: str = "P") -> NDArray[np.float64]:
    """Validate that ``p`` already is a distribution; never normalises silently."""
    arr = validate_weights(p, name)
    total = float(arr.sum())
    if not np.isclose(total, 1.0, rtol=SUM_TOLERANCE, atol=0.0):
        raise ValueError(f"{name} sums to {total:g}, not 1; normalise it first")
    return arr


def softmax(logits: NDArray[np.float64]) -> NDArray[np.float64]:
    """Numerically stable softmax of a 1-D array."""
    z = np.exp(logits - np.max(logits))
    return z / z.sum()


def grid(lo: float, hi: float, n: int) -> NDArray[np.float64]:
    """``n`` evenly spaced bin centres from ``lo`` to ``hi`` inclusive."""
    if not 1 <= n <= MAX_BINS:
        raise ValueError(f"number of bins must be between 1 and {MAX_BINS}, got {n}")
    return np.linspace(lo, hi, n)


def gaussian_on_grid(x: NDArray[np.float64], mu: float, sigma: float) -> NDArray[np.float64]:
    """N(mu, sigma²) evaluated at the bin centres ``x`` and normalised over the grid."""
    return softmax(-((x - mu) ** 2) / (2.0 * sigma**2))


def resample(
    x: NDArray[np.float64], p: NDArray[np.float64], n: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Re-grid a distribution to ``n`` bins over the same span, keeping its shape.

    The probability *density* (p divided by the local bin width) is linearly interpolated
    onto the new centres, then normalised; exact zeros stay zero wherever both neighbours are.
    """
    if not 2 <= n <= MAX_BINS:
        raise ValueError(f"number of bins must be between 2 and {MAX_BINS}, got {n}")
    new_x = grid(float(x[0]), float(x[-1]), n)
    if x.size == 1:
        return new_x, np.full(n, 1.0 / n)
    dens = np.interp(new_x, x, p / np.gradient(x)) * np.gradient(new_x)
    if not dens.any():  # every positive bin fell between two new centres
        dens[np.argmin(np.abs(new_x - x[np.argmax(p)]))] = 1.0
    return new_x, dens / dens.sum()


@dataclass(frozen=True)
class Preset:
    """A named P/Q pair on shared bin centres ``x`` with optional bin ``labels``."""

    name: str
    title: str
    description: str
    x: NDArray[np.float64]
    p: NDArray[np.float64]
    q: NDArray[np.float64]
    labels: tuple[str, ...] | None = None


def _categorical(
    name: str, title: str, description: str, labels: Sequence[str], p: Sequence[float],
    q: Sequence[float],
) -> Preset:
    return Preset(
        name, title, description, np.arange(len(labels), dtype=np.float64),
        normalize(p), normalize(q), tuple(labels),
    )


def _coin_fair_vs_rigged() -> Preset:
    return _categorical(
        "coin-fair-vs-rigged", "Coin: rigged, believed fair",
        "The coin is rigged (P = 0.99 / 0.01) but we code it as if fair (Q = ½ / ½): "
        "H(P,Q) = 1 bit, KL(P‖Q) = 0.919 bits.",
        ("H", "T"), (0.99, 0.01), (0.5, 0.5),
    )


def _coin_rigged_vs_fair() -> Preset:
    return _categorical(
        "coin-rigged-vs-fair", "Coin: fair, believed rigged",
        "The coin is fair (P = ½ / ½) but we code it as if rigged (Q = 0.99 / 0.01): "
        "H(P,Q) = 3.329 bits, KL(P‖Q) = 2.329 bits — the asymmetry of KL.",
        ("H", "T"), (0.5, 0.5), (0.99, 0.01),
    )


def _bimodal() -> Preset:
    x = grid(-6.0, 6.0, 201)
    p = 0.5 * gaussian_on_grid(x, -3.0, 0.5) + 0.5 * gaussian_on_grid(x, 3.0, 0.5)
    return Preset(
        "bimodal", "Bimodal P, one Gaussian Q",
        "P is an equal mixture of N(−3, 0.5²) and N(3, 0.5²); Q = N(0, 2²). Forward KL makes "
        "Q cover both modes, reverse KL makes it pick one.",
        x, normalize(p), gaussian_on_grid(x, 0.0, 2.0),
    )


def _gap() -> Preset:
    x = grid(-4.0, 4.0, 41)
    p = gaussian_on_grid(x, 0.0, 1.5)
    p[np.abs(x) < 1.0] = 0.0
    return Preset(
        "gap", "P with a gap",
        "P has a run of exact-zero bins around 0; Q = N(0, 1.5²) puts mass there, so "
        "KL(Q‖P) is infinite while KL(P‖Q) stays finite.",
        x, normalize(p), gaussian_on_grid(x, 0.0, 1.5),
    )


def _tokens() -> Preset:
    return _categorical(
        "tokens", "Next token: teacher vs student",
        "Next-token distributions after “the cat sat on the”: a teacher model P and a "
        "student Q being distilled from it (forward KL = the distillation loss − H(P)).",
        ("mat", "floor", "sofa", "roof", "table", "bed", "dog", "moon"),
        (0.46, 0.18, 0.12, 0.08, 0.07, 0.05, 0.03, 0.01),
        (0.30, 0.25, 0.05, 0.15, 0.10, 0.05, 0.08, 0.02),
    )


def _die() -> Preset:
    return _categorical(
        "die", "Die: loaded vs fair",
        "A die loaded towards six (P) coded with a fair-die code (Q).",
        ("1", "2", "3", "4", "5", "6"), (0.1, 0.1, 0.1, 0.1, 0.1, 0.5), (1, 1, 1, 1, 1, 1),
    )


def _disjoint() -> Preset:
    x = grid(-4.0, 4.0, 41)
    p = gaussian_on_grid(x, -2.0, 0.6)
    q = gaussian_on_grid(x, 2.0, 0.6)
    p[x >= 0] = 0.0
    q[x <= 0] = 0.0
    return Preset(
        "disjoint", "No overlap",
        "P and Q share no bins: both KL directions are infinite, while JS reaches its "
        "maximum of 1 bit and TV its maximum of 1.",
        x, normalize(p), normalize(q),
    )


_PRESETS: dict[str, Callable[[], Preset]] = {
    "coin-fair-vs-rigged": _coin_fair_vs_rigged,
    "coin-rigged-vs-fair": _coin_rigged_vs_fair,
    "bimodal": _bimodal,
    "gap": _gap,
    "tokens": _tokens,
    "die": _die,
    "disjoint": _disjoint,
}


def preset_names() -> list[str]:
    """Names of all presets, in menu order."""
    return list(_PRESETS)


def get_preset(name: str) -> Preset:
    """The preset called ``name``; ``ValueError`` listing the choices otherwise."""
    try:
        return _PRESETS[name]()
    except KeyError:
        raise ValueError(
            f"unknown preset {name!r}; choose one of: {', '.join(_PRESETS)}"
        ) from None
