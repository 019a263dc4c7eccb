"""Klimek et al. (2012) fit: coverage over seeds and the real files (docs/5-forensics.md).

1. ``--scenarios``: simulated elections (``smartvote.simulate``, read as the tests read
   them), per scenario over ``--seeds``: how many runs' 95 % intervals hold the true f_i
   and f_e, the mean and sd of the estimates, the mean bootstrap sd and interval width,
   and the published (uncentred) fit's mean and sd. Scenarios from Klimek's own fraud
   process (``fi0.1``, ``fi0.3``, ``fi0.3w`` weak, ``mixed``, ``clean``, ``ext``) and from
   others (``ext_uniform``: extreme x ~ U(0.85, 1); ``packs``: ballot packs at 30 % of
   stations, f_i has no true value; ``whole``: f_i 0.1 plus 2 regions falsified as a
   whole; ``corr``, ``corr0.5``: clean with a genuine turnout–support correlation 0.1 or 0.5 on
   the logit scale).
2. ``--real``: the shared federal files: stations in the 95/95 corner before and after
   the region centring, the centred fit with its interval, the published fit, CPU time.

Docs' settings: ``--scenarios fi0.1,fi0.3,fi0.3w,mixed,clean,ext,ext_uniform,packs,whole,corr,corr0.5
--seeds 100-139 --stations 5000 --boot 20`` and ``--real 2011,2016,2018,2020,2021``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from _args import seeds
from smartvote.forensics import klimek as kl
from smartvote.forensics._frame import prepare
from smartvote.forensics.simulated import simulation_station_frame
from smartvote.simulate import simulate

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"

_K = {"extreme_x": "klimek"}
SCENARIOS: dict[str, dict[str, Any]] = {
    "fi0.1": {"stuffing_share": 0.1, "stuffing_intensity": 0.3},
    "fi0.3": {"stuffing_share": 0.3, "stuffing_intensity": 0.2},
    "fi0.3w": {"stuffing_share": 0.3, "stuffing_intensity": 0.15},
    "mixed": {"stuffing_share": 0.15, "stuffing_intensity": 0.3, "extreme_share": 0.02, **_K},
    "clean": {},
    "ext": {"extreme_share": 0.03, **_K},
    "ext_uniform": {"extreme_share": 0.03},
    "packs": {"packs_share": 0.3},
    "whole": {"stuffing_share": 0.1, "stuffing_intensity": 0.3, "whole_regions": 2},
    "corr": {"turnout_support_corr": 0.1},
    "corr0.5": {"turnout_support_corr": 0.5},
}


def coverage(name: str, a: argparse.Namespace) -> None:
    cfg = SCENARIOS[name]
    fi, fe = cfg.get("stuffing_share", 0.0), cfg.get("extreme_share", 0.0)
    hits_i = hits_e = 0
    rows, nat, cpu = [], [], []
    for seed in a.seeds:
        s = simulate(seed=seed, stations=a.stations, **cfg)
        st = prepare(simulation_station_frame(s.protocols))
        t0 = time.process_time()
        r = kl.klimek(st, boot=a.boot, rng_seed=seed)
        cpu.append(time.process_time() - t0)
        (li, hi), (le, he) = r.f_incremental_ci, r.f_extreme_ci
        hits_i += li <= fi <= hi
        hits_e += le <= fe <= he
        sd = r.replicates.std(axis=0, ddof=1)
        rows.append((r.f_incremental, r.f_extreme, sd[0], sd[1], hi - li, he - le))
        if r.national is not None:
            nat.append((r.national["f_incremental"], r.national["f_extreme"]))
    e, n = np.array(rows), len(rows)
    line = (
        f"[klimek {name}] {n} seeds {a.seeds[0]}..{a.seeds[-1]}, {a.stations:,} stations, "
        f"boot {a.boot}, truth f_i {fi}, f_e {fe}: covers f_i {hits_i}/{n}, f_e {hits_e}/{n}; "
        f"f_i mean {e[:, 0].mean():.3f} sd {e[:, 0].std(ddof=1):.3f} (boot sd "
        f"{e[:, 2].mean():.3f}, width {e[:, 4].mean():.3f}); f_e mean {e[:, 1].mean():.3f} "
        f"sd {e[:, 1].std(ddof=1):.3f} (boot sd {e[:, 3].mean():.3f}, width {e[:, 5].mean():.3f})"
    )
    if nat:
        na = np.array(nat)
        line += (
            f"; published (uncentred) f_i {na[:, 0].mean():.3f} sd {na[:, 0].std(ddof=1):.3f}, "
            f"f_e {na[:, 1].mean():.3f} sd {na[:, 1].std(ddof=1):.3f}"
        )
    print(line + f"; CPU {np.mean(cpu):.2f} s per fit", flush=True)


def real(year: str, boot: int) -> None:
    from smartvote.forensics._cikread import read_file

    fs = read_file(DATA / "ru_federal_precincts" / f"{year}.csv.zip")
    st = fs.stations  # type: ignore[union-attr]
    st = st() if callable(st) else st
    v = kl.on_valid_votes(st)
    c = kl.centre_regions(v)
    corner = int(((v.t >= 0.95) & (v.v >= 0.95)).sum())
    corner_c = int(((c.t >= 0.95) & (c.v >= 0.95)).sum())
    t0 = time.process_time()
    r = kl.klimek(st, boot=boot)
    took = time.process_time() - t0
    n = r.national or {}
    ci, ce = r.f_incremental_ci, r.f_extreme_ci
    print(
        f"[klimek real {year}] {st.n:,} stations, 95/95 corner {corner} ({corner_c} after "
        f"centring) | centred: f_i {r.f_incremental:.3f} [{ci[0]:.3f}, {ci[1]:.3f}], f_e "
        f"{r.f_extreme:.3f} [{ce[0]:.3f}, {ce[1]:.3f}], θ {r.theta}, α {r.alpha}, ratio "
        f"{r.fit_quality:.1f} | published (uncentred): f_i {n.get('f_incremental', 0):.3f}, "
        f"f_e {n.get('f_extreme', 0):.3f}, θ {n.get('theta')}, α {n.get('alpha')}, ratio "
        f"{n.get('fit_quality', {}).get('ratio', float('nan')):.1f} | CPU {took:.2f} s",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", default="fi0.1,clean", help=",".join(SCENARIOS))
    ap.add_argument("--seeds", type=seeds, default=seeds("100-101"))
    ap.add_argument("--stations", type=int, default=5000)
    ap.add_argument("--boot", type=int, default=20)
    ap.add_argument("--real", default="", help="e.g. 2011,2016,2018,2020,2021")
    ap.add_argument("--real-boot", type=int, default=51)
    a = ap.parse_args()
    for name in filter(None, a.scenarios.split(",")):
        coverage(name, a)
    for year in filter(None, a.real.split(",")):
        real(year, a.real_boot)


if __name__ == "__main__":
    main()
