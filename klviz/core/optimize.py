"""Fit a restricted Q to a target P: objectives with analytic gradients, and Adam (numpy only).

Objectives, all in nats and differentiated with respect to Q's logits ``z`` (q = softmax z):

- ``forward`` KL(P‖Q): gradient ``q − p`` (mass-covering; for a Gaussian, moment matching);
- ``reverse`` KL(Q‖P): gradient ``q ⊙ (log q − log p − KL(Q‖P))`` (mode-seeking);
- ``alpha`` D_α(P‖Q) with the convention of :func:`klviz.core.divergence.alpha_divergence`
  (α = 1 forward, α = 0 reverse): with ``t = p^α q^(1−α)``, ``S = Σ t`` the value is
  ``(1 − S) / (α(1 − α))`` and the gradient ``(q S − t) / α``;
- ``js`` Jensen–Shannon: with ``m = ½(p + q)`` and ``g = ½ log(q / m)`` the gradient is
  ``q ⊙ (g − Σ q g)``.

Reverse KL is infinite as soon as P has a zero where Q > 0 — always for a Gaussian Q — so the
reverse objective (and α = 0) optimises P floored at ``epsilon`` and renormalised, and says so
(:attr:`Target.epsilon_applied`). Every other objective sees the honest P. The reported
``kl_pq`` / ``kl_qp`` always use the honest P and may be ``inf``.

:class:`Fit` is a small deterministic state machine a GUI timer can drive (``step(n)``, then
read ``q``; ``set_target`` when the user edits P), and :func:`fit` runs seeded restarts to
convergence for the CLI.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from klviz.core.distributions import as_distribution
from klviz.core.divergence import NATS, kl_divergence
from klviz.core.families import Family, grid_moments, log_softmax, make_family

OBJECTIVES = ("forward", "reverse", "alpha", "js")
"""Objective names accepted by :func:`make_objective`."""

DEFAULT_ALPHA = 0.5
"""α of the ``alpha`` objective when none is given: halfway between reverse and forward KL."""
DEFAULT_EPSILON = 1e-6
DEFAULT_LR = 0.05
DEFAULT_STEPS = 2000

__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_EPSILON",
    "DEFAULT_LR",
    "DEFAULT_STEPS",
    "OBJECTIVES",
    "Adam",
    "Fit",
    "FitResult",
    "FitState",
    "Objective",
    "Target",
    "fit",
    "make_fit",
    "make_objective",
]

_LN2 = math.log(2.0)


@dataclass(frozen=True)
class Target:
    """The P a fit aims at: honest ``p`` and the ``p_fit`` the objective actually sees."""

    p: NDArray[np.float64]
    p_fit: NDArray[np.float64]
    epsilon: float
    epsilon_applied: bool
    log_p: NDArray[np.float64] = field(repr=False)
    """``log p_fit`` with ``-inf`` where p_fit = 0."""
    log_p0: NDArray[np.float64] = field(repr=False)
    """``log p_fit`` with 0 where p_fit = 0 (so that ``p · log_p0`` is exact)."""

    @classmethod
    def of(cls, p: ArrayLike, floor: bool, epsilon: float = DEFAULT_EPSILON) -> Target:
        """Validate ``p``; when ``floor``, raise every bin below ``epsilon`` to it and renormalise."""
        epsilon = float(epsilon)
        if not 0.0 < epsilon < 1.0:
            raise ValueError(f"epsilon must be between 0 and 1 (exclusive), got {epsilon!r}")
        pa = as_distribution(p, "P")
        applied = floor and bool(np.any(pa < epsilon))
        if applied:
            floored = np.maximum(pa, epsilon)
            p_fit = floored / floored.sum()
        else:
            p_fit = pa
        pos = p_fit > 0
        log_p = np.full_like(p_fit, -np.inf)
        np.log(p_fit, out=log_p, where=pos)
        return cls(pa, p_fit, epsilon, applied, log_p, np.where(pos, log_p, 0.0))


@dataclass(frozen=True)
class Objective:
    """A divergence to minimise, by name (see :data:`OBJECTIVES`); ``alpha`` for ``alpha``."""

    name: str
    alpha: float | None = None

    def __post_init__(self) -> None:
        if self.name not in OBJECTIVES:
            raise ValueError(
                f"unknown objective {self.name!r}; choose one of: {', '.join(OBJECTIVES)}"
            )
        if self.name == "alpha":
            if self.alpha is None:
                raise ValueError("the alpha objective needs alpha in [0, 1] "
                                 "(0 = reverse KL, 1 = forward KL)")
            if not 0.0 <= self.alpha <= 1.0:
                raise ValueError(
                    f"alpha must be in [0, 1] (0 = reverse KL, 1 = forward KL), got {self.alpha!r}"
                )
        elif self.alpha is not None:
            raise ValueError(f"alpha only applies to the 'alpha' objective, not {self.name!r}")

    @property
    def kind(self) -> str:
        """``forward``/``reverse``/``alpha``/``js``, with α = 1 and α = 0 resolved to KL."""
        if self.name == "alpha" and self.alpha in (0.0, 1.0):
            return "forward" if self.alpha == 1.0 else "reverse"
        return self.name

    @property
    def floors_target(self) -> bool:
        """Whether this objective optimises an ε-floored P (reverse KL)."""
        return self.kind == "reverse"

    def value_and_grad(
        self, q: NDArray[np.float64], log_q: NDArray[np.float64], target: Target
    ) -> tuple[float, NDArray[np.float64]]:
        """Objective value (nats) and its gradient with respect to Q's logits.

        ``log_q`` must be the finite log-softmax of the logits (``q = exp(log_q)``).
        """
        p = target.p_fit
        kind = self.kind
        if kind == "forward":
            return float(np.dot(p, target.log_p0 - log_q)), q - p
        if kind == "reverse":
            diff = log_q - target.log_p
            value = float(np.dot(q, diff))
            return value, q * (diff - value)
        if kind == "alpha":
            return _alpha_value_and_grad(float(self.alpha or 0.0), q, log_q, target)
        log_m = np.logaddexp(target.log_p, log_q) - _LN2
        g = 0.5 * (log_q - log_m)
        value = 0.5 * float(np.dot(p, target.log_p0 - log_m)) + float(np.dot(q, g))
        return value, q * (g - np.dot(q, g))

    def label(self) -> str:
        """Short human name, e.g. ``KL(P‖Q)`` or ``α-divergence (α=0.5)``."""
        if self.name == "alpha":
            return f"α-divergence (α={self.alpha:g})"
        return {"forward": "KL(P‖Q)", "reverse": "KL(Q‖P)", "js": "JS(P, Q)"}[self.name]


def _expm1_times(
    w: NDArray[np.float64], z: NDArray[np.float64], t: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``w · expm1(z)``, which equals ``t − w``: via expm1 where z < 1 (exact when z is tiny),
    via the difference elsewhere (where expm1 could overflow)."""
    small = z < 1.0
    return np.where(small, w * np.expm1(np.minimum(z, 1.0)), t - w)


def _alpha_value_and_grad(
    a: float, q: NDArray[np.float64], log_q: NDArray[np.float64], target: Target
) -> tuple[float, NDArray[np.float64]]:
    """α-divergence for 0 < α < 1 and its logit gradient ``(q S − t) / α``.

    Summed per bin as ``α p + (1 − α) q − t`` with ``t = p^α q^(1−α)`` and ``t − q`` (α ≤ ½) or
    ``t − p`` (α > ½) taken through expm1, like :func:`klviz.core.divergence.alpha_divergence`,
    so that value and gradient stay accurate (and tend to reverse / forward KL's) as α → 0 / 1.
    """
    p, log_p = target.p_fit, target.log_p
    t = np.exp(a * log_p + (1.0 - a) * log_q)
    scale = a * (1.0 - a)
    if a <= 0.5:
        d_q = _expm1_times(q, a * (log_p - log_q), t)  # t − q; −q where p = 0
        value = float(np.sum(a * (p - q) - d_q)) / scale
        return value, -(1.0 - a) * value * q - d_q / a
    d_p = _expm1_times(p, (a - 1.0) * (target.log_p0 - log_q), t)  # t − p; 0 where p = 0
    value = float(np.sum((1.0 - a) * (q - p) - d_p)) / scale
    return value, (q - p - d_p) / a - (1.0 - a) * value * q


def make_objective(name: str, alpha: float | None = None) -> Objective:
    """The objective called ``name``; ``alpha`` is required for (and only for) ``alpha``."""
    return Objective(name, None if alpha is None else float(alpha))


@dataclass(frozen=True)
class Adam:
    """Adam settings; ``lr`` is in the families' internal, grid-normalised units."""

    lr: float = DEFAULT_LR
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"learning rate must be a positive number, got {self.lr!r}")


@dataclass
class FitState:
    """Everything that changes while fitting: θ, Adam moments, the step count and history."""

    theta: NDArray[np.float64]
    m: NDArray[np.float64]
    v: NDArray[np.float64]
    steps: int = 0
    history: list[float] = field(default_factory=list)
    """Objective (nats) at θ before each step, one entry per step — for a loss plot."""
    converged: bool = False


@dataclass(frozen=True)
class FitResult:
    """Outcome of a fit; divergences in nats (``inf`` allowed for the honest KLs)."""

    family: str
    objective: Objective
    theta: NDArray[np.float64]
    params: dict[str, Any]
    x: NDArray[np.float64]
    q: NDArray[np.float64]
    grid_mean: float
    grid_std: float
    value: float
    """The optimised objective at the final θ (against ``p_fit``), clipped at 0 against
    rounding."""
    kl_pq: float
    kl_qp: float
    steps: int
    converged: bool
    epsilon: float
    epsilon_applied: bool
    history: NDArray[np.float64]


class Fit:
    """A running fit of ``family`` to a target P under ``objective``, driven by Adam.

    Deterministic: the same θ, target and settings always give the same trajectory.
    Converged means the objective moved less than ``atol + rtol·|value|`` over the last
    ``window`` steps; stepping on after convergence is allowed.
    """

    def __init__(
        self, family: Family, objective: Objective, p: ArrayLike, theta: NDArray[np.float64], *,
        epsilon: float = DEFAULT_EPSILON, adam: Adam | None = None, window: int = 50,
        rtol: float = 1e-9, atol: float = 1e-12,
    ) -> None:
        self.family = family
        self.objective = objective
        self.adam = adam or Adam()
        if window < 1:
            raise ValueError(f"convergence window must be at least 1 step, got {window}")
        self.window, self.rtol, self.atol = window, rtol, atol
        self.target = self._target(p, epsilon)
        self.state = self._fresh_state(theta)

    def _target(self, p: ArrayLike, epsilon: float) -> Target:
        target = Target.of(p, self.objective.floors_target, epsilon)
        if target.p.size != self.family.x.size:
            raise ValueError(f"P has {target.p.size} bins but the grid has {self.family.x.size}")
        return target

    def _fresh_state(self, theta: ArrayLike) -> FitState:
        th = np.asarray(theta, dtype=np.float64)
        n = self.family.size
        if th.shape != (n,) or not np.all(np.isfinite(th)):
            raise ValueError(f"theta must be {n} finite numbers")
        return FitState(theta=self.family.project(th), m=np.zeros(n), v=np.zeros(n))

    def reset(self, theta: ArrayLike) -> None:
        """Restart from ``theta`` (projected into the family's box): fresh Adam moments,
        step count and history."""
        self.state = self._fresh_state(theta)

    def set_target(self, p: ArrayLike) -> None:
        """Aim at a new P (e.g. the user edited a bar); θ, moments and history carry on."""
        self.target = self._target(p, self.target.epsilon)
        self.state.converged = False

    def value_and_grad(self, theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        """Objective (nats) at ``theta`` and its gradient with respect to ``theta``."""
        logits, vjp = self.family.logits_and_vjp(theta)
        log_q = log_softmax(logits)
        value, g = self.objective.value_and_grad(np.exp(log_q), log_q, self.target)
        return value, vjp(g)

    def step(self, n: int = 1) -> FitState:
        """Take ``n`` Adam steps; returns the (mutated) state."""
        st, ad = self.state, self.adam
        for _ in range(n):
            value, grad = self.value_and_grad(st.theta)
            st.history.append(value)
            st.steps += 1
            st.m = ad.beta1 * st.m + (1.0 - ad.beta1) * grad
            st.v = ad.beta2 * st.v + (1.0 - ad.beta2) * grad * grad
            m_hat = st.m / (1.0 - ad.beta1**st.steps)
            v_hat = st.v / (1.0 - ad.beta2**st.steps)
            st.theta = self.family.project(st.theta - ad.lr * m_hat / (np.sqrt(v_hat) + ad.eps))
            st.converged = self._settled()
        return st

    def _settled(self) -> bool:
        h = self.state.history
        if len(h) <= self.window:
            return False
        return abs(h[-1] - h[-1 - self.window]) <= self.atol + self.rtol * abs(h[-1])

    def run(self, max_steps: int = DEFAULT_STEPS) -> FitResult:
        """Step until converged or ``max_steps`` more steps were taken; the result."""
        if max_steps < 1:
            raise ValueError(f"steps must be at least 1, got {max_steps}")
        for _ in range(max_steps):
            if self.step().converged:
                break
        return self.result()

    @property
    def q(self) -> NDArray[np.float64]:
        """Q at the current θ."""
        return self.family.q(self.state.theta)

    def result(self) -> FitResult:
        """A snapshot of the fit at the current θ."""
        theta = self.state.theta.copy()
        q = self.family.q(theta)
        mean, std = grid_moments(self.family.x, q)
        p = self.target.p
        return FitResult(
            family=self.family.name, objective=self.objective, theta=theta,
            params=self.family.params(theta), x=self.family.x.copy(), q=q,
            grid_mean=mean, grid_std=std, value=max(0.0, self.value_and_grad(theta)[0]),
            kl_pq=kl_divergence(p, q, base=NATS), kl_qp=kl_divergence(q, p, base=NATS),
            steps=self.state.steps, converged=self.state.converged,
            epsilon=self.target.epsilon, epsilon_applied=self.target.epsilon_applied,
            history=np.array(self.state.history),
        )


def _initial_theta(
    family: Family, init: ArrayLike | Mapping[str, Any] | None, rng: np.random.Generator
) -> NDArray[np.float64]:
    if init is None:
        return family.random_init(rng)
    if isinstance(init, Mapping):
        theta_from = getattr(family, "theta_from", None)
        if theta_from is None:
            raise ValueError(f"the {family.name} family takes no readable initial parameters")
        return theta_from(**init)
    return np.asarray(init, dtype=np.float64)


def make_fit(
    p: ArrayLike, x: ArrayLike, *, family: str | Family = "gaussian", objective: str = "forward",
    alpha: float | None = None, init: ArrayLike | Mapping[str, Any] | None = None,
    seed: int | None = 0, epsilon: float = DEFAULT_EPSILON, lr: float = DEFAULT_LR,
    k: int | None = None, fixed_sigma: float | None = None,
) -> Fit:
    """A :class:`Fit` of ``family`` (a name or a :class:`Family`) to ``p`` on bin centres ``x``.

    ``init`` is θ itself, readable parameters (``{"mu": ..., "sigma": ...}``, see
    ``LocationScale.theta_from``) or ``None`` for a random start drawn with ``seed``.
    """
    fam = family if isinstance(family, Family) else make_family(
        family, x, k=k, fixed_sigma=fixed_sigma)
    theta = _initial_theta(fam, init, np.random.default_rng(seed))
    return Fit(fam, make_objective(objective, alpha), p, theta, epsilon=epsilon,
               adam=Adam(lr=float(lr)))


def fit(
    p: ArrayLike, x: ArrayLike, *, max_steps: int = DEFAULT_STEPS, restarts: int = 1,
    family: str = "gaussian", objective: str = "forward", alpha: float | None = None,
    init: ArrayLike | Mapping[str, Any] | None = None, seed: int | None = 0,
    epsilon: float = DEFAULT_EPSILON, lr: float = DEFAULT_LR, k: int | None = None,
    fixed_sigma: float | None = None,
) -> FitResult:
    """Run ``restarts`` fits (the first from ``init``, the rest from random starts drawn with
    ``seed``) for up to ``max_steps`` each and return the one with the lowest objective."""
    if restarts < 1:
        raise ValueError(f"restarts must be at least 1, got {restarts}")
    fam = make_family(family, x, k=k, fixed_sigma=fixed_sigma)
    rng = np.random.default_rng(seed)
    starts = [_initial_theta(fam, init, rng)] + [fam.random_init(rng) for _ in range(restarts - 1)]
    results = [
        make_fit(p, fam.x, family=fam, objective=objective, alpha=alpha, init=theta,
                 epsilon=epsilon, lr=lr).run(max_steps)
        for theta in starts
    ]
    return min(results, key=lambda r: r.value)
