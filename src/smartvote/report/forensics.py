"""The forensics report: one self-contained HTML file a journalist can read.

Built from a :class:`smartvote.forensics.suite.ForensicsResult`: headline figures in
words, then one section per method with its figure, how to read it, the numbers with
their uncertainty, and the method's caveats; tables per region and district; the station
list as an embedded CSV download. Figures are matplotlib PNGs embedded as base64; every
data string (names of regions, parties, stations) is escaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from smartvote.csvsafe import spreadsheet_safe
from smartvote.forensics import fingerprint as fp
from smartvote.report import html as H

if TYPE_CHECKING:
    from smartvote.forensics.suite import ForensicsResult


EMBED_ROWS = 5000


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["text.parse_math"] = False  # labels are data: plain text, never TeX
    import matplotlib.pyplot as plt

    return plt


def _fingerprint_fig(hist: np.ndarray, title: str) -> Any:
    plt = _plt()
    from matplotlib.colors import LogNorm

    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    h = np.where(hist > 0, hist, np.nan)
    im = ax.imshow(
        h.T, origin="lower", extent=(0, 100, 0, 100), aspect="equal", cmap="viridis", norm=LogNorm()
    )
    ax.set_xlabel("turnout, %")
    ax.set_ylabel("leader's result, %")
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, label="registered voters per cell")
    return fig


def _regions_fig(res: ForensicsResult, k: int = 12) -> Any:
    plt = _plt()
    st = res.stations
    G = len(st.region_names)
    hs = fp.by_group(st, st.region, G, bins=50)
    order = np.argsort(-hs.sum(axis=(1, 2)))[:k]
    cols = 4
    rows = int(np.ceil(len(order) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(11, 2.7 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, g in zip(axes.ravel(), order, strict=False):
        ax.axis("on")
        h = hs[g]
        ax.imshow(np.log1p(h.T), origin="lower", extent=(0, 100, 0, 100), cmap="viridis")
        ax.set_title(st.region_names[g][:32], fontsize=8)
        ax.tick_params(labelsize=6)
    fig.suptitle("Fingerprints of the largest regions (turnout →, result ↑)", fontsize=10)
    fig.tight_layout()
    return fig


def _excess_fig(res: ForensicsResult, k: int = 20) -> Any:
    """Best estimate beside Shpilkin's recipes, and the regions contributing most."""
    plt = _plt()
    e, s = res.excess, res.shpilkin
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1, 2]})
    labels = ["best estimate", "Shpilkin\n(national)", "Shpilkin\n(regions summed)"]
    vals = [e.votes, s.excess_votes, s.excess_regions_summed]
    errs = [1.96 * e.sd, 1.96 * s.excess_sd, 1.96 * s.excess_regions_summed_sd]
    a1.bar(
        labels,
        np.array(vals) / 1e6,
        yerr=np.nan_to_num(errs) / 1e6,
        color=["#c0392b", "#777", "#bbb"],
    )
    a1.set_ylabel("million votes")
    a1.tick_params(labelsize=7)
    order = np.argsort(-np.abs(e.region_votes))[:k]
    names = [e.region_names[g][:28] for g in order]
    colors = ["#8e44ad" if e.whole[g] else "#c0392b" for g in order]
    a2.barh(range(len(order))[::-1], e.region_votes[order] / 1e3, color=colors)
    a2.set_yticks(range(len(order))[::-1], names, fontsize=6)
    a2.set_xlabel("thousand votes (purple: falsified as a whole)")
    fig.tight_layout()
    return fig


def _shpilkin_fig(res: ForensicsResult) -> Any:
    plt = _plt()
    s = res.shpilkin
    x = np.arange(len(s.leader_curve))
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(x, s.leader_curve / 1e3, label="leader's votes", color="#c0392b")
    ax.plot(x, s.other_curve / 1e3, label="all other votes", color="#2c7fb8")
    ax.plot(
        x,
        s.expected_curve / 1e3,
        "--",
        label="leader's votes expected (ratio at the clean peak)",
        color="#555",
    )
    ax.axvline(s.peak_turnout, color="#999", lw=1)
    ax.text(
        s.peak_turnout + 0.5, ax.get_ylim()[1] * 0.92, f"clean peak {s.peak_turnout}%", fontsize=8
    )
    ax.set_xlabel("turnout of the station, % (1-point bins)")
    ax.set_ylabel("thousand votes")
    ax.legend(fontsize=8)
    return fig


def _integer_fig(res: ForensicsResult) -> Any:
    plt = _plt()
    i = res.integer
    fig, axes = plt.subplots(2, 1, figsize=(9, 5.2), sharex=True)
    edges = np.arange(1001) / 10
    for ax, h, lab in (
        (axes[0], i.hist_turnout, "turnout"),
        (axes[1], i.hist_result, "leader's result"),
    ):
        ax.stairs(h, edges, color="#34495e", lw=0.6)
        ax.set_ylabel("stations")
        ax.set_title(f"{lab}, 0.1-point bins", fontsize=9)
        ax.set_xlim(20, 100)
    axes[1].set_xlabel("percent")
    fig.tight_layout()
    return fig


def _klimek_fig(res: ForensicsResult) -> Any:
    plt = _plt()
    k = res.klimek
    assert k is not None
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4.2))
    vmax = float(max(np.log1p(k.observed * 1e4).max(), np.log1p(k.simulated * 1e4).max()))
    for ax, h, t in (
        (axes[0], k.observed, "observed"),
        (axes[1], k.simulated, "fitted model (simulated)"),
    ):
        ax.imshow(
            np.log1p(h.T * 1e4),
            origin="lower",
            extent=(0, 100, 0, 100),
            cmap="viridis",
            vmin=0,
            vmax=vmax,
        )
        ax.set_title(t, fontsize=10)
        ax.set_xlabel("turnout, %")
    axes[0].set_ylabel("leader's result, %")
    return fig


def _spikes_fig(res: ForensicsResult) -> Any:
    plt = _plt()
    s = res.spikes
    assert s is not None
    fig, axes = plt.subplots(2, 1, figsize=(9, 5.2), sharex=True)
    x = np.arange(len(s.turnout.observed)) / (len(s.turnout.observed) - 1) * 100
    for ax, r in ((axes[0], s.turnout), (axes[1], s.result)):
        ax.plot(x, r.observed, lw=0.7, color="#34495e", label="observed")
        ax.plot(x, r.envelope, lw=0.7, color="#e67e22", label="resampled envelope (max)")
        ax.set_title(
            f"{r.variable}: share of stations above the envelope {100 * r.share:.2f}%", fontsize=9
        )
        ax.set_ylabel("stations per 0.2 pt")
        ax.set_xlim(10, 100)
    axes[0].legend(fontsize=8)
    axes[1].set_xlabel("percent")
    fig.tight_layout()
    return fig


def _electronic_fig(rows: list[dict[str, Any]]) -> Any:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 0.28 * len(rows) + 1.2))
    y = np.arange(len(rows))
    ax.scatter([100 * r["paper_leader_share"] for r in rows], y, label="paper", color="#2c7fb8")
    ax.scatter(
        [100 * r["electronic_leader_share"] for r in rows], y, label="electronic", color="#c0392b"
    )
    ax.set_yticks(y, [f"{r['district']} {r['region'][:22]}" for r in rows], fontsize=7)
    ax.set_xlabel("leader's share of valid votes, %")
    ax.legend(fontsize=8)
    ax.invert_yaxis()
    return fig


def _num(x: Any) -> str:
    return H.fmt_num(x)


def build_report(res: ForensicsResult, d: dict[str, Any] | None = None) -> str:
    """The report as one HTML string (see module doc); ``d`` is ``res.to_dict()`` if known."""
    d = d if d is not None else res.to_dict()
    s, i = d["shpilkin"], d["integer"]
    title = f"Election forensics: {res.election or 'election'}"
    parts: list[str] = [H.tag("h1", H.esc(title))]
    parts.append(
        H.p(
            f"Leader: {d['leader']}. {d['stations']:,} polling stations with {d['registered']:,} registered voters "
            f"(electronic pseudo-stations and empty rows excluded from station statistics: {d['excluded']})."
        )
    )
    parts.append(
        H.key_figures(
            [
                ("official turnout", H.fmt_pct(d["turnout"])),
                ("leader's official share", H.fmt_pct(d["leader_share"])),
                (
                    "falsified votes, best estimate (95% interval)",
                    f"{_num(d['excess']['votes'])} ({_num(d['excess']['ci_low'])} … "
                    f"{_num(d['excess']['ci_high'])})",
                ),
                ("excess votes (Shpilkin)", f"{_num(s['excess_votes'])} ± {_num(s['excess_sd'])}"),
                ("turnout without them", H.fmt_pct(s["clean_turnout"])),
                ("leader's share without them", H.fmt_pct(s["clean_leader_share"])),
                (
                    "stations with integer percentages in excess",
                    f"{_num(i['excess_stations'])} (z = {i['z_calibrated']:.1f})"
                    if i["z_calibrated"] is not None
                    else "–",
                ),
            ]
        )
    )
    parts.append(
        H.p(
            "How to read this report: each section shows one statistical signal of falsification, how to read "
            "its figure, and the number it measures with its uncertainty. No single signal proves fraud; "
            "signals that agree, in the same places, are strong evidence. The station list at the end names the "
            "protocols behind the signals so that observers can check them against photographs of the originals.",
            "lead",
        )
    )
    # Best estimate
    ex = d["excess"]
    whole = [r for r in ex["by_region"] if r["falsified_as_whole"]]
    parts.append(
        H.section(
            "0. Falsified votes: the best estimate",
            H.figure(_excess_fig(res), "Best estimate beside Shpilkin's recipes, by region")
            + H.p(
                "Per region, the leader's clean votes are the other parties' votes times the leader's clean "
                "ratio, read off the region's lowest-turnout stations; regions whose whole distribution sits "
                "at a turnout no other region reaches are scaled with the national ratio instead. "
                f"Interval: {ex['interval']}. {ex['note']}."
            )
            + H.table(
                ["region treated as falsified as a whole", "votes", "why"],
                [[r["region"], _num(r["votes"]), r["why"]] for r in whole] or [["none", "", ""]],
            ),
            "excess",
        )
    )
    # Fingerprint
    parts.append(
        H.section(
            "1. Fingerprint: where the voters are",
            H.figure(
                _fingerprint_fig(
                    res.fingerprint.hist, "all stations, weighted by registered voters"
                ),
                "Election fingerprint",
            )
            + H.p(
                "Each cell counts the registered voters of stations with that turnout (across) and leader's result "
                "(up). A clean election forms one compact cloud. Ballot stuffing raises turnout and the leader's "
                "result together and draws a tail towards the top right corner; a separate blob at (100%, 100%) "
                "means stations reporting nearly everyone voting for the leader. "
                f"Share of voters in the corner above 95%/95%: {H.fmt_pct(d['fingerprint']['share_in_95_corner'], 2)}."
            )
            + H.figure(_regions_fig(res), "Fingerprints of the twelve largest regions"),
            "fingerprint",
        )
    )
    # Shpilkin
    sens = s["sensitivity"]
    parts.append(
        H.section(
            "2. Excess votes (Shpilkin)",
            H.figure(_shpilkin_fig(res), "Votes by station turnout")
            + H.p(
                "Stations are grouped by turnout. In a clean election the leader's votes (red) follow the same curve "
                "as everyone else's (blue), scaled. The dashed curve is what the leader would have got if the "
                "leader's votes per other vote stayed at their level at the clean peak (Shpilkin's published "
                "recipe, national curves); the red area above it on the high-turnout side is the excess."
            )
            + H.table(
                ["figure", "value"],
                [
                    [
                        "excess votes (Shpilkin's recipe, national curves)",
                        f"{_num(s['excess_votes'])} ± {_num(s['excess_sd'])}",
                    ],
                    [
                        "variant: regions summed",
                        f"{_num(s['excess_regions_summed'])} ± {_num(s['excess_regions_summed_sd'])}",
                    ],
                    ["95% interval", f"{_num(s['excess_ci'][0])} … {_num(s['excess_ci'][1])}"],
                    [
                        "sensitivity range (peak ±3 points, pooled curve, low reference, 2-D)",
                        f"{_num(sens[0])} … {_num(sens[1])}",
                    ],
                    [
                        "clean turnout / official",
                        f"{H.fmt_pct(s['clean_turnout'])} / {H.fmt_pct(s['official_turnout'])}",
                    ],
                    [
                        "clean leader share / official",
                        f"{H.fmt_pct(s['clean_leader_share'])} / {H.fmt_pct(s['official_leader_share'])}",
                    ],
                    ["clean peak", f"{s['peak_turnout']}% ({s['peak_rule']})"],
                    ["why this peak", s["peak_reason"]],
                    [
                        "pooled national curve",
                        f"{_num(s['excess_pooled'])} ± {_num(s['excess_pooled_sd'])}",
                    ],
                    [
                        "low-reference variant",
                        f"{_num(s['excess_low_reference'])} ± {_num(s['excess_low_reference_sd'])}",
                    ],
                    [
                        "2-D clean core (turnout, share)",
                        f"{H.fmt_pct(s['core_turnout'])}, {H.fmt_pct(s['core_leader_share'])}; excess {_num(s['excess_2d'])}",
                    ],
                ],
            )
            + H.p(
                "Caveats: a genuine link between turnout and support (rural areas, some republics) inflates the "
                "excess; votes switched between parties without extra ballots are invisible to it; stuffing that "
                "leaves a station below the clean peak is missed (the low-reference variant catches part of it).",
                "note",
            ),
            "shpilkin",
        )
    )

    # Integer
    def cnt_row(name: str, c: dict[str, Any]) -> list[str]:
        return [
            name,
            _num(c["observed"]),
            H.fmt_num(c["expected"], 1),
            H.fmt_num(c.get("excess", c.get("excess_stations")), 1),
            H.fmt_num(c["sd"], 1),
            f"{c['p_value']:.2g}",
        ]

    mc = i.get("monte_carlo")
    mc_txt = (
        f"Monte Carlo check ({int(mc['reps'])} replicates): expected {mc['expected']:.1f} ± {mc['se_of_expected']:.1f}, "
        f"sd {mc['sd']:.1f} (exact: {i['expected']:.1f}, sd {i['sd']:.1f})."
        if mc
        else "Monte Carlo check not run (use --monte-carlo)."
    )
    parts.append(
        H.section(
            "3. Whole percentages",
            H.figure(_integer_fig(res), "Stations by turnout and result at 0.1-point resolution")
            + H.p(
                "Counting noise spreads turnout and results smoothly. Spikes at whole percentages (70.0%, 80.0%) mean "
                "protocols written to reach a target. The table compares the stations at whole percentages with "
                "what binomial counting noise predicts exactly (no simulation noise)."
            )
            + H.table(
                ["count", "observed", "expected", "excess", "sd", "p-value"],
                [
                    [
                        "turnout or result",
                        _num(i["observed"]),
                        H.fmt_num(i["expected"], 1),
                        H.fmt_num(i["excess_stations"], 1),
                        H.fmt_num(i["sd"], 1),
                        f"{i['p_value']:.2g}",
                    ],
                    cnt_row("turnout only", i["turnout_only"]),
                    cnt_row("result only", i["result_only"]),
                ],
                [False, True, True, True, True, True],
            )
            + H.p(
                f"Calibrated sd (parametric bootstrap re-estimating the rates, {i['calibration_reps']} replicates on "
                f"{i['calibration_stations']:,} stations): {i['sd_calibrated']:.1f}, calibrated p-value "
                f"{i['p_value_calibrated']:.2g}. {mc_txt}"
            ),
            "integer",
        )
    )
    # Klimek
    if res.klimek is not None:
        k = d["klimek"]
        parts.append(
            H.section(
                "4. Fraud model fit (Klimek)",
                H.figure(_klimek_fig(res), "Observed fingerprint and the fitted model")
                + H.p(
                    "A model of a clean election plus two kinds of fraud (incremental stuffing in a fraction f_i of "
                    "stations, near-total stuffing in a fraction f_e) is simulated with every station's size and "
                    "fitted to the observed fingerprint. Compare the two pictures: where they differ, the model "
                    "does not describe the election."
                )
                + H.table(
                    ["parameter", "estimate", "95% bootstrap interval"],
                    [
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
                    ],
                )
                + H.p(
                    "A model-based estimate, not a measurement: fits of this model to real data are contested and "
                    "depend on how the clean part is modelled. A ratio far above 1 means a poor fit.",
                    "warn",
                ),
                "klimek",
            )
        )
    if res.spikes is not None:
        sp = d["spikes"]
        parts.append(
            H.section(
                "5. Round fractions (Rozenas)",
                H.figure(_spikes_fig(res), "Observed shares against the resampled envelope")
                + H.p(
                    "Small stations produce round fractions honestly (3 of 4 is 75%). A smooth model of the shares is "
                    "resampled keeping every station's size; observed spikes that rise above all resamples (orange) "
                    "are fabricated round results."
                )
                + H.table(
                    [
                        "variable",
                        "share of stations above envelope",
                        "expected without fabrication",
                        "p-value",
                    ],
                    [
                        [
                            r["variable"],
                            H.fmt_pct(r["share"], 2),
                            H.fmt_pct(r["null_mean"], 2),
                            f"{r['p_value']:.2g}",
                        ]
                        for r in (sp["turnout"], sp["result"])
                    ],
                ),
                "spikes",
            )
        )
    el = d["electronic"]
    if el.get("present"):
        rows = el["districts"]
        tab_rows = [
            [
                r["district"],
                r["region"],
                H.fmt_pct(r["paper_leader_share"]),
                H.fmt_pct(r["electronic_leader_share"]),
                H.fmt_num(r["difference_pp"], 1),
                r.get("winner_paper", ""),
                r.get("winner_official", ""),
            ]
            for r in rows
        ]
        parts.append(
            H.section(
                "6. Paper versus electronic votes",
                H.figure(
                    _electronic_fig(rows), "Leader's share on paper and electronically, by district"
                )
                + H.p(
                    f"Mean electronic premium for the leader: {H.fmt_num(el['mean_difference_pp'], 1)} points; districts "
                    f"where the paper winner differs from the official winner: {el['districts_paper_winner_differs']}. "
                    "E-voters are a self-selected group, so a difference alone does not say which channel is wrong."
                )
                + H.table(
                    [
                        "district",
                        "region",
                        "leader paper",
                        "leader electronic",
                        "difference, pp",
                        "winner on paper",
                        "official winner",
                    ],
                    tab_rows,
                ),
                "electronic",
            )
        )
    dg = d["digits"]
    drows = []
    for who in ("leader", "others"):
        for key in ("second_digit_mean", "last_digit_mean", "share_0_5"):
            r = dg[who][key]
            drows.append(
                [
                    who,
                    key,
                    H.fmt_num(r["value"], 3),
                    f"{H.fmt_num(r['ci'][0], 3)} … {H.fmt_num(r['ci'][1], 3)}",
                    r["expected"],
                    "yes" if r["deviates"] else "no",
                ]
            )
    parts.append(
        H.section(
            "7. Digit tests (secondary)",
            H.table(["votes", "test", "value", "95% interval", "expected", "deviates"], drows)
            + H.p(
                "Digit tests are weak on their own: honest counts can deviate and forged ones can pass. Shown for completeness.",
                "note",
            ),
            "digits",
        )
    )
    regs = sorted(d["regions"], key=lambda r: -(r["shpilkin"]["excess_votes"] or 0))
    rrows = [
        [
            r["region"],
            _num(r["stations"]),
            H.fmt_pct(r["turnout"]),
            H.fmt_pct(r["leader_share"]),
            f"{_num(r['shpilkin']['excess_votes'])} ± {_num(r['shpilkin']['sd'])}",
            H.fmt_pct(r["shpilkin"]["clean_leader_share"]),
            f"{r['integer']['observed']} / {H.fmt_num(r['integer']['expected'], 1)}",
            f"{r['integer']['p_value_calibrated']:.2g}"
            if r["integer"]["p_value_calibrated"] is not None
            else "–",
        ]
        for r in regs
    ]
    parts.append(
        H.section(
            "8. Regions",
            H.table(
                [
                    "region",
                    "stations",
                    "turnout",
                    "leader",
                    "excess votes",
                    "clean leader share",
                    "integer obs./exp.",
                    "integer p",
                ],
                rrows,
                [False, True, True, True, True, True, True, True],
            ),
            "regions",
        )
    )
    dis = sorted(d["districts"], key=lambda r: -(r["excess_votes"] or 0))
    parts.append(
        H.section(
            "9. Districts",
            H.details(
                f"{len(dis)} districts, by excess votes",
                H.table(
                    [
                        "district",
                        "region",
                        "stations",
                        "turnout",
                        "excess votes",
                        "clean turnout",
                        "clean leader share",
                    ],
                    [
                        [
                            r["district"],
                            r["region"],
                            _num(r["stations"]),
                            H.fmt_pct(r["turnout"]),
                            f"{_num(r['excess_votes'])} ± {_num(r['sd'])}",
                            H.fmt_pct(r["clean_turnout"]),
                            H.fmt_pct(r["clean_leader_share"]),
                        ]
                        for r in dis
                    ],
                ),
            ),
            "districts",
        )
    )
    lst = res.station_list
    csv = spreadsheet_safe(lst.head(EMBED_ROWS)).to_csv(index=False).encode("utf-8")
    head = lst.head(40)
    cols = [
        c
        for c in (
            "unit",
            "tik",
            "registered",
            "turnout_pct",
            "result_pct",
            "integer_turnout",
            "integer_result",
            "extreme",
            "excess_votes",
        )
        if c in head.columns
    ]
    parts.append(
        H.section(
            "10. Stations behind the signals",
            H.p_html(
                H.esc(
                    f"{len(lst):,} stations with at least one signal (whole-percentage turnout or result, both ≥ 95%, "
                    f"or ≥ 50 excess votes); the download holds the first {min(len(lst), EMBED_ROWS):,} by excess votes "
                    "(the full list: smartvote forensics --stations FILE). "
                )
                + H.download(
                    csv,
                    f"{res.election or 'election'}-stations.csv",
                    "text/csv",
                    "Download the list as CSV",
                )
            )
            + H.table(cols, head[cols].itertuples(index=False, name=None)),
            "stations",
        )
    )
    parts.append(
        H.p(
            "Methods: see docs/5-forensics.md of smartvote. Timings (s): "
            + ", ".join(f"{k} {v}" for k, v in res.timings.items()),
            "note",
        )
    )
    return H.page(title, "\n".join(parts))


def write_report(res: ForensicsResult, path: str | Path, d: dict[str, Any] | None = None) -> Path:
    """Write the report to ``path`` (UTF-8) and return it."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(build_report(res, d), encoding="utf-8")
    return p
