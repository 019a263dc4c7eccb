"""Start-up benchmark of the command line: prints figures for docs/architecture.md.

Times, as the median of ``--runs`` runs interleaved so that they share the machine's load,
the wall and CPU (user + sys of the child) seconds of

* ``python -c pass``: the interpreter alone, the baseline;
* ``python -c 'import smartvote.cli'``: the command layer (every command registered);
* ``smartvote --help``: the entry point, printing the list of commands (target < 0.3 s);
* with ``--before SRC``: the same two from another source tree (e.g. a checkout of the code
  before a change) in this run, and the ratio before / after.

Also prints the modules over 10 ms in ``python -X importtime -c 'import smartvote.cli'``.

Usage: ``.venv/bin/python benchmarks/cli_startup.py [--runs 15] [--before SRC]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from _timing import timed

TARGET = 0.3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15, help="runs of each command (median)")
    ap.add_argument("--before", type=Path, help="another source tree (its src/ folder) to compare")
    a = ap.parse_args()

    py = sys.executable
    exe = str(Path(py).parent / "smartvote")
    env = {**os.environ, "COLUMNS": "100"}
    env.pop("PYTHONPATH", None)
    cases: dict[str, tuple[list[str], dict[str, str]]] = {
        "python -c pass": ([py, "-c", "pass"], env),
        "import smartvote.cli": ([py, "-c", "import smartvote.cli"], env),
        "smartvote --help": ([exe, "--help"], env),
    }
    old = env
    if a.before is not None:
        old = {**env, "PYTHONPATH": str(a.before.resolve())}
        run = "import sys; from smartvote.cli import main; sys.argv[0] = 'smartvote'; main()"
        cases["before: import smartvote.cli"] = ([py, "-c", "import smartvote.cli"], old)
        cases["before: smartvote --help"] = ([py, "-c", run, "--help"], old)
        # the same launcher with this tree, so that the ratio compares like with like
        cases["after: smartvote --help (python -c)"] = ([py, "-c", run, "--help"], env)
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in cases}
    for _ in range(a.runs):
        for k, (argv, e) in cases.items():
            times[k].append(timed(argv, e))

    wall = {k: statistics.median(w for w, _ in v) for k, v in times.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in times.items()}
    base = wall["python -c pass"]
    print(f"median of {a.runs} runs (wall / CPU seconds; the machine's load inflates both):")
    for k in cases:
        print(f"  {k:<40} {wall[k]:6.3f} s wall  {cpu[k]:6.3f} s CPU  (+{wall[k] - base:.3f} s)")
    h = wall["smartvote --help"]
    print(
        f"smartvote --help: {h:.3f} s wall, {h / base:.1f}x `python -c pass`; "
        f"target < {TARGET} s: {'met' if h < TARGET else 'NOT met'} in this run"
    )
    if a.before is not None:
        for k, new in (
            ("import smartvote.cli", "import smartvote.cli"),
            ("smartvote --help", "after: smartvote --help (python -c)"),
        ):
            b = f"before: {k}"
            print(
                f"{k}: before {wall[b]:.3f} s / after {wall[new]:.3f} s wall "
                f"({wall[b] / wall[new]:.1f}x), CPU {cpu[b]:.3f} / {cpu[new]:.3f} s "
                f"({cpu[b] / cpu[new]:.1f}x); above `python -c pass`: "
                f"{wall[b] - base:.3f} / {wall[new] - base:.3f} s"
            )

    # A figure the load does not touch: how many modules each start-up loads.
    count = "import sys, smartvote.cli; print(len(sys.modules))"
    trees = {"after": env, **({"before": old} if a.before is not None else {})}
    for name, e in trees.items():
        n = subprocess.run([py, "-c", count], check=True, capture_output=True, text=True, env=e)
        base_n = subprocess.run(
            [py, "-c", "import sys; print(len(sys.modules))"],
            check=True,
            capture_output=True,
            text=True,
            env=e,
        )
        print(
            f"modules loaded by `import smartvote.cli` ({name}): {int(n.stdout)} "
            f"({int(base_n.stdout)} by `python -c pass`)"
        )

    r = subprocess.run(
        [py, "-X", "importtime", "-c", "import smartvote.cli"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    rows = []
    for line in r.stderr.splitlines()[1:]:
        _, cum_us, name = line.split("|")  # "import time: SELF | CUMULATIVE |  NAME"
        if not name.startswith("  ") and int(cum_us) >= 10_000:  # top level: one space
            rows.append((int(cum_us), name.strip()))
    print("import smartvote.cli, top-level imports over 10 ms (cumulative, one run):")
    for us, name in sorted(rows, reverse=True):
        print(f"  {us / 1000:7.1f} ms  {name}")


if __name__ == "__main__":
    main()
