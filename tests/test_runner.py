"""FitRunner without a window: settings, starts, runs, undo, P edits, saved state, no NaN."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from klviz.core.distributions import gaussian_on_grid
from klviz.core.families import FAMILIES, grid_moments
from klviz.model import DistributionModel
from klviz.runner import DIRECTIONS, FitRunner, FitSettings
from klviz.ui.history import EditHistory

FAST = {"steps_per_frame": 100, "max_steps": 20_000}


@pytest.fixture
def bimodal(qapp):
    model = DistributionModel("bimodal")
    history = EditHistory(model)
    return model, history


def run(runner: FitRunner) -> list[bool]:
    """Play until the runner stops by itself; the ``finished`` arguments seen."""
    seen: list[bool] = []
    runner.finished.connect(seen.append)
    runner.play()
    runner.advance(1000)
    runner.finished.disconnect(seen.append)
    return seen


# ---------------------------------------------------------------------- settings
settings_values = st.builds(
    FitSettings,
    family=st.sampled_from(FAMILIES), direction=st.sampled_from(DIRECTIONS),
    alpha=st.floats(0, 1), lr=st.floats(1e-4, 2), steps_per_frame=st.integers(1, 1000),
    epsilon=st.floats(1e-12, 0.5), k=st.integers(1, 4), fixed_sigma=st.booleans(),
    seed=st.integers(0, 2**31), max_steps=st.integers(1, 10**6), fps=st.integers(1, 240),
    init=st.sampled_from(["q", "random"]),
)


@given(settings_values)
def test_settings_round_trip_through_json(settings: FitSettings) -> None:
    text = json.dumps(settings.to_dict(), allow_nan=False)
    assert FitSettings.from_dict(json.loads(text)) == settings


@pytest.mark.parametrize(("change", "message"), [
    ({"family": "poisson"}, "unknown family"),
    ({"direction": "sideways"}, "unknown direction"),
    ({"alpha": 1.5}, "alpha must be in"),
    ({"alpha": float("nan")}, "must be finite"),
    ({"lr": 0.0}, "learning rate"),
    ({"steps_per_frame": 0}, "steps per frame"),
    ({"steps_per_frame": True}, "must be int"),
    ({"epsilon": 1.0}, "epsilon"),
    ({"k": 5}, "components"),
    ({"max_steps": 0}, "max steps"),
    ({"fps": 1000}, "frames per second"),
    ({"fixed_sigma": 1}, "must be bool"),
    ({"family": 3}, "must be str"),
    ({"init": "anywhere"}, "init must be"),
    ({"speed": 3}, "unknown fit setting"),
])
def test_bad_settings_are_refused_with_a_clear_message(change, message) -> None:
    with pytest.raises(ValueError, match=message):
        FitSettings.from_dict({**FitSettings().to_dict(), **change})


# ---------------------------------------------------------------------- fitting
def test_forward_kl_spreads_a_gaussian_over_both_modes(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(**FAST), history=history, parent=model)
    assert run(runner) == [True]
    assert not runner.running and runner.converged
    mean, std = grid_moments(model.x, model.q)
    assert mean == pytest.approx(0.0, abs=1e-3) and std == pytest.approx(3.04, abs=0.01)
    assert np.array_equal(model.q, runner.fitted_q("forward"))
    assert runner.history("forward").size == runner.steps
    assert np.all(np.diff(runner.history("forward")[:20]) < 0)  # the loss goes down


def test_reverse_kl_from_near_a_mode_settles_on_it(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(direction="reverse", **FAST), history=history, parent=model)
    runner.set_start(2.0, 0.5)
    assert run(runner) == [True]
    assert runner.params("reverse")["mu"] == pytest.approx(3.0, abs=0.01)
    assert runner.params("reverse")["sigma"] == pytest.approx(0.5, abs=0.01)


def test_reverse_kl_has_a_wide_local_minimum_with_large_steps(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(direction="reverse", lr=0.5, **FAST), history=history, parent=model)
    runner.set_start(1.0, 1.0)
    run(runner)
    assert abs(runner.params("reverse")["mu"]) < 0.1 and runner.params("reverse")["sigma"] > 3


def test_both_runs_forward_and_reverse_from_the_same_start(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(direction="both", **FAST), history=history, parent=model)
    runner.set_start(1.0, 1.0)
    start = runner.start_params()
    assert set(runner.fits) == {"forward", "reverse"}
    assert all(runner.fits[d].state.theta.tolist() == runner.fits["forward"].state.theta.tolist()
               for d in runner.fits)
    assert run(runner) == [True]
    assert runner.params("forward")["mu"] == pytest.approx(0.0, abs=1e-3)
    assert runner.params("reverse")["mu"] == pytest.approx(3.0, abs=0.01)
    assert np.array_equal(model.q, runner.fitted_q("reverse"))  # Q shows the reverse fit
    assert runner.start_params() == start


def test_it_stops_at_max_steps_without_converging(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(steps_per_frame=7, max_steps=20), history=history, parent=model)
    assert run(runner) == [False]
    assert runner.steps == 21 and not runner.converged  # three frames: 7, 14, 21 ≥ 20


def test_playing_again_after_convergence_replays_from_the_start(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(**FAST), history=history, parent=model)
    run(runner)
    first = runner.history("forward")
    runner.play()
    assert runner.steps == 0
    runner.advance(1000)
    assert np.array_equal(runner.history("forward"), first)  # deterministic


def test_step_takes_frames_even_after_convergence(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(**FAST), history=history, parent=model)
    runner.step(2)
    assert runner.steps == 200 and not runner.running
    run(runner)
    steps = runner.steps
    runner.step()
    assert runner.steps == steps + 100


# ---------------------------------------------------------------------- where it starts
def test_q_edited_before_play_is_the_start(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(), history=history, parent=model)
    model.set_values("q", gaussian_on_grid(model.x, -2.0, 0.7))
    assert runner.start_params() == pytest.approx({"mu": -2.0, "sigma": 0.7}, abs=1e-3)
    model.set_bar("q", 150, 0.5)  # an edit in between: a new start from Q's moments
    mean, std = grid_moments(model.x, model.q)
    assert runner.start_params() == pytest.approx({"mu": mean, "sigma": std})


def test_student_t_start_matches_q_spread(bimodal) -> None:
    model, _ = bimodal
    runner = FitRunner(model, FitSettings(family="student-t"), parent=model)
    _, std = grid_moments(model.x, model.q)
    assert runner.start_params()["sigma"] == pytest.approx(std / math.sqrt(3))


def test_mixture_start_splits_q_into_equal_mass_parts(bimodal) -> None:
    model, _ = bimodal
    model.set_values("q", model.p)
    runner = FitRunner(model, FitSettings(family="mixture", k=2), parent=model)
    start = runner.start_params()
    assert start["mu"] == pytest.approx([-3.0, 3.0], abs=0.01)
    assert start["weight"] == pytest.approx([0.5, 0.5], abs=0.01)


def test_categorical_start_is_q_itself(bimodal) -> None:
    model, _ = bimodal
    runner = FitRunner(model, FitSettings(family="categorical"), parent=model)
    floored = np.maximum(model.q, 1e-6)
    assert runner.fitted_q("forward") == pytest.approx(floored / floored.sum())


def test_fixed_sigma_holds_the_start_spread(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(fixed_sigma=True, **FAST), history=history, parent=model)
    runner.set_start(1.0, 1.0)
    run(runner)
    assert runner.params("forward") == pytest.approx({"mu": 0.0, "sigma": 1.0}, abs=1e-3)


def test_random_restart_uses_a_new_seed_and_shows_its_start(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(direction="reverse"), history=history, parent=model)
    runner.restart_random()
    assert runner.settings.seed == 1 and runner.settings.init == "random"
    assert np.array_equal(model.q, runner.fitted_q("reverse"))
    first = runner.start_params()
    runner.restart_random()
    assert runner.settings.seed == 2 and runner.start_params() != first
    assert history.count() == 2 and history.undoText() == "Random start for Q"
    model.set_bar("q", 10, 0.2)  # the user's Q is the start again
    assert runner.settings.init == "q"


def test_reset_returns_to_the_start_and_q_with_it(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(**FAST), history=history, parent=model)
    before = model.q
    runner.step(3)
    runner.reset()
    assert runner.steps == 0 and np.array_equal(model.q, before)
    assert history.undoText() == "Reset Q to the fit's start"


def test_a_new_grid_starts_again_from_the_resampled_q(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(**FAST), history=history, parent=model)
    runner.step()
    model.resample(64)
    assert runner.steps == 0 and runner.fitted_q("forward").size == 64
    run(runner)
    assert grid_moments(model.x, model.q)[1] == pytest.approx(3.04, abs=0.05)


# ---------------------------------------------------------------------- settings on the fly
def test_alpha_and_learning_rate_change_on_the_fly(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(direction="alpha", alpha=1.0, steps_per_frame=10),
                       history=history, parent=model)
    runner.step(5)
    theta = runner.fits["alpha"].state.theta.copy()
    runner.set_settings(FitSettings(direction="alpha", alpha=0.2, lr=0.1, steps_per_frame=10))
    fit = runner.fits["alpha"]
    assert runner.steps == 50 and np.array_equal(fit.state.theta, theta)
    assert fit.objective.alpha == 0.2 and fit.adam.lr == 0.1


def test_structural_changes_start_again_from_the_same_start(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(steps_per_frame=10), history=history, parent=model)
    runner.set_start(1.0, 1.0)
    runner.step(5)
    runner.set_settings(FitSettings(direction="reverse", steps_per_frame=10))
    assert runner.steps == 0 and set(runner.fits) == {"reverse"}
    assert runner.start_params() == pytest.approx({"mu": 1.0, "sigma": 1.0}, abs=1e-3)
    with pytest.raises(TypeError):
        runner.set_settings({"direction": "reverse"})  # type: ignore[arg-type]


# ---------------------------------------------------------------------- P, undo, no NaN
def test_editing_p_while_running_changes_the_target(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(**FAST), history=history, parent=model)
    runner.play()
    runner.advance(1)
    new_p = gaussian_on_grid(model.x, 1.5, 0.8)
    history.record("Edit P", lambda: model.set_values("p", new_p))
    assert runner.running
    assert np.array_equal(runner.fits["forward"].target.p, model.p)
    runner.advance(1000)
    assert grid_moments(model.x, model.q) == pytest.approx((1.5, 0.8), abs=1e-3)


def test_one_run_is_one_undo_step_that_restores_q_exactly(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(direction="reverse", **FAST), history=history, parent=model)
    before = model.snapshot()
    run(runner)
    after = model.snapshot()
    assert history.count() == 1 and history.undoText() == "Fit Q (reverse KL)"
    history.undo()
    assert model.snapshot().same_data(before)
    assert runner.steps == 0  # Q changed under the runner: that Q is the next start
    history.redo()
    assert model.snapshot().same_data(after)


def test_an_undo_while_running_pauses(bimodal) -> None:
    model, history = bimodal
    runner = FitRunner(model, FitSettings(steps_per_frame=1), history=history, parent=model)
    before = model.q
    runner.play()
    runner.advance(3)
    history.undo()
    assert runner.advance(5) == 1  # the next frame stops, without touching Q
    assert not runner.running and np.array_equal(model.q, before)
    assert history.count() == 1 and history.canRedo()


@pytest.mark.parametrize("preset", ["gap", "disjoint"])
@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("family", FAMILIES)
def test_no_nan_on_gaps_and_disjoint_supports(qapp, preset, direction, family) -> None:
    model = DistributionModel(preset)
    runner = FitRunner(model, FitSettings(family=family, direction=direction, steps_per_frame=50),
                       parent=model)
    for alpha in (0.0, 0.5, 1.0) if direction == "alpha" else (0.5,):
        runner.set_settings(dataclasses.replace(runner.settings, alpha=alpha))
        runner.reset()
        runner.advance(20)
        assert np.all(np.isfinite(model.q))
        for d in runner.fits:
            assert np.all(np.isfinite(runner.history(d))) and runner.history(d).size > 0
            assert np.all(np.isfinite(runner.fitted_q(d)))


def test_reverse_on_a_gap_says_p_was_floored(qapp) -> None:
    model = DistributionModel("gap")
    runner = FitRunner(model, FitSettings(direction="reverse"), parent=model)
    assert runner.epsilon_applied
    runner.set_settings(FitSettings(direction="forward"))
    assert not runner.epsilon_applied


# ---------------------------------------------------------------------- saved state
def test_state_round_trips_through_json(bimodal) -> None:
    model, history = bimodal
    settings = FitSettings(direction="both", fixed_sigma=True, **FAST)
    runner = FitRunner(model, settings, history=history, parent=model)
    runner.set_start(1.0, 0.8)
    runner.step(2)
    saved = json.loads(json.dumps(runner.state(), allow_nan=False))
    other = FitRunner(model, parent=model)
    other.apply_state(saved)
    assert other.settings == settings and not other.running
    for d in ("forward", "reverse"):
        assert other.params(d) == pytest.approx(runner.params(d))
        assert other.fitted_q(d) == pytest.approx(runner.fitted_q(d))
    assert other.start_params() == pytest.approx(runner.start_params())


@pytest.mark.parametrize(("broken", "message"), [
    ("not a dict", "must be a mapping"),
    ({"settings": {"direction": "up"}}, "unknown direction"),
    ({"init_theta": [0.0]}, "init_theta must be 2 finite numbers"),
    ({"init_theta": "0,0"}, "init_theta must be a list"),
    ({"fits": {}}, "needs fits for: forward"),
    ({"fits": {"forward": [0.0, 0.0]}}, "must be a mapping"),
    ({"fits": {"forward": {"theta": [0.0, float("nan")]}}}, "finite numbers"),
    ({"settings": {"fixed_sigma": True}, "fixed_sigma_value": None}, "fixed_sigma_value"),
])
def test_bad_state_is_refused(bimodal, broken, message) -> None:
    model, _ = bimodal
    runner = FitRunner(model, parent=model)
    state = runner.state()
    bad = broken if not isinstance(broken, dict) else {**state, **broken}
    with pytest.raises(ValueError, match=message):
        runner.apply_state(bad)


def test_set_start_needs_a_location_scale_family(bimodal) -> None:
    model, _ = bimodal
    runner = FitRunner(model, FitSettings(family="mixture"), parent=model)
    with pytest.raises(ValueError, match="gaussian or student-t"):
        runner.set_start(0.0, 1.0)
    runner.set_settings(FitSettings())
    with pytest.raises(ValueError, match="sigma must be between"):
        runner.set_start(0.0, 1e-6)
    with pytest.raises(KeyError, match="no 'reverse' fit"):
        runner.params("reverse")
