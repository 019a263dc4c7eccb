"""End to end from the command line: keygen, publish, verify (as in docs/3-publish.md)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smartvote.cli import app
from smartvote.publish import publish_demo

SPB = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "ru_spb_2021"
    / "spb2021_stations.csv"
)
runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, [str(a) for a in args])
    return r.exit_code, r.stdout


def test_keygen_publish_verify(tmp_path: Path, inputs: tuple[Path, Path]) -> None:
    recs, stations = inputs
    code, out = _run("keygen", "--out", tmp_path / "key", "--json")
    assert code == 0
    info = json.loads(out)
    assert "BEGIN" not in out and info["fingerprint"].startswith("SHA256:")
    assert stat.S_IMODE(os.stat(tmp_path / "key").st_mode) == 0o600
    b = tmp_path / "bundle"
    code, out = _run(
        "publish", "--recommendations", recs, "--stations", stations, "--key", tmp_path / "key",
        "--out", b, "--version", "7", "--json",
    )  # fmt: skip
    assert code == 0, out
    pub = json.loads(out)
    assert pub["version"] == 7 and pub["stations"] == 60 and pub["regions"] == 3
    code, out = _run("verify", b, "--public-key", tmp_path / "key.pub", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    code, out = _run("verify", b, "--public-key", tmp_path / "key.pub", "--previous", "8", "--json")
    assert code == 2 and "rollback" in out
    # the next publication gets a higher version by itself
    code, out = _run(
        "publish",
        "--recommendations",
        recs,
        "--stations",
        stations,
        "--key",
        tmp_path / "key",
        "--out",
        b,
        "--json",
    )
    assert code == 0 and json.loads(out)["version"] > 7
    (b / "app.js").write_text("alert(1)")
    code, _ = _run("verify", b, "--public-key", tmp_path / "key.pub")
    assert code == 2


def test_bad_input_is_a_clear_error_not_a_traceback(
    tmp_path: Path, inputs: tuple[Path, Path]
) -> None:
    _run("keygen", "--out", tmp_path / "key")
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,race\nA/1,\n", encoding="utf-8")
    r = runner.invoke(
        app,
        ["publish", "--recommendations", str(inputs[0]), "--stations", str(bad), "--key", str(tmp_path / "key"),
         "--out", str(tmp_path / "b")],
    )  # fmt: skip
    assert r.exit_code == 2
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert not (tmp_path / "b").exists()


@pytest.mark.real_data
def test_publish_the_real_spb_stations_file(tmp_path: Path) -> None:
    if not SPB.exists():
        pytest.skip(f"real data not present at {SPB}")
    from smartvote.publish.samples import synthetic_recommendations
    from smartvote.publish.stations import convert_spb2021

    races = {r["race"] for r in convert_spb2021(SPB)}
    recs = tmp_path / "recs.json"
    recs.write_text(json.dumps(synthetic_recommendations(races, rng_seed=2021)), encoding="utf-8")
    res = publish_demo(
        recs, SPB, tmp_path / "bundle", tmp_path / "keys" / "key", stations_format="spb2021"
    )
    assert res["verified"]["ok"] and res["stations"] == 2055 and res["races"] == 33
    assert res["races_without_recommendation"] == [] and res["largest_shard_bytes"] < 1_000_000
    assert "smartvote verify" in res["verify_command"]


def test_recommendations_that_reach_no_station_are_refused(
    tmp_path: Path, inputs: tuple[Path, Path]
) -> None:
    """A recommendations file of another election (or an empty one) reaches no station:
    publishing it would sign a bundle showing «no recommendation» everywhere. Exit 2,
    naming both files, and nothing written."""
    _run("keygen", "--out", tmp_path / "key")
    other = tmp_path / "other.json"
    recs = json.loads(inputs[0].read_text(encoding="utf-8"))
    other.write_text(json.dumps([dict(r, race="zz-" + r["race"]) for r in recs]), "utf-8")
    empty = tmp_path / "empty.json"
    empty.write_text("[]", encoding="utf-8")
    for f in (other, empty):
        r = runner.invoke(
            app,
            ["publish", "--recommendations", str(f), "--stations", str(inputs[1]),
             "--key", str(tmp_path / "key"), "--out", str(tmp_path / "b")],
        )  # fmt: skip
        assert r.exit_code == 2, r.output
        assert "recommendations-no-station" in r.output and f.name in r.output
        assert str(inputs[1].name) in r.output
        assert not (tmp_path / "b").exists()
