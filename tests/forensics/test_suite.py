"""The whole suite: JSON contract, CLI on a file, report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smartvote.forensics.simulated import simulation_station_frame
from smartvote.forensics.suite import Options, run_suite
from smartvote.simulate import simulate

KEYS = {
    "stations",
    "registered",
    "turnout",
    "leader",
    "leader_share",
    "excess",
    "shpilkin",
    "integer",
    "klimek",
    "spikes",
    "digits",
    "regions",
    "districts",
    "electronic",
}


@pytest.mark.slow
def test_suite_contract() -> None:
    s = simulate(seed=3, stations=4000, stuffing_share=0.1)
    res = run_suite(
        simulation_station_frame(s.protocols),
        election="sim",
        options=Options(shpilkin_boot=20, klimek_boot=4, spike_resamples=10),
    )
    d = res.to_dict()
    assert set(d) >= KEYS
    assert {
        "excess_votes",
        "clean_turnout",
        "clean_leader_share",
        "peak_reason",
        "sensitivity",
        "excess_2d",
    } <= set(d["shpilkin"])
    assert {
        "excess_stations",
        "expected",
        "observed",
        "sd",
        "p_value",
        "turnout_only",
        "result_only",
        "sd_calibrated",
        "p_value_calibrated",
    } <= set(d["integer"])
    assert {"f_incremental", "f_extreme", "f_incremental_ci", "fit_quality"} <= set(d["klimek"])
    assert {"votes", "ci_low", "ci_high", "method", "by_region"} <= set(d["excess"])
    assert len(d["excess"]["by_region"]) == 20
    assert d["excess"]["ci_low"] <= d["excess"]["votes"] <= d["excess"]["ci_high"]
    assert "excess_regions_summed" in d["shpilkin"]
    assert {"share", "excess", "ci", "p_value"} <= set(d["spikes"]["rozenas"]["result"])
    assert {"share", "ci", "p_value"} <= set(d["spikes"]["coarse_fractions"]["turnout"])
    assert len(d["regions"]) == 20
    assert sum(r["stations"] for r in d["regions"]) == d["stations"] == 4000
    assert abs(sum(r["integer"]["observed"] for r in d["regions"]) - d["integer"]["observed"]) == 0
    json.dumps(d, allow_nan=False)


@pytest.mark.slow
def test_cli_on_file_with_report(sim_dir: Path, tmp_path: Path) -> None:
    from smartvote.cli import app

    rep = tmp_path / "r.html"
    csv = tmp_path / "s.csv"
    out = CliRunner().invoke(
        app,
        [
            "forensics",
            str(sim_dir / "sim-2026.csv"),
            "--json",
            "--report",
            str(rep),
            "--stations",
            str(csv),
        ],
    )
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)
    assert set(d) >= KEYS
    assert d["stations"] == 4000
    assert d["shpilkin"]["excess_votes"] > 0
    html = rep.read_text(encoding="utf-8")
    assert html.index("best estimate") < html.index("Fingerprint")
    assert "http://" not in html and "https://" not in html
    assert html.count("data:image/png;base64,") >= 6
    assert csv.read_text(encoding="utf-8").startswith("race,unit")


def test_cli_unknown_election(tmp_path: Path) -> None:
    from smartvote.cli import app

    out = CliRunner().invoke(app, ["forensics", "nope", "--db", str(tmp_path / "x.duckdb")])
    assert out.exit_code == 2
