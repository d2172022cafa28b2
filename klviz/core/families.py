"""Restricted families for Q on a fixed grid: ``q = softmax(logits(θ))`` with analytic gradients.

A family maps a flat parameter vector θ to logits on the bin centres ``x`` and carries the
matching vector-Jacobian product: given ``g = dL/dlogits`` it returns ``dL/dθ``. Objectives
therefore only need their gradient with respect to the logits (see :mod:`klviz.core.optimize`).

Families: ``gaussian`` (discretised N(μ, σ²)), ``student-t`` (location/scale, ν fixed, default 3),
``mixture`` (K = 1..4 discretised Gaussians) and ``categorical`` (one free logit per bin, the
unrestricted case). Gaussian, Student-t and mixture can hold σ fixed (``fixed_sigma``).

Internal coordinates make one learning rate work on any grid: with ``c`` the grid centre and
``h`` half its span, a location is stored as ``u`` (μ = c + h·u) and a scale as ``s``
(σ = h·eˢ). The mixture is a log-sum-exp of normalised components,
``log q = logsumexp_k(log w_k + log softmax(g_k))`` with ``w = softmax(a)``, which is the same
as ``q = Σ w_k softmax(g_k)`` but never takes the log of an underflowed zero. :meth:`project`
clamps θ into a box (σ between a quarter of the bin spacing and twice the span, μ within one
span of the grid, logits within :data:`LOGIT_RANGE` of their maximum) so no step can overflow.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from klviz.core.distributions import softmax, validate_x

FAMILIES = ("gaussian", "mixture", "student-t", "categorical")
"""Family names accepted by :func:`make_family`, in menu order."""

MAX_COMPONENTS = 4
"""Largest number of mixture components."""

LOGIT_RANGE = 50.0
"""Free logits are kept within this distance below their maximum (q ratio ≥ e⁻⁵⁰)."""

DEFAULT_NU = 3.0
"""Degrees of freedom of the Student-t family unless told otherwise."""

__all__ = [
    "DEFAULT_NU",
    "FAMILIES",
    "LOGIT_RANGE",
    "MAX_COMPONENTS",
    "Categorical",
    "Family",
    "GridScale",
    "LocationScale",
    "grid_moments",
    "log_softmax",
    "make_family",
]

Vjp = Callable[[NDArray[np.float64]], NDArray[np.float64]]


def log_softmax(z: NDArray[np.float64], axis: int = -1) -> NDArray[np.float64]:
    """``log softmax(z)`` along ``axis``; finite wherever ``z`` is finite."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def grid_moments(x: NDArray[np.float64], q: NDArray[np.float64]) -> tuple[float, float]:
    """Mean and standard deviation of the distribution ``q`` on the bin centres ``x``."""
    mean = float(np.dot(x, q))
    return mean, math.sqrt(max(float(np.dot((x - mean) ** 2, q)), 0.0))


@dataclass(frozen=True)
class GridScale:
    """Centre, half-span and the σ / μ bounds a family allows on a grid of bin centres."""

    centre: float
    half: float
    sigma_min: float
    sigma_max: float
    mu_min: float
    mu_max: float

    @classmethod
    def of(cls, x: NDArray[np.float64]) -> GridScale:
        """The scale of grid ``x`` (a one-bin grid gets unit spacing)."""
        lo, hi = float(x[0]), float(x[-1])
        span = hi - lo if x.size > 1 else 1.0
        spacing = span / (x.size - 1) if x.size > 1 else 1.0
        return cls(
            centre=0.5 * (lo + hi), half=0.5 * span, sigma_min=0.25 * spacing,
            sigma_max=2.0 * span, mu_min=lo - span, mu_max=hi + span,
        )

    @property
    def default_sigma(self) -> float:
        """σ used when a location is given without a scale: a sixth of the span."""
        return self.half / 3.0

    def check_sigma(self, sigma: NDArray[np.float64], what: str = "sigma") -> None:
        """``ValueError`` unless every σ is finite and inside ``[sigma_min, sigma_max]``."""
        if not np.all(np.isfinite(sigma)) or np.any(sigma <= 0):
            raise ValueError(f"{what} must be positive and finite, got {_fmt(sigma)}")
        if np.any(sigma < self.sigma_min) or np.any(sigma > self.sigma_max):
            raise ValueError(
                f"{what} must be between {self.sigma_min:.4g} and {self.sigma_max:.4g} on this "
                f"grid, got {_fmt(sigma)}"
            )

    def check_mu(self, mu: NDArray[np.float64]) -> None:
        """``ValueError`` unless every μ is finite and within one span of the grid."""
        if not np.all(np.isfinite(mu)) or np.any(mu < self.mu_min) or np.any(mu > self.mu_max):
            raise ValueError(
                f"mu must be between {self.mu_min:.4g} and {self.mu_max:.4g} on this grid, "
                f"got {_fmt(mu)}"
            )


def _grid(x: ArrayLike) -> NDArray[np.float64]:
    xa = validate_x(x, int(np.size(x)))
    if xa.size == 0:
        raise ValueError("x is empty")
    return xa


def _fmt(values: NDArray[np.float64]) -> str:
    return ", ".join(f"{v:g}" for v in np.atleast_1d(values))


class Family(ABC):
    """A restricted family ``q(θ) = softmax(logits(θ))`` on the bin centres ``x``."""

    name: str
    x: NDArray[np.float64]
    size: int
    """Number of free parameters (length of θ)."""

    @abstractmethod
    def logits_and_vjp(self, theta: NDArray[np.float64]) -> tuple[NDArray[np.float64], Vjp]:
        """Logits at θ and a function mapping ``dL/dlogits`` to ``dL/dθ``."""

    @abstractmethod
    def project(self, theta: NDArray[np.float64]) -> NDArray[np.float64]:
        """θ clamped into the region the family allows (a new array)."""

    @abstractmethod
    def random_init(self, rng: np.random.Generator) -> NDArray[np.float64]:
        """A random starting θ drawn from ``rng``."""

    @abstractmethod
    def params(self, theta: NDArray[np.float64]) -> dict[str, Any]:
        """Readable parameters (JSON-ready floats or lists of floats)."""

    def logits(self, theta: NDArray[np.float64]) -> NDArray[np.float64]:
        """Logits of Q at θ (any constant shift gives the same Q)."""
        return self.logits_and_vjp(theta)[0]

    def grad(self, theta: NDArray[np.float64], g: NDArray[np.float64]) -> NDArray[np.float64]:
        """Vector-Jacobian product: ``dL/dθ`` from ``g = dL/dlogits``."""
        return self.logits_and_vjp(theta)[1](g)

    def q(self, theta: NDArray[np.float64]) -> NDArray[np.float64]:
        """The distribution Q at θ."""
        return softmax(self.logits(theta))


def _gaussian_kernel(d: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    return -0.5 * d * d, -d


def _student_kernel(nu: float) -> Callable[[NDArray[np.float64]], Any]:
    def kernel(d: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        d2 = d * d
        return -0.5 * (nu + 1.0) * np.log1p(d2 / nu), -(nu + 1.0) * d / (nu + d2)

    return kernel


class LocationScale(Family):
    """K location-scale components (Gaussian or Student-t) on a grid, optionally mixed.

    θ layout: ``[a_1..a_K]`` (mixture weight logits, mixtures only), ``[u_1..u_K]`` (locations),
    then ``[s_1..s_K]`` (log-scales; absent when σ is fixed). Without mixing, K = 1 and the logits
    are the kernel itself; with mixing they are the normalised mixture log-probabilities.
    """

    def __init__(
        self, x: ArrayLike, name: str, *, k: int = 1, mixture: bool = False,
        fixed_sigma: float | None = None, nu: float | None = None,
    ) -> None:
        self.x = _grid(x)
        self.name = name
        self.k = k
        self.mixture = mixture
        self.scale = GridScale.of(self.x)
        self.nu = nu
        self._kernel = _gaussian_kernel if nu is None else _student_kernel(nu)
        self.fixed_sigma = None
        if fixed_sigma is not None:
            self.scale.check_sigma(np.array([fixed_sigma]), "fixed sigma")
            self.fixed_sigma = float(fixed_sigma)
        self._n_weights = k if mixture else 0
        self.size = self._n_weights + k + (0 if self.fixed_sigma is not None else k)
        sc = self.scale
        self._u_bounds = ((sc.mu_min - sc.centre) / sc.half, (sc.mu_max - sc.centre) / sc.half)
        self._s_bounds = (math.log(sc.sigma_min / sc.half), math.log(sc.sigma_max / sc.half))

    def _split(self, theta: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
        nw, k = self._n_weights, self.k
        a, u = theta[:nw], theta[nw:nw + k]
        if self.fixed_sigma is None:
            s = theta[nw + k:]
        else:
            s = np.full(k, math.log(self.fixed_sigma / self.scale.half))
        return a, u, s

    def _mu_sigma(self, theta: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
        _, u, s = self._split(theta)
        return self.scale.centre + self.scale.half * u, self.scale.half * np.exp(s)

    def logits_and_vjp(self, theta: NDArray[np.float64]) -> tuple[NDArray[np.float64], Vjp]:
        a, _, _ = self._split(theta)
        mu, sigma = self._mu_sigma(theta)
        d = (self.x[None, :] - mu[:, None]) / sigma[:, None]
        comp, dcomp = self._kernel(d)
        free_sigma = self.fixed_sigma is None
        half = self.scale.half

        def chain(gc: NDArray[np.float64]) -> list[NDArray[np.float64]]:
            """From dL/d(component logits), shape (K, n), to dL/d(u) and dL/d(s)."""
            gd = gc * dcomp
            out = [-half * np.sum(gd, axis=1) / sigma]
            if free_sigma:
                out.append(-np.sum(gd * d, axis=1))
            return out

        if not self.mixture:
            return comp[0], lambda g: np.concatenate(chain(g[None, :]))

        log_w = log_softmax(a)
        log_qk = log_softmax(comp, axis=1)
        joint = log_w[:, None] + log_qk
        top = np.max(joint, axis=0)
        log_q = top + np.log(np.sum(np.exp(joint - top), axis=0))

        def vjp(g: NDArray[np.float64]) -> NDArray[np.float64]:
            r = np.exp(joint - log_q)  # responsibilities, each column sums to 1
            rg = r @ g
            ga = rg - np.exp(log_w) * np.sum(g)
            gc = r * g - np.exp(log_qk) * rg[:, None]
            return np.concatenate([ga, *chain(gc)])

        return log_q, vjp

    def project(self, theta: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.array(theta, dtype=np.float64)
        nw, k = self._n_weights, self.k
        if nw:
            out[:nw] = np.maximum(out[:nw] - np.max(out[:nw]), -LOGIT_RANGE)
        out[nw:nw + k] = np.clip(out[nw:nw + k], *self._u_bounds)
        out[nw + k:] = np.clip(out[nw + k:], *self._s_bounds)
        return out

    def theta_from(
        self, mu: float | Sequence[float], sigma: float | Sequence[float] | None = None,
        weight: Sequence[float] | None = None,
    ) -> NDArray[np.float64]:
        """θ for readable parameters: ``mu`` (K values), ``sigma`` (1 or K values, default a
        sixth of the span; ignored when σ is fixed) and mixture ``weight`` (K values, default
        equal). ``ValueError`` when a value is outside what the family allows."""
        mu_a = self._values(mu, "mu", broadcast=self.k == 1)
        self.scale.check_mu(mu_a)
        parts = []
        if self.mixture:
            w = np.full(self.k, 1.0 / self.k) if weight is None else self._values(
                weight, "weight", broadcast=False)
            if np.any(~np.isfinite(w)) or np.any(w <= 0):
                raise ValueError(f"mixture weights must be positive, got {_fmt(w)}")
            parts.append(np.log(w / w.sum()))
        parts.append((mu_a - self.scale.centre) / self.scale.half)
        if self.fixed_sigma is None:
            sig = self.scale.default_sigma if sigma is None else sigma
            sig_a = self._values(sig, "sigma", broadcast=True)
            self.scale.check_sigma(sig_a)
            parts.append(np.log(sig_a / self.scale.half))
        return self.project(np.concatenate(parts))

    def _values(self, v: float | Sequence[float], what: str, broadcast: bool) -> NDArray[np.float64]:
        arr = np.atleast_1d(np.asarray(v, dtype=np.float64))
        if arr.ndim != 1 or (arr.size != self.k and not (broadcast and arr.size == 1)):
            need = f"1 or {self.k}" if broadcast and self.k > 1 else f"{self.k}"
            raise ValueError(f"{what} needs {need} value(s) for {self.k} component(s)")
        return np.broadcast_to(arr, (self.k,)).copy()

    def random_init(self, rng: np.random.Generator) -> NDArray[np.float64]:
        """μ uniform over the grid, σ log-uniform between 1/24 and 1/4 of the span, equal
        weights."""
        parts = [np.zeros(self._n_weights), rng.uniform(-1.0, 1.0, self.k)]
        if self.fixed_sigma is None:
            parts.append(rng.uniform(math.log(1 / 12), math.log(1 / 2), self.k))
        return self.project(np.concatenate(parts))

    def params(self, theta: NDArray[np.float64]) -> dict[str, Any]:
        mu, sigma = self._mu_sigma(theta)
        if self.mixture:
            a, _, _ = self._split(theta)
            return {"mu": mu.tolist(), "sigma": sigma.tolist(), "weight": softmax(a).tolist()}
        out: dict[str, Any] = {"mu": float(mu[0]), "sigma": float(sigma[0])}
        if self.nu is not None:
            out["nu"] = self.nu
        return out


class Categorical(Family):
    """One free logit per bin: every distribution with full support is reachable."""

    name = "categorical"

    def __init__(self, x: ArrayLike) -> None:
        self.x = _grid(x)
        self.size = self.x.size

    def logits_and_vjp(self, theta: NDArray[np.float64]) -> tuple[NDArray[np.float64], Vjp]:
        return np.array(theta, dtype=np.float64), lambda g: np.array(g, dtype=np.float64)

    def project(self, theta: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.maximum(theta - np.max(theta), -LOGIT_RANGE)

    def random_init(self, rng: np.random.Generator) -> NDArray[np.float64]:
        """Standard-normal logits."""
        return self.project(rng.standard_normal(self.size))

    def params(self, theta: NDArray[np.float64]) -> dict[str, Any]:
        """Nothing readable beyond Q itself."""
        return {}


def make_family(
    name: str, x: ArrayLike, *, k: int | None = None, fixed_sigma: float | None = None,
    nu: float = DEFAULT_NU,
) -> Family:
    """The family called ``name`` (see :data:`FAMILIES`) on bin centres ``x``.

    ``k`` (mixture only, 1..4, default 2) is the number of components; ``fixed_sigma`` holds
    every σ at that value (not for ``categorical``); ``nu`` is the Student-t degrees of freedom.
    """
    if name not in FAMILIES:
        raise ValueError(f"unknown family {name!r}; choose one of: {', '.join(FAMILIES)}")
    if k is not None and name != "mixture":
        raise ValueError(f"the number of components only applies to 'mixture', not {name!r}")
    if name == "categorical":
        if fixed_sigma is not None:
            raise ValueError("a fixed sigma does not apply to the categorical family")
        return Categorical(x)
    if name == "mixture":
        k = 2 if k is None else k
        if not 1 <= k <= MAX_COMPONENTS:
            raise ValueError(f"mixture needs 1 to {MAX_COMPONENTS} components, got {k}")
        return LocationScale(x, name, k=k, mixture=True, fixed_sigma=fixed_sigma)
    if name == "student-t":
        if not (math.isfinite(nu) and nu > 0):
            raise ValueError(f"Student-t degrees of freedom must be positive, got {nu!r}")
        return LocationScale(x, name, fixed_sigma=fixed_sigma, nu=float(nu))
    return LocationScale(x, name, fixed_sigma=fixed_sigma)
