"""The early read of ``smartvote forensics FILE`` (:mod:`smartvote.cli.prefetch`): its
plain reading of the command line knows the command's real options, hands a read over
only for the same file and election, and the entry point gives the same JSON with it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main

from smartvote.cli import app, main, prefetch


def _forensics_command() -> Any:
    """The Click command Typer builds (Typer's vendored Click or Click itself, by version)."""
    return typer.main.get_command(app).commands["forensics"]  # type: ignore[attr-defined]


def test_option_names_are_the_commands() -> None:
    """A new option of the command must be taught to the plain reading (else a value
    would be taken for the target)."""
    values, flags = set(), set()
    for p in _forensics_command().params:
        if p.param_type_name == "option":
            names = set(p.opts) | set(p.secondary_opts)
            (flags if p.is_flag else values).update(names)
    assert values == set(prefetch.VALUE_OPTIONS)
    assert flags == set(prefetch.FLAG_OPTIONS)


@pytest.mark.parametrize(
    ("args", "want"),
    [
        (["forensics", "f.csv", "--json"], ("f.csv", None, False)),
        (["forensics", "--json", "f.csv"], ("f.csv", None, False)),
        (["forensics", "--db", "x.duckdb", "f.csv"], ("f.csv", None, False)),
        (["forensics", "f.csv", "--election", "e1", "--seed", "3"], ("f.csv", "e1", False)),
        (["forensics", "--election=e2", "--report=r.html", "f.csv"], ("f.csv", "e2", True)),
        (["forensics", "--stations", "s.csv", "f.csv"], ("f.csv", None, True)),
        (["forensics", "--election", "--report", "f.csv"], ("f.csv", "--report", False)),
        (["forensics", "--monte-carlo", "--", "-odd.csv"], ("-odd.csv", None, False)),
        (["forensics", "--help"], None),
        (["forensics", "f.csv", "--jsn"], None),
        (["forensics", "f.csv", "g.csv"], None),
        (["forensics", "--election"], None),
        (["forensics", "--json=1", "f.csv"], None),
        (["forensics"], None),
        (["recommend", "f.csv"], None),
        ([], None),
    ],
)
def test_plain_reading_of_the_command_line(
    args: list[str], want: tuple[str, str | None, bool] | None
) -> None:
    assert prefetch.forensics_target(args) == want


def _same_reading(got: object, want: object) -> None:
    """Two readings of one file hold the same stations, electronic inputs and frames."""
    import dataclasses

    import numpy as np
    import pandas as pd

    assert (got.election, got.race) == (want.election, want.race)  # type: ignore[attr-defined]
    a, b = got.stations, want.stations  # type: ignore[attr-defined]
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=f.name)
        elif f.name != "ids":
            assert x == y, f.name
    pd.testing.assert_frame_equal(a.frame, b.frame)
    pd.testing.assert_frame_equal(got.frame(), want.frame())  # type: ignore[attr-defined]
    for name in ("units", "channel_votes"):
        fx, fy = getattr(got, name), getattr(want, name)
        assert (fx is None) == (fy is None), name
        if fx is not None:
            ux, uy = fx(), fy()
            for f in dataclasses.fields(ux):
                x, y = getattr(ux, f.name), getattr(uy, f.name)
                if isinstance(x, np.ndarray):
                    np.testing.assert_array_equal(x, y, err_msg=f"{name}.{f.name}")
                else:
                    assert x == y, f"{name}.{f.name}"


def test_read_is_handed_over_only_for_the_same_file_and_election(sim_dir: Path) -> None:
    from smartvote.forensics._cikread import read_file

    f = str(sim_dir / "sim-2026.csv")
    assert prefetch.begin(["forensics", f, "--json"])
    reading = prefetch.take(f, None)
    assert isinstance(reading, prefetch.ReadInProcess)  # fork is there on Linux
    _same_reading(reading.result(), read_file(f))

    assert prefetch.begin(["forensics", f, "--election", "other"])
    assert prefetch.take(f, None) is None  # Typer read another election: not this read
    assert prefetch.take(f, "other") is None  # and every early read is dropped once taken

    assert prefetch.begin(["forensics", f, "--report", "r.html"])  # needs the table: a thread
    reading = prefetch.take(f, None)
    assert reading is not None and not isinstance(reading, prefetch.ReadInProcess)
    _same_reading(reading.result(), read_file(f))

    assert not prefetch.begin(["forensics", str(sim_dir / "missing.csv")])
    assert not prefetch.begin(["ingest", f])


def test_reading_process_sends_the_electronic_inputs(shared_data: Path) -> None:
    """On the 2021 Duma file (electronic units in seven regions) the stations, the
    electronic comparison's units and vote tables, and the frames read again on demand
    equal a direct read."""
    from smartvote.forensics._cikread import read_file

    f = str(shared_data / "ru_federal_precincts" / "2021.csv.zip")
    assert prefetch.begin(["forensics", f, "--json"])
    reading = prefetch.take(f, None)
    assert isinstance(reading, prefetch.ReadInProcess)
    got = reading.result()
    assert got.channel_votes is not None
    _same_reading(got, read_file(f))


def test_a_file_the_fast_reader_declines_is_read_here(tmp_path: Path) -> None:
    """A tidy results file (not a CIK table): the reading process declines it and the
    full reader reads it in this process."""
    from smartvote.forensics._cikread import read_stations

    f = tmp_path / "tidy.csv"
    rows = ["race,unit,candidate,party,votes,region,registered,ballots"]
    for i in range(60):
        rows += [f"r,u{i},A,A,{300 + i},North,1000,600", f"r,u{i},B,B,{200 + i},North,1000,600"]
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert read_stations(f) is None
    assert prefetch.begin(["forensics", str(f), "--json"])
    reading = prefetch.take(str(f), None)
    assert isinstance(reading, prefetch.ReadInProcess)
    got = reading.result()
    assert type(got).__name__ == "Election"


def test_entry_point_gives_the_same_json(
    sim_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``main()`` (the console script: early read) and the Typer app alone (no early read)
    print the same JSON, timings aside; the early read was taken."""
    from typer.testing import CliRunner

    f = str(sim_dir / "sim-2026.csv")
    taken: list[bool] = []
    real_take = prefetch.take

    def spy(target: str, election: str | None) -> object:
        fut = real_take(target, election)
        taken.append(fut is not None)
        return fut

    monkeypatch.setattr(prefetch, "take", spy)
    monkeypatch.setattr(sys, "argv", ["smartvote", "forensics", f, "--json", "--seed", "2"])
    with pytest.raises(SystemExit) as e:
        main()
    assert e.value.code == 0
    got = json.loads(capsys.readouterr().out)
    assert taken == [True]

    r = CliRunner().invoke(app, ["forensics", f, "--json", "--seed", "2"])
    assert r.exit_code == 0, r.output
    want = json.loads(r.stdout)
    assert taken == [True, False]
    for d in (got, want):
        d.pop("timings_s")
        d.pop("timings_cpu_s")
    assert got == want


def test_entry_point_bad_file_keeps_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An input error found by the early read is raised by the command as before: exit 2,
    file, row and rule."""
    f = tmp_path / "bad.csv"
    head = 'level,region,tik,uik,"Число избирателей, внесенных в список",Партия А,Партия Б'
    f.write_text(f"{head}\nЦИК,R1,T1,УИК №1,100,30,20\nЦИК,R1,T1,УИК №2,сто,30,20\n")
    monkeypatch.setattr(sys, "argv", ["smartvote", "forensics", str(f), "--json"])
    with pytest.raises(SystemExit) as e:
        main()
    assert e.value.code == 2
    err = json.loads(capsys.readouterr().out)["error"][0]
    assert err["file"].endswith("bad.csv")
    assert err["row"] == 3


_NO_PANDAS = (
    "import sys; sys.modules['pandas'] = None\n"  # any `import pandas` now raises ImportError
    "from smartvote.cli import main\n"
    "sys.argv = ['smartvote', 'forensics', sys.argv[1], '--json']\n"
    "main()\n"
)


def _json_without_pandas(path: Path) -> dict[str, object]:
    import subprocess

    r = subprocess.run(
        [sys.executable, "-c", _NO_PANDAS, str(path)], capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr[-2000:]
    d: dict[str, object] = json.loads(r.stdout)
    return d


def _same_json(got: dict[str, object], path: Path) -> None:
    from typer.testing import CliRunner

    r = CliRunner().invoke(app, ["forensics", str(path), "--json"])
    assert r.exit_code == 0, r.output
    want = json.loads(r.stdout)
    for d in (got, want):
        d.pop("timings_s")
        d.pop("timings_cpu_s")
    assert got == want


def test_json_of_a_file_needs_no_pandas(sim_dir: Path) -> None:
    """``smartvote forensics FILE --json`` runs with pandas made unimportable (0.35 s of
    imports it no longer pays) and prints the same JSON as with it."""
    f = sim_dir / "sim-2026.csv"
    _same_json(_json_without_pandas(f), f)


def test_json_of_a_national_file_with_electronic_units_needs_no_pandas(
    shared_data: Path,
) -> None:
    """The same on the 2021 Duma file, whose electronic units feed the electronic
    comparison."""
    f = shared_data / "ru_federal_precincts" / "2021.csv.zip"
    got = _json_without_pandas(f)
    assert got["electronic"]["present"]  # type: ignore[index]
    _same_json(got, f)
