"""The suite's forked child (forensics/_fork.py): same numbers in a child process, in
threads and in sequence; the child's errors and Ctrl-C reach the caller."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from smartvote.errors import InputError, Problem
from smartvote.forensics import _fork
from smartvote.forensics.simulated import simulation_station_frame
from smartvote.forensics.suite import Options, run_suite
from smartvote.simulate import simulate

pytestmark = pytest.mark.skipif(not _fork.available(), reason="os.fork is not available here")


def _strip(d: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in d.items() if k not in ("timings_s", "timings_cpu_s")}


@pytest.mark.slow
def test_suite_same_json_forked_threaded_and_sequential() -> None:
    s = simulate(seed=5, stations=3000, regions=6, stuffing_share=0.1)
    frame = simulation_station_frame(s.protocols)
    small = {"shpilkin_boot": 11, "excess_boot": 11, "klimek_boot": 3, "spike_resamples": 6}
    runs = {
        name: run_suite(frame, election="sim", options=Options(**small, **kw))  # type: ignore[arg-type]
        for name, kw in {
            "fork": {"workers": 2},
            "threads": {"workers": 2, "fork": False},
            "sequence": {"workers": 1},
        }.items()
    }
    forked = runs["fork"].to_dict()
    assert "wait_for_child" in forked["timings_s"]  # the child did run
    assert "wait_for_child" not in runs["threads"].to_dict()["timings_s"]
    assert forked["timings_cpu_s"]["klimek"] > 0 and forked["timings_cpu_s"]["spikes"] > 0
    for name in ("threads", "sequence"):
        assert _strip(runs[name].to_dict()) == _strip(forked), name
    # the arrays the HTML report draws came back from the child too
    k_f, k_s = runs["fork"].klimek, runs["sequence"].klimek
    assert k_f is not None and k_s is not None
    assert (k_f.simulated == k_s.simulated).all() and (k_f.observed == k_s.observed).all()


def test_child_result_and_parent_pid() -> None:
    child = _fork.start(lambda: (os.getpid(), [1.5, "x"]))
    assert child is not None
    try:
        pid, value = child.result()
    finally:
        child.close()
    assert pid != os.getpid() and value == [1.5, "x"]


def _bad() -> None:
    raise InputError(Problem("positive", "registered voters must be > 0", "f.csv", 17, "N"))


def test_child_input_error_raised_in_parent_with_file_row_rule() -> None:
    child = _fork.start(_bad)
    assert child is not None
    with pytest.raises(InputError) as ei:
        try:
            child.result()
        finally:
            child.close()
    assert ei.value.problems == [
        Problem("positive", "registered voters must be > 0", "f.csv", 17, "N")
    ]
    assert str(ei.value) == "f.csv, row 17, column 'N': [positive] registered voters must be > 0"


def _interrupted() -> None:
    raise KeyboardInterrupt


def test_child_ctrl_c_reaches_parent() -> None:
    child = _fork.start(_interrupted)
    assert child is not None
    with pytest.raises(KeyboardInterrupt):
        try:
            child.result()
        finally:
            child.close()


def test_close_kills_a_running_child() -> None:
    child = _fork.start(lambda: time.sleep(60))
    assert child is not None
    pid = child.pid
    t0 = time.perf_counter()
    child.close()
    assert time.perf_counter() - t0 < 10
    with pytest.raises(ChildProcessError):  # reaped: no zombie left
        os.waitpid(pid, 0)


def test_claims_give_each_job_to_exactly_one_process() -> None:
    claims = _fork.Claims(200)

    def take() -> list[int]:
        got = []
        for i in claims:
            got.append(i)
            time.sleep(0.001)  # let the other process take some
        return got

    child = _fork.start(take)
    assert child is not None
    try:
        mine = take()
        theirs = child.result()
    finally:
        child.close()
        claims.close()
    assert sorted(mine + theirs) == list(range(200))  # none lost, none twice
    assert mine and theirs  # both took some
    with pytest.raises(ValueError):
        _fork.Claims(0)


@pytest.mark.slow
def test_command_process_ends_with_complete_output(sim_dir: Path, tmp_path: Path) -> None:
    """The command as a process of its own (where it skips the interpreter's teardown):
    exit status 0, the whole JSON on stdout, the report and the station CSV complete; the
    table output too; a bad file still exits 2 naming it."""
    exe = [sys.executable, "-c", "from smartvote.cli import main; main()", "forensics"]
    rep, csv = tmp_path / "r.html", tmp_path / "s.csv"
    f = str(sim_dir / "sim-2026.csv")
    r = subprocess.run(
        [*exe, f, "--json", "--report", str(rep), "--stations", str(csv)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["stations"] == 4000 and d["report"] == str(rep)
    assert "wait_for_child" in d["timings_s"]  # the suite forked its child here too
    assert rep.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert len(csv.read_text(encoding="utf-8").splitlines()) == d["station_list"]["rows"] + 1
    t = subprocess.run([*exe, f], capture_output=True, text=True, timeout=600)
    assert t.returncode == 0 and "Klimek f_i" in t.stdout and t.stdout.rstrip().endswith("┘")
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n", encoding="utf-8")
    b = subprocess.run([*exe, str(bad), "--json"], capture_output=True, text=True, timeout=600)
    assert b.returncode == 2 and str(bad) in b.stdout + b.stderr
