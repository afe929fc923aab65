"""Atomic writes: a file is either the old one or the whole new one, never half of either.

The bytes go to a temporary file beside the target (same folder, so os.replace is a
rename on one file system), are flushed to disk, then replace the target. On any failure —
including an exception or Ctrl+C in the middle — the temporary file is removed. Only a
process killed outright (SIGKILL, power loss) can leave one; its name carries the writer's
process id, so the next write to the same target removes leftovers whose writer is gone.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` atomically; raises OSError (the target is then unchanged)."""
    write_atomic_with(path, lambda f: f.write(data))


def write_atomic_with(path: str | os.PathLike, fill: Callable) -> None:
    """Atomically write what `fill(binary_file)` writes (for writers that stream, like PNG)."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    _remove_orphans(target, directory)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=directory)
    try:
        try:
            mode = target.stat().st_mode & 0o777
        except OSError:  # no old file: what a plain write would give
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)  # mkstemp makes the file private
        with os.fdopen(fd, "wb") as f:
            fd = -1
            fill(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except FileNotFoundError:  # already renamed or removed
            pass
        raise


def _remove_orphans(target: Path, directory: Path) -> None:
    """Temporary files of earlier writes to `target` whose writing process no longer exists."""
    for leftover in directory.glob(f".{target.name}.*.tmp"):
        pid_text = leftover.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and not _alive(int(pid_text)):
            try:
                leftover.unlink()
            except OSError:  # gone already, or not ours to remove: the write itself goes on
                pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True
