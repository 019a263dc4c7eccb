"""The figures of the forensics report, drawn with matplotlib from computed results.

Each function plots what it is given and computes no statistic; the caller
(:mod:`smartvote.report.forensics`) picks what to show. Labels from data are plain text
(``text.parse_math`` off), never TeX.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from smartvote.forensics.excess import Excess
    from smartvote.forensics.integer import IntegerTest
    from smartvote.forensics.klimek import Klimek
    from smartvote.forensics.shpilkin import Shpilkin
    from smartvote.forensics.spikes import Spikes


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["text.parse_math"] = False  # labels are data: plain text, never TeX
    import matplotlib.pyplot as plt

    return plt


def fingerprint_fig(hist: np.ndarray, title: str) -> Any:
    """Registered voters by turnout and leader's result (log colour scale)."""
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


def regions_fig(regions: Sequence[tuple[str, np.ndarray]]) -> Any:
    """Small fingerprints, one per ``(region name, histogram)``, four to a row."""
    plt = _plt()
    cols = 4
    rows = int(np.ceil(len(regions) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(11, 2.7 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (name, h) in zip(axes.ravel(), regions, strict=False):
        ax.axis("on")
        ax.imshow(np.log1p(h.T), origin="lower", extent=(0, 100, 0, 100), cmap="viridis")
        ax.set_title(name[:32], fontsize=8)
        ax.tick_params(labelsize=6)
    fig.suptitle("Fingerprints of the largest regions (turnout →, result ↑)", fontsize=10)
    fig.tight_layout()
    return fig


def excess_fig(e: Excess, s: Shpilkin, k: int = 20) -> Any:
    """Best estimate beside Shpilkin's recipes, and the regions contributing most."""
    plt = _plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1, 2]})
    labels = ["best estimate", "Shpilkin\n(national)", "Shpilkin\n(regions summed)"]
    vals = [e.votes, s.excess_votes, s.excess_regions_summed]
    errs = [(e.ci_high - e.ci_low) / 2, 1.96 * s.excess_sd, 1.96 * s.excess_regions_summed_sd]
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


def shpilkin_fig(s: Shpilkin) -> Any:
    """Votes of the leader and of everyone else by station turnout, and the expectation."""
    plt = _plt()
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


def integer_fig(i: IntegerTest) -> Any:
    """Stations by turnout and by result at 0.1-point resolution."""
    plt = _plt()
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


def klimek_fig(k: Klimek) -> Any:
    """Observed fingerprint beside the fitted model's."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4.2))
    vmax = float(max(np.log1p(k.observed * 1e4).max(), np.log1p(k.simulated * 1e4).max()))
    for ax, h, t in (
        (axes[0], k.observed, "observed, regions centred" if k.regions_centred else "observed"),
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


def spikes_fig(s: Spikes) -> Any:
    """Rozenas's picture: the observed kernel density of the shares at the grid points
    against the envelope of the resamples, for the leader's share (and turnout if run)."""
    plt = _plt()
    runs = [r for r in (s.result, s.turnout) if r is not None]
    fig, axes = plt.subplots(len(runs), 1, figsize=(9, 2.6 * len(runs) + 0.4), squeeze=False)
    for ax, r in zip(axes[:, 0], runs, strict=True):
        x = np.linspace(0.0, 100.0, r.density.size)
        ax.plot(x, r.envelope, lw=0.6, color="#e67e22", label="resampled envelope (max)")
        ax.plot(x, r.density, lw=0.5, color="#34495e", label="observed")
        up = r.density > r.envelope
        ax.scatter(x[up], r.density[up], s=9, color="#c0392b", zorder=3, label="above")
        ax.set_title(
            f"{r.variable}: Rozenas's share {100 * r.share:.2f}%, excess over chance "
            f"{100 * r.excess:.2f}% of stations",
            fontsize=9,
        )
        ax.set_ylabel("kernel density")
        ax.set_xlim(0, 100)
    axes[0, 0].legend(fontsize=8)
    axes[-1, 0].set_xlabel("percent")
    fig.tight_layout()
    return fig


def electronic_fig(rows: list[dict[str, Any]]) -> Any:
    """Leader's share on paper and electronically, by district."""
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
