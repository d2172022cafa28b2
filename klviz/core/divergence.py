"""Entropy, cross-entropy, KL and friends for discrete distributions (numpy only).

Semantics follow scipy: ``0 · log 0 = 0``; a bin with ``p > 0`` where ``q = 0`` makes the
forward terms infinite (``inf``, never NaN). Every function validates its input (see
:func:`klviz.core.distributions.as_distribution`) and takes ``base``: 2 for bits (the
default), ``math.e`` for nats.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from klviz.core.distributions import as_distribution

BITS = 2.0
NATS = math.e

__all__ = [
    "BITS",
    "NATS",
    "alpha_divergence",
    "cross_entropy",
    "entropy",
    "infinite_bins",
    "js_divergence",
    "kl_divergence",
    "pointwise_kl",
    "renyi_divergence",
    "summary",
    "surprise",
    "total_variation",
    "unit_name",
]


def unit_name(base: float) -> str:
    """``"bits"`` for base 2, ``"nats"`` for base e, otherwise ``"log<base> units"``."""
    if base == BITS:
        return "bits"
    if math.isclose(base, NATS):
        return "nats"
    return f"log{base:g} units"


def _log_base(base: float) -> float:
    if not (math.isfinite(base) and base > 0 and base != 1):
        raise ValueError(f"log base must be a positive number other than 1, got {base!r}")
    return math.log(base)


def _pair(p: ArrayLike, q: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    pa = as_distribution(p, "P")
    qa = as_distribution(q, "Q")
    if pa.shape != qa.shape:
        raise ValueError(f"P has {pa.size} bins but Q has {qa.size}; they must match")
    return pa, qa


def _rel_entr(p: NDArray[np.float64], q: NDArray[np.float64]) -> NDArray[np.float64]:
    """p·ln(p/q) per bin in nats, exactly like ``scipy.special.rel_entr`` on valid input."""
    both = (p > 0) & (q > 0)
    ratio = np.divide(p, q, where=both, out=np.ones_like(p))
    out = p * np.log(ratio)
    out[(p > 0) & (q == 0)] = np.inf
    return out


def _kl_nats(p: NDArray[np.float64], q: NDArray[np.float64]) -> float:
    """KL(P‖Q) in nats, clipped at 0: it is never negative (Gibbs), but rounding in nearly
    equal P and Q can push the sum a few ulps below zero. (``max(0.0, x)`` also turns −0.0
    into 0.0, so readouts never show "-0.000"; the same idiom is used below.)"""
    return max(0.0, float(np.sum(_rel_entr(p, q))))


def _neg_log(q: NDArray[np.float64]) -> NDArray[np.float64]:
    """−ln q per bin in nats; ``inf`` where q = 0."""
    out = np.full_like(q, np.inf)
    np.negative(np.log(q, where=q > 0, out=np.zeros_like(q)), out=out, where=q > 0)
    return out


def pointwise_kl(p: ArrayLike, q: ArrayLike, base: float = BITS) -> NDArray[np.float64]:
    """Per-bin terms ``p · log(p / q)`` of KL(P‖Q); they sum to :func:`kl_divergence`.

    A term is 0 where p = 0 and ``inf`` where p > 0 and q = 0. Terms can be negative
    (where q > p); only their sum is guaranteed non-negative.
    """
    pa, qa = _pair(p, q)
    return _rel_entr(pa, qa) / _log_base(base)


def surprise(q: ArrayLike, base: float = BITS) -> NDArray[np.float64]:
    """Per-bin surprise ``−log q``: the code length a Q-optimal code spends on each outcome."""
    return _neg_log(as_distribution(q, "Q")) / _log_base(base)


def infinite_bins(p: ArrayLike, q: ArrayLike) -> NDArray[np.intp]:
    """Indices of the bins that make KL(P‖Q) infinite: p > 0 where q = 0."""
    pa, qa = _pair(p, q)
    return np.flatnonzero((pa > 0) & (qa == 0))


def entropy(p: ArrayLike, base: float = BITS) -> float:
    """Shannon entropy ``H(P) = −Σ p log p``."""
    pa = as_distribution(p, "P")
    return float(-np.sum(_rel_entr(pa, np.ones_like(pa))) / _log_base(base)) + 0.0


def cross_entropy(p: ArrayLike, q: ArrayLike, base: float = BITS) -> float:
    """Cross-entropy ``H(P, Q) = −Σ p log q``; ``inf`` when some p > 0 has q = 0."""
    pa, qa = _pair(p, q)
    nz = pa > 0
    return float(np.sum(pa[nz] * _neg_log(qa[nz])) / _log_base(base))


def kl_divergence(p: ArrayLike, q: ArrayLike, base: float = BITS) -> float:
    """KL(P‖Q) = H(P, Q) − H(P) = Σ p log(p/q): the extra cost of coding P with Q's code."""
    pa, qa = _pair(p, q)
    return _kl_nats(pa, qa) / _log_base(base)


def js_divergence(p: ArrayLike, q: ArrayLike, base: float = BITS) -> float:
    """Jensen–Shannon divergence ½KL(P‖M) + ½KL(Q‖M), M = ½(P+Q); at most 1 bit.

    This is the divergence itself, i.e. the square of scipy's ``jensenshannon`` distance.
    """
    pa, qa = _pair(p, q)
    m = 0.5 * (pa + qa)
    nats = 0.5 * np.sum(_rel_entr(pa, m)) + 0.5 * np.sum(_rel_entr(qa, m))
    return max(0.0, float(nats)) / _log_base(base)


def total_variation(p: ArrayLike, q: ArrayLike) -> float:
    """Total variation distance ½ Σ |p − q| (unitless, in [0, 1])."""
    pa, qa = _pair(p, q)
    return float(0.5 * np.sum(np.abs(pa - qa)))


def _log_ratio(
    pa: NDArray[np.float64], qa: NDArray[np.float64], both: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """ln(p/q) on the bins where both are positive, without forming p/q (no overflow)."""
    return np.log(pa[both]) - np.log(qa[both])


def _renyi_nats(pa: NDArray[np.float64], qa: NDArray[np.float64], alpha: float) -> float:
    """Rényi divergence in nats for finite α ∉ {0, 1}, P and Q sharing at least one bin.

    When the kernel s is near 1 (α near 1, or P near Q) it is summed as
    ``s − 1 = Σ p·expm1((α−1) ln(p/q)) − P(q = 0)`` so dividing by α − 1 does not amplify
    rounding; otherwise it is summed in log space so that large α neither overflows nor
    underflows.
    """
    both = (pa > 0) & (qa > 0)
    lr = _log_ratio(pa, qa, both)
    beta = alpha - 1.0
    mass = float(np.sum(pa))
    if abs(beta) <= 0.5:
        missed = float(np.sum(pa[qa == 0]))
        s_minus_1 = (float(np.sum(pa[both] * np.expm1(beta * lr))) - missed) / mass
        if s_minus_1 > -0.5:
            return max(0.0, math.log1p(s_minus_1) / beta)
    terms = np.log(pa[both]) + beta * lr
    top = float(np.max(terms))
    log_s = top + math.log(float(np.sum(np.exp(terms - top)))) - math.log(mass)
    return max(0.0, log_s / beta)


def renyi_divergence(p: ArrayLike, q: ArrayLike, alpha: float, base: float = BITS) -> float:
    """Rényi divergence of order ``alpha`` ≥ 0: ``log(Σ p^α q^(1−α)) / (α − 1)``.

    Limits: α → 1 is KL(P‖Q) (returned exactly at α = 1); α = 0 is ``−log Q(supp P)``;
    α = ``inf`` is ``log max p/q``. For α ≥ 1 a bin with p > 0, q = 0 gives ``inf``;
    for α < 1 the divergence is infinite only if P and Q share no support. The value is
    non-decreasing in α and stays accurate for α close to 1 and for large α.
    """
    pa, qa = _pair(p, q)
    alpha = float(alpha)
    if not alpha >= 0 or math.isnan(alpha):
        raise ValueError(f"Rényi order alpha must be >= 0, got {alpha!r}")
    lb = _log_base(base)
    if alpha == 1.0:
        return _kl_nats(pa, qa) / lb
    both = (pa > 0) & (qa > 0)
    if not both.any() or (alpha > 1.0 and np.any((pa > 0) & (qa == 0))):
        return math.inf
    if math.isinf(alpha):
        return max(0.0, float(np.max(_log_ratio(pa, qa, both)))) / lb
    if alpha == 0.0:
        return max(0.0, -math.log(float(np.sum(qa[pa > 0])))) / lb
    return _renyi_nats(pa, qa, alpha) / lb


def alpha_divergence(p: ArrayLike, q: ArrayLike, alpha: float, base: float = BITS) -> float:
    """Amari α-divergence, parameterised so that it morphs from reverse to forward KL.

    Convention: ``D_α(P‖Q) = Σ (α p + (1 − α) q − p^α q^(1−α)) / (α (1 − α))`` for α in
    (0, 1), which for distributions is ``(1 − Σ p^α q^(1−α)) / (α (1 − α))``; divided by
    ``ln(base)`` so its limits are in the same unit as KL:

    - α → 1 gives KL(P‖Q) (forward, mass-covering), returned exactly at α = 1;
    - α → 0 gives KL(Q‖P) (reverse, mode-seeking), returned exactly at α = 0;
    - α = ½ gives 4 · (1 − Bhattacharyya coefficient) = 2 Σ (√p − √q)², i.e. 4 × the
      squared Hellinger distance ``H² = 1 − BC``.

    Each bin's term is summed with ``expm1`` so the value stays continuous however close
    α gets to 0 or 1.
    """
    pa, qa = _pair(p, q)
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1] (0 = reverse KL, 1 = forward KL), got {alpha!r}")
    lb = _log_base(base)
    if alpha == 1.0:
        return _kl_nats(pa, qa) / lb
    if alpha == 0.0:
        return _kl_nats(qa, pa) / lb
    both = (pa > 0) & (qa > 0)
    lr = _log_ratio(pa, qa, both)
    pb, qb = pa[both], qa[both]
    if alpha <= 0.5:  # p^α q^(1−α) = q·(1 + expm1(α ln(p/q)))
        shared = alpha * (pb - qb) - qb * np.expm1(alpha * lr)
    else:  # p^α q^(1−α) = p·(1 + expm1(−(1−α) ln(p/q)))
        shared = (1.0 - alpha) * (qb - pb) - pb * np.expm1((alpha - 1.0) * lr)
    only_p = float(np.sum(pa[qa == 0]))
    only_q = float(np.sum(qa[pa == 0]))
    total = float(np.sum(shared)) + alpha * only_p + (1.0 - alpha) * only_q
    return max(0.0, total) / (alpha * (1.0 - alpha)) / lb


def summary(p: ArrayLike, q: ArrayLike, base: float = BITS) -> dict[str, Any]:
    """All readouts for a P/Q pair in one pass, keyed as ``klviz stats --json`` prints them.

    Values are floats (``inf`` where infinite); ``infinite_bins_pq`` / ``infinite_bins_qp``
    list the bin indices that make KL(P‖Q) / KL(Q‖P) infinite.
    """
    pa, qa = _pair(p, q)
    lb = _log_base(base)
    nlp, nlq = _neg_log(pa), _neg_log(qa)
    pp, qq = pa > 0, qa > 0
    h_p = float(np.sum(pa[pp] * nlp[pp]) / lb)
    h_q = float(np.sum(qa[qq] * nlq[qq]) / lb)
    ce_pq = float(np.sum(pa[pp] * nlq[pp]) / lb)
    ce_qp = float(np.sum(qa[qq] * nlp[qq]) / lb)
    m = 0.5 * (pa + qa)
    js = 0.5 * float(np.sum(_rel_entr(pa, m)) + np.sum(_rel_entr(qa, m)))
    return {
        "units": unit_name(base),
        "n_bins": int(pa.size),
        "entropy_p": h_p,
        "entropy_q": h_q,
        "cross_entropy_pq": ce_pq,
        "cross_entropy_qp": ce_qp,
        "kl_pq": _kl_nats(pa, qa) / lb,
        "kl_qp": _kl_nats(qa, pa) / lb,
        "js": max(0.0, js) / lb,
        "tv": float(0.5 * np.sum(np.abs(pa - qa))),
        "infinite_bins_pq": np.flatnonzero(pp & ~qq).tolist(),
        "infinite_bins_qp": np.flatnonzero(qq & ~pp).tolist(),
    }
