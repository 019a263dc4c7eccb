"""Forensics (docs/5-forensics.md): ``smartvote forensics ELECTION_OR_FILE`` runs every
method of METHODS.md §1 and prints a table, JSON or an HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from concurrent.futures import Future

from smartvote.cli import prefetch
from smartvote.cli.base import DbOpt, JsonOpt, app, console, db_path, emit_json, out
from smartvote.cli.options import non_negative


@app.command()
def forensics(
    target: Annotated[
        str,
        typer.Argument(help="stored election name, or a CIK/tidy file to ingest on the fly"),
    ],
    db: DbOpt = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="write a self-contained HTML report here")
    ] = None,
    stations: Annotated[
        Path | None,
        typer.Option("--stations", help="write the station list (signals) as CSV here"),
    ] = None,
    monte_carlo: Annotated[
        bool,
        typer.Option("--monte-carlo", help="also run the 1,000-replicate Monte Carlo integer null"),
    ] = False,
    election: Annotated[
        str | None, typer.Option(help="election name when TARGET is a file")
    ] = None,
    seed: Annotated[
        int, typer.Option(callback=non_negative, help="random seed of the bootstraps")
    ] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Measure falsification in polling-station data (Shpilkin, integer percentages,
    Klimek, Rozenas, electronic vs paper, digits) and optionally write an HTML report."""
    from smartvote.errors import InputError, Problem

    keep_freed_memory()
    p = Path(target)
    # No cyclic garbage collection while the modules load: importing pandas, SciPy and the
    # suite allocates hundreds of thousands of objects that all live to the end, and
    # collecting over them cost about 0.13 s of CPU (200 collections, gc.callbacks) on the
    # command's critical path; modules are never garbage.
    from smartvote.gcpause import no_gc

    with no_gc():
        # A file is read in a thread while this one imports the methods (SciPy, the
        # suite): Arrow parses the CSV without the GIL, so the two overlap on a second core.
        # The read usually began before Typer parsed the command line (:mod:`prefetch`).
        reading = prefetch.take(target, election)
        if reading is None and p.is_file():
            reading = read_in_thread(p, election)
        from smartvote.forensics.suite import Options, run_read, run_store

        wants_list = report is not None or stations is not None
        if wants_list and reading is not None and not reading.done():
            # Still reading (Arrow's parse leaves this thread idle): load pandas now, which
            # the station list of the report and the CSV needs once the methods have run.
            # The JSON alone needs no pandas.
            import pandas  # noqa: F401

    opts = Options(monte_carlo=1000 if monte_carlo else 0, rng_seed=seed)
    if reading is not None:
        res = run_read(reading.result(), opts)
    elif ("/" in target or p.suffix.lower() in (".csv", ".zip", ".parquet", ".pq")) and (
        not p.exists()
    ):
        # Looks like a path, not an election name: say so rather than "no database".
        raise InputError(Problem(rule="exists", detail="file not found", file=target))
    else:
        res = run_store(db_path(db), target, opts)
    d = res.to_dict()
    if report is not None:
        from smartvote.report.forensics import write_report

        write_report(res, report, d)
        d["report"] = str(report)
    if stations is not None:
        from smartvote.csvsafe import spreadsheet_safe

        stations.parent.mkdir(parents=True, exist_ok=True)
        spreadsheet_safe(res.station_list).to_csv(stations, index=False)
        d["station_list"]["csv"] = str(stations)
    if as_json:
        emit_json(d)
        _exit_now()
        return
    from rich.table import Table

    s, i, k = d["shpilkin"], d["integer"], d["klimek"]
    t = Table(title=f"forensics: {res.election} (leader {d['leader']})")
    t.add_column("figure")
    t.add_column("value", justify="right")
    t.add_row("stations (excluded)", f"{d['stations']:,} ({sum(d['excluded'].values()):,})")
    t.add_row("turnout / leader share", f"{d['turnout']:.2%} / {d['leader_share']:.2%}")
    e = d["excess"]
    t.add_row(
        "excess votes (best estimate, 95% CI)",
        f"{e['votes']:,.0f} ({e['ci_low']:,.0f} … {e['ci_high']:,.0f})",
    )
    if e["sensitivity"]["flagged"]:
        lo, hi = e["sensitivity"]["range"]
        t.add_row(
            "  caveat: turnout–support slope flagged",
            f"z = {e['sensitivity']['core_turnout_share_slope_z']:.1f}; "
            f"range {lo:,.0f} … {hi:,.0f}",
        )
    t.add_row("  regions falsified as a whole", str(len(e["regions_falsified_as_whole"])))
    t.add_row("Shpilkin excess votes (± 1 sd)", f"{s['excess_votes']:,.0f} ± {s['excess_sd']:,.0f}")
    t.add_row("  Shpilkin per-region sum (variant)", f"{s['excess_regions_summed']:,.0f}")
    t.add_row(
        "  Shpilkin sensitivity range",
        f"{s['sensitivity'][0]:,.0f} … {s['sensitivity'][1]:,.0f}",
    )
    t.add_row(
        "  clean turnout / leader share",
        f"{s['clean_turnout']:.2%} / {s['clean_leader_share']:.2%}",
    )
    if i["stations"]:
        t.add_row(
            "integer stations obs / exp",
            f"{i['observed']:,} / {i['expected']:,.1f} (sd {i['sd']:.1f})",
        )
        t.add_row(
            "  p (binomial / calibrated)", f"{i['p_value']:.2g} / {i['p_value_calibrated']:.2g}"
        )
    else:
        t.add_row("integer percentages", "not tested: no station with 100 or more voters")
    if k:
        t.add_row(
            "Klimek f_i, f_e" + (" (regions centred)" if k.get("regions_centred") else ""),
            f"{k['f_incremental']:.3f}, {k['f_extreme']:.3f} (fit ratio {k['fit_quality']['ratio']:.1f})",
        )
        nat = k.get("national")
        if nat and k.get("regions_centred"):
            t.add_row(
                "  Klimek et al. 2012 as published",
                f"{nat['f_incremental']:.3f}, {nat['f_extreme']:.3f}",
            )
    if d["spikes"]:
        from smartvote.forensics.spikes import COARSE_P_FLOOR, format_p

        for var, r in d["spikes"]["rozenas"].items():
            if isinstance(r, dict) and "excess" in r:
                t.add_row(
                    f"Rozenas RKD, {var}: share / excess (p)",
                    f"{r['share']:.2%} / {r['excess']:+.2%} "
                    f"({format_p(r['p_value'], r['p_value_mc'])})",
                )
        cf = d["spikes"]["coarse_fractions"]
        for var in ("turnout", "result"):
            if cf[var]["p_value"] is not None:
                t.add_row(
                    f"  exactly on p/q, {var} (p)",
                    f"{cf[var]['share']:+.2%} ({format_p(cf[var]['p_value'], floor=COARSE_P_FLOOR)})",
                )
    if not k and not d["spikes"]:
        t.add_row("Klimek fit, spike tests", "not run: fewer than 50 stations")
    if d["electronic"].get("present"):
        t.add_row("electronic premium (pp)", f"{d['electronic']['mean_difference_pp']:.1f}")
    t.add_row("time (s)", f"{res.timings['total']:.1f}")
    out().print(t)
    for c in e["caveats"]:
        out().print(f"caveat (excess): {c}", markup=False, highlight=False)
    if report is not None:
        console().print(f"report: {report}")
    _exit_now()


def _exit_now() -> None:
    """End the process at once, exit status 0, once the command's output is flushed.

    Tearing the interpreter down after the command (freeing every module, the pandas and
    numpy objects of the suite) took 0.23–0.27 s of the 2021 file's end-to-end time, for
    nothing: the command has written all it writes, its files are closed and its forked
    child reaped. Only when the command runs as a process of its own, writing to the
    real standard streams: under a test runner or any caller that captured them, or when
    flushing fails (a closed pipe), it returns and the usual exit follows."""
    import os
    import sys

    out, err = sys.__stdout__, sys.__stderr__
    if out is None or err is None or sys.stdout is not out or sys.stderr is not err:
        return
    try:
        out.flush()
        err.flush()
    except (OSError, ValueError):
        return
    os._exit(0)


def read_in_thread(path: Path, election: str | None) -> Future[Any]:
    """:func:`smartvote.forensics._cikread.read_file` of a file in a daemon thread (not a
    pool's worker, which interpreter exit would wait for, holding up Ctrl-C); the future's
    ``result()`` returns the stations (or the election) or raises the reader's error in
    the caller."""
    import threading
    from concurrent.futures import Future

    fut: Future[Any] = Future()

    def run() -> None:
        try:
            from smartvote.forensics._cikread import read_file

            fut.set_result(read_file(path, election))
        except BaseException as e:  # re-raised in the caller's thread by result()
            fut.set_exception(e)

    threading.Thread(target=run, name="smartvote-read", daemon=True).start()
    return fut


def keep_freed_memory() -> bool:
    """Ask glibc's allocator to keep freed memory for reuse in this process (Linux only;
    a no-op elsewhere; True when applied).

    The methods allocate and free thousands of station-sized arrays (0.8 MB each on a
    national file). By default glibc returns the top of its heap to the system as soon as
    1–2 MB are free, so the next array page-faults its memory in again: on the 2021 file
    about 50,000 extra page faults and 0.5–0.8 s of system and user CPU (measured with
    ``MALLOC_TRIM_THRESHOLD_``/``MALLOC_TOP_PAD_``). Freed memory is kept up to 256 MiB
    and the heap grows 64 MiB at a time; arrays above 32 MiB are still mapped apart and
    returned at once. The command is one process that exits when done."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    ok = mallopt(m_trim_threshold, 256 << 20) == 1
    ok &= mallopt(m_top_pad, 64 << 20) == 1
    ok &= mallopt(m_mmap_threshold, 32 << 20) == 1
    return bool(ok)
