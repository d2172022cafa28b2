"""Animate a fit: a QTimer steps :mod:`klviz.core.optimize` and pushes Q into the model.

:class:`FitRunner` (QtCore only, no widgets) owns one :class:`~klviz.core.optimize.Fit` per
direction — two in ``"both"`` mode, a forward and a reverse fit of the same family from the
same start — and at each display frame takes ``steps_per_frame`` Adam steps, then writes the
shown fit's Q into the model with ``model.set_values("q", q)``.

Where a fit starts (its *init*):

- from the model's Q as the user left it (settings ``init="q"``): location and scale from Q's
  grid moments (a mixture splits Q into K equal-mass slices), or logits = log Q floored at
  :data:`INIT_FLOOR` for the free categorical family;
- from a random θ drawn with the settings' ``seed`` (``init="random"``, see
  :meth:`FitRunner.restart_random`).

Any change of Q the runner did not make itself (a drag, undo, a preset, swapping P and Q) or a
new grid defines a new init from the model's Q; while such an edit is still in progress (a
drag) the runner waits. Editing P keeps the fits going against the new P. One run, from
:meth:`FitRunner.play` until it stops, is one undo step of the optional ``history``: every
frame is recorded with the same merge key, so the frames fold into one step whose undo
restores Q from before the run. An undo while running pauses the run (the history's index is
compared on each frame: the runner holds no connection to the history, whose lifetime it does
not control).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal

from klviz.core.families import (
    DEFAULT_NU,
    FAMILIES,
    MAX_COMPONENTS,
    Family,
    GridScale,
    LocationScale,
    grid_moments,
    make_family,
)
from klviz.core.optimize import (
    DEFAULT_EPSILON,
    DEFAULT_LR,
    Adam,
    Fit,
    Objective,
    make_objective,
)
from klviz.model import DistributionModel

if TYPE_CHECKING:
    from klviz.ui.history import EditHistory

__all__ = [
    "DIRECTIONS",
    "INITS",
    "INIT_FLOOR",
    "MAX_FPS",
    "MAX_STEPS_PER_FRAME",
    "SHOWN_IN_BOTH",
    "FitRunner",
    "FitSettings",
]

DIRECTIONS = ("forward", "reverse", "both", "alpha", "js")
"""What to minimise: forward KL(P‖Q), reverse KL(Q‖P), both side by side, α-divergence, JS."""

INITS = ("q", "random")
"""Where a fit starts: from the model's Q, or from a random θ drawn with the seed."""

SHOWN_IN_BOTH = "reverse"
"""In ``"both"`` mode the model's Q shows this fit; the other is drawn over P."""

INIT_FLOOR = 1e-6
"""Q is floored at this value before its log becomes the logits of a categorical start."""

MAX_STEPS_PER_FRAME = 1000
MAX_FPS = 240

_STRUCTURAL = ("family", "direction", "k", "fixed_sigma", "seed", "init")
"""Settings that define the fits themselves: changing one starts them again from the init."""


@dataclass(frozen=True)
class FitSettings:
    """Everything that defines an animated fit; every field is a JSON scalar.

    ``alpha`` is used by the ``"alpha"`` direction only (0 = reverse KL, 1 = forward KL);
    ``k`` by the mixture family only; ``fixed_sigma`` holds σ at the start's value (the
    spread of Q, or a sixth of the span for a random start) and does not apply to the
    categorical family. ``epsilon`` floors P for reverse KL. ``max_steps`` bounds one run;
    ``fps`` is the timer's frame rate. ``init`` says where the fits start: ``"q"`` from the
    model's Q, ``"random"`` from a θ drawn with ``seed``.
    """

    family: str = "gaussian"
    direction: str = "forward"
    alpha: float = 0.5
    lr: float = DEFAULT_LR
    steps_per_frame: int = 2
    epsilon: float = DEFAULT_EPSILON
    k: int = 2
    fixed_sigma: bool = False
    seed: int = 0
    max_steps: int = 5000
    fps: int = 60
    init: str = "q"

    def __post_init__(self) -> None:
        _check_types(dataclasses.asdict(self))
        if self.family not in FAMILIES:
            raise ValueError(f"unknown family {self.family!r}; choose one of: "
                             f"{', '.join(FAMILIES)}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {self.direction!r}; choose one of: "
                             f"{', '.join(DIRECTIONS)}")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)}, got {self.init!r}")
        checks = [
            (0.0 <= self.alpha <= 1.0, "alpha must be in [0, 1] (0 = reverse KL, 1 = forward KL)"),
            (math.isfinite(self.lr) and self.lr > 0, "learning rate must be positive"),
            (1 <= self.steps_per_frame <= MAX_STEPS_PER_FRAME,
             f"steps per frame must be 1 to {MAX_STEPS_PER_FRAME}"),
            (0.0 < self.epsilon < 1.0, "epsilon must be between 0 and 1 (exclusive)"),
            (1 <= self.k <= MAX_COMPONENTS, f"mixture needs 1 to {MAX_COMPONENTS} components"),
            (self.seed >= 0, "seed must not be negative"),
            (self.max_steps >= 1, "max steps must be at least 1"),
            (1 <= self.fps <= MAX_FPS, f"frames per second must be 1 to {MAX_FPS}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    @property
    def directions(self) -> tuple[str, ...]:
        """The fits this setting runs: ``("forward", "reverse")`` for ``"both"``."""
        return ("forward", "reverse") if self.direction == "both" else (self.direction,)

    @property
    def shown(self) -> str:
        """The direction whose Q goes into the model."""
        return SHOWN_IN_BOTH if self.direction == "both" else self.direction

    def label(self) -> str:
        """What is minimised, for people: ``reverse KL``, ``α = 0.50``, ``forward and reverse KL``."""
        return {
            "forward": "forward KL", "reverse": "reverse KL", "both": "forward and reverse KL",
            "alpha": f"α = {self.alpha:.2f}", "js": "JS",
        }[self.direction]

    def to_dict(self) -> dict[str, Any]:
        """The settings as a dict of JSON scalars."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FitSettings:
        """Settings from :meth:`to_dict` output; missing keys take their defaults.

        ``ValueError`` for unknown keys, wrong types or values out of range.
        """
        _mapping(d, "fit settings")
        unknown = sorted(set(d) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"unknown fit setting(s): {', '.join(map(str, unknown))}")
        return cls(**d)


_TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "float": (int, float),
                                       "bool": (bool,)}


def _check_types(values: Mapping[str, Any]) -> None:
    for f in dataclasses.fields(FitSettings):
        v = values[f.name]
        kinds = _TYPES[str(f.type)]
        if (isinstance(v, bool) and bool not in kinds) or not isinstance(v, kinds):
            raise ValueError(f"fit setting {f.name!r} must be {f.type}, got {type(v).__name__}")
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"fit setting {f.name!r} must be finite, got {v!r}")


# ---------------------------------------------------------------------- where a fit starts
def _location_scale_start(
    x: NDArray[np.float64], q: NDArray[np.float64], k: int, nu: float | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """μ, σ and weights of ``k`` components matching Q: Q is cut into ``k`` slices of equal
    mass and each component takes its slice's mean and spread (σ inside the family's box)."""
    scale = GridScale.of(x)
    middle = np.cumsum(q) - 0.5 * q
    slice_of = np.minimum((middle * k).astype(np.intp), k - 1)
    mean, sd = grid_moments(x, q)
    mu, sigma, weight = np.full(k, mean), np.full(k, sd), np.full(k, 1e-3)
    for j in range(k):
        part = np.where(slice_of == j, q, 0.0)
        mass = float(part.sum())
        if mass > 0:
            mu[j], sigma[j] = grid_moments(x, part / mass)
            weight[j] = mass
    if nu is not None and nu > 2:  # a Student-t with scale σ has standard deviation σ√(ν/(ν−2))
        sigma *= math.sqrt((nu - 2.0) / nu)
    sigma = np.clip(sigma, scale.sigma_min, scale.sigma_max)
    return np.clip(mu, scale.mu_min, scale.mu_max), sigma, weight / weight.sum()


def _family(settings: FitSettings, x: NDArray[np.float64], sigma: float | None) -> Family:
    """The family of ``settings`` on ``x``; σ held at ``sigma`` when ``fixed_sigma``."""
    name = settings.family
    fixed = sigma if settings.fixed_sigma and name != "categorical" else None
    return make_family(name, x, k=settings.k if name == "mixture" else None, fixed_sigma=fixed)


def start_from_q(
    settings: FitSettings, x: NDArray[np.float64], q: NDArray[np.float64]
) -> tuple[Family, NDArray[np.float64]]:
    """The family of ``settings`` and the θ closest in spirit to the distribution ``q``."""
    if settings.family == "categorical":
        family = _family(settings, x, None)
        return family, family.project(np.log(np.maximum(q, INIT_FLOOR)))
    k = settings.k if settings.family == "mixture" else 1
    nu = DEFAULT_NU if settings.family == "student-t" else None
    mu, sigma, weight = _location_scale_start(x, q, k, nu)
    family = _family(settings, x, float(np.mean(sigma)))
    assert isinstance(family, LocationScale)
    return family, family.theta_from(mu=mu, sigma=sigma, weight=weight if k > 1 else None)


def start_at(
    settings: FitSettings, x: NDArray[np.float64], mu: float, sigma: float
) -> tuple[Family, NDArray[np.float64]]:
    """The (Gaussian or Student-t) family of ``settings`` and θ for location ``mu`` and scale
    ``sigma``; ``ValueError`` for other families or values outside what the grid allows."""
    if settings.family not in ("gaussian", "student-t"):
        raise ValueError(f"a start at μ, σ needs the gaussian or student-t family, "
                         f"not {settings.family!r}")
    family = _family(settings, x, sigma)
    assert isinstance(family, LocationScale)
    return family, family.theta_from(mu=mu, sigma=sigma)


def random_start(
    settings: FitSettings, x: NDArray[np.float64]
) -> tuple[Family, NDArray[np.float64]]:
    """The family of ``settings`` and a random θ drawn with its seed."""
    family = _family(settings, x, GridScale.of(x).default_sigma)
    return family, family.random_init(np.random.default_rng(settings.seed))


# ---------------------------------------------------------------------- the runner
class FitRunner(QObject):
    """Drives one or two fits with a timer and shows the fitted Q in ``model``.

    Signals:
        stepped(int): a frame was taken; the argument is the total steps of the fits.
        finished(bool): the run stopped by itself; True when converged, False at max steps.
        runningChanged(bool): the timer started or stopped.
        restarted(): the fits went back to a start (new init, settings, reset, loaded state).

    With a ``parent`` (the window), a Close event of the parent stops the timer.
    """

    stepped = Signal(int)
    finished = Signal(bool)
    runningChanged = Signal(bool)
    restarted = Signal()

    def __init__(
        self, model: DistributionModel, settings: FitSettings | None = None, *,
        history: EditHistory | None = None, parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._history = history
        self._settings = settings or FitSettings()
        self._fits: dict[str, Fit] | None = None
        self._init_theta: NDArray[np.float64] | None = None
        self._init_q: NDArray[np.float64] | None = None
        self._shown: NDArray[np.float64] | None = None
        self._pushing = False
        self._q_edited = False
        self._run_id = 0
        self._run_start = 0
        self._undo_index = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._set_interval()
        model.gridChanged.connect(self._grid_changed)
        model.dataChanged.connect(self._data_changed)

    # ------------------------------------------------------------------ reading
    @property
    def model(self) -> DistributionModel:
        """The model whose P is fitted and whose Q shows the fit."""
        return self._model

    @property
    def settings(self) -> FitSettings:
        """The current settings (immutable; change them with :meth:`set_settings`)."""
        return self._settings

    @property
    def running(self) -> bool:
        """True while the timer drives the fits."""
        return self._timer.isActive()

    @property
    def fits(self) -> dict[str, Fit]:
        """The fits by direction (``"forward"``, ``"reverse"``, ``"alpha"`` or ``"js"``),
        built from the init when needed."""
        return dict(self._ensure_fits())

    @property
    def steps(self) -> int:
        """Steps taken since the fits last started (the most of any fit)."""
        return max((f.state.steps for f in self._ensure_fits().values()), default=0)

    @property
    def converged(self) -> bool:
        """True when every fit has converged."""
        return all(f.state.converged for f in self._ensure_fits().values())

    @property
    def epsilon_applied(self) -> bool:
        """True when some fit optimises against P floored at ε (reverse KL on small p)."""
        return any(f.target.epsilon_applied for f in self._ensure_fits().values())

    def history(self, direction: str) -> NDArray[np.float64]:
        """The objective (nats) before each step of the ``direction`` fit."""
        return np.array(self._fit(direction).state.history, dtype=np.float64)

    def fitted_q(self, direction: str) -> NDArray[np.float64]:
        """Q of the ``direction`` fit now."""
        return self._fit(direction).q

    def params(self, direction: str) -> dict[str, Any]:
        """Readable parameters of the ``direction`` fit (μ, σ, weights; empty for categorical)."""
        fit = self._fit(direction)
        return fit.family.params(fit.state.theta)

    def _fit(self, direction: str) -> Fit:
        fits = self._ensure_fits()
        if direction not in fits:
            raise KeyError(f"no {direction!r} fit; the fits are: {', '.join(fits)}")
        return fits[direction]

    # ------------------------------------------------------------------ controlling
    def play(self) -> None:
        """Start the timer. A run that had converged starts again from the init."""
        if self.running:
            return
        if self._fits is not None and self.converged:
            self._restart()  # a replay: the first frame shows Q near the start again
        self._run_id += 1
        self._run_start = self.steps
        self._undo_index = self._history_index()
        parent = self.parent()
        if parent is not None:  # (again:) the filter installed last sees a Close first, so the
            parent.installEventFilter(self)  # run stops before e.g. a "save changes?" check
        self._timer.start()
        self.runningChanged.emit(True)

    def pause(self) -> None:
        """Stop the timer; the fits keep their state."""
        if self.running:
            self._timer.stop()
            self.runningChanged.emit(False)

    def step(self, n: int = 1) -> None:
        """Take ``n`` frames now, even past convergence (the Step button)."""
        for _ in range(n):
            self._frame(everything=True)

    def advance(self, frames: int) -> int:
        """Take up to ``frames`` frames now, exactly as the timer would, stopping (and
        emitting ``finished``) on convergence or max steps; returns the frames taken."""
        for done in range(frames):
            if self._tick():
                return done + 1
        return frames

    def reset(self) -> None:
        """Back to the init: the fits restart there and Q returns to the start's Q."""
        self._restart()
        self._show_init("Reset Q to the fit's start")

    def restart_random(self) -> None:
        """Start again from a random θ drawn with a new seed (the settings' seed + 1)."""
        s = self._settings
        self._settings = dataclasses.replace(s, init="random", seed=s.seed + 1)
        self._build()
        self.restarted.emit()
        self._show_init("Random start for Q")

    def set_start(self, mu: float, sigma: float, *, continuing: bool = False) -> None:
        """Start the fits at location ``mu`` and scale ``sigma`` (Gaussian or Student-t family)
        and show that Q in the model: one undo step with a history, which a ``continuing``
        call (the same handle drag) joins."""
        family, theta = start_at(self._settings, self._model.x, mu, sigma)
        self._settings = dataclasses.replace(self._settings, init="q")
        self._install(family, theta)
        self._init_q = family.q(self._init_theta)
        self._run_start = 0
        self.restarted.emit()
        self._push(self._init_q, "Set Q's start", "start", merge=continuing)  # type: ignore[arg-type]

    def start_params(self) -> dict[str, Any]:
        """Readable parameters of the start (μ, σ, weights; empty for categorical)."""
        family = next(iter(self._ensure_fits().values())).family
        return family.params(self._init_theta)  # type: ignore[arg-type]

    def set_settings(self, settings: FitSettings) -> None:
        """New settings. Family, direction, K, fixed σ, seed or init start the fits again
        from the init; learning rate, α, ε, speed and limits apply on the fly."""
        if not isinstance(settings, FitSettings):
            raise TypeError(f"settings must be FitSettings, got {type(settings).__name__}")
        old, self._settings = self._settings, settings
        self._set_interval()
        if self._fits is None:
            return
        if any(getattr(old, name) != getattr(settings, name) for name in _STRUCTURAL):
            self._build(keep_init=settings.init == old.init == "q")
            self.restarted.emit()
        elif (old.alpha, old.lr, old.epsilon) != (settings.alpha, settings.lr, settings.epsilon):
            self._fits = {d: self._carry_on(f, d) for d, f in self._fits.items()}

    # ------------------------------------------------------------------ saving
    def state(self) -> dict[str, Any]:
        """Settings and fitted parameters as a JSON-ready dict (see :meth:`apply_state`)."""
        fits = self._ensure_fits()
        family = next(iter(fits.values())).family
        return {
            "settings": self._settings.to_dict(),
            "fixed_sigma_value": getattr(family, "fixed_sigma", None),
            "init_theta": _floats(self._init_theta),
            "fits": {
                d: {"theta": _floats(f.state.theta), "steps": f.state.steps,
                    "converged": f.state.converged, "params": f.family.params(f.state.theta)}
                for d, f in fits.items()
            },
        }

    def apply_state(self, state: Mapping[str, Any]) -> None:
        """Return to a :meth:`state` (paused; Q in the model is left as it is).

        The fits resume at their saved θ with fresh Adam moments. ``ValueError`` when the
        state does not fit the settings or the model's grid.
        """
        _mapping(state, "fit state")
        settings = FitSettings.from_dict(state.get("settings", {}))
        sigma = state.get("fixed_sigma_value")
        held = settings.fixed_sigma and settings.family != "categorical"
        if held and (isinstance(sigma, bool) or not isinstance(sigma, int | float)):
            raise ValueError("fixed_sigma_value must be a number when sigma is fixed")
        family = _family(settings, self._model.x, sigma)
        init = _theta(state.get("init_theta"), family, "init_theta")
        saved = state.get("fits", {})
        if not isinstance(saved, Mapping) or set(saved) != set(settings.directions):
            raise ValueError(f"fit state needs fits for: {', '.join(settings.directions)}")
        thetas = {d: _theta(_mapping(saved[d], f"saved {d} fit").get("theta"), family,
                            f"theta of the {d} fit") for d in settings.directions}
        self.pause()
        self._settings = settings
        self._set_interval()
        self._install(family, init)
        self._init_q = family.q(self._init_theta)
        for d, fit in self._fits.items():  # type: ignore[union-attr]
            fit.reset(thetas[d])
        self._shown = self._model.q
        self._run_start = 0
        self.restarted.emit()

    # ------------------------------------------------------------------ internals
    def _set_interval(self) -> None:
        self._timer.setInterval(max(1, round(1000 / self._settings.fps)))

    def _ensure_fits(self) -> dict[str, Fit]:
        if self._fits is None:
            self._build(keep_init=True)
        return self._fits  # type: ignore[return-value]

    def _build(self, keep_init: bool = False) -> None:
        """New family and fits at the init: from Q (kept, or the model's now) or random."""
        m = self._model
        if not keep_init or self._init_q is None or self._init_q.size != m.n_bins:
            self._init_q = m.q
        if self._settings.init == "random":
            family, theta = random_start(self._settings, m.x)
        else:
            family, theta = start_from_q(self._settings, m.x, self._init_q)
        self._install(family, theta)
        if self._settings.init == "random":
            self._init_q = family.q(self._init_theta)
        self._run_start = 0

    def _install(self, family: Family, theta: NDArray[np.float64]) -> None:
        s = self._settings
        self._init_theta = family.project(theta)
        self._fits = {
            d: Fit(family, self._objective(d), self._model.p, self._init_theta,
                   epsilon=s.epsilon, adam=Adam(lr=s.lr))
            for d in s.directions
        }
        if self._shown is None:
            self._shown = self._model.q

    def _objective(self, direction: str) -> Objective:
        return make_objective(direction, self._settings.alpha if direction == "alpha" else None)

    def _carry_on(self, fit: Fit, direction: str) -> Fit:
        """The same fit under new α / learning rate / ε, from where it is."""
        s = self._settings
        new = Fit(fit.family, self._objective(direction), fit.target.p, fit.state.theta,
                  epsilon=s.epsilon, adam=Adam(lr=s.lr))
        new.state = fit.state
        new.state.converged = False
        return new

    def _restart(self) -> None:
        """Every fit back to the init θ, with fresh Adam moments and history."""
        for fit in self._ensure_fits().values():
            fit.reset(self._init_theta)  # type: ignore[arg-type]
        self._run_start = 0
        self.restarted.emit()

    def _show_init(self, text: str) -> None:
        """Put the start's Q into the model (one undo step ``text`` with a history)."""
        self._push(self._init_q, text, None)  # type: ignore[arg-type]

    def _push(
        self, q: NDArray[np.float64], text: str, merge_key: object, *, merge: bool = True
    ) -> None:
        """Q into the model; with a history, one step ``text``, folded into the step before
        when that one has the same ``merge_key`` and ``merge`` is true.

        The model's ``dataChanged`` comes back to :meth:`_data_changed`, which would take it
        for a user's edit of Q and restart the fits. A flag, not a QSignalBlocker, keeps that
        one slot out: blocking the model's signals would also freeze every view of Q, and the
        flag lives only inside this call (try/finally).
        """
        def edit() -> None:
            self._model.set_values("q", q)

        self._pushing = True
        try:
            if self._history is None:
                edit()
            else:
                self._history.record(text, edit, merge_key=merge_key,
                                     merge=merge and merge_key is not None)
        finally:
            self._pushing = False
        self._shown = self._model.q
        self._undo_index = self._history_index()

    def _history_index(self) -> int:
        return 0 if self._history is None else self._history.index()

    def _frame(self, everything: bool) -> None:
        fits = self._ensure_fits()
        n = self._settings.steps_per_frame
        for fit in fits.values():
            if everything or not fit.state.converged:
                fit.step(n)
        shown = fits[self._settings.shown]
        self._push(shown.q, f"Fit Q ({self._settings.label()})", ("fit", self._run_id))
        self.stepped.emit(self.steps)

    def _tick(self) -> bool:
        """One timer frame; True when the run has ended."""
        if self.running and self._history_index() < self._undo_index:  # undo pressed: stop
            self.pause()
            return True
        if self._q_edited and self._history is not None and self._history.recording:
            return False  # the user is still shaping Q (a drag): wait for the new start
        self._q_edited = False
        self._frame(everything=False)
        converged = self.converged
        if converged or self.steps - self._run_start >= self._settings.max_steps:
            self.pause()
            self.finished.emit(converged)
            return True
        return False

    def _grid_changed(self) -> None:
        self._invalidate()

    def _data_changed(self, which: str) -> None:
        if self._pushing:
            return
        if "q" in which and self._model.q is not self._shown:
            self._invalidate()
        elif "p" in which and self._fits is not None:
            for fit in self._fits.values():
                fit.set_target(self._model.p)

    def _invalidate(self) -> None:
        """Someone else changed Q or the grid: the next start is the model's Q."""
        self._fits = self._init_q = None
        self._q_edited = True
        self._shown = self._model.q
        if self._settings.init != "q":
            self._settings = dataclasses.replace(self._settings, init="q")
        self.restarted.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            self.pause()
        return super().eventFilter(watched, event)


def _floats(a: NDArray[np.float64] | None) -> list[float]:
    return [] if a is None else a.tolist()


def _mapping(d: object, what: str) -> Mapping[str, Any]:
    """``d`` itself when it is a mapping; a ``ValueError`` (bad saved content) otherwise."""
    if not isinstance(d, Mapping):
        raise ValueError(f"{what} must be a mapping, got {type(d).__name__}")  # noqa: TRY004
    return d


def _theta(values: object, family: Family, what: str) -> NDArray[np.float64]:
    if not isinstance(values, list | tuple) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    ):
        raise ValueError(f"{what} must be a list of numbers")
    theta = np.asarray(values, dtype=np.float64)
    if theta.shape != (family.size,) or not np.all(np.isfinite(theta)):
        raise ValueError(f"{what} must be {family.size} finite numbers for the "
                         f"{family.name} family on this grid")
    return theta
