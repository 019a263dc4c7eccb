"""The project's best estimate of falsified votes for the leader (``excess`` in the JSON).

Not a published method: it combines the two readings of Shpilkin's idea that the issue
tracker's simulations showed each to fail on its own (docs/5-forensics.md):

* **per region** (scattered stuffing, genuine regional differences): ballot stuffing adds
  ballots for the leader and leaves the other parties' votes ``O`` untouched. If, in clean
  stations, the leader's share ``s`` does not depend on turnout (Shpilkin's assumption),
  the leader's clean votes in a region are ``k·ΣO`` with ``k = E[s]/E[1 − s]``, and
  ``E[s]`` can be read off *any* set of stations chosen on turnout alone. Reference sets
  are the region's lowest-turnout 15, 25, 35 and 50 % of stations (stuffing moves stations
  out of them) and ``E[s]`` is estimated in each from the mean and spread of the empirical
  logit share ``log((W + ½)/(O + ½))``, minus its counting noise at the set's mean share,
  integrated over the logit-normal. (Session 7: the former robust reading, median and
  lower-half spread, ``location="median"``, was the main source of the estimate's noise
  on clean elections — the median's efficiency is 64 % of the mean's and the half-sample
  spread adds its own noise, both multiplied by about 2.2 in the extrapolation below —
  and its −0.15 % bias; stuffed stations left in a set pull the mean up more than the
  median, but the extrapolation removes that as it removes their effect on the set's
  size: measured on scenarios A, B and ballot packs, the mean reading was as close to
  the truth or closer, docs/5-forensics.md.)
  Stuffed stations that stay in a set make its ``k`` too high, more so the larger the set,
  while without fraud ``k`` does not depend on the set: so ``k`` is extrapolated to an
  empty set along the sets' least-squares slope (measured: this removes the 10–15 % low
  bias of a single 30 % set). Each region on its own line (``extrapolation="region"``,
  the estimate until session 6) multiplies the sets' noise by 2–3 and was the main part
  of the estimate's noise on clean elections (sd 0.45–0.6 % of the leader's votes at
  40,000 stations). The slope is therefore pooled (``"pooled"``, the estimate): stuffed
  stations left in a region's sets are in proportion to its stuffing, so its slope in
  votes, ``O_g·b_g``, is taken as ``γ·x_g`` with ``x_g = W_g − k_g(50 %)·O_g`` its excess
  read with the largest set, and γ is the least-squares fit through the origin over the
  regions that are their own reference; a region's excess is then ``(1 + γ/2)·x_g``. On a
  clean election the ``x_g`` are noise and γ·Σx_g is about 1/√regions of the per-region
  lines' noise (measured sd 0.18–0.22 % of the leader's votes, docs/5-forensics.md);
  under fraud the proportional model was as close to the truth or closer in every
  scenario. It assumes the contamination proportional to the region's excess: a
  region-specific turnout–share relation that tilts its sets without fraud is spread
  over all regions instead of kept in that one (on the real files the pooled estimate is
  3–16 % below the regions' own lines, JSON ``extrapolation.votes_region_lines``). The
  region's excess is ``ΣW − k·ΣO`` over *all* its stations, so stuffing that leaves a
  station below any turnout peak is still counted (the per-region Shpilkin sum misses it);
* **regions falsified as a whole**: when a region's whole distribution sits at a turnout
  no clean region reaches, its own low-turnout stations are falsified too and the region
  cannot be its own reference. A region is treated as falsified as a whole when its clean
  turnout centre is a robust outlier above the other regions' (robust z > ``Z_TURNOUT``,
  median and MAD over regions) *and* its leader's share centre is above theirs (robust z >
  ``Z_SHARE``), the direction stuffing moves both. Its reference ratio is then the
  national one, the O-weighted mean of the other regions' ``k``.

* **the extreme corner** (turnout and the leader's share of valid votes both ≥ ``CORNER``
  = 95 %, the corner of Klimek et al. 2012 and of the station list): fraud that reaches it
  switches the opponents' votes too, so there ``O`` is no reference (``k·O`` left every
  switched vote counted ``1 + k`` times). A corner station's clean leader votes are
  ``N·T·q·S`` instead: ``T`` the region's clean turnout centre (the national median of the
  other regions' for a region falsified as a whole), ``q`` the region's valid votes per
  ballot, ``S = k/(1 + k)`` its clean share. Without switching both readings have the
  same expectation; with it only this one is right (measured: the default demo simulation
  +13 % → +8.7 %, extreme fraud alone +18…+55 % → −1…+37 %; scenarios without corner
  stations unchanged, docs/5-forensics.md).

Uncertainty (the interval, JSON ``interval`` and ``uncertainty``): three independent
components, combined in quadrature (JCGM 100:2008, *Guide to the Expression of
Uncertainty in Measurement*), with a Student t factor at Welch–Satterthwaite degrees of
freedom:

* sampling: Poisson bootstrap over stations of the per-region computation (the
  classification of regions and the membership of the reference sets are kept fixed),
  ``boot`` replicates chosen for precision (51: Monte Carlo error of the sd ≈ 10 %);
* the extrapolation's lack of fit: the national excess read with each set's ratio
  should lie on a line to an empty set (whose intercept was the estimate with each
  region on its own line; the pooled slope reads the same extrapolation with less
  noise); the residual standard error of that intercept (2 degrees of freedom);
* prediction for regions falsified as a whole: their ratio is the national mean of the
  others', i.e. a prediction of an unseen region's ``k``, whose error includes the
  between-region variance τ² of the true ratio (method of moments, the regions' own
  bootstrap variances removed; DerSimonian & Laird 1986).

The extrapolation itself is a modelling choice: stuffed stations that stay in the
lowest-turnout sets contaminate ``k`` in a way a line in ``q`` does not remove (measured:
the estimate runs 3 % low under scattered stuffing and 8 % low under ballot packs,
session 7).
A line in ``√q`` (contamination growing faster in the smallest sets) is as defensible
and was unbiased on the same simulations, but about 1.5 times noisier (on clean
elections up to 1.5 % of the leader's votes, over the issue's 1 % false-alarm bound), so
it is not the estimate. The interval is the equal-tailed 95 % interval of the
equal-weight mixture of the two readings, each a normal with its own half-width (model
averaging; Hoeting et al. 1999, *Statistical Science* 14:382). Measured coverage over
24 seeds per scenario before/after: docs/5-forensics.md. Not covered: a genuine
turnout–support relation (see :meth:`Excess.sensitivity`), a wrong classification of a
region (the rule's z thresholds are far from the simulated regions' z; on real files a
region near them may flip), and contamination that neither extrapolation removes.

Assumptions and known biases: within a region the leader's clean share does not depend on
turnout — a genuine turnout–support correlation (rural stations vote more and more for
the leader) is read as fraud and inflates the estimate (measured in docs/5-forensics.md;
:meth:`Excess.sensitivity` reports the clean core's turnout–share slope, flags it, and
gives the estimate if that slope is genuine, since stuffing inside the core makes the same
slope and the two cannot be told apart there);
vote switching outside the extreme corner moves votes from ``O`` to ``W``, so ``s``
switched votes count ``s·(1 + k)`` times (over-counted; measured on the 1,000,000-station
benchmark, docs/5-forensics.md); the
contamination of the reference sets by stuffed stations is taken as linear in the set's
size (or in its square root, the interval's second reading). The whole-region rule needs several regions (at least
``MIN_REGIONS``); with fewer, no region is treated as falsified as a whole and the result
says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtr, stdtrit  # normal cdf, Student's t quantile (no scipy.stats)

from smartvote.forensics._boot import paired_sums, poisson_weights, row_sums
from smartvote.forensics._frame import BoolA, FloatA, IntA, Stations

Z_TURNOUT = 4.0
Z_SHARE = 1.0
MIN_REGIONS = 8
BOOT = 51
MIN_CORE = 20  # fewest core stations for a region's turnout–share slope
SLOPE_Z = 3.0  # |slope / se| above which the core's turnout–share slope is flagged
CORNER = 0.95  # turnout and leader's share of the extreme corner (Klimek et al. 2012)
_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(32)
_GH_W = _GH_W / _GH_W.sum()


@dataclass(frozen=True, slots=True)
class Excess:
    """Best estimate of falsified votes and its per-region parts (see module doc)."""

    votes: float
    sd: float
    ci_low: float
    ci_high: float
    boot: int
    region_votes: FloatA
    region_sd: FloatA
    k: FloatA
    k_sets: FloatA
    k_national: float
    whole: BoolA
    z_turnout: FloatA
    z_share: FloatA
    turnout_centre: FloatA
    share_centre: FloatA
    region_names: list[str]
    note: str
    regions_present: int = 0
    without_others: BoolA | None = None  # regions without a single other valid vote
    all_corner: bool = False  # every region's clean centre in the extreme corner
    whole_by_corner: BoolA | None = None  # treated as whole because its centre is in the corner
    corner_stations: int = 0
    core_slope: float = float("nan")
    core_slope_se: float = float("nan")
    core_slope_regions: int = 0
    votes_if_slope_genuine: float = float("nan")
    u: float = float("nan")  # combined standard uncertainty (see module doc)
    u_extrapolation: float = float("nan")
    u_whole: float = 0.0
    df: float = float("nan")
    t_quantile: float = float("nan")
    tau: float = 0.0  # between-region sd of the reference ratio
    region_u_whole: FloatA | None = None
    k_set_totals: FloatA | None = None
    votes_sqrt: float = float("nan")  # the alternative extrapolation, linear in √q
    sd_sqrt: float = float("nan")
    u_sqrt: float = float("nan")
    t_sqrt: float = float("nan")
    location: str = "mean"  # reading of the reference sets (LOCATIONS)
    extrapolation: str = "pooled"  # EXTRAPOLATIONS
    pooled_factor: float = float("nan")  # γ: contamination slope per excess vote
    votes_region_lines: float = float("nan")  # each region extrapolated on its own line

    def to_dict(self, leader_votes: float | None = None) -> dict[str, Any]:
        by_region = []
        for g, name in enumerate(self.region_names):
            row: dict[str, Any] = {
                "region": name,
                "votes": float(self.region_votes[g]),
                "sd": float(self.region_sd[g]),
                "prediction_sd": float(
                    self.region_u_whole[g] if self.region_u_whole is not None else 0.0
                ),
                "falsified_as_whole": bool(self.whole[g]),
                "reference_ratio": float(self.k_national if self.whole[g] else self.k[g]),
                "ratio_by_reference_set": {
                    f"{q:.0%}": float(self.k_sets[j, g]) for j, q in enumerate(REF_QUANTILES)
                },
                "turnout_centre": float(self.turnout_centre[g]),
                "share_centre": float(self.share_centre[g]),
                "z_turnout": float(self.z_turnout[g]),
                "z_share": float(self.z_share[g]),
            }
            if self.without_others is not None and self.without_others[g]:
                row["why"] = (
                    "no other valid vote at any of its stations: no reference, not "
                    "estimable, left out of the total"
                )
            elif self.whole_by_corner is not None and self.whole_by_corner[g]:
                row["why"] = (
                    f"clean turnout centre {self.turnout_centre[g]:.0%} and leader's share "
                    f"centre {self.share_centre[g]:.0%} both in the extreme corner (>= "
                    f"{CORNER:.0%}, where stations are set aside as no reference): its own "
                    f"stations hold no clean reference, scaled with the national ratio "
                    f"{self.k_national:.3f} instead of its own {self.k[g]:.3f}"
                )
            elif self.whole[g]:
                row["why"] = (
                    f"clean turnout centre {self.turnout_centre[g]:.0%} is a robust outlier "
                    f"above the other regions (z = {self.z_turnout[g]:.1f} > {Z_TURNOUT}) and "
                    f"the leader's share centre {self.share_centre[g]:.0%} is above theirs "
                    f"(z = {self.z_share[g]:.1f} > {Z_SHARE}): scaled with the national "
                    f"ratio {self.k_national:.3f} instead of its own {self.k[g]:.3f}"
                )
            by_region.append(row)
        d: dict[str, Any] = {
            "votes": self.votes,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "sd": self.sd,
            "u": self.u,
            "uncertainty": {
                "bootstrap_replicates": self.boot,
                "sampling_sd": self.sd,
                "extrapolation_se": self.u_extrapolation,
                "whole_region_prediction_sd": self.u_whole,
                "between_region_sd_of_ratio": self.tau,
                "combined_sd": self.u,
                "effective_df": self.df,
                "t_quantile": self.t_quantile,
            },
            "interval": (
                "model-averaged: the equal-tailed 95 % interval of the equal-weight mixture "
                "of two readings of the reference ratio's extrapolation to an empty set, "
                "linear in the set's size q (the estimate) and linear in √q "
                "('alternative_extrapolation'), each a normal with half-width t(df, 0.975) "
                "× its combined sd = root sum of squares of the Poisson-bootstrap sd over "
                f"stations ({self.boot} replicates; region classification and reference-set "
                "membership kept fixed), the extrapolation's lack-of-fit standard error "
                "(2 df) and, for regions falsified as a whole, the between-region spread of "
                "the reference ratio (a prediction); Welch–Satterthwaite degrees of freedom. "
                "Not covered: a genuine turnout–support relation (see 'sensitivity') and "
                "contamination of the reference sets that neither extrapolation removes"
            ),
            "alternative_extrapolation": {
                "votes": self.votes_sqrt,
                "sampling_sd": self.sd_sqrt,
                "combined_sd": self.u_sqrt,
                "t_quantile": self.t_sqrt,
                "reading": (
                    "reference ratio extrapolated linearly in √q (contamination of the "
                    "reference sets by stuffed stations growing faster in the smallest "
                    "sets); shown for the interval, noisier than the estimate"
                ),
            },
            "method": (
                "smartvote best estimate: per region ΣW − k·ΣO with k = E[s]/E[1−s] read "
                f"off the {_LOC_TEXT[self.location]} of the empirical logit share in the "
                "region's lowest-turnout 15/25/35/50 % of stations and "
                "extrapolated to an empty set ("
                + (
                    "contamination slope pooled over regions, proportional to each "
                    "region's excess: 'extrapolation'"
                    if self.extrapolation == "pooled"
                    else "each region on its own line"
                )
                + "); "
                "regions falsified as a whole scaled with the national ratio; stations in "
                "the extreme corner (turnout and share >= 95%) scaled from their registered "
                "voters"
            ),
            "extrapolation": {
                "kind": self.extrapolation,
                "pooled_factor": self.pooled_factor,
                "votes_region_lines": self.votes_region_lines,
                "reading": (
                    "'pooled' (the estimate): each region's contamination slope of the "
                    "reference ratio on the set's size taken proportional to its excess, "
                    "the factor pooled over the regions (least squares through the origin); "
                    "'votes_region_lines': each region extrapolated on its own line (the "
                    "former estimate, about twice as noisy on clean simulations)"
                ),
            },
            "regions_falsified_as_whole": [
                self.region_names[g] for g in np.flatnonzero(self.whole)
            ],
            "k_national": self.k_national,
            "extreme_corner_stations": self.corner_stations,
            "note": self.note,
            "by_region": by_region,
        }
        d["sensitivity"] = sens = self.sensitivity()
        lone = self.without_others if self.without_others is not None else self.whole & False
        d["caveats"] = caveats(
            sens,
            self.regions_present,
            [self.region_names[g] for g in np.flatnonzero(lone)],
            self.all_corner,
        )
        if sens["flagged"]:
            d["interval"] += (
                "; the clean core shows a turnout–share slope: the estimate is read with "
                "sensitivity.range"
            )
        if leader_votes:
            d["share_of_leader_votes"] = self.votes / leader_votes
        return d

    def sensitivity(self) -> dict[str, Any]:
        """The turnout–share slope of the clean core and how far a genuine one would move
        the estimate (``excess`` assumes the leader's clean share flat in turnout)."""
        b, se, alt = self.core_slope, self.core_slope_se, self.votes_if_slope_genuine
        z = b / se if np.isfinite(b) and se > 0 else float("nan")
        flagged = bool(np.isfinite(z) and abs(z) > SLOPE_Z)
        half = (self.ci_high - self.ci_low) / 2 if np.isfinite(self.ci_high - self.ci_low) else 0.0
        ends = [self.ci_low, self.ci_high]
        if np.isfinite(alt):  # the de-trended reading with the headline's bootstrap sd
            ends += [alt - half, alt + half]
        ends = [x for x in ends if np.isfinite(x)] or [self.votes]
        return {
            "core_turnout_share_slope": b,
            "core_turnout_share_slope_se": se,
            "core_turnout_share_slope_z": z,
            "core_regions": self.core_slope_regions,
            "flagged": flagged,
            "votes_if_slope_genuine": alt,
            "shift_if_slope_genuine": alt - self.votes,
            "range": [float(min(ends)), float(max(ends))],
            "reading": (
                "slope of the empirical logit of the leader's share on logit turnout in each "
                "region's low-turnout half (whence the reference sets come), O-weighted mean "
                "over the regions not falsified as a whole, cluster-robust se; flagged when "
                f"|z| > {SLOPE_Z:g}. A genuine turnout–support relation and stuffing inside "
                "the low-turnout half both make it positive and cannot be told apart there: "
                "'votes' reads the slope as fraud (flat clean share), "
                "'votes_if_slope_genuine' as genuine (shares de-trended to the region's "
                "median turnout, clean odds k·exp(slope·Δ logit turnout)); on simulations the "
                "first was right under stuffing and the second under a genuine relation "
                "(docs/5-forensics.md); "
                "'range' spans the interval and the de-trended reading ± the interval's "
                "half-width (the "
                "de-trended reading's own uncertainty is taken to be the same)"
            ),
        }


def caveats(
    sens: dict[str, Any],
    regions_present: int,
    without_others: list[str] | None = None,
    all_corner: bool = False,
) -> list[str]:
    """The sentences that must stand beside the headline (JSON ``excess.caveats``, the CLI
    table, the report's key figures) when the data cannot support the estimate as it stands.

    * The clean core's turnout–share slope is flagged: the data cannot tell a genuine
      turnout–support link from stuffing inside the low-turnout half. On simulations with
      both, the headline over-read the truth by +60 … +150 % and the de-trended reading
      under-read it by −30 … −59 %, while ``sensitivity.range`` held it
      (docs/5-forensics.md), so the range is the honest reading.
    * Fewer than ``MIN_REGIONS`` regions: a region falsified as a whole cannot be
      recognised (its own turnout peak is then the fraud) and would be read as clean.
    * Every region's clean centre in the extreme corner: no clean reference anywhere.
    * Regions without a single other valid vote: left out of the total.
    """
    out = []
    if all_corner:
        out.append(
            "every region's clean turnout and leader's share centres lie in the extreme "
            f"corner (>= {CORNER:.0%}): no station set holds a clean reference, so the "
            "estimate is not supported by these data (on a simulated election with every "
            "station stuffed there, it was under 1 % of the truth)"
        )
    if without_others:
        names = ", ".join(without_others[:10]) + (" …" if len(without_others) > 10 else "")
        out.append(
            f"{len(without_others)} region(s) have no other valid vote at all (the leader "
            f"alone on the ballot?): not estimable, left out of the total ({names})"
        )
    if regions_present < MIN_REGIONS:
        out.append(
            f"only {regions_present} region{'s' if regions_present != 1 else ''} "
            f"(< {MIN_REGIONS}): a region falsified as a whole cannot be recognised, its "
            "own low-turnout stations are taken as clean, and such fraud is missed (on a "
            "simulated single region falsified as a whole the estimate was an eighth of "
            "the truth)"
        )
    if not sens["flagged"]:
        return out
    lo, hi = sens["range"]
    out.append(
        f"the leader's share rises with turnout in the low-turnout stations (slope "
        f"{sens['core_turnout_share_slope']:.3f}, z = {sens['core_turnout_share_slope_z']:.1f}): "
        "stuffing there and a genuine turnout–support link look the same; if the link is "
        f"genuine the estimate is {_fmt(sens['votes_if_slope_genuine'])}, and the data support "
        f"anything in {_fmt(lo)} … {_fmt(hi)} (sensitivity.range), not only the 95 % interval"
    )
    return out


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if np.isfinite(x) else "not estimable"


def _sorted(g: IntA, x: FloatA, G: int) -> tuple[IntA, IntA, IntA]:
    """Order of ``x`` within groups, group sizes and start offsets (for :func:`_wq`)."""
    # The permutation of np.lexsort((x, g)): stably by x, then stably by group (small
    # integers: a radix sort), so ties keep the stations' order in both.
    by_x = np.argsort(x, kind="stable")
    gk = g[by_x].astype(np.int16 if G < 2**15 else np.int64)
    order = by_x[np.argsort(gk, kind="stable")]
    counts = np.bincount(g, minlength=G)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    return order, counts, starts


def _wq(xs: FloatA, gs: IntA, counts: IntA, starts: IntA, ws: FloatA, q: float) -> FloatA:
    """Weighted quantile per group and weight row, on data already sorted by (group, x)."""
    cs = np.cumsum(ws, axis=1)
    before = np.where(starts > 0, cs[:, np.maximum(starts - 1, 0)], 0.0)
    tot = np.where(counts > 0, cs[:, np.maximum(starts + counts - 1, 0)], 0.0) - before
    below = (cs - before[:, gs]) < (q * tot)[:, gs]
    present = np.flatnonzero(counts > 0)
    cnt = np.zeros(tot.shape, dtype=np.int64)
    cnt[:, present] = np.add.reduceat(below, starts[present], axis=1)
    idx = np.minimum(starts[None, :] + cnt, starts[None, :] + np.maximum(counts - 1, 0)[None, :])
    out = xs[np.clip(idx, 0, xs.size - 1)]
    return np.asarray(np.where((counts > 0)[None, :] & (tot > 0), out, np.nan), dtype=np.float64)


def weighted_quantile(g: IntA, x: FloatA, w: FloatA, G: int, q: float) -> FloatA:
    """Per-group weighted quantile of ``x`` for every row of the weights ``w`` (R, n):
    array (R, G); the smallest x whose within-group cumulative weight reaches ``q`` of the
    group's total (NaN for an empty group)."""
    order, counts, starts = _sorted(g, x, G)
    return _wq(x[order], g[order], counts, starts, w[:, order], q)


def _logit(p: FloatA) -> FloatA:
    p = np.clip(p, 1e-3, 1 - 1e-3)
    return np.asarray(np.log(p / (1 - p)), dtype=np.float64)


#: Readings of the reference sets' location and spread: ``mean`` (the estimate: mean and
#: spread of the empirical logit) and ``median`` (median and lower-half spread, the former
#: robust reading, kept for comparison).
LOCATIONS = ("mean", "median")
_LOC_TEXT = {"mean": "mean and spread", "median": "median and lower-half spread"}
#: Reference sets (lowest-turnout shares of a region's stations) whose ratios are
#: extrapolated to an empty set, and the least-squares weights of the intercept.
REF_QUANTILES = np.array([0.15, 0.25, 0.35, 0.5])
_A = np.vstack([np.ones_like(REF_QUANTILES), REF_QUANTILES]).T
_INTERCEPT = np.linalg.pinv(_A)[0]
_C00 = float(np.linalg.inv(_A.T @ _A)[0, 0])
#: The alternative extrapolation, linear in √q (contamination growing faster in the
#: smallest sets): its intercept weights and design.
_A_SQRT = np.vstack([np.ones_like(REF_QUANTILES), np.sqrt(REF_QUANTILES)]).T
_INTERCEPT_SQRT = np.linalg.pinv(_A_SQRT)[0]


class _Ratio:
    """k = E[s]/E[1 − s] per region for weight rows, see module doc.

    The reference sets are chosen once, on the observed stations (a station's rank in its
    region's turnout does not change with the bootstrap weights), so that a replicate only
    re-weights the stations inside each set."""

    def __init__(
        self,
        g: IntA,
        lt: FloatA,
        ls: FloatA,
        valid: FloatA,
        G: int,
        by_t: tuple[IntA, IntA, IntA] | None = None,
        by_s: tuple[IntA, IntA, IntA] | None = None,
        location: str = "mean",
    ) -> None:
        """``by_t``/``by_s``: :func:`_sorted` of (g, lt) and (g, ls) when already computed.
        A set's stations in (region, share) order are the whole order filtered (a stable
        sort of a subset), so only two sorts are needed for all the sets."""
        if location not in LOCATIONS:
            raise ValueError(f"location must be one of {LOCATIONS}, not {location!r}")
        self.G = G
        self.location = location
        one = np.ones((1, g.size))
        ot, ct, st_ = by_t if by_t is not None else _sorted(g, lt, G)
        os_ = (by_s if by_s is not None else _sorted(g, ls, G))[0]
        self.sets = []
        for q in REF_QUANTILES:
            thr = _wq(lt[ot], g[ot], ct, st_, one, float(q))[0]
            i = os_[(lt <= thr[g])[os_]]
            counts = np.bincount(g[i], minlength=G)
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
            self.sets.append((i, g[i], ls[i], valid[i], counts, starts))
        # A replicate reads the weights of the largest set once (stations in random order:
        # the costly gather), and each set's weights from those (a subset, in order: a
        # near-sequential read): the same values as ``w[:, i]``.
        self._big = max(range(len(self.sets)), key=lambda j: self.sets[j][0].size)
        at_big = np.full(g.size, -1, dtype=np.int64)
        big_i = self.sets[self._big][0]
        at_big[big_i] = np.arange(big_i.size)
        self._in_big = [at_big[s[0]] for s in self.sets]
        if any(x.size and int(x.min()) < 0 for x in self._in_big):  # not nested: gather each
            self._in_big = [None] * len(self.sets)
        # Per-region values spread over a set's stations as runs (its stations are in
        # region order): np.repeat, the same values as a gather by region, several times
        # faster.
        self._runs = all(bool(np.all(s[1][1:] >= s[1][:-1])) for s in self.sets)

    def at(self, w: FloatA) -> tuple[FloatA, FloatA]:
        """(extrapolated k, k for every reference set): arrays (R, G) and (Q, R, G).

        The per-station terms are computed in place (``out=`` arguments, the same
        operations in the same order as the formulas in the comments, so the same
        numbers), not in a fresh array per operation."""
        G = self.G
        R = w.shape[0]
        ks = []
        w_big = w[:, self.sets[self._big][0]] if self.sets else w
        big = max((s[0].size for s in self.sets), default=0)
        buf = np.empty(R * big)  # for ws·xs, reused by every set

        def spread(v: FloatA, gi: IntA, counts: IntA) -> FloatA:
            """``v[:, gi]`` (per region, to the set's stations), a new array."""
            out: FloatA = np.repeat(v, counts, axis=1) if self._runs else v[:, gi]
            return out

        for (i, gi, xs, nv, counts, starts), sub in zip(self.sets, self._in_big, strict=True):
            ws = w[:, i] if sub is None else w_big[:, sub]
            if self.location == "mean":
                # Mean and full spread of the empirical logit (the efficient reading, see
                # module doc): one weighted sum each, no quantile.
                den = row_sums(gi, G, ws)
                mu = np.divide(
                    row_sums(gi, G, np.multiply(ws, xs, out=buf[: R * i.size].reshape(R, -1))),
                    den,
                    out=np.full((R, G), np.nan),
                    where=den > 0,
                )
                lo = ws
            else:  # the former robust reading: median and lower-half spread
                mu = _wq(xs, gi, counts, starts, ws, 0.5)
                lo = ws * (xs[None, :] < mu[:, gi])  # d < 0
                den = row_sums(gi, G, lo)
            # Counting noise of a station's empirical logit, 1/(V·s + ½) + 1/(V·(1 − s) + ½),
            # taken at the set's centre share s: at the station's own observed share (the
            # former rule) it is biased, the more so in small stations, which made k change
            # with the set's size on clean simulations (docs/5-forensics.md).
            m = 1.0 / (1.0 + np.exp(-mu))  # (R, G): s per region, then per station
            # nz = 1/(V·m + ½) + 1/(V·(1 − m) + ½) in a, in place.
            a = spread(m, gi, counts)
            a *= nv
            a += 0.5
            np.divide(1.0, a, out=a)
            b = spread(1.0 - m, gi, counts)
            b *= nv
            b += 0.5
            np.divide(1.0, b, out=b)
            a += b
            # lo·(d² − nz) with d = xs − mu (per station) in b.
            b = spread(mu, gi, counts)
            np.subtract(xs, b, out=b)
            np.square(b, out=b)
            b -= a
            b *= lo
            var = np.divide(row_sums(gi, G, b), den, out=np.zeros((R, G)), where=den > 0)
            sd = np.sqrt(np.maximum(var, 1e-4))
            z = mu[:, :, None] + sd[:, :, None] * _GH_X[None, None, :]
            es = (1.0 / (1.0 + np.exp(-z)) * _GH_W).sum(axis=-1)
            ks.append(es / (1.0 - es))
        K = np.asarray(ks, dtype=np.float64)
        k0 = np.tensordot(_INTERCEPT, K, axes=1)
        return np.asarray(np.maximum(k0, 0.0), dtype=np.float64), K


EXTRAPOLATIONS = ("pooled", "region")
_SLOPE = np.linalg.pinv(_A)[1]
_SLOPE_SQRT = np.linalg.pinv(_A_SQRT)[1]


def pooled_factor(K: FloatA, Wr: FloatA, Or: FloatA, use: BoolA, sqrt: bool = False) -> FloatA:
    """γ per weight row (R,): least squares through the origin, over the ``use`` regions,
    of ``O_g·b_g`` (the region's reference ratio's slope on the set's size q, or √q, in
    votes) on ``x_g = W_g − k_g(50 %)·O_g`` (its excess read with the largest set's ratio).
    See :func:`pooled_k`."""
    b = np.tensordot(_SLOPE_SQRT if sqrt else _SLOPE, K, axes=1)
    x = Wr - K[-1] * Or
    y = Or * b
    m = use[None, :] & np.isfinite(x) & np.isfinite(y) & (Or > 0)
    xm, ym = np.where(m, x, 0.0), np.where(m, y, 0.0)
    sxx = (xm * xm).sum(axis=1)
    return np.asarray(
        np.divide((xm * ym).sum(axis=1), sxx, out=np.zeros(sxx.shape), where=sxx > 0),
        dtype=np.float64,
    )


def pooled_k(K: FloatA, Wr: FloatA, Or: FloatA, use: BoolA, sqrt: bool = False) -> FloatA:
    """Reference ratios (R, G) extrapolated to an empty set with a contamination slope
    proportional to the region's excess (see module doc): ``k_g = k_g(50 %) − γ·d·x_g/O_g``
    with ``x_g = W_g − k_g(50 %)·O_g``, ``d`` the largest set's distance to an empty one
    (0.5, or √0.5 for the √q reading) and γ = :func:`pooled_factor` pooled over the ``use``
    regions, so that a region's excess is ``(1 + γ·d)·x_g``. A region without other
    votes outside the extreme corner (``O_g = 0``: every station in the corner) has no
    x_g/O_g: it keeps its own line (``extrapolation="region"``) instead of a ratio of 0,
    which would count all of its leader's votes as falsified."""
    d = float((_A_SQRT if sqrt else _A)[-1, 1])
    gam = pooled_factor(K, Wr, Or, use, sqrt)
    kf = K[-1]
    x = Wr - kf * Or
    adj = np.divide(x, Or, out=np.zeros(x.shape), where=Or > 0)
    k = np.maximum(kf - gam[:, None] * d * adj, 0.0)
    if not (Or > 0).all():
        k = np.where(Or > 0, k, _k_sqrt(K) if sqrt else _k_line(K))
    return np.asarray(k, dtype=np.float64)


def _k_line(K: FloatA) -> FloatA:
    """Reference ratios (Q, R, G) extrapolated to an empty set linearly in q, each region
    on its own line (R, G): the former estimate, ``extrapolation="region"``."""
    return np.asarray(np.maximum(np.tensordot(_INTERCEPT, K, axes=1), 0.0), dtype=np.float64)


def _k_sqrt(K: FloatA) -> FloatA:
    """Reference ratios (Q, R, G) extrapolated to an empty set linearly in √q (R, G)."""
    return np.asarray(np.maximum(np.tensordot(_INTERCEPT_SQRT, K, axes=1), 0.0), dtype=np.float64)


def core_slope(
    g: IntA, lt: FloatA, ls: FloatA, core: BoolA, weight: FloatA, use: BoolA, G: int
) -> tuple[float, float, int]:
    """Turnout–share slope of the clean core: per region the least-squares slope of the
    empirical logit share ``ls`` on logit turnout ``lt`` among its ``core`` stations (the
    low-turnout half, whence the reference sets come), averaged over the ``use`` regions
    with ``weight`` (their other votes). Returns (slope, standard error, regions); the
    error is that of a weighted mean of independent regions (cluster-robust: each region
    may have its own slope). Turnout's own counting noise attenuates the slope slightly."""
    c = core.astype(float)
    n = np.bincount(g, weights=c, minlength=G)
    sx = np.bincount(g, weights=c * lt, minlength=G)
    sy = np.bincount(g, weights=c * ls, minlength=G)
    sxx = np.bincount(g, weights=c * lt * lt, minlength=G)
    sxy = np.bincount(g, weights=c * lt * ls, minlength=G)
    vx = sxx - np.divide(sx * sx, n, out=np.zeros(G), where=n > 0)
    cxy = sxy - np.divide(sx * sy, n, out=np.zeros(G), where=n > 0)
    ok = use & (n >= MIN_CORE) & (vx > 0)
    m = int(ok.sum())
    if m < 2 or not weight[ok].sum() > 0:  # (no weight: every station in the corner)
        return float("nan"), float("nan"), m
    b = cxy[ok] / vx[ok]
    w = weight[ok] / weight[ok].sum()
    beta = float((w * b).sum())
    se = float(np.sqrt((w**2 * (b - beta) ** 2).sum() * m / (m - 1)))
    return beta, se, m


def extrapolation_se(E: FloatA, design: FloatA = _A) -> float:
    """Standard error of the intercept of the least-squares line of the national excess
    ``E_j`` read with each reference set's ratio on the set's size ``q_j`` (the estimate
    is that intercept): residual variance RSS/(Q − 2) times the intercept's element of
    (AᵀA)⁻¹ (ordinary least-squares theory; Q − 2 = 2 degrees of freedom). Lack of fit and
    the sets' sampling noise both enter the residuals, so this partly re-counts the latter
    (conservative)."""
    if not np.all(np.isfinite(E)):
        return float("nan")
    coef = np.linalg.lstsq(design, E, rcond=None)[0]
    rss = float(((E - design @ coef) ** 2).sum())
    c00 = float(np.linalg.inv(design.T @ design)[0, 0])
    return float(np.sqrt(rss / (len(E) - 2) * c00))


def between_region_variance(k: FloatA, v: FloatA, weight: FloatA, use: BoolA) -> tuple[float, int]:
    """Between-region variance τ² of the true reference ratio, by the method of moments
    (DerSimonian & Laird 1986, *Controlled Clinical Trials* 7:177, with the ``weight``s
    of the national mean instead of inverse variances): for k_g = μ + δ_g + e_g with
    var δ = τ², var e_g = v_g (the bootstrap variance of region g's ratio) and
    k̄ = Σ w_g k_g, E[Σ w_g (k_g − k̄)²] = τ²(1 − Σ w²) + Σ w_g (1 − w_g) v_g.
    Returns (τ² clipped at 0, regions used)."""
    m = int(use.sum())
    if m < 2:
        return 0.0, m
    w = weight[use] / weight[use].sum()
    kk, vv = k[use], np.where(np.isfinite(v[use]), v[use], 0.0)
    kb = float((w * kk).sum())
    s = float((w * (kk - kb) ** 2).sum())
    tau2 = (s - float((w * (1 - w) * vv).sum())) / max(1.0 - float((w**2).sum()), 1e-12)
    return max(tau2, 0.0), m


def combined_uncertainty(
    sd: float, df_sd: int, u_ext: float, u_whole: float, df_whole: int
) -> tuple[float, float, float]:
    """Combined standard uncertainty of independent components and its 95 % coverage
    factor: u² = sd² + u_ext² + u_whole², effective degrees of freedom by the
    Welch–Satterthwaite formula (JCGM 100:2008, *Guide to the Expression of Uncertainty in
    Measurement*, G.4: ν = u⁴ / Σ uᵢ⁴/νᵢ) with ν = replicates − 1 for the bootstrap sd,
    Q − 2 = 2 for the extrapolation and regions − 1 for the between-region spread; the
    factor is Student's t quantile at 0.975. Returns (u, ν, t)."""
    parts = [(sd, df_sd), (u_ext, len(REF_QUANTILES) - 2), (u_whole, df_whole)]
    if not np.isfinite(sd) or df_sd < 1:
        return float("nan"), float("nan"), float("nan")
    parts = [(x if np.isfinite(x) else 0.0, max(d, 1)) for x, d in parts]
    u2 = sum(x * x for x, _ in parts)
    u = float(np.sqrt(u2))
    den = sum(x**4 / d for x, d in parts)
    df = float(u2 * u2 / den) if den > 0 else float("inf")
    tq = float(stdtrit(df, 0.975)) if np.isfinite(df) else 1.959963984540054
    return u, df, tq


def mixture_interval(
    m: tuple[float, float], half: tuple[float, float], level: float = 0.95
) -> tuple[float, float]:
    """Equal-tailed ``level`` interval of the equal-weight mixture of two normal readings
    with centres ``m`` and 95 % half-widths ``half`` (each a normal of sd half/1.96: alone,
    each gives back its own interval). Model averaging over two equally defensible models
    (Hoeting, Madigan, Raftery & Volinsky 1999, *Statistical Science* 14:382); the
    quantiles by bisection of the mixture's distribution function."""
    z = 1.959963984540054
    sds = [h / z for h in half]
    if not all(np.isfinite(x) and x > 0 for x in sds) or not all(np.isfinite(x) for x in m):
        return float("nan"), float("nan")

    def cdf(x: float) -> float:
        return 0.5 * float(ndtr((x - m[0]) / sds[0])) + 0.5 * float(ndtr((x - m[1]) / sds[1]))

    out = []
    for p in ((1 - level) / 2, (1 + level) / 2):
        lo = min(m[0] - 8 * sds[0], m[1] - 8 * sds[1])
        hi = max(m[0] + 8 * sds[0], m[1] + 8 * sds[1])
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if cdf(mid) < p else (lo, mid)
        out.append(0.5 * (lo + hi))
    return out[0], out[1]


def _robust_z(x: FloatA) -> FloatA:
    m = float(np.nanmedian(x))
    s = 1.4826 * float(np.nanmedian(np.abs(x - m)))
    return np.asarray((x - m) / s if s > 0 else np.zeros_like(x), dtype=np.float64)


def excess(
    st: Stations,
    *,
    boot: int = BOOT,
    rng_seed: int = 0,
    corner_rule: bool = True,
    location: str = "mean",
    extrapolation: str = "pooled",
) -> Excess:
    """Best estimate of the leader's falsified votes in ``st`` (see module doc);
    ``corner_rule=False`` scales the extreme corner with k·O like every other station
    ``location="median"`` reads the reference sets by their median and lower-half
    spread and ``extrapolation="region"`` extrapolates each region's own line through its
    sets (the former readings, kept for comparison)."""
    if extrapolation not in EXTRAPOLATIONS:
        raise ValueError(f"extrapolation must be one of {EXTRAPOLATIONS}, not {extrapolation!r}")
    G = max(1, len(st.region_names))
    g = st.region
    V = np.maximum(st.valid, 1).astype(float)
    s = st.W / V
    lt = _logit(st.t)
    # Empirical logit of the leader's share (Haldane's ½: finite at W = 0 or O = 0, nearly
    # unbiased; Cox 1970, *The Analysis of Binary Data*, §3.2).
    ls = np.log((st.W + 0.5) / (st.O + 0.5))
    W, O = st.W.astype(float), st.O.astype(float)  # noqa: E741 - METHODS.md notation
    one = np.ones((1, st.n))  # station quantiles (voter weights were measured noisier)
    by_t, by_s = _sorted(g, lt, G), _sorted(g, ls, G)
    ratio = _Ratio(g, lt, ls, V, G, by_t, by_s, location)
    K = ratio.at(one)[1]
    # Clean centres for the whole-region rule: turnout among the region's low-share half,
    # share among its low-turnout half (stuffing moves stations out of both).
    (ot, ct, st_), (os_, cs, ss) = by_t, by_s

    def med_t_(w: FloatA) -> FloatA:
        return _wq(lt[ot], g[ot], ct, st_, w[:, ot], 0.5)[0]

    def med_s_(w: FloatA) -> FloatA:
        return _wq(ls[os_], g[os_], cs, ss, w[:, os_], 0.5)[0]

    med_s, med_t = med_s_(one), med_t_(one)
    tc = med_t_(one * (ls <= med_s[g]))
    scn = med_s_(one * (lt <= med_t[g]))
    present = np.bincount(g, minlength=G) > 0
    zt, zs = np.zeros(G), np.zeros(G)
    whole = np.zeros(G, dtype=bool)
    corner_regions = np.zeros(G, dtype=bool)
    in_corner = present & (np.minimum(tc, scn) >= np.log(CORNER / (1 - CORNER)))
    all_corner = bool(present.any() and not (present & ~in_corner).any())
    # A region without a single other valid vote (the leader alone on its ballot) has no
    # reference at all: W − k·0 would call every vote there falsified. Left out, and said.
    no_reference = present & (np.bincount(g, weights=O, minlength=G) == 0)
    if present.sum() >= MIN_REGIONS:
        zt[present] = _robust_z(tc[present])
        zs[present] = _robust_z(scn[present])
        whole = present & (zt > Z_TURNOUT) & (zs > Z_SHARE)
        # A region whose clean centre itself lies in the extreme corner has no reference in
        # its own stations, by the rule that sets corner stations aside below; while some
        # region is left to give the national ratio, it is scaled with that ratio too.
        if corner_rule and (present & ~(whole | in_corner)).any():
            corner_regions = in_corner & ~whole
            whole = whole | in_corner
        note = f"{int(whole.sum())} of {int(present.sum())} regions treated as falsified as a whole"
    else:
        note = (
            f"only {int(present.sum())} regions (< {MIN_REGIONS}): no region can be recognised "
            "as falsified as a whole; each region is its own reference"
        )
    # Stations in the extreme corner: their opponents' votes are not a reference (fraud
    # that reaches it switches them), so their clean leader votes are N·T·q·S instead.
    corner = (st.t >= CORNER) & (s >= CORNER) if corner_rule else np.zeros(st.n, dtype=bool)
    pres = np.bincount(g, minlength=G) > 0
    tcn = float(np.median(tc[pres & ~whole])) if (pres & ~whole).any() else 0.0
    T = 1 / (1 + np.exp(-np.where(whole | ~np.isfinite(tc), tcn, tc)))
    Bg = np.bincount(g, weights=st.B.astype(float), minlength=G)
    q = np.divide(np.bincount(g, weights=V, minlength=G), Bg, out=np.ones(G), where=Bg > 0)
    Wc = np.where(corner, 0.0, W)
    Oc = np.where(corner, 0.0, O)
    Wg = np.bincount(g, weights=Wc, minlength=G).astype(np.float64)
    Og = np.bincount(g, weights=Oc, minlength=G).astype(np.float64)
    Wk = np.bincount(g, weights=np.where(corner, W, 0.0), minlength=G).astype(np.float64)
    Nk = np.bincount(g, weights=np.where(corner, st.N.astype(float), 0.0), minlength=G).astype(
        np.float64
    )
    own = present & ~whole  # regions that are their own reference

    def kfun(KK: FloatA, Wr: FloatA, Or: FloatA, sqrt: bool = False) -> FloatA:
        if extrapolation == "region":
            return _k_sqrt(KK) if sqrt else _k_line(KK)
        return pooled_k(KK, Wr, Or, own, sqrt)

    k = kfun(K, Wg[None, :], Og[None, :])[0]

    def combine(
        kk: FloatA, Wr: FloatA, Or: FloatA, Wkr: FloatA, Nkr: FloatA
    ) -> tuple[FloatA, FloatA]:
        ok = ~whole[None, :] & np.isfinite(kk) & (Or > 0)
        kk = np.where(np.isfinite(kk), kk, 0.0)
        kn = np.where(ok, kk * Or, 0.0).sum(axis=1) / np.maximum(
            np.where(ok, Or, 0.0).sum(axis=1), 1e-9
        )
        kr = np.where(whole[None, :], kn[:, None], kk)
        ex = Wr - kr * Or + Wkr - Nkr * (T * q)[None, :] * kr / (1 + kr)
        return np.where(no_reference[None, :], 0.0, ex), kn

    ex, kn = combine(k[None, :], Wg[None, :], Og[None, :], Wk[None, :], Nk[None, :])
    reps, kreps, sreps = [], [], []
    if boot > 1:
        rng = np.random.default_rng(rng_seed)
        # The corner's sums over its own stations only: whole numbers (votes times
        # Poisson counts), so exact, the same as over every station with zeros elsewhere.
        ic = np.flatnonzero(corner)
        gk, Wkv, Nkv = g[ic], W[ic], st.N[ic].astype(float)
        for w in poisson_weights(st.n, boot, rng, chunk=16):
            Kb = ratio.at(w)[1]
            wk = w[:, ic]
            sums = (*paired_sums(g, G, w, Wc, Oc), *paired_sums(gk, G, wk, Wkv, Nkv))
            kb = kfun(Kb, sums[0], sums[1])
            kreps.append(kb)
            reps.append(combine(kb, *sums)[0])
            sreps.append(combine(kfun(Kb, sums[0], sums[1], True), *sums)[0].sum(axis=1))
    rep = np.concatenate(reps) if reps else np.zeros((0, G))
    kbs = np.concatenate(kreps) if kreps else np.zeros((0, G))
    sd_r = rep.std(axis=0, ddof=1) if rep.shape[0] > 1 else np.full(G, np.nan)
    tot = float(ex[0].sum())
    sd = float(rep.sum(axis=1).std(ddof=1)) if rep.shape[0] > 1 else float("nan")
    # Model uncertainty of the extrapolation: the national excess read with each reference
    # set's ratio, E_j, should lie on the line whose intercept is the estimate; its
    # residuals (lack of fit, 2 degrees of freedom) give the intercept's standard error.
    E = np.array(
        [
            combine(K[j], Wg[None, :], Og[None, :], Wk[None, :], Nk[None, :])[0].sum()
            for j in range(len(REF_QUANTILES))
        ]
    )
    u_ext = extrapolation_se(E)
    # Regions falsified as a whole get the national ratio: a prediction of an unseen
    # region's k, whose error includes the between-region spread tau^2 of the true k.
    kr0 = np.maximum(np.where(whole, float(kn[0]), k), 0.0)
    dk = Og + Nk * T * q / (1 + kr0) ** 2  # |d excess_g / d k_g|
    v_k = kbs.var(axis=0, ddof=1) if kbs.shape[0] > 1 else np.zeros(G)
    use = present & ~whole & np.isfinite(k) & (Og > 0)
    tau2, m_tau = between_region_variance(k, v_k, Og, use)
    u_whole_r = np.where(whole, np.sqrt(tau2) * dk, 0.0)
    u_whole = float(np.sqrt((u_whole_r**2).sum()))
    u, df, tq = combined_uncertainty(sd, rep.shape[0] - 1, u_ext, u_whole, m_tau - 1)
    # The alternative extrapolation (linear in √q) with its own uncertainty: the interval
    # is the union of the two readings' intervals (see module doc).
    k_s = kfun(K, Wg[None, :], Og[None, :], True)
    tot_s = float(combine(k_s, Wg[None, :], Og[None, :], Wk[None, :], Nk[None, :])[0].sum())
    sd_s = (
        float(np.concatenate(sreps).std(ddof=1))
        if len(sreps) and rep.shape[0] > 1
        else float("nan")
    )
    u_s, _, tq_s = combined_uncertainty(
        sd_s, rep.shape[0] - 1, extrapolation_se(E, _A_SQRT), u_whole, m_tau - 1
    )
    # Sensitivity to a genuine turnout–share relation: the core's slope and the estimate
    # if it is genuine (shares de-trended to the region's median turnout before the
    # reference sets, a station's clean odds k·exp(slope·(logit t − centre))).
    beta, beta_se, m = core_slope(g, lt, ls, lt <= med_t[g], Og, present & ~whole, G)
    if np.isfinite(beta):
        delta = beta * (lt - med_t[g])
        K2 = _Ratio(g, lt, ls - delta, V, G, by_t, location=location).at(one)[1]
        Oadj = np.bincount(g, weights=Oc * np.exp(delta), minlength=G).astype(np.float64)
        k2 = kfun(K2, Wg[None, :], Oadj[None, :])
        alt = float(combine(k2, Wg[None, :], Oadj[None, :], Wk[None, :], Nk[None, :])[0].sum())
    else:
        alt = float("nan")
    ci = mixture_interval((tot, tot_s), (tq * u, tq_s * u_s))
    return Excess(
        core_slope=beta,
        core_slope_se=beta_se,
        core_slope_regions=m,
        votes_if_slope_genuine=alt,
        votes=tot,
        sd=sd,
        ci_low=ci[0],
        ci_high=ci[1],
        u=u,
        u_extrapolation=u_ext,
        u_whole=u_whole,
        df=df,
        t_quantile=tq,
        tau=float(np.sqrt(tau2)),
        region_u_whole=u_whole_r,
        k_set_totals=E,
        votes_sqrt=tot_s,
        sd_sqrt=sd_s,
        u_sqrt=u_s,
        t_sqrt=tq_s,
        boot=int(rep.shape[0]),
        region_votes=ex[0],
        region_sd=sd_r,
        k=k,
        k_sets=K[:, 0, :],
        k_national=float(kn[0]),
        whole=whole,
        whole_by_corner=corner_regions,
        z_turnout=zt,
        z_share=zs,
        turnout_centre=1 / (1 + np.exp(-tc)),
        share_centre=1 / (1 + np.exp(-scn)),
        region_names=list(st.region_names) or ["all"],
        note=note,
        regions_present=int(present.sum()),
        without_others=no_reference,
        all_corner=all_corner,
        corner_stations=int(corner.sum()),
        location=location,
        extrapolation=extrapolation,
        pooled_factor=float(pooled_factor(K, Wg[None, :], Og[None, :], own)[0]),
        votes_region_lines=float(
            combine(_k_line(K), Wg[None, :], Og[None, :], Wk[None, :], Nk[None, :])[0].sum()
        ),
    )
