"""Atomic file writes: a temporary file in the target's folder, fsync, then ``os.replace``.

A reader (or a crash) sees either the old file or the complete new one, never a torn write.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_write"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path`` atomically.

    For writers that insist on a file name (Pillow, QPdfWriter). If the block raises, the
    temporary file is removed and ``path`` is untouched. Raises ``OSError`` with a clear
    message when the folder does not exist or is not writable.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise IsADirectoryError(21, "is a directory", str(target))
    if not folder.is_dir():
        raise FileNotFoundError(2, "folder does not exist", str(folder))
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except PermissionError:
        raise PermissionError(errno.EACCES, "folder is not writable", str(folder)) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.chmod(_mode_for(target))
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _mode_for(target: Path) -> int:
    """Permission bits for the new file: the old file's, else what ``open()`` would give."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write(path: str | os.PathLike[str], data: bytes | str, encoding: str = "utf-8") -> None:
    """Write ``data`` to ``path`` atomically (text is encoded with ``encoding``)."""
    raw = data.encode(encoding) if isinstance(data, str) else data
    with atomic_path(path) as tmp:
        tmp.write_bytes(raw)
