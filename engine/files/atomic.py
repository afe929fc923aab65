"""Atomic writes: a file is either the old one or the whole new one, never half of either.

The bytes go to a temporary file beside the target (same folder, so os.replace is a
rename on one file system), are flushed to disk, then replace the target. On any failure —
including an exception or Ctrl+C in the middle — the temporary file is removed, so no
`.tmp` is ever left behind.
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
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
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
