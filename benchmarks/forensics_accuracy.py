"""Accuracy of the falsified-vote estimates: prints the tables of docs/5-forensics.md.

1. Simulated elections with known truth (``smartvote.simulate``, read back through the real
   CIK reader as the tests do): per scenario and seed, the error of ``excess`` (the
   project's best estimate), of Shpilkin's published recipe (``shpilkin.excess_votes``,
   national curves) and of the per-region sum (``excess_regions_summed``) against the
   truth (added ballots + switched votes), with the runs whose 95 % interval holds the
   truth, and the interval's mean width (in % of the truth, or of the leader's votes where
   the truth is 0); ``excess_sampling`` is ``excess`` with the former sampling-only interval
   (± 1.96 bootstrap sd), ``excess_former`` the former estimate (session 6: reference
   sets read by median and lower-half spread, each region extrapolated on its own line;
   ``excess(st, location="median", extrapolation="region")``) and ``excess_sqrt`` the alternative extrapolation (linear in √q)
   that enters the interval. Error = estimate / truth − 1, or estimate / leader's votes where the truth is 0
   (``clean``, ``corr``); the correlation shift is ``corr`` − ``clean`` on the same seeds,
   in % of the leader's votes.
2. Klimek et al. (2012) fit: coverage of the f_e interval over seeds on the model's own
   extreme-fraud generator and on the simulator's default (5,000 stations, f_e = 0.03).
3. Real federal files (``--real``): ``excess`` (with and without the extreme-corner rule),
   the published recipe and its variants beside Shpilkin's published figures.

Scenarios: ``clean``; ``corr`` (clean, genuine turnout–support correlation 0.1 on the
logit scale); ``A`` (stuffing at 20 % of stations, θ = 0.3, region log-weight sd 0.8);
``B`` (A + 3 regions falsified as a whole); ``packs`` (ballot packs at 30 % of stations,
not Klimek's model); ``packs_whole`` (packs + 3 whole regions); ``extreme`` (extreme fraud
at 3 % of stations); ``demo`` (the demo's embedded election, ``cli.demo.demo_config``,
with the seed replaced: its own seed is 2026).

The no-argument run is small (it is part of ``make bench``). The docs' settings:
``--seeds 200-204 --stations 40000`` for the scenario table, ``--scenarios extreme --seeds
300-304 --stations 10000``, ``--scenarios demo --seeds 2026``, ``--klimek-seeds 60-71``,
``--real 2011,2016,2018,2020,2021``. Seed ranges are inclusive.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from _args import seeds
from smartvote.forensics import klimek as kl
from smartvote.forensics import shpilkin as sh
from smartvote.forensics._frame import Stations, prepare
from smartvote.forensics.excess import excess
from smartvote.forensics.simulated import simulation_station_frame
from smartvote.forensics.suite import station_frame
from smartvote.simulate import SimConfig, simulate

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"

_A: dict[str, Any] = {"stuffing_share": 0.2, "stuffing_intensity": 0.3, "stuffing_region_sd": 0.8}
_PACKS: dict[str, Any] = {"packs_share": 0.3, "pack_size": 150.0, "stuffing_region_sd": 0.8}
SCENARIOS: dict[str, dict[str, Any]] = {
    "clean": {},
    "corr": {"turnout_support_corr": 0.1},
    "A": _A,
    "B": {**_A, "whole_regions": 3},
    "packs": _PACKS,
    "packs_whole": {**_PACKS, "whole_regions": 3},
    "extreme": {"extreme_share": 0.03},
    "demo": {},
}

#: Shpilkin's published figures, millions of the leader's votes ("~X" read as X ± 1M), as
#: in tests/forensics/test_shpilkin.py and the real-data table of docs/5-forensics.md.
PUBLISHED = {
    "2011": "~15",
    "2016": "~12",
    "2018": "~10",
    "2020": "22-27",
    "2021": "13.8-14.1",
}

METHODS = (
    "excess",
    "excess_former",
    "excess_sampling",
    "excess_sqrt",
    "shpilkin",
    "regions_summed",
)


def sim_stations(**kw: Any) -> tuple[Stations, dict[str, Any]]:
    """Prepared stations and truth of a simulated election, read by the real CIK reader
    (as ``tests/forensics/conftest.py`` does)."""
    s = simulate(**kw)
    return prepare(simulation_station_frame(s.protocols)), s.truth


@dataclass
class Run:
    """One seed of one scenario: per method (error, interval holds the truth)."""

    err: dict[str, float]
    hit: dict[str, bool]
    width: dict[str, float]
    whole_found: int
    whole_true: int
    whole_both: int
    truth: float
    slope: float
    flagged: bool
    alt_err: float
    range_hit: bool


def one_run(st: Stations, truth: dict[str, Any], boot: int, seed: int) -> Run:
    T = float(truth["excess_votes"])
    e = excess(st, boot=boot, rng_seed=seed)
    em = excess(st, boot=boot, rng_seed=seed, location="median", extrapolation="region")
    r = sh.shpilkin(st, boot=boot, rng_seed=seed)
    z = 1.959963984540054
    est = {
        "excess": (e.votes, e.ci_low, e.ci_high),
        # the former estimate (median and lower-half spread, each region on its own line)
        "excess_former": (em.votes, em.ci_low, em.ci_high),
        # the former interval (sampling only) and the alternative extrapolation's reading
        "excess_sampling": (e.votes, e.votes - z * e.sd, e.votes + z * e.sd),
        "excess_sqrt": (
            e.votes_sqrt,
            e.votes_sqrt - e.t_sqrt * e.u_sqrt,
            e.votes_sqrt + e.t_sqrt * e.u_sqrt,
        ),
        "shpilkin": (r.excess_votes, *r.excess_ci),
        "regions_summed": (
            r.excess_regions_summed,
            r.excess_regions_summed - z * r.excess_regions_summed_sd,
            r.excess_regions_summed + z * r.excess_regions_summed_sd,
        ),
    }
    base, off = (T, 1.0) if T > 0 else (float(st.W.sum()), 0.0)
    found = {st.region_names[g] for g in np.flatnonzero(e.whole)}
    true = set(truth["whole_regions"])
    sens = e.sensitivity()
    lo_r, hi_r = sens["range"]
    return Run(
        slope=e.core_slope,
        flagged=bool(sens["flagged"]),
        alt_err=e.votes_if_slope_genuine / base - off,
        range_hit=bool(lo_r <= T <= hi_r),
        err={m: v / base - off for m, (v, _, _) in est.items()},
        hit={m: bool(lo <= T <= hi) for m, (_, lo, hi) in est.items()},
        width={m: (hi - lo) / base for m, (_, lo, hi) in est.items()},
        whole_found=len(found),
        whole_true=len(true),
        whole_both=len(found & true),
        truth=T,
    )


def pct(x: float) -> str:
    return f"{100 * x:+.1f}"


def scenario(name: str, a: argparse.Namespace, demo_config: Callable[[], SimConfig]) -> list[Run]:
    runs = []
    for sd in a.seeds:
        if name == "demo":
            st, truth = sim_stations(cfg=demo_config(), seed=sd)
        else:
            kw = SCENARIOS[name]
            st, truth = sim_stations(
                seed=sd, stations=a.stations, regions=a.regions, smd=False, **kw
            )
        runs.append(one_run(st, truth, a.boot, sd))
    clean = runs[0].truth == 0
    unit = "% of the leader's votes" if clean else "% of the truth"
    print(
        f"\n[{name}] {len(runs)} seeds {a.seeds[0]}..{a.seeds[-1]}, "
        + ("demo config" if name == "demo" else f"{a.stations:,} stations in {a.regions} regions")
        + f", truth (added + switched) {', '.join(f'{r.truth:,.0f}' for r in runs)}; error in {unit}"
    )
    for m in METHODS:
        e = np.array([r.err[m] for r in runs])
        hits = sum(r.hit[m] for r in runs)
        cov = f"{hits}/{len(runs)}" if a.boot > 0 else "n/a (boot 0)"
        print(
            f"  {m:15s} per seed {', '.join(pct(x) for x in e)}; mean {pct(e.mean())}, "
            f"worst {pct(e[np.argmax(np.abs(e))])}; interval holds the truth {cov}, "
            f"mean width {100 * np.mean([r.width[m] for r in runs]):.1f}"
        )
    alt = np.array([r.alt_err for r in runs])
    print(
        f"  {'if slope genuine':15s} per seed {', '.join(pct(x) for x in alt)}; mean {pct(alt.mean())}; "
        f"core slope {', '.join(f'{r.slope:.3f}' for r in runs)}; flagged "
        f"{sum(r.flagged for r in runs)}/{len(runs)}; sensitivity range holds the truth "
        f"{sum(r.range_hit for r in runs)}/{len(runs)}"
    )
    if any(r.whole_true or r.whole_found for r in runs):
        print(
            "  regions flagged falsified as a whole (flagged / true / both): "
            + ", ".join(f"{r.whole_found}/{r.whole_true}/{r.whole_both}" for r in runs)
        )
    return runs


def klimek_coverage(a: argparse.Namespace) -> None:
    n = len(a.klimek_seeds)
    for gen in ("klimek", "uniform"):
        fe, hits = [], 0
        for sd in a.klimek_seeds:
            st, truth = sim_stations(seed=sd, stations=5000, extreme_share=0.03, extreme_x=gen)
            r = kl.klimek(st, boot=a.klimek_boot, rng_seed=sd)
            lo, hi = r.f_extreme_ci
            fe.append(r.f_extreme)
            hits += lo <= truth["f_extreme"] <= hi
        print(
            f"\n[klimek f_e, extreme_x={gen}] {n} seeds {a.klimek_seeds[0]}..{a.klimek_seeds[-1]}, "
            f"5,000 stations, truth 0.03, boot {a.klimek_boot}: f_e "
            f"{', '.join(f'{x:.4f}' for x in fe)}; mean {np.mean(fe):.4f}; "
            f"interval holds 0.03 in {hits} of {n}"
        )


def real(a: argparse.Namespace) -> None:
    from smartvote.io.detect import read_any

    for year in a.real:
        f = Path(a.data) / "ru_federal_precincts" / f"{year}.csv.zip"
        if not f.exists():
            print(f"\n[real {year}] skipped: no file at {f}")
            continue
        st = prepare(station_frame(read_any(f)))
        c0 = time.process_time()
        e = excess(st, boot=a.boot)
        cpu = time.process_time() - c0
        c0 = time.process_time()
        em = excess(st, boot=a.boot, location="median")
        cpu_m = time.process_time() - c0
        e0 = excess(st, boot=a.boot, corner_rule=False)
        r = sh.shpilkin(st, boot=a.boot)
        whole = [st.region_names[g] for g in np.flatnonzero(e.whole)]
        M = 1e6
        u = e.to_dict()["uncertainty"]
        print(
            f"\n[real {year}] {st.n:,} ordinary stations in the statistics, leader {st.leader}; millions of votes: "
            f"excess {e.votes / M:.2f} ({e.ci_low / M:.2f}-{e.ci_high / M:.2f}), "
            f"{e.corner_stations:,} corner stations; without the corner rule "
            f"{e0.votes / M:.2f} ({e0.ci_low / M:.2f}-{e0.ci_high / M:.2f}); "
            f"shpilkin (published recipe) {r.excess_votes / M:.2f} ± {r.excess_sd / M:.2f} "
            f"(peak {r.peak_turnout} %); per-region sum {r.excess_regions_summed / M:.2f}; "
            f"pooled {r.excess_pooled / M:.2f}; published {PUBLISHED.get(year, 'none recorded')}"
        )
        print(f"  falsified as a whole ({len(whole)}): {', '.join(whole) or 'none'}")
        print(
            f"  interval: sampling only {(e.votes - 1.96 * e.sd) / M:.2f}-"
            f"{(e.votes + 1.96 * e.sd) / M:.2f}; sd sampling {e.sd / M:.3f}, extrapolation "
            f"{u['extrapolation_se'] / M:.3f}, whole-region prediction "
            f"{u['whole_region_prediction_sd'] / M:.3f} (between-region sd of k {e.tau:.3f}), "
            f"combined {e.u / M:.3f}, df {e.df:.0f}, t {e.t_quantile:.2f}; √q reading "
            f"{e.votes_sqrt / M:.2f} ± {e.t_sqrt * e.u_sqrt / M:.2f}; "
            f"excess cpu {cpu:.2f} s"
        )
        er = excess(st, boot=0, location="median", extrapolation="region")
        print(
            f"  former estimate (median reading, each region on its own line; session 6): "
            f"{er.votes / M:.2f}; mean reading on the regions' own lines "
            f"{e.votes_region_lines / M:.2f}; pooled factor {e.pooled_factor:.3f}"
        )
        print(
            f"  median reading with the pooled slope (median and lower-half spread of the sets): "
            f"{em.votes / M:.2f} ({em.ci_low / M:.2f}-{em.ci_high / M:.2f}), sd sampling "
            f"{em.sd / M:.3f}, extrapolation {em.u_extrapolation / M:.3f}; cpu {cpu_m:.2f} s "
            f"(mean/median cpu ratio {cpu / cpu_m:.2f}, same run; shared machine)"
        )
        sens = e.sensitivity()
        print(
            f"  clean core's turnout-share slope {e.core_slope:.3f} ± {e.core_slope_se:.3f} "
            f"(z {sens['core_turnout_share_slope_z']:.1f}, flagged {sens['flagged']}); "
            f"excess if genuine {e.votes_if_slope_genuine / M:.2f}; range "
            f"{sens['range'][0] / M:.2f}-{sens['range'][1] / M:.2f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated")
    ap.add_argument("--seeds", type=seeds, default=seeds("200-201"), help="e.g. 200-204")
    ap.add_argument("--stations", type=int, default=10_000)
    ap.add_argument("--regions", type=int, help="default max(20, stations / 1,000)")
    ap.add_argument("--boot", type=int, default=51, help="bootstrap replicates (0: no intervals)")
    ap.add_argument("--klimek-seeds", type=seeds, default=seeds("60-61"), help="e.g. 60-71")
    ap.add_argument("--klimek-boot", type=int, default=20)
    ap.add_argument("--real", default="2021", help="years, comma-separated ('' for none)")
    ap.add_argument("--data", default=str(DATA))
    a = ap.parse_args()
    a.regions = a.regions or max(20, a.stations // 1000)
    a.real = [y for y in a.real.split(",") if y]
    names = [s for s in a.scenarios.split(",") if s]
    unknown = [s for s in names if s not in SCENARIOS]
    if unknown:
        ap.error(f"unknown scenario(s) {unknown}; known: {', '.join(SCENARIOS)}")
    from smartvote.cli.demo import demo_config

    t0, c0 = time.perf_counter(), time.process_time()
    res = {n: scenario(n, a, demo_config) for n in names}
    if "clean" in res and "corr" in res:
        print("\n[correlation shift] corr - clean, same seeds, % of the leader's votes:")
        for m in METHODS:
            d = np.array(
                [c.err[m] - k.err[m] for c, k in zip(res["corr"], res["clean"], strict=True)]
            )
            print(f"  {m:15s} {', '.join(pct(x) for x in d)}; mean {pct(d.mean())}")
        d = np.array(
            [c.alt_err - k.alt_err for c, k in zip(res["corr"], res["clean"], strict=True)]
        )
        print(
            f"  {'excess if slope genuine':15s} {', '.join(pct(x) for x in d)}; mean {pct(d.mean())}"
        )
    if a.klimek_seeds:
        klimek_coverage(a)
    real(a)
    print(
        f"\n{time.perf_counter() - t0:.0f} s wall, {time.process_time() - c0:.0f} s CPU "
        "(shared machine: wall time depends on its load)"
    )


if __name__ == "__main__":
    main()
