"""Running a command in a child process for a benchmark: its wall and CPU time, its output.

Shared by the benchmarks that time whole commands (``cli_startup.py``, ``forensics.py``),
so that "CPU time" means the same thing in every figure they print: user + system seconds
of the child (``RUSAGE_CHILDREN``), which on a shared machine is steadier than the wall
clock. Not a benchmark itself: ``make bench`` skips files whose names start with ``_``.
"""

from __future__ import annotations

import resource
import subprocess
import time


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU (user + sys of the child) seconds of one run of ``argv`` (must exit 0)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def child_stdout(argv: list[str], env: dict[str, str] | None = None) -> str:
    """What ``argv`` prints on stdout (it must exit 0), as text."""
    return subprocess.run(argv, check=True, capture_output=True, text=True, env=env).stdout
