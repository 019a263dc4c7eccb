"""The forensics report: one self-contained HTML file a journalist can read.

Built from a :class:`smartvote.forensics.suite.ForensicsResult`: headline figures in
words, then one section per method with its figure, how to read it, the numbers with
their uncertainty, and the method's caveats; tables per region and district; the station
list as an embedded CSV download. Figures are matplotlib PNGs embedded as base64
(:mod:`smartvote.report.forensics_figures`); every data string (names of regions, parties,
stations) is escaped by the template (``report/templates/forensics.html``).

This module is the view-model step: :func:`report_context` turns the results into the
strings, rows and figures the template lays out, one function per section; the template
holds the prose and computes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from smartvote.csvsafe import spreadsheet_safe
from smartvote.forensics import fingerprint as fp
from smartvote.forensics.spikes import COARSE_P_FLOOR, format_p
from smartvote.report import forensics_figures as F
from smartvote.report.render import data_uri, fmt_num, fmt_pct, png_data_uri, render

if TYPE_CHECKING:
    from smartvote.forensics.suite import ForensicsResult


EMBED_ROWS = 5000
#: Regions shown as small fingerprints (the largest by registered voters).
REGION_FIGURES = 12


@dataclass(frozen=True, slots=True)
class Figure:
    """An embedded figure: ``uri`` (PNG ``data:`` URI), caption and alt text."""

    uri: str
    caption: str
    alt: str


@dataclass(frozen=True, slots=True)
class Download:
    """A file carried inside the page as a ``data:`` URI."""

    uri: str
    filename: str
    label: str


def _figure(fig: Any, caption: str) -> Figure:
    return Figure(png_data_uri(fig), caption, caption)


def _num(x: Any) -> str:
    return fmt_num(x)


def _pm(x: Any, sd: Any) -> str:
    return f"{_num(x)} ± {_num(sd)}"


def region_fingerprints(res: ForensicsResult, k: int = REGION_FIGURES) -> list[tuple[str, Any]]:
    """``(region name, 50×50 fingerprint)`` of the ``k`` regions with most registered voters."""
    st = res.stations
    hs = fp.by_group(st, st.region, len(st.region_names), bins=50)
    order = np.argsort(-hs.sum(axis=(1, 2)))[:k]
    return [(st.region_names[g], hs[g]) for g in order]


def _head(d: dict[str, Any]) -> dict[str, Any]:
    s, i, ex = d["shpilkin"], d["integer"], d["excess"]
    return {
        "leader": d["leader"],
        "stations": f"{d['stations']:,}",
        "registered": f"{d['registered']:,}",
        "excluded": ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in d["excluded"].items())
        or "none",
        "key": [
            ("official turnout", fmt_pct(d["turnout"])),
            ("leader's official share", fmt_pct(d["leader_share"])),
            (
                "falsified votes, best estimate (95% interval)",
                f"{_num(ex['votes'])} ({_num(ex['ci_low'])} … {_num(ex['ci_high'])})",
            ),
            *(
                [
                    (
                        "…if the turnout–support link is genuine (flagged)",
                        f"{_num(ex['sensitivity']['votes_if_slope_genuine'])}; the data "
                        f"support {_num(ex['sensitivity']['range'][0])} … "
                        f"{_num(ex['sensitivity']['range'][1])}",
                    )
                ]
                if ex["sensitivity"]["flagged"]
                else []
            ),
            ("excess votes (Shpilkin)", _pm(s["excess_votes"], s["excess_sd"])),
            ("turnout without them", fmt_pct(s["clean_turnout"])),
            ("leader's share without them", fmt_pct(s["clean_leader_share"])),
            (
                "stations with integer percentages in excess",
                f"{_num(i['excess_stations'])} (z = {i['z_calibrated']:.1f})"
                if i["z_calibrated"] is not None
                else "–",
            ),
        ],
    }


def _slope_note(sens: dict[str, Any]) -> str:
    """One sentence on the clean core's turnout–share slope and what a genuine one would do."""
    b, z = sens["core_turnout_share_slope"], sens["core_turnout_share_slope_z"]
    alt = sens["votes_if_slope_genuine"]
    ok = [x is not None and np.isfinite(x) for x in (b, z, alt)]
    if not all(ok):  # NaN in the result, null once the JSON is cleaned
        return "turnout–share slope of the clean core: not estimable (too few regions)"
    lo, hi = sens["range"]
    return (
        f"turnout–share slope of the clean core {b:.3f} (z = {z:.1f}"
        + ("; flagged" if sens["flagged"] else "")
        + f"): if genuine, the estimate would be {_num(alt)}; "
        f"range with the interval {_num(lo)} … {_num(hi)}"
    )


def _intervals(rows: list[dict[str, Any]]) -> list[list[str]]:
    """JSON ``intervals`` as table rows: every method's 95 % interval in one shape."""

    def f(x: float) -> str:
        return _num(x) if abs(x) >= 1000 else f"{x:.4g}"

    return [
        [
            r["method"],
            r["quantity"],
            f(r["estimate"]),
            f"{f(r['low'])} … {f(r['high'])}",
            r["kind"],
            r["sd_from"],
            str(r["replicates"]) if r["replicates"] else "none (exact or analytic sd)",
            f"{r['sd_mc_error']:.0%}" if r["replicates"] else "0",
        ]
        for r in rows
    ]


def _excess(res: ForensicsResult, d: dict[str, Any]) -> dict[str, Any]:
    ex = d["excess"]
    whole = [r for r in ex["by_region"] if r["falsified_as_whole"]]
    return {
        "figure": _figure(
            F.excess_fig(res.excess, res.shpilkin),
            "Best estimate beside Shpilkin's recipes, by region",
        ),
        "interval": ex["interval"],
        "note": ex["note"] + "; " + _slope_note(ex["sensitivity"]),
        "caveats": ex["caveats"],
        "whole": [[r["region"], _num(r["votes"]), r["why"]] for r in whole] or [["none", "", ""]],
    }


def _fingerprint(res: ForensicsResult, d: dict[str, Any]) -> dict[str, Any]:
    return {
        "figure": _figure(
            F.fingerprint_fig(res.fingerprint.hist, "all stations, weighted by registered voters"),
            "Election fingerprint",
        ),
        "corner": fmt_pct(d["fingerprint"]["share_in_95_corner"], 2),
        "regions_figure": _figure(
            F.regions_fig(region_fingerprints(res)), "Fingerprints of the twelve largest regions"
        ),
    }


def _shpilkin(res: ForensicsResult, s: dict[str, Any]) -> dict[str, Any]:
    sens = s["sensitivity"]
    rows = [
        [
            "excess votes (Shpilkin's recipe, national curves)",
            _pm(s["excess_votes"], s["excess_sd"]),
        ],
        ["variant: regions summed", _pm(s["excess_regions_summed"], s["excess_regions_summed_sd"])],
        ["95% interval", f"{_num(s['excess_ci'][0])} … {_num(s['excess_ci'][1])}"],
        [
            "sensitivity range (peak ±3 points, pooled curve, low reference, 2-D)",
            f"{_num(sens[0])} … {_num(sens[1])}",
        ],
        [
            "clean turnout / official",
            f"{fmt_pct(s['clean_turnout'])} / {fmt_pct(s['official_turnout'])}",
        ],
        [
            "clean leader share / official",
            f"{fmt_pct(s['clean_leader_share'])} / {fmt_pct(s['official_leader_share'])}",
        ],
        ["clean peak", f"{s['peak_turnout']}% ({s['peak_rule']})"],
        ["why this peak", s["peak_reason"]],
        ["pooled national curve", _pm(s["excess_pooled"], s["excess_pooled_sd"])],
        ["low-reference variant", _pm(s["excess_low_reference"], s["excess_low_reference_sd"])],
        [
            "2-D clean core (turnout, share)",
            f"{fmt_pct(s['core_turnout'])}, {fmt_pct(s['core_leader_share'])}; excess {_num(s['excess_2d'])}",
        ],
    ]
    return {
        "figure": _figure(F.shpilkin_fig(res.shpilkin), "Votes by station turnout"),
        "rows": rows,
    }


def _count_row(name: str, c: dict[str, Any]) -> list[str]:
    return [
        name,
        _num(c["observed"]),
        fmt_num(c["expected"], 1),
        fmt_num(c.get("excess", c.get("excess_stations")), 1),
        fmt_num(c["sd"], 1),
        f"{c['p_value']:.2g}",
    ]


def _integer(res: ForensicsResult, i: dict[str, Any]) -> dict[str, Any]:
    mc = i.get("monte_carlo")
    return {
        "figure": _figure(
            F.integer_fig(res.integer), "Stations by turnout and result at 0.1-point resolution"
        ),
        "rows": [
            [
                "turnout or result",
                _num(i["observed"]),
                fmt_num(i["expected"], 1),
                fmt_num(i["excess_stations"], 1),
                fmt_num(i["sd"], 1),
                f"{i['p_value']:.2g}",
            ],
            _count_row("turnout only", i["turnout_only"]),
            _count_row("result only", i["result_only"]),
        ],
        "calibration_reps": i["calibration_reps"],
        "calibration_stations": f"{i['calibration_stations']:,}",
        "sd_calibrated": f"{i['sd_calibrated']:.1f}",
        "p_value_calibrated": f"{i['p_value_calibrated']:.2g}",
        "expected": f"{i['expected']:.1f}",
        "sd": f"{i['sd']:.1f}",
        "monte_carlo": {
            "reps": int(mc["reps"]),
            "expected": f"{mc['expected']:.1f}",
            "se_of_expected": f"{mc['se_of_expected']:.1f}",
            "sd": f"{mc['sd']:.1f}",
        }
        if mc
        else None,
    }


def _klimek(res: ForensicsResult, k: dict[str, Any]) -> dict[str, Any] | None:
    if res.klimek is None:
        return None
    rows = [
        [
            "f_incremental",
            f"{k['f_incremental']:.3f}",
            f"{k['f_incremental_ci'][0]:.3f} … {k['f_incremental_ci'][1]:.3f}",
        ],
        [
            "f_extreme",
            f"{k['f_extreme']:.3f}",
            f"{k['f_extreme_ci'][0]:.3f} … {k['f_extreme_ci'][1]:.3f}",
        ],
        [
            "θ (stuffing spread), α (switching)",
            f"{k['theta']}, {k['alpha'] if k['alpha'] is not None else 'none'}",
            "",
        ],
        [
            "fit distance / if the model were true",
            f"{k['distance']:.3f} / {k['distance_expected']:.3f} (ratio {k['fit_quality']['ratio']:.1f})",
            f"without fraud {k['distance_no_fraud']:.3f}",
        ],
    ]
    nat = k.get("national")
    if nat:
        rows += [
            [
                "published fit (regions not centred): f_incremental, f_extreme",
                f"{nat['f_incremental']:.3f}, {nat['f_extreme']:.3f}",
                "not bootstrapped",
            ],
            [
                "published fit: θ, α; fit ratio",
                f"{nat['theta']}, {nat['alpha'] if nat['alpha'] is not None else 'none'}; "
                f"{nat['fit_quality']['ratio']:.1f}",
                "",
            ],
        ]
    return {
        "figure": _figure(F.klimek_fig(res.klimek), "Observed fingerprint and the fitted model"),
        "rows": rows,
        "centred": bool(k.get("regions_centred")),
    }


def _spikes(res: ForensicsResult, sp: dict[str, Any]) -> dict[str, Any] | None:
    if res.spikes is None:
        return None
    rz = sp["rozenas"]
    rows = []
    for k in ("result", "turnout"):
        if k not in rz:
            continue
        r = rz[k]
        top = ", ".join(f"{100 * s['point']:g}%" for s in r["spikes"][:5])
        rows.append(
            [
                f"{k} (Rozenas RKD)",
                fmt_pct(r["share"], 2),
                f"{fmt_pct(r['excess'], 2)} ({fmt_pct(r['ci'][0], 2)} to {fmt_pct(r['ci'][1], 2)})",
                format_p(r["p_value"], r["p_value_mc"]),
                top or "–",
            ]
        )
    for k in ("turnout", "result"):
        c = sp["coarse_fractions"][k]
        qs = [str(d["denominator"]) for d in c["by_denominator"][:3] if d["excess_stations"] > 0]
        top = f"denominators {', '.join(qs)}" if qs else ""
        rows.append(
            [
                f"{k} (exactly on p/q, q ≤ 10)",
                f"{c['observed_stations']:,} stations (expected {c['expected_stations']:,.0f})",
                f"{fmt_pct(c['share'], 2)} ({fmt_pct(c['ci'][0], 2)} to {fmt_pct(c['ci'][1], 2)})",
                format_p(c["p_value"], floor=COARSE_P_FLOOR),
                top or "–",
            ]
        )
    return {
        "figure": _figure(
            F.spikes_fig(res.spikes),
            "Leader's share: observed kernel density against the resampled envelope",
        ),
        "rows": rows,
        "resamples": sp["resamples"],
    }


def _electronic(el: dict[str, Any]) -> dict[str, Any] | None:
    if not el.get("present"):
        return None
    rows = el["districts"]
    return {
        "figure": _figure(
            F.electronic_fig(rows), "Leader's share on paper and electronically, by district"
        ),
        "mean_difference_pp": fmt_num(el["mean_difference_pp"], 1),
        "paper_winner_differs": el["districts_paper_winner_differs"],
        "rows": [
            [
                r["district"],
                r["region"],
                fmt_pct(r["paper_leader_share"]),
                fmt_pct(r["electronic_leader_share"]),
                fmt_num(r["difference_pp"], 1),
                r.get("winner_paper", ""),
                r.get("winner_official", ""),
            ]
            for r in rows
        ],
    }


def _digits(dg: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for who in ("leader", "others"):
        for key in ("second_digit_mean", "last_digit_mean", "share_0_5"):
            r = dg[who][key]
            rows.append(
                [
                    who,
                    key,
                    fmt_num(r["value"], 3),
                    f"{fmt_num(r['ci'][0], 3)} … {fmt_num(r['ci'][1], 3)}",
                    r["expected"],
                    "yes" if r["deviates"] else "no",
                ]
            )
    return rows


def _regions(regions: list[dict[str, Any]]) -> list[list[str]]:
    regs = sorted(regions, key=lambda r: -(r["shpilkin"]["excess_votes"] or 0))
    return [
        [
            r["region"],
            _num(r["stations"]),
            fmt_pct(r["turnout"]),
            fmt_pct(r["leader_share"]),
            _pm(r["shpilkin"]["excess_votes"], r["shpilkin"]["sd"]),
            fmt_pct(r["shpilkin"]["clean_leader_share"]),
            f"{r['integer']['observed']} / {fmt_num(r['integer']['expected'], 1)}",
            f"{r['integer']['p_value_calibrated']:.2g}"
            if r["integer"]["p_value_calibrated"] is not None
            else "–",
        ]
        for r in regs
    ]


def _districts(districts: list[dict[str, Any]]) -> list[list[str]]:
    dis = sorted(districts, key=lambda r: -(r["excess_votes"] or 0))
    return [
        [
            r["district"],
            r["region"],
            _num(r["stations"]),
            fmt_pct(r["turnout"]),
            _pm(r["excess_votes"], r["sd"]),
            fmt_pct(r["clean_turnout"]),
            fmt_pct(r["clean_leader_share"]),
        ]
        for r in dis
    ]


_STATION_COLUMNS = (
    "unit",
    "tik",
    "registered",
    "turnout_pct",
    "result_pct",
    "integer_turnout",
    "integer_result",
    "extreme",
    "impossible",
    "excess_votes",
)


def _stations(res: ForensicsResult) -> dict[str, Any]:
    lst = res.station_list
    csv = spreadsheet_safe(lst.head(EMBED_ROWS)).to_csv(index=False).encode("utf-8")
    head = lst.head(40)
    cols = [c for c in _STATION_COLUMNS if c in head.columns]
    return {
        "listed": f"{len(lst):,}",
        "embedded": f"{min(len(lst), EMBED_ROWS):,}",
        "download": Download(
            data_uri(csv, "text/csv"),
            f"{res.election or 'election'}-stations.csv",
            "Download the list as CSV",
        ),
        "columns": cols,
        "rows": list(head[cols].itertuples(index=False, name=None)),
    }


def report_context(res: ForensicsResult, d: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything ``report/forensics.html`` shows, computed and formatted."""
    d = d if d is not None else res.to_dict()
    return {
        "lang": "en",
        "title": f"Election forensics: {res.election or 'election'}",
        "head": _head(d),
        "excess": _excess(res, d),
        "fingerprint": _fingerprint(res, d),
        "shpilkin": _shpilkin(res, d["shpilkin"]),
        "integer": _integer(res, d["integer"]),
        "klimek": _klimek(res, d["klimek"]),
        "spikes": _spikes(res, d["spikes"]),
        "electronic": _electronic(d["electronic"]),
        "digits": _digits(d["digits"]),
        "regions": _regions(d["regions"]),
        "districts": _districts(d["districts"]),
        "stations": _stations(res),
        "intervals": _intervals(d.get("intervals") or []),
        "timings": ", ".join(f"{k} {v}" for k, v in res.timings.items()),
    }


def build_report(res: ForensicsResult, d: dict[str, Any] | None = None) -> str:
    """The report as one HTML string (see module doc); ``d`` is ``res.to_dict()`` if known."""
    return render("report/forensics.html", **report_context(res, d))


def write_report(res: ForensicsResult, path: str | Path, d: dict[str, Any] | None = None) -> Path:
    """Write the report to ``path`` (UTF-8) and return it."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(build_report(res, d), encoding="utf-8")
    return p
