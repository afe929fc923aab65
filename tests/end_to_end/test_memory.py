"""Memory stays flat over a long run in the window (issue 6): 100,000 epochs at full speed.

The demo runs in its own process; this test samples its resident set size from
/proc/<pid>/status every 0.2 s. A leak per frame or per epoch shows as steady growth, so
the last third of the samples must not sit much above the middle third. Only memory is
compared, never time.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EPOCHS = 100_000
MAX_GROWTH_MB = 30.0


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        return None
    return None


@pytest.mark.timeout(300)
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to read a process's memory")
def test_memory_stays_flat_over_a_long_full_speed_run():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    cmd = [sys.executable, str(ROOT / "main.py"), "demo", "--hidden", "8", "--epochs", str(EPOCHS), "--speed", "full"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    samples: list[float] = []
    while proc.poll() is None:
        mb = rss_mb(proc.pid)
        if mb is not None:
            samples.append(mb)
        time.sleep(0.2)
    out = proc.stdout.read() if proc.stdout else ""
    assert proc.returncode == 0, out
    assert len(samples) >= 9, f"too few samples ({len(samples)}) to judge growth:\n{out}"
    third = len(samples) // 3
    middle, last = samples[third:2 * third], samples[2 * third:]
    growth = max(last) - max(middle)
    print(f"RSS MB: start {samples[0]:.1f}, middle max {max(middle):.1f}, last max {max(last):.1f}, "
          f"growth {growth:.1f} over {len(samples)} samples")
    assert growth < MAX_GROWTH_MB, f"RSS grew {growth:.1f} MB in the last third of the run:\n{out}"
