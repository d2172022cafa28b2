"""Autosave and crash recovery: where a window keeps its unsaved session while klviz runs.

Each window writes its session to its own file, ``autosave-<pid>-<random>.klviz.json`` in
:func:`autosave_dir`, always atomically (:mod:`klviz.atomic`), so a kill at any moment leaves
either the previous autosave or the new one, never a torn file. Next to it the window holds
a lock file (``QLockFile``: owner's process id, program name, host and boot) for as long as
it runs; a clean exit deletes both files.

An autosave whose lock is stale — its owner crashed or was killed — is an *orphan*, and the
next klviz offers to restore it. Per-window file names mean two running instances never
write the same file, and an instance locks an orphan before offering it, so two instances
starting at once never offer (or delete) the same one. One orphan is offered per start, the
newest first; older ones wait for later starts, so nothing is thrown away unasked.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QLockFile, QStandardPaths

from klviz.session import Session, load_session, save_session
from klviz.ui.settings import APPLICATION, ORGANIZATION

__all__ = ["Autosave", "Orphan", "autosave_dir", "claim_orphan"]

_PREFIX = "autosave-"
_SUFFIX = ".klviz.json"


def autosave_dir() -> Path:
    """The autosave folder: ``autosave`` in klviz's app-data folder (QStandardPaths'
    AppDataLocation for klviz, e.g. ``~/.local/share/klviz/klviz/autosave`` on Linux)."""
    data = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    return Path(data) / ORGANIZATION / APPLICATION / "autosave"


def _lock_for(path: Path) -> QLockFile:
    lock = QLockFile(str(path.with_name(path.name.removesuffix(_SUFFIX) + ".lock")))
    lock.setStaleLockTime(0)  # stale only once its owner process is gone, never by age
    return lock


def _remove(path: Path) -> None:
    """Delete the autosave at ``path`` and any temporary files a killed write left beside it."""
    path.unlink(missing_ok=True)
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        leftover.unlink(missing_ok=True)


class Autosave:
    """One window's autosave file, locked by this process from its first write until
    :meth:`close`."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = autosave_dir() if folder is None else folder
        self.path = self.folder / f"{_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{_SUFFIX}"
        self._lock: QLockFile | None = None

    def write(self, session: Session) -> None:
        """Save ``session`` atomically, creating the folder and taking the lock if needed.

        Raises ``OSError`` when the folder cannot be written and
        :class:`~klviz.session.SessionError` for a session that cannot be saved.
        """
        if self._lock is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            lock = _lock_for(self.path)
            if not lock.tryLock(0):
                raise OSError(f"{self.folder}: cannot lock the autosave file ({lock.error().name})")
            self._lock = lock
        save_session(session, self.path)

    def clear(self) -> None:
        """Delete the autosave, if any (nothing is left to recover); the lock stays."""
        _remove(self.path)

    def close(self) -> None:
        """A clean exit: delete the autosave and release the lock."""
        self.clear()
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None


@dataclass(eq=False)
class Orphan:
    """An autosave left by a klviz that did not exit cleanly, locked by this process until
    :meth:`discard` or :meth:`release`."""

    path: Path
    saved_at: datetime
    lock: QLockFile

    def load(self) -> Session:
        """The autosaved session (``SessionError`` / ``OSError`` as :func:`load_session`)."""
        return load_session(self.path)

    def discard(self) -> None:
        """Delete the autosave (it was restored or declined) and its lock."""
        _remove(self.path)
        self.lock.unlock()

    def release(self) -> None:
        """Keep the autosave for a later start and let other instances see it again."""
        self.lock.unlock()


def _modified_at(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def claim_orphan(folder: Path | None = None) -> Orphan | None:
    """Lock and return the newest orphaned autosave in ``folder`` (default
    :func:`autosave_dir`), or None when every autosave belongs to a running klviz.

    Lock files of crashed windows that never wrote an autosave are cleaned up on the way.
    """
    folder = autosave_dir() if folder is None else folder
    try:
        names = {p.name.removesuffix(_SUFFIX) for p in folder.glob(f"{_PREFIX}*{_SUFFIX}")}
        names |= {p.stem for p in folder.glob(f"{_PREFIX}*.lock")}
    except OSError:
        return None
    stamped = sorted(
        ((path, _modified_at(path)) for path in (folder / f"{n}{_SUFFIX}" for n in names)),
        key=lambda item: -1.0 if item[1] is None else item[1], reverse=True,
    )
    for path, mtime in stamped:
        lock = _lock_for(path)
        if not lock.tryLock(0):
            continue  # its window is still running
        if mtime is not None and path.is_file():
            return Orphan(path, datetime.fromtimestamp(mtime), lock)
        _remove(path)
        lock.unlock()
    return None
