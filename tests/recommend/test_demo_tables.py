"""The demo's recommend tables: the backtest beside the naive rules, and per-race data_used."""

from __future__ import annotations

from pathlib import Path

import pytest

from smartvote.recommend.run import backtest_demo, recommend_demo, run_backtest
from smartvote.recommend.tables import print_baselines, print_data_used


@pytest.mark.slow
def test_backtest_demo_simulated(sim_dir: Path) -> None:
    lines: list[str] = []
    out = backtest_demo(sim_dir, shared=None, sims=2000, echo=lines.append)
    assert set(out) == {"simulated"}
    s = out["simulated"]
    # The same figures as the backtest itself (same inputs, same seed).
    truth = sim_dir / "truth.json"
    assert truth.exists()
    direct, _ = run_backtest(
        sim_dir / "sim-2026-candidates.csv",
        [sim_dir / "sim-2021.csv", sim_dir / "sim-2021-smd.csv"],
        sim_dir / "sim-2026-smd.csv",
        sim_dir / "sim-2026-endorsements.csv",
        stations=sim_dir / "sim-2026-stations.csv",
        sims=2000,
    )
    d = direct.to_dict()
    assert s["races"] == d["races"] == 40
    assert s["correct"] == d["correct"] and s["brier"] == d["brier"]
    lr = s["baselines"]["last_result"]
    assert lr == d["baselines"]["last_result"] and lr["races"] == 40
    assert "per_race" not in s["endorsements"]
    text = "\n".join(lines)
    assert "baseline: last_result" in text and "campaign's endorsements" in text
    assert f"{s['brier']:.3f}" in text and f"{lr['brier']:.3f}" in text
    assert f"{s['accuracy']:.1%}" in text


def test_backtest_demo_uk(sim_dir: Path, shared_data: Path) -> None:
    lines: list[str] = []
    out = backtest_demo(sim_dir, shared=shared_data, sims=2000, echo=lines.append)
    uk = out["uk_ge2019"]
    assert uk["races"] == 631 and uk["uninformed"] == 0
    b = uk["baselines"]
    assert b["last_result"]["races"] == b["poll"]["races"] == 631
    # The model's probabilities beat both rules' hard picks (docs/2-recommend.md table).
    assert uk["brier"] < b["poll"]["brier"] < b["last_result"]["brier"]
    assert uk["correct"] >= b["last_result"]["correct"]
    text = "\n".join(lines)
    assert "UK 2019" in text and "baseline: poll" in text and f"{uk['correct']:g}" in text


@pytest.mark.slow
def test_print_data_used_lists_what_reached(sim_dir: Path) -> None:
    recs = recommend_demo(sim_dir, sims=500)
    lines: list[str] = []
    print_data_used(recs, limit=3, echo=lines.append)
    text = "\n".join(lines)
    for r in recs[:3]:
        assert r["race"] in text
        for h in r["data_used"]["history"]:
            assert h["race"] in text
    assert recs[3]["race"] not in text
    assert f"and {len(recs) - 3} more races" in text


def test_print_baselines_rows() -> None:
    case = {
        "races": 10,
        "correct": 7,
        "accuracy": 0.7,
        "brier": 0.31,
        "uninformed": 2,
        "baselines": {"last_result": {"races": 10, "correct": 5.5, "accuracy": 0.55, "brier": 0.9}},
    }
    lines: list[str] = []
    print_baselines([("case A", case)], echo=lines.append)
    text = "\n".join(lines)
    assert "case A" in text and "70.0%" in text and "0.310" in text
    assert "5.5" in text and "55.0%" in text and "0.900" in text
    assert "uninformed races (no pick): 2" in text
