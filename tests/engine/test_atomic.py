"""Atomic writes leave no temporary file, and clean up after a writer that was killed."""
from __future__ import annotations

import os
import subprocess
import sys

from engine.files.atomic import write_atomic


def dead_pid() -> int:
    """The id of a process that has just ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "project.json"
    write_atomic(target, b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["project.json"]


def test_leftovers_of_a_killed_writer_are_removed_by_the_next_write(tmp_path):
    target = tmp_path / "project.json"
    orphan = tmp_path / f".project.json.{dead_pid()}.abc123.tmp"
    orphan.write_bytes(b"half a file")
    live = tmp_path / f".project.json.{os.getppid()}.def456.tmp"  # a writer still running
    live.write_bytes(b"being written")
    other = tmp_path / f".other.json.{dead_pid()}.x.tmp"  # another file's: not ours to touch
    other.write_bytes(b"x")
    write_atomic(target, b"whole")
    assert target.read_bytes() == b"whole"
    assert not orphan.exists()
    assert live.exists() and other.exists()
