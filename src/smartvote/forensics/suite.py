"""Run every forensic method and assemble the ``forensics`` JSON of DESIGN.md.

:func:`run_suite` takes the station frame of :meth:`smartvote.io.Store.stations` (and,
optionally, candidate votes by district and channel for the electronic comparison) and
returns a :class:`ForensicsResult`: ``to_dict()`` is the JSON contract (``stations``,
``registered``, ``turnout``, ``leader``, ``leader_share``, ``excess`` (the project's best
estimate, :mod:`excess`), ``shpilkin``, ``integer``,
``klimek``, ``spikes``, ``digits``, ``regions``, ``districts``, ``electronic``,
``excluded``), and the result keeps the arrays the HTML report draws.

Per region the suite is cheap: Shpilkin's curves for all regions come from one grouped
``bincount`` (with a grouped bootstrap), and the integer test's per-station null
probabilities, computed once, are summed per region. The Klimek fit, the spike test and
the digit tests are national only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from smartvote.forensics import _fork
from smartvote.forensics import fingerprint as fp
from smartvote.forensics import integer as it
from smartvote.forensics import shpilkin as sh
from smartvote.forensics._frame import Stations, choose_race, prepare
from smartvote.forensics.digits import digit_tests
from smartvote.forensics.electronic import (
    ChannelVotes,
    Units,
    channel_votes_from_frame,
    electronic,
    units_from_frame,
)
from smartvote.forensics.excess import Excess, excess
from smartvote.forensics.klimek import Klimek, klimek
from smartvote.forensics.spikes import Spikes, spikes
from smartvote.forensics.stations import listed, station_list
from smartvote.jsonio import clean

if TYPE_CHECKING:
    import pandas as pd

    from smartvote.forensics._cikread import FileStations
    from smartvote.io.election import Election


#: Stations above which the Klimek fit and the spike test work on a random subsample of
#: this many (their ``max_stations``).
SUBSAMPLED_ABOVE = 200_000


@dataclass(slots=True)
class Options:
    """Effort knobs. Bootstrap replicate counts are set by precision, not by a runtime
    budget: with 51 replicates the Monte Carlo relative error of a bootstrap sd (and so of
    the half-width of a normal interval) is about 1/sqrt(2 × 50) = 10 %."""

    shpilkin_boot: int = 51
    excess_boot: int = 51
    integer_calibration_reps: int = 30
    integer_calibration_stations: int = 8000
    monte_carlo: int = 0
    klimek_boot: int = 51
    spike_resamples: int = 200
    rng_seed: int = 0
    #: Above 1, the heavy methods run on two cores: shared with a forked process, or in
    #: threads (1: all methods in sequence). The results do not depend on it.
    workers: int = 2
    #: With ``workers > 1``: share the methods with a forked child process (:mod:`_fork`)
    #: where fork is available; False: the Klimek fit, the spike test and the integer
    #: test in worker threads instead.
    fork: bool = True


@dataclass(slots=True)
class ForensicsResult:
    """Everything the suite measured; ``to_dict()`` is the JSON contract."""

    election: str
    stations: Stations
    excess: Excess
    shpilkin: sh.Shpilkin
    regional: sh.GroupShpilkin
    districts: sh.GroupShpilkin
    integer: it.IntegerTest
    klimek: Klimek | None
    spikes: Spikes | None
    digits: dict[str, Any]
    electronic: dict[str, Any]
    #: Rows of the station list, and the function that builds it (:attr:`station_list`).
    station_rows: int
    list_stations: Callable[[], pd.DataFrame]
    fingerprint: fp.Fingerprint
    timings: dict[str, float] = field(default_factory=dict)
    #: CPU seconds of the thread that ran each method (``timings_cpu_s``).
    cpu: dict[str, float] = field(default_factory=dict)
    _station_list: pd.DataFrame | None = None

    @property
    def station_list(self) -> pd.DataFrame:
        """The station list (:func:`~smartvote.forensics.stations.station_list`), built on
        first use: the JSON needs only its length, so ``--json`` alone never builds it."""
        if self._station_list is None:
            self._station_list = self.list_stations()
        return self._station_list

    def regions_table(self) -> list[dict[str, Any]]:
        st, reg = self.stations, self.regional
        G = len(st.region_names)
        ig = it.by_group(self.integer, st.region, G)
        cnt = np.bincount(st.region, minlength=G)
        N = np.bincount(st.region, weights=st.N.astype(float), minlength=G)
        B = np.bincount(st.region, weights=st.B.astype(float), minlength=G)
        W = np.bincount(st.region, weights=st.W.astype(float), minlength=G)
        V = np.bincount(st.region, weights=st.valid.astype(float), minlength=G)
        out = []
        for g in range(G):
            out.append(
                {
                    "region": st.region_names[g],
                    "stations": int(cnt[g]),
                    "registered": int(N[g]),
                    "turnout": _f(B[g] / N[g]) if N[g] else None,
                    "leader_share": _f(W[g] / V[g]) if V[g] else None,
                    "shpilkin": {
                        "excess_votes": _f(reg.excess[g]),
                        "sd": _f(reg.sd[g]),
                        "clean_turnout": _f(reg.clean_turnout[g]),
                        "clean_leader_share": _f(reg.clean_leader_share[g]),
                        "peak_turnout": int(reg.peak[g]),
                        "peak_rule": "below-official mode" if reg.blob[g] else "global mode",
                    },
                    "integer": {
                        "stations": int(ig["stations"][g]),
                        "observed": int(ig["observed"][g]),
                        "expected": _f(ig["expected"][g]),
                        "excess_stations": _f(ig["observed"][g] - ig["expected"][g]),
                        "sd": _f(ig["sd"][g]),
                        "p_value": _f(ig["p_value"][g]),
                        "sd_calibrated": _f(ig["sd_calibrated"][g]),
                        "p_value_calibrated": _f(ig["p_value_calibrated"][g]),
                    },
                    "klimek": None,
                }
            )
        return out

    def districts_table(self) -> list[dict[str, Any]]:
        st, d = self.stations, self.districts
        G = len(st.district_names)
        cnt = np.bincount(st.district, minlength=G)
        N = np.bincount(st.district, weights=st.N.astype(float), minlength=G)
        # the region of each district's first station ("" for a district without any)
        seen, first = np.unique(st.district, return_index=True)
        reg = dict(zip(seen.tolist(), st.region[first].tolist(), strict=True))
        return [
            {
                "district": st.district_names[g],
                "region": st.region_names[reg[g]] if g in reg else "",
                "stations": int(cnt[g]),
                "registered": int(N[g]),
                "turnout": _f(d.official_turnout[g]),
                "excess_votes": _f(d.excess[g]),
                "sd": _f(d.sd[g]),
                "clean_turnout": _f(d.clean_turnout[g]),
                "clean_leader_share": _f(d.clean_leader_share[g]),
                "peak_turnout": int(d.peak[g]),
            }
            for g in range(G)
        ]

    def to_dict(self) -> dict[str, Any]:
        from smartvote.forensics.intervals import table

        d = self._dict()
        d["intervals"] = table(d)
        return d

    def _dict(self) -> dict[str, Any]:
        st = self.stations
        h = st.headline()
        tot = st.totals
        return clean(
            {
                "election": self.election,
                "leader": st.leader,
                "stations": h["stations"],
                "registered": h["registered"],
                "turnout": h["turnout"],
                "leader_share": h["leader_share"],
                "ballots": h["ballots"],
                "leader_votes": h["leader_votes"],
                "valid": h["valid"],
                "all_units": {
                    "units": tot.get("units"),
                    "registered": tot.get("registered_all"),
                    "turnout": tot["ballots_all"] / tot["registered_all"]
                    if tot.get("registered_all")
                    else None,
                    "leader_share": tot["leader_votes_all"] / tot["valid_all"]
                    if tot.get("valid_all")
                    else None,
                },
                "excluded": st.excluded,
                "excess": self.excess.to_dict(float(h["leader_votes"])),
                "shpilkin": self.shpilkin.to_dict(),
                "integer": self.integer.to_dict(),
                "klimek": self.klimek.to_dict() if self.klimek is not None else None,
                "spikes": self.spikes.to_dict() if self.spikes is not None else None,
                "digits": self.digits,
                "fingerprint": {
                    "share_in_95_corner": self.fingerprint.share_in_corner(0.95),
                    "weight": self.fingerprint.weight,
                },
                "regions": self.regions_table(),
                "districts": self.districts_table(),
                "electronic": self.electronic,
                "station_list": {"rows": self.station_rows},
                "timings_s": self.timings,
                "timings_cpu_s": self.cpu,
            }
        )


def _f(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def run_suite(
    frame: pd.DataFrame,
    *,
    election: str = "",
    channel_votes: pd.DataFrame | Callable[[], pd.DataFrame | None] | None = None,
    options: Options | None = None,
) -> ForensicsResult:
    """Every method on the station frame (see module doc). ``channel_votes`` may be a
    function that computes them: it is then called beside the other methods."""
    t0, c0 = time.perf_counter(), time.thread_time()
    frame = choose_race(frame)
    st = prepare(frame)
    took = (time.perf_counter() - t0, time.thread_time() - c0)

    def el_inputs() -> tuple[Units, ChannelVotes | None]:
        """The electronic comparison's arrays from the frames (converted at this edge)."""
        cv = channel_votes() if callable(channel_votes) else channel_votes
        return units_from_frame(frame), (channel_votes_from_frame(cv) if cv is not None else None)

    return _run(st, election, el_inputs, options or Options(), took, t0)


def run_stations(fs: FileStations, options: Options | None = None) -> ForensicsResult:
    """Every method on the stations of a file read without pandas
    (:func:`smartvote.forensics._cikread.read_stations`): the same numbers as
    :func:`run_election` on the same file."""
    o = options or Options()
    cv = fs.channel_votes
    el_inputs = lambda: (fs.units(), cv() if cv is not None else None)  # noqa: E731
    return _run(fs.stations, fs.election, el_inputs, o, fs.took)


def _require_stations(st: Stations, election: str) -> None:
    """Refuse (exit 2) an input none of whose rows is an ordinary polling station, naming
    why each row was left out, instead of crashing inside a method or printing a suite of
    empty results (a file of constituency totals without ballots cast, for instance)."""
    from smartvote.errors import InputError, Problem

    if st.n == 0:
        why = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in st.excluded.items() if v)
        blank = (
            "; a blank ballots-issued line counts as inconsistent leader votes"
            if st.excluded.get("inconsistent_leader_votes")
            else ""
        )
        raise InputError(
            Problem(
                "stations",
                f"no ordinary polling station to test: of {st.totals['units']} counting "
                f"units, none has registered voters, ballots found, ballots issued and the "
                f"leader's votes within them ({why or 'no rows'}{blank}); forensics needs "
                "station-level protocols",
                election or None,
            )
        )
    if int(st.O.sum()) == 0:
        raise InputError(
            Problem(
                "stations",
                f"the other choices have no valid votes at any of the {st.n:,} stations (an "
                f"uncontested race, or every valid vote for {st.leader or 'the leader'}): "
                "every method here reads the leader's votes against the others'",
                election or None,
            )
        )
    found, issued = int(st.R.sum()), int(st.B.sum())
    if found > 1.05 * issued:
        over = int((st.R > st.B).sum())
        by = f" by {found / issued - 1:.0%}" if issued else ""
        raise InputError(
            Problem(
                "stations",
                f"ballots found ({found:,}) exceed ballots issued ({issued:,}){by} over the "
                f"stations (at {over:,} of {st.n:,}): the "
                "ballots-issued lines were probably not all recognised (a renamed line is "
                "read as a choice), so turnout would be wrong; name the lines as in the "
                "CIK protocol or convert the file to the tidy layout",
                election or None,
            )
        )


def _run(
    st: Stations,
    election: str,
    el_inputs: Callable[[], tuple[Units, ChannelVotes | None]],
    o: Options,
    took: tuple[float, float] = (0.0, 0.0),
    t_all: float | None = None,
) -> ForensicsResult:
    """The methods on the stations; ``el_inputs()`` gives the units and the candidate
    votes by district and channel for the electronic comparison (arrays); ``took`` the
    wall and CPU seconds of preparing the stations (``timings_s.prepare``), and ``t_all``
    when the suite began (``timings_s.total``; default now: a file's stations were made
    beside the imports, in a reading process or thread)."""
    _require_stations(st, election)
    timings: dict[str, float] = {"prepare": round(took[0], 3)}
    cpu: dict[str, float] = {"prepare": round(took[1], 3)}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        """``fn()``, its wall time in ``timings`` and the CPU time of the thread that ran
        it in ``cpu`` (thread CPU, so it is the method's own even when threads overlap)."""
        t0, c0 = time.perf_counter(), time.thread_time()
        r = fn()
        timings[name] = round(time.perf_counter() - t0, 3)
        cpu[name] = round(time.thread_time() - c0, 3)
        return r

    t_all = time.perf_counter() if t_all is None else t_all

    kl_job = lambda: klimek(st, boot=o.klimek_boot, rng_seed=o.rng_seed)  # noqa: E731
    sp_job = lambda: spikes(st, resamples=o.spike_resamples, rng_seed=o.rng_seed)  # noqa: E731
    it_job = lambda: it.integer_test(  # noqa: E731
        st,
        calibration_reps=o.integer_calibration_reps,
        calibration_stations=o.integer_calibration_stations,
        monte_carlo_reps=o.monte_carlo,
        rng_seed=o.rng_seed,
    )
    ex_job = lambda: excess(st, boot=o.excess_boot, rng_seed=o.rng_seed + 11)  # noqa: E731

    sh_job = lambda: sh.shpilkin(st, boot=o.shpilkin_boot, rng_seed=o.rng_seed)  # noqa: E731

    def sh_districts_job() -> sh.GroupShpilkin:
        return sh.by_group(
            st,
            st.district,
            max(1, len(st.district_names)),
            boot=o.shpilkin_boot,
            rng_seed=o.rng_seed + 7,
        )

    def el_job() -> dict[str, Any]:
        return electronic(*el_inputs())

    # The heavy methods are independent, each with its own random generator, so every
    # number is the same wherever it runs. On two cores they are shared between this
    # process and a forked child (:mod:`_fork`: its own interpreter lock, so the two cores
    # really work at once), each taking the next unclaimed method when it is free, longest
    # first by their measured CPU (on the 2021 file, 96,325 stations, session 9: Klimek
    # 1.16 s, spike test 0.49, `excess` 0.30, integer 0.19, Shpilkin national 0.13 and by
    # district 0.11, after the electronic comparison's 0.004 in this process). Shpilkin's
    # two parts are two jobs so that the last ones are short and the halves end within
    # about 0.1 s. Where fork is not available the Klimek fit, the spike test and the
    # integer test run in worker threads (numpy releases the GIL in its random draws and
    # array loops, about 1.35x on two cores).
    big = st.n >= 50
    jobs: dict[str, Callable[[], Any]] = {
        "klimek": kl_job,
        "spikes": sp_job,
        "excess": ex_job,
        "integer": it_job,
        "shpilkin": sh_job,
        "shpilkin_districts": sh_districts_job,
    }
    order = list(jobs)
    if st.n > SUBSAMPLED_ABOVE:
        # The Klimek fit and the spike test stop growing here (their subsample) while
        # ``excess`` keeps growing faster than the stations (at 1,000,000 about 15 s of
        # CPU, more than all the others together): it goes first, the rest beside it.
        order = ["excess", "integer", "shpilkin", "shpilkin_districts", "klimek", "spikes"]
    shared = [(name, jobs[name]) for name in order]
    done: dict[str, Any] = {}
    claims = _fork.Claims(len(shared)) if o.workers > 1 and big and o.fork else None

    def child_job() -> tuple[dict[str, Any], dict[str, float], dict[str, float]]:
        """The methods the forked child claims, with their own timings."""
        timings.clear()
        cpu.clear()
        assert claims is not None
        got = {shared[i][0]: timed(*shared[i]) for i in claims}
        return got, dict(timings), dict(cpu)

    child = _fork.start(child_job) if claims is not None else None
    if claims is not None and child is None:  # fork failed: threads below
        claims.close()
        claims = None
    pool = ThreadPoolExecutor(max_workers=3) if o.workers > 1 and big and not child else None
    try:
        f_kl = pool.submit(timed, "klimek", kl_job) if pool else None
        f_sp = pool.submit(timed, "spikes", sp_job) if pool else None
        f_it = pool.submit(timed, "integer", it_job) if pool else None
        el = timed("electronic", el_job)
        if child is not None and claims is not None:
            done.update({shared[i][0]: timed(*shared[i]) for i in claims})
            dig = timed("digits", lambda: digit_tests(st))
            fpr = timed("fingerprint", lambda: fp.fingerprint(st))
            t_wait = time.perf_counter()
            got, t_child, c_child = child.result()
            timings.update(t_child)
            cpu.update(c_child)
            timings["wait_for_child"] = round(time.perf_counter() - t_wait, 3)
            done.update(got)
        else:
            done["excess"] = timed("excess", ex_job)
            done["shpilkin"] = timed("shpilkin", sh_job)
            done["shpilkin_districts"] = timed("shpilkin_districts", sh_districts_job)
            dig = timed("digits", lambda: digit_tests(st))
            fpr = timed("fingerprint", lambda: fp.fingerprint(st))
            done["integer"] = f_it.result() if f_it is not None else timed("integer", it_job)
            if f_kl is not None and f_sp is not None:
                done["klimek"], done["spikes"] = f_kl.result(), f_sp.result()
            elif big:
                done["klimek"], done["spikes"] = timed("klimek", kl_job), timed("spikes", sp_job)
        exc: Excess = done["excess"]
        shp: sh.Shpilkin = done["shpilkin"]
        districts: sh.GroupShpilkin = done["shpilkin_districts"]
        integ: it.IntegerTest = done["integer"]
        regional = shp.regional
        rows = timed("station_list", lambda: listed(st, integ, regional))
        kl: Klimek | None = done.get("klimek")
        spk: Spikes | None = done.get("spikes")
    finally:
        if child is not None:
            child.close()
        if claims is not None:
            claims.close()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    timings["total"] = round(time.perf_counter() - t_all, 3)
    cpu["total"] = round(sum(cpu.values()), 3)
    return ForensicsResult(
        election,
        st,
        exc,
        shp,
        regional,
        districts,
        integ,
        kl,
        spk,
        dig,
        el,
        rows,
        lambda: station_list(st, integ, regional),
        fpr,
        timings,
        cpu,
    )


def station_frame(election: Election) -> pd.DataFrame:
    """The frame :func:`run_suite` takes: one row per unit of the election's race with the
    most units (:func:`smartvote.forensics._file.stations_from_batch`)."""
    from smartvote.forensics._file import stations_from_batch

    return choose_race(stations_from_batch(election))


def run_election(election: Election, options: Options | None = None) -> ForensicsResult:
    """The suite on an election, read from a file or from the store (the same type, so the
    same station frame)."""
    from smartvote.forensics._file import channel_votes_from_batch

    frame = station_frame(election)
    race = str(frame["race"].iloc[0]) if len(frame) else ""
    electronic = (frame.get("channel") == "electronic").any()
    cv = (lambda: channel_votes_from_batch(election, race)) if electronic else None
    return run_suite(frame, election=election.election, channel_votes=cv, options=options)


def run_store(
    db_path: str | Path, election: str, options: Options | None = None
) -> ForensicsResult:
    """The suite on a stored election."""
    from smartvote.io import Election, Store

    with Store(db_path, read_only=True) as store:
        e = Election.from_store(store, election, dense=True)
    return run_election(e, options)


def run_file(
    path: str | Path, election: str | None = None, options: Options | None = None
) -> ForensicsResult:
    """The suite on a file, no DuckDB store: a CIK protocol table read straight into
    station arrays (:func:`~smartvote.forensics._cikread.read_stations`), any other file
    (or one that reader declines) into the election type."""
    from smartvote.forensics._cikread import read_file

    return run_read(read_file(path, election), options)


def run_read(read: FileStations | Election, options: Options | None = None) -> ForensicsResult:
    """The suite on what :func:`smartvote.forensics._cikread.read_file` returned."""
    from smartvote.forensics._cikread import FileStations

    if isinstance(read, FileStations):
        return run_stations(read, options)
    return run_election(read, options)


def forensics_demo(db_path: str | Path, election: str, report_path: str | Path) -> dict[str, Any]:
    """For ``smartvote demo``: run the suite on a stored election, write the HTML report
    (and the station list beside it as CSV); return the JSON with the paths."""
    from smartvote.csvsafe import spreadsheet_safe
    from smartvote.report.forensics import write_report

    res = run_store(db_path, election)
    rp = Path(report_path)
    write_report(res, rp)
    csv = rp.with_suffix(".stations.csv")
    spreadsheet_safe(res.station_list).to_csv(csv, index=False)
    d = res.to_dict()
    d["report"] = str(rp)
    d["station_list_csv"] = str(csv)
    return d


__all__ = [
    "ForensicsResult",
    "Options",
    "forensics_demo",
    "prepare",
    "run_election",
    "run_file",
    "run_read",
    "run_stations",
    "run_store",
    "run_suite",
    "station_frame",
]
