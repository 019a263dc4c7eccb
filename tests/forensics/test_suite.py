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
    rows = d["intervals"]
    assert {r["method"] for r in rows} == {
        "excess",
        "shpilkin",
        "integer",
        "klimek",
        "spikes.rozenas",
        "spikes.coarse_fractions",
        "digits",
    }
    for r in rows:
        assert r["level"] == 0.95 and r["low"] <= r["high"], r
        assert r["kind"] in ("normal", "model-averaged", "percentile bootstrap"), r
    by = {r["method"]: r for r in rows}
    assert by["shpilkin"]["low"] == d["shpilkin"]["excess_ci"][0]
    assert by["shpilkin"]["replicates"] == 20 and by["integer"]["replicates"] is None
    assert by["excess"]["kind"] == "model-averaged"
    json.dumps(d, allow_nan=False)


def test_sd_monte_carlo_error_is_the_sample_sd_cv() -> None:
    """1/√(2(B − 1)): the coefficient of variation of a normal sample's sd, checked by
    simulation (20,000 samples of 51: within 2 % of it), 0 for an exact sd."""
    import numpy as np

    from smartvote.forensics.intervals import sd_mc_error

    sds = np.random.default_rng(0).standard_normal((20_000, 51)).std(axis=1, ddof=1)
    assert sds.std() / sds.mean() == pytest.approx(sd_mc_error(51), rel=0.02)
    assert sd_mc_error(51) == pytest.approx(0.1)
    assert sd_mc_error(None) == 0.0


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
    assert "11. Every interval, reported the same way" in html
    assert "http://" not in html and "https://" not in html
    assert html.count("data:image/png;base64,") >= 6
    assert csv.read_text(encoding="utf-8").startswith("race,unit")


def test_cli_unknown_election(tmp_path: Path) -> None:
    from smartvote.cli import app

    out = CliRunner().invoke(app, ["forensics", "nope", "--db", str(tmp_path / "x.duckdb")])
    assert out.exit_code == 2


@pytest.mark.slow
def test_flagged_slope_stands_beside_the_headline(tmp_path: Path) -> None:
    """A genuine turnout–support link (the simulator's correlation 0.1) flags the clean
    core's slope; the caveat then stands beside the headline everywhere a reader sees it:
    JSON ``excess.caveats`` (with the range and the de-trended reading), the CLI table and
    the report's key figures and first section. A clean election without the link has no
    caveat. The report's header lists the excluded rows as words, not a Python dict."""
    from smartvote.cli import app

    flagged = simulate(seed=200, stations=10_000, regions=20, smd=False, turnout_support_corr=0.1)
    flagged.write(tmp_path / "f")
    clean = simulate(seed=200, stations=10_000, regions=20, smd=False)
    clean.write(tmp_path / "c")
    rep = tmp_path / "r.html"
    runner = CliRunner()
    csv = tmp_path / "f" / "sim-2026.csv"
    d = json.loads(runner.invoke(app, ["forensics", str(csv), "--json"]).stdout)
    e = d["excess"]
    assert e["sensitivity"]["flagged"]
    lo, hi = e["sensitivity"]["range"]
    (c,) = e["caveats"]
    assert f"{lo:,.0f} … {hi:,.0f}" in c
    assert f"{e['sensitivity']['votes_if_slope_genuine']:,.0f}" in c
    out = runner.invoke(app, ["forensics", str(csv), "--report", str(rep)], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "caveat: turnout–support slope flagged" in out.stdout
    assert "caveat (excess): the leader's share rises with turnout" in out.stdout
    html = rep.read_text(encoding="utf-8")
    assert html.index("Read this estimate with care") < html.index("Fingerprint")
    assert "if the turnout–support link is genuine (flagged)" in html
    head = html[html.index("excluded from station statistics:") :]
    assert "electronic 0" in head[: head.index("</p>")]
    assert "{" not in head[: head.index("</p>")]
    csv = tmp_path / "c" / "sim-2026.csv"
    d = json.loads(runner.invoke(app, ["forensics", str(csv), "--json"]).stdout)
    assert not d["excess"]["sensitivity"]["flagged"] and d["excess"]["caveats"] == []
