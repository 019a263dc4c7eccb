"""Calibration on simulated elections with known truth: picks and probabilities against
outcomes over several seeds (history = the simulated previous election only)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from smartvote.recommend.run import run_backtest
from smartvote.simulate import simulate

SEEDS = (11, 12, 13)


@pytest.fixture(scope="module")
def backtests(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = []
    for seed in SEEDS:
        d = tmp_path_factory.mktemp(f"sim{seed}")
        simulate(seed=seed, stations=3000, stuffing_share=0.05).write(d)
        res, _ = run_backtest(
            d / "sim-2026-candidates.csv",
            [d / "sim-2021.csv", d / "sim-2021-smd.csv"],
            d / "sim-2026-smd.csv",
            d / "sim-2026-endorsements.csv",
            stations=d / "sim-2026-stations.csv",
            sims=4000,
        )
        out.append(res.to_dict())
    return out


@pytest.mark.slow
def test_accuracy_well_above_chance(backtests: list[dict]) -> None:
    acc = np.mean([b["accuracy"] for b in backtests])
    chance = np.mean([b["chance_accuracy"] for b in backtests])
    assert chance == pytest.approx(1 / 6, abs=1e-4)  # six challengers per race
    assert acc > 0.45 > 2.5 * chance
    assert all(b["races"] == 40 for b in backtests)


@pytest.mark.slow
def test_brier_beats_uniform_forecast(backtests: list[dict]) -> None:
    uniform = 5 * (1 / 6) ** 2 + (5 / 6) ** 2  # per race, six challengers
    assert np.mean([b["brier"] for b in backtests]) < 0.85 * uniform
    assert max(b["brier"] for b in backtests) < uniform


@pytest.mark.slow
def test_reliability_pooled(backtests: list[dict]) -> None:
    """Forecast vs observed per bin, pooled over seeds: off by < 0.15 where n ≥ 30."""
    pooled: dict[str, list[float]] = {}
    for b in backtests:
        for row in b["reliability"]:
            acc = pooled.setdefault(row["bin"], [0.0, 0.0, 0.0])
            acc[0] += row["n"]
            acc[1] += row["n"] * row["mean_forecast"]
            acc[2] += row["n"] * row["observed"]
    checked = 0
    for n, f, o in pooled.values():
        if n >= 30:
            assert abs(f / n - o / n) < 0.15
            checked += 1
    assert checked >= 3


def test_oracle_endorsements_scored(backtests: list[dict]) -> None:
    # The simulator's endorsements are the truth-knowing strongest challengers.
    for b in backtests:
        e = b["endorsements"]
        assert e["races"] == 40 and e["accuracy"] >= 0.9
        assert e["agree_with_model"] == b["correct"] or e["agree_with_model"] >= b["correct"] - 3


@pytest.mark.slow
def test_recommend_demo(sim_dir: Path, tmp_path: Path) -> None:
    from smartvote.recommend import recommend_demo

    out = tmp_path / "recs.json"
    data = recommend_demo(sim_dir, out, sims=2000)
    assert out.exists() and len(data) == 40
    assert all(r["endorsed"] and 0 <= r["p_win"] <= 1 for r in data)
