"""klviz.atomic: whole-file replacement, no temporary files left behind, clear OSErrors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import klviz.atomic
from klviz.atomic import atomic_path, atomic_write
from klviz.cli import error_message


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic_write(target, "first ✓")
    assert target.read_text(encoding="utf-8") == "first ✓"
    atomic_write(target, b"\x00second")
    assert target.read_bytes() == b"\x00second"
    atomic_write(target, "é", encoding="latin-1")
    assert target.read_bytes() == b"\xe9"
    assert _listing(tmp_path) == ["out.txt"]


def test_atomic_path_hands_out_a_temp_file_in_the_same_folder(tmp_path: Path) -> None:
    target = tmp_path / "plot.png"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        assert not target.exists()
        tmp.write_bytes(b"png")
    assert target.read_bytes() == b"png"
    assert _listing(tmp_path) == ["plot.png"]


def test_relative_path_in_current_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    atomic_write("here.txt", "ok")
    assert (tmp_path / "here.txt").read_text() == "ok"


def test_error_in_block_keeps_old_file_and_removes_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="writer failed"), atomic_path(target) as tmp:
        tmp.write_text("half-written")
        raise RuntimeError("writer failed")
    assert target.read_text() == "old"
    assert _listing(tmp_path) == ["out.txt"]


def test_failed_replace_keeps_old_file_and_removes_temp(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def broken_replace(src, dst):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(klviz.atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="Input/output"):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert _listing(tmp_path) == ["out.txt"]


def test_unencodable_text_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        atomic_write(target, "€", encoding="ascii")
    assert target.read_text() == "old"
    assert _listing(tmp_path) == ["out.txt"]


def test_missing_folder_is_a_clear_oserror(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "out.txt"
    with pytest.raises(FileNotFoundError) as info:
        atomic_write(target, "x")
    assert error_message(info.value) == f"folder does not exist: {target.parent}"
    assert not (tmp_path / "no").exists()


def test_directory_target_is_a_clear_oserror(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError) as info:
        atomic_write(tmp_path / "d", "x")
    assert error_message(info.value) == f"is a directory: {tmp_path / 'd'}"
    assert _listing(tmp_path) == ["d"]
    assert _listing(tmp_path / "d") == []


def test_unwritable_folder_is_a_clear_oserror(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running with privileges that ignore folder permissions")
        with pytest.raises(PermissionError) as info:
            atomic_write(folder / "out.txt", "x")
        assert error_message(info.value) == f"folder is not writable: {folder}"
        assert _listing(folder) == []
    finally:
        folder.chmod(stat.S_IRWXU)


def test_refused_temp_file_names_the_folder(tmp_path: Path, monkeypatch) -> None:
    """The same message when the refusal cannot be provoked (e.g. tests running as root)."""

    def refuse(prefix: str, suffix: str, dir: Path) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", str(dir / f"{prefix}x{suffix}"))

    monkeypatch.setattr(klviz.atomic.tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError) as info:
        atomic_write(tmp_path / "out.txt", "x")
    assert error_message(info.value) == f"folder is not writable: {tmp_path}"


def test_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        atomic_write(tmp_path / "new.txt", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644


def test_replacing_keeps_the_existing_permissions(tmp_path: Path) -> None:
    target = tmp_path / "shared.txt"
    target.write_text("old")
    target.chmod(0o664)
    atomic_write(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o664
