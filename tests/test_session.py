"""Session files: round trips, defaults, normalisation notes, atomic saves, example sessions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import klviz.atomic
from klviz.cli import main
from klviz.core.distributions import get_preset
from klviz.session import (
    FORMAT,
    VERSION,
    Session,
    SessionError,
    dumps_session,
    load_session,
    loads_session,
    save_session,
)

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "resources" / "sessions").glob("*"))


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype == np.float64 and a.tobytes() == b.tobytes()


def _rich_session() -> Session:
    rng = np.random.default_rng(3)
    p, q = rng.random(50), rng.random(50)
    return Session(
        x=np.cumsum(rng.random(50) + 1e-3) - 7.25,
        p=p / p.sum(),
        q=q / q.sum(),
        labels=tuple(f"bin {i} ✓" for i in range(50)),
        units="nats",
        preset="bimodal",
        optimizer={"family": "gaussian", "direction": "reverse", "lr": 0.05, "steps": 300,
                   "running": False, "epsilon": None, "theta": [0.1, -2.5, 1e-12]},
        view={"log_y": True, "zoom": [-3.0, 3.0], "theme": "dark"},
    )


def test_save_then_load_gives_identical_arrays_and_settings(tmp_path: Path) -> None:
    original = _rich_session()
    path = tmp_path / "lecture.klviz.json"
    save_session(original, path)
    loaded = load_session(path)
    for name in ("x", "p", "q"):
        assert _same_bits(getattr(loaded, name), getattr(original, name)), name
    assert loaded.labels == original.labels
    assert (loaded.units, loaded.preset) == ("nats", "bimodal")
    assert loaded.optimizer == original.optimizer
    assert loaded.view == original.view
    assert loaded.notes == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0, 1e300), min_size=1, max_size=40).filter(any),
    st.integers(0, 2**32 - 1),
)
def test_round_trip_is_exact_for_any_valid_distribution(weights: list[float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = np.asarray(weights) / np.sum(weights)
    q = rng.permutation(p)
    x = np.cumsum(rng.uniform(0.01, 10.0, p.size)) - 50.0
    loaded = loads_session(dumps_session(Session(x=x, p=p, q=q)))
    assert _same_bits(loaded.p, p) and _same_bits(loaded.q, q) and _same_bits(loaded.x, x)
    assert loaded.notes == []


def test_saved_file_is_the_documented_json(tmp_path: Path) -> None:
    path = tmp_path / "s.klviz.json"
    save_session(Session.from_preset("tokens"), path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == FORMAT and doc["version"] == VERSION
    assert set(doc) == {"format", "version", "x", "labels", "p", "q", "units", "preset",
                        "optimizer", "view"}
    assert doc["labels"][0] == "mat" and doc["preset"] == "tokens"


def test_optional_fields_take_their_defaults() -> None:
    s = loads_session('{"format": "klviz-session", "version": 1, "p": [1, 3], "q": [0.5, 0.5]}')
    assert s.x.tolist() == [0.0, 1.0]
    assert s.labels is None and s.preset is None and s.units == "bits"
    assert s.optimizer == {} and s.view == {}


def test_unnormalised_weights_are_normalised_with_a_note() -> None:
    s = loads_session('{"format": "klviz-session", "version": 1, "p": [1, 3], "q": [2, 2]}')
    assert s.p.tolist() == [0.25, 0.75] and s.q.tolist() == [0.5, 0.5]
    assert len(s.notes) == 2
    assert "P was normalised" in s.notes[0] and "4" in s.notes[0]
    assert "Q was normalised" in s.notes[1]


def test_huge_weights_are_normalised_without_overflow() -> None:
    s = loads_session('{"format": "klviz-session", "version": 1, "p": [1e308, 1e308], '
                      '"q": [1, 3]}')
    assert s.p.tolist() == [0.5, 0.5]
    assert s.notes[0] == "P was normalised (its weights summed to inf)"


def test_unknown_keys_inside_optimizer_and_view_are_kept() -> None:
    text = json.dumps({
        "format": "klviz-session", "version": 1, "p": [1], "q": [1],
        "optimizer": {"future_knob": "x", "momentum": [0.9, 0.999]},
        "view": {"splitter": [3, 1]},
    })
    s = loads_session(text)
    assert s.optimizer == {"future_knob": "x", "momentum": [0.9, 0.999]}
    assert s.view == {"splitter": [3, 1]}


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "notepad.klviz.json"
    path.write_bytes(b"\xef\xbb\xbf" + dumps_session(Session.from_preset("tokens")).encode())
    assert load_session(path).labels == get_preset("tokens").labels


def test_numpy_values_in_settings_are_saved_as_plain_json() -> None:
    s = Session.from_preset("coin-fair-vs-rigged")
    s.optimizer = {"mu": np.float64(0.5), "steps": np.int64(3), "theta": np.array([1.0, 2.0])}
    assert loads_session(dumps_session(s)).optimizer == {"mu": 0.5, "steps": 3,
                                                         "theta": [1.0, 2.0]}


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"p": np.array([0.5, np.nan])}, "non-finite"),
        ({"units": "furlongs"}, "'units'"),
        ({"optimizer": {"callback": print}}, "'optimizer' entry \"callback\""),
        ({"view": {"zoom": {"nested": 1}}}, "'view' entry \"zoom\""),
        ({"labels": ("H", "H")}, "distinct"),
    ],
)
def test_dumps_refuses_what_a_file_cannot_hold(change: dict, fragment: str) -> None:
    s = Session.from_preset("coin-fair-vs-rigged")
    for name, value in change.items():
        setattr(s, name, value)
    with pytest.raises(SessionError, match="^cannot save session: ") as info:
        dumps_session(s)
    assert fragment in str(info.value)


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_failed_replace_leaves_old_file_and_no_temp(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "s.klviz.json"
    save_session(Session.from_preset("tokens"), path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(klviz.atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        save_session(Session.from_preset("bimodal"), path)
    assert path.read_bytes() == before
    assert _listing(tmp_path) == ["s.klviz.json"]


def test_unsaveable_session_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "s.klviz.json"
    save_session(Session.from_preset("tokens"), path)
    before = path.read_bytes()
    bad = Session.from_preset("bimodal")
    bad.view = {"window": object()}
    with pytest.raises(SessionError):
        save_session(bad, path)
    assert path.read_bytes() == before
    assert _listing(tmp_path) == ["s.klviz.json"]


def test_unknown_preset_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown preset"):
        Session.from_preset("no-such-preset")


def test_there_are_example_sessions() -> None:
    assert len(EXAMPLES) >= 3
    assert all(path.name.endswith(".klviz.json") for path in EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_session_loads_and_holds_its_preset(path: Path) -> None:
    s = load_session(path)
    assert s.notes == []
    pr = get_preset(s.preset)
    assert np.array_equal(s.p, pr.p) and np.array_equal(s.q, pr.q)
    assert np.array_equal(s.x, pr.x) and s.labels == pr.labels


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_sessions_are_exactly_what_from_preset_writes(path: Path) -> None:
    preset = load_session(path).preset
    assert preset is not None
    assert dumps_session(Session.from_preset(preset)) == path.read_text(encoding="utf-8")


def _stats_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["stats", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_cli_stats_of_example_session_equals_its_preset(path: Path, capsys) -> None:
    from_session = _stats_json(["--session", str(path)], capsys)
    assert from_session == _stats_json(["--preset", from_session["preset"]], capsys)


def test_cli_stats_of_saved_session_reports_normalisation(tmp_path: Path, capsys) -> None:
    path = tmp_path / "weights.klviz.json"
    save_session(Session(x=np.array([-1.0, 1.0]), p=np.array([1.0, 3.0]),
                         q=np.array([0.5, 0.5])), path)
    stats = _stats_json(["--session", str(path)], capsys)
    assert stats["notes"] == ["P was normalised (its weights summed to 4)"]
    assert stats["kl_pq"] == pytest.approx(1 - (-(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75))))
