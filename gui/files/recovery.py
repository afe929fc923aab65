"""Recovery files: where this instance autosaves, and which autosaves were left by instances that died.

Two windows may run at once (comparing two networks side by side). Each running instance
autosaves to its own `autosave-<pid>.json` and holds `autosave-<pid>.lock` (QLockFile) for its
lifetime; a recovery file whose lock can be taken belongs to a process that is gone, so only
those are offered back, and a running instance's autosave is never offered or deleted.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QLockFile, QStandardPaths


def default_recovery_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation) or str(Path.home())
    return Path(base) / "recovery"


def _lock_for(path: Path) -> QLockFile:
    lock = QLockFile(str(path.with_suffix(".lock")))
    lock.setStaleLockTime(0)  # stale only when its process is gone, however long it has been held
    return lock


KEEP_UNREADABLE = 5  # recovery files that could not be restored, kept aside (the newest)


class RecoveryFiles:
    """`single`: one fixed file (tests, scripted runs); otherwise one file per process in `directory`."""

    def __init__(self, directory: Path | None = None, single: Path | None = None) -> None:
        self.directory = None if single is not None else (directory or default_recovery_dir())
        self._lock: QLockFile | None = None
        if single is not None:
            self.own = Path(single)
        else:
            self.own = self.directory / f"autosave-{os.getpid()}.json"

    def _hold_lock(self) -> None:
        if self.directory is not None and self._lock is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._lock = _lock_for(self.own)
            self._lock.tryLock(0)

    def prepare_write(self) -> Path:
        """The path to autosave to (its directory made, this process's lock held)."""
        self.own.parent.mkdir(parents=True, exist_ok=True)
        self._hold_lock()
        return self.own

    def left_behind(self) -> list[Path]:
        """Recovery files of runs that ended without a clean exit, newest first."""
        if self.directory is None:
            kept = sorted(self.own.parent.glob(f"{self.own.stem}-kept-*.json"), reverse=True)
            return [p for p in (self.own, *kept) if p.is_file()]
        if not self.directory.is_dir():
            return []
        found = []
        for path in self.directory.glob("autosave-*.json"):
            if path == self.own:
                found.append(path)
                continue
            lock = _lock_for(path)
            if lock.tryLock(0):  # its owner is gone (or never locked it)
                lock.unlock()
                found.append(path)
        return sorted(found, key=lambda p: p.stat().st_mtime if p.exists() else 0, reverse=True)

    def adopt(self, path: Path) -> None:
        """Make a left-behind file this instance's own (kept until the work is saved)."""
        if path != self.own:
            self.prepare_write()
            os.replace(path, self.own)

    def set_aside(self, path: Path) -> Path:
        """Keep a left-behind file for a later start-up ("Not now"). Another instance's file
        stays where it is; this instance's own name is renamed, so the next autosave cannot
        overwrite it. Returns where the file now is."""
        if path != self.own:
            return path
        kept = self.own.with_name(f"{self.own.stem}-kept-{time.time_ns()}.json")
        os.replace(path, kept)
        return kept

    def set_aside_unreadable(self, path: Path) -> Path:
        """Keep a file that cannot be restored under a name that is not offered again (a newer
        app, or a person, may still get the work out of it). Returns its new path."""
        kept = path.with_name(f"{path.stem}-{time.time_ns()}.unreadable")
        os.replace(path, kept)
        self._forget_old_unreadable(kept.parent)
        return kept

    @staticmethod
    def _forget_old_unreadable(folder: Path) -> None:
        """Keep only the newest KEEP_UNREADABLE files set aside, so they do not pile up."""
        old = sorted(folder.glob("*.unreadable"), key=_set_aside_at, reverse=True)[KEEP_UNREADABLE:]
        for path in old:
            try:
                path.unlink()
            except OSError as exc:  # another instance removed it, or the folder is read-only: it only costs space
                print(f"could not remove the old recovery file {path}: {exc}", file=sys.stderr)

    def remove(self, path: Path | None = None) -> None:
        """Delete a recovery file (this instance's own by default)."""
        try:
            (path or self.own).unlink()
        except FileNotFoundError:
            pass

    def release(self) -> None:
        """A clean exit: this instance's file is removed and its lock released."""
        self.remove()
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None


def _set_aside_at(path: Path) -> int:
    """When a file was set aside: the time its name carries (name-<ns>.unreadable), else 0."""
    tail = path.stem.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


__all__ = ["RecoveryFiles", "default_recovery_dir"]
