"""Shpilkin's excess votes: how many of the leader's votes the turnout curves cannot explain.

Method as published by S. Shpilkin (analyses of the 2007–2021 Russian federal elections;
formalised in Kobak, Shpilkin & Pshenichnikov 2016, *Statistical fingerprints of
electoral fraud?*, Significance 13(4):20–23, and arXiv:1205.0741). Stations of the whole
country are binned by turnout in 1-point bins; in each bin the leader's votes ``L_b`` and
all other valid votes ``O_b`` are summed. In a clean election every party's votes follow
the same turnout curve, so ``L_b ≈ k·O_b``; ballot stuffing moves stations to higher
turnout and adds only leader votes, lifting ``L`` above the scaled ``O`` curve on the
high-turnout side, while the other parties' votes are taken as the legitimate reference.
Recipe (:func:`published`):

1. the *clean peak* is the lowest-turnout major mode of the other-votes curve (Gaussian
   smoothing, σ = 1 bin, through ``scipy.ndimage``; a local maximum at least half as high as
   the highest): when a stuffed blob at high turnout is taller than the clean peak (the
   2020 referendum), the clean peak is still the one at low turnout;
2. ``k`` = the leader's votes per other vote in the peak bin and its two neighbours (the
   leader's result at the clean peak);
3. excess = ``Σ_{b > peak} (L_b − k·O_b)`` (not clipped at zero); clean turnout =
   ``(B − excess)/N`` and clean leader share = ``(W − excess)/(valid − excess)``.

Uncertainty: a Poisson bootstrap over stations that re-chooses the peak in every replicate
(normal interval, estimate ± 1.96 sd). It covers sampling noise only, not the recipe's
model error (the assumptions below): on clean simulated elections with genuine regional
differences it held the truth (zero) in 13 of 24 runs, and the JSON's ``interval`` says so
(``interval_covers``: ``sampling``); the project's ``excess`` carries the model terms. Named variants, shown beside it:

* ``excess_regions_summed``: the same idea per region and summed, each region's own
  other-votes mode as its clean peak (with the blob rule of :func:`choose_peak`) and ``k``
  from all bins at or below it. Right when regions differ genuinely and stuffing is
  scattered; wrong when a region is falsified as a whole (its peak *is* the fraud);
* ``excess_pooled``: national curve, ``k`` from all bins at or below the peak and the sum
  over all bins above it;
* low reference, 2-D and peak-shift sensitivity (see :func:`shpilkin`).

Assumptions and known biases: the leader's share does not depend on turnout in clean
stations. A genuine turnout–support correlation (rural areas, ethnic republics) inflates
the excess; vote switching between parties (rather than stuffing) is invisible to it and
deflates it; stuffing that leaves a station below the peak is missed; national curves
confound genuine regional differences of turnout and support with fraud.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from smartvote.forensics._boot import grouped_sums, paired_sums, poisson_weights
from smartvote.forensics._frame import BoolA, FloatA, IntA, Stations

BINS = 101  # turnout 0, 1, …, 100 %
PEAK_HALF_WIDTH = 1  # bins each side of the clean peak that set k in the published recipe
MAJOR_MODE = 0.5  # a clean-peak candidate is at least this share of the highest maximum
BLOB_MARGIN = 10
SEARCH_MARGIN = 5
SENSITIVITY = 3
LOW_QUANTILE = 0.25


@dataclass(frozen=True, slots=True)
class GroupShpilkin:
    """Vectorised Shpilkin estimates for G groups (arrays of length G); ``reps`` holds the
    bootstrap replicates (boot, G) so that sums over groups get their own sd."""

    excess: FloatA
    peak: IntA
    global_mode: IntA
    blob: BoolA
    k: FloatA
    official_turnout: FloatA
    clean_turnout: FloatA
    clean_leader_share: FloatA
    sd: FloatA
    reps: FloatA
    leader_curve: FloatA
    other_curve: FloatA


@dataclass(frozen=True, slots=True)
class Shpilkin:
    """National estimate (Shpilkin's published recipe) with its variants and evidence.

    ``leader_curve`` and ``other_curve`` are the national per-bin sums and
    ``expected_curve`` the leader's votes expected from ``k`` (for the figure)."""

    excess_votes: float
    excess_sd: float
    excess_ci: tuple[float, float]
    boot: int
    excess_regions_summed: float
    excess_regions_summed_sd: float
    clean_turnout: float
    clean_leader_share: float
    official_turnout: float
    official_leader_share: float
    peak_turnout: int
    peak_rule: str
    peak_reason: str
    global_mode: int
    regions_blob_rule: int
    k: float
    sensitivity: tuple[float, float]
    sensitivity_by_shift: dict[int, float]
    excess_pooled: float
    excess_pooled_sd: float
    excess_low_reference: float
    excess_low_reference_sd: float
    clean_turnout_low_reference: float
    clean_leader_share_low_reference: float
    core_turnout: float
    core_leader_share: float
    excess_2d: float
    clean_turnout_2d: float
    clean_leader_share_2d: float
    leader_curve: FloatA
    other_curve: FloatA
    expected_curve: FloatA
    regional: GroupShpilkin

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("regional")
        for k in ("leader_curve", "other_curve", "expected_curve"):
            d.pop(k)
        d["sensitivity_by_shift"] = {str(k): v for k, v in self.sensitivity_by_shift.items()}
        d["method"] = (
            "Shpilkin's published recipe: national 1-point turnout curves, k = leader's votes "
            "per other vote at the clean peak (lowest major mode of the other-votes curve), "
            "excess = sum above the peak of L - k*O; per-region sum as the variant "
            "excess_regions_summed"
        )
        d["interval"] = (
            f"normal: estimate ± 1.96 × Poisson-bootstrap sd ({self.boot} replicates, "
            "peak re-chosen in each); sampling noise only: it does not cover the recipe's "
            "model error (national curves read genuine regional differences of turnout and "
            "support as fraud, one clean peak is assumed), so it misses the truth far more "
            "often than 5 % on simulated elections (docs/5-forensics.md); read it with "
            "'sensitivity' and beside 'excess'"
        )
        d["interval_covers"] = "sampling"
        return d


def turnout_bin(t: FloatA) -> IntA:
    return np.clip(np.floor(t * 100 + 1e-9).astype(np.int64), 0, BINS - 1)


def _smooth(c: FloatA) -> FloatA:
    """Gaussian smoothing (σ = 1 bin, 5 taps) along the turnout axis."""
    # loaded here, not with the module: the suite forks before its methods run, and only
    # the process that takes Shpilkin's method needs it (0.05–0.08 s of import)
    from scipy.ndimage import gaussian_filter1d

    out: FloatA = gaussian_filter1d(c, 1.0, axis=-1, mode="constant", truncate=2.0)
    return out


def clean_peak(Oc: FloatA) -> IntA:
    """Published clean peak per row of other-votes curves (rows, BINS): the lowest-turnout
    local maximum of the smoothed curve that is at least ``MAJOR_MODE`` of its highest."""
    s = _smooth(Oc)
    left = np.concatenate([np.full((*s.shape[:-1], 1), -np.inf), s[..., :-1]], axis=-1)
    right = np.concatenate([s[..., 1:], np.full((*s.shape[:-1], 1), -np.inf)], axis=-1)
    major = (s >= left) & (s > right) & (s >= MAJOR_MODE * s.max(axis=-1, keepdims=True))
    major &= s > 0
    first = np.argmax(major, axis=-1)
    return np.where(major.any(axis=-1), first, np.argmax(s, axis=-1)).astype(np.int64)


def published_at(L: FloatA, Oc: FloatA, peak: IntA) -> tuple[FloatA, FloatA]:
    """Excess above each row's peak with ``k`` from the peak bin ± ``PEAK_HALF_WIDTH``."""
    b = np.arange(BINS)[None, :]
    near = np.abs(b - peak[:, None]) <= PEAK_HALF_WIDTH
    lo_o = (Oc * near).sum(axis=-1)
    k = np.divide((L * near).sum(axis=-1), lo_o, out=np.zeros(L.shape[0]), where=lo_o > 0)
    above = b > peak[:, None]
    return ((L - k[:, None] * Oc) * above).sum(axis=-1), k


@dataclass(frozen=True, slots=True)
class Published:
    """Shpilkin's published national recipe (see module doc)."""

    excess: float
    sd: float
    boot: int
    peak: int
    k: float
    leader_curve: FloatA
    other_curve: FloatA


def published(st: Stations, *, boot: int = 51, rng_seed: int = 0) -> Published:
    """Shpilkin's recipe on the national curves, with a Poisson bootstrap (peak re-chosen
    in every replicate)."""
    b = turnout_bin(st.t)
    W, Ov = st.W.astype(np.float64), st.O.astype(np.float64)
    one = np.ones((1, st.n))
    L = grouped_sums(b, BINS, one, W)
    Oc = grouped_sums(b, BINS, one, Ov)
    peak = clean_peak(Oc)
    ex, k = published_at(L, Oc, peak)
    reps = []
    if boot > 1:
        rng = np.random.default_rng(rng_seed)
        for w in poisson_weights(st.n, boot, rng):
            Lb, Ob = paired_sums(b, BINS, w, W, Ov)
            reps.append(published_at(Lb, Ob, clean_peak(Ob))[0])
    r = np.concatenate(reps) if reps else np.zeros(0)
    sd = float(r.std(ddof=1)) if r.size > 1 else float("nan")
    return Published(float(ex[0]), sd, int(r.size), int(peak[0]), float(k[0]), L[0], Oc[0])


def choose_peak(Oc: FloatA, official: FloatA) -> tuple[IntA, IntA, BoolA]:
    """Clean peak per row of the other-votes curves ``O`` (rows, BINS), see module doc.

    Returns (peak, global mode, whether the global mode was rejected as a blob)."""
    s = _smooth(Oc)
    glob = np.argmax(s, axis=-1)
    off = np.round(official * 100).astype(np.int64)
    blob = glob > off + BLOB_MARGIN
    b = np.arange(BINS)
    masked = np.where(b[None, :] <= (off + SEARCH_MARGIN)[:, None], s, -1.0)
    low = np.argmax(masked, axis=-1)
    return np.where(blob, low, glob), glob, blob


def low_reference(Ncurve: FloatA, q: float = LOW_QUANTILE) -> IntA:
    """Turnout bin below which a share ``q`` of each row's voters lie."""
    c = np.cumsum(Ncurve, axis=-1)
    return np.argmax(c >= q * c[:, -1:], axis=-1)


def excess_at(L: FloatA, Oc: FloatA, ref: IntA) -> tuple[FloatA, FloatA]:
    """Excess above each row's reference bin and its k (vectorised with cumulative sums)."""
    cl, co = np.cumsum(L, axis=-1), np.cumsum(Oc, axis=-1)
    r = np.arange(L.shape[0])
    ref = np.clip(ref, 0, BINS - 1)
    lo_l, lo_o = cl[r, ref], co[r, ref]
    k = np.divide(lo_l, lo_o, out=np.zeros_like(lo_l), where=lo_o > 0)
    return (cl[:, -1] - lo_l) - k * (co[:, -1] - lo_o), k


def _reference(
    L: FloatA, Oc: FloatA, Nc: FloatA, official: FloatA, reference: str
) -> tuple[IntA, IntA, BoolA]:
    peak, glob, blob = choose_peak(Oc, official)
    if reference == "low":
        return np.minimum(low_reference(Nc), peak), glob, blob
    return peak, glob, blob


def by_group(
    st: Stations,
    groups: IntA,
    G: int,
    *,
    boot: int = 100,
    rng_seed: int = 0,
    reference: str = "peak",
) -> GroupShpilkin:
    """Shpilkin estimates for every group at once (regions, districts), with bootstrap.

    ``reference='peak'`` is the published recipe; ``'low'`` scales the curves on the
    low-turnout quarter of each group's voters (capped at the peak)."""
    idx = groups * BINS + turnout_bin(st.t)
    W, Ov, Nv, Bv, Vv = (x.astype(np.float64) for x in (st.W, st.O, st.N, st.B, st.valid))

    def sums(w: FloatA | None) -> tuple[FloatA, FloatA, FloatA, FloatA]:
        ww = np.ones((1, st.n)) if w is None else w
        r = ww.shape[0]
        # Whole numbers: paired_sums gives exactly the four separate sums (B per group as
        # the sum of its bins).
        L, Oc = paired_sums(idx, G * BINS, ww, W, Ov)
        Nc, Bc = paired_sums(idx, G * BINS, ww, Nv, Bv)
        B = Bc.reshape(r * G, BINS).sum(axis=1)
        return L.reshape(r * G, BINS), Oc.reshape(r * G, BINS), Nc.reshape(r * G, BINS), B

    L, Oc, Nc, B = sums(None)
    N = Nc.sum(axis=1)
    V = np.bincount(groups, weights=Vv, minlength=G)
    official = np.divide(B, N, out=np.zeros(G), where=N > 0)
    ref, glob, blob = _reference(L, Oc, Nc, official, reference)
    ex, k = excess_at(L, Oc, ref)
    reps = np.zeros((0, G))
    if boot > 1:
        rng = np.random.default_rng(rng_seed)
        out = []
        for w in poisson_weights(st.n, boot, rng):
            Lb, Ob, Ncb, Bb = sums(w)
            Nb = Ncb.sum(axis=1)
            off_b = np.divide(Bb, Nb, out=np.zeros_like(Bb), where=Nb > 0)
            rb, _, _ = _reference(Lb, Ob, Ncb, off_b, reference)
            out.append(excess_at(Lb, Ob, rb)[0].reshape(w.shape[0], G))
        reps = np.concatenate(out)
    sd = reps.std(axis=0, ddof=1) if reps.shape[0] > 1 else np.full(G, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        ct = (B - ex) / N
        cs = (L.sum(axis=1) - ex) / (V - ex)
    return GroupShpilkin(ex, ref, glob, blob, k, official, ct, cs, sd, reps, L, Oc)


def core_centres(
    st: Stations, groups: IntA, G: int, official: FloatA, bins: int = 100
) -> tuple[FloatA, FloatA]:
    """Centre of the dense clean core of each group's voter-weighted (turnout, leader share)
    plane: the mode of the Gaussian-smoothed 2-D histogram, searched below the group's
    official turnout + 5 points and below a 95 % result (so that an extreme-fraud blob
    cannot win)."""
    s = np.divide(st.W, st.valid, out=np.zeros(st.n), where=st.valid > 0)
    i = np.clip((st.t * bins).astype(np.int64), 0, bins - 1)
    j = np.clip((s * bins).astype(np.int64), 0, bins - 1)
    h = np.bincount(
        (groups * bins + i) * bins + j, weights=st.N.astype(float), minlength=G * bins * bins
    )
    from scipy.ndimage import gaussian_filter

    h = gaussian_filter(h.reshape(G, bins, bins), sigma=(0.0, 2.0, 2.0), mode="constant")
    ti = np.minimum(bins, np.round(official * bins).astype(np.int64) + SEARCH_MARGIN + 1)
    rows = np.arange(bins)
    h = np.where(rows[None, :, None] >= ti[:, None, None], -1.0, h)
    h[:, :, int(0.95 * bins) :] = -1.0
    flat = np.argmax(h.reshape(G, -1), axis=1)
    a, b = np.unravel_index(flat, (bins, bins))
    return (a + 0.5) / bins, (b + 0.5) / bins


def _replicates(st: Stations, G: int, boot: int, rng_seed: int) -> dict[str, FloatA]:
    """One Poisson bootstrap pass shared by the published recipe and the regional, low-
    reference and pooled variants (the national curves are sums of the regional ones):
    arrays (boot, G) for ``regional`` and ``low``, (boot,) for ``pooled`` and
    ``published``."""
    idx = st.region * BINS + turnout_bin(st.t)
    W, Ov, Nv, Bv = (x.astype(np.float64) for x in (st.W, st.O, st.N, st.B))
    rng = np.random.default_rng(rng_seed)
    out: dict[str, list[FloatA]] = {"regional": [], "low": [], "pooled": [], "published": []}
    for w in poisson_weights(st.n, boot, rng):
        r = w.shape[0]
        # Whole numbers: paired_sums gives exactly the four separate sums (B per region as
        # the sum of its bins).
        L, Oc = (x.reshape(r, G, BINS) for x in paired_sums(idx, G * BINS, w, W, Ov))
        Nc, Bc = (x.reshape(r, G, BINS) for x in paired_sums(idx, G * BINS, w, Nv, Bv))
        B = Bc.sum(axis=2)
        Nt = Nc.sum(axis=2)
        off = np.divide(B, Nt, out=np.zeros_like(B), where=Nt > 0).ravel()
        L2, O2, N2 = L.reshape(r * G, BINS), Oc.reshape(r * G, BINS), Nc.reshape(r * G, BINS)
        for name, ref in (("regional", "peak"), ("low", "low")):
            rb, _, _ = _reference(L2, O2, N2, off, ref)
            out[name].append(excess_at(L2, O2, rb)[0].reshape(r, G))
        Ln, On, Nn = L.sum(axis=1), Oc.sum(axis=1), Nc.sum(axis=1)
        offn = B.sum(axis=1) / np.maximum(Nn.sum(axis=1), 1.0)
        pk, _, _ = choose_peak(On, offn)
        out["pooled"].append(excess_at(Ln, On, pk)[0])
        out["published"].append(published_at(Ln, On, clean_peak(On))[0])
    return {k: np.concatenate(v) if v else np.zeros(0) for k, v in out.items()}


def _sd(x: FloatA) -> float:
    return float(x.std(ddof=1)) if x.shape[0] > 1 else float("nan")


def shpilkin(st: Stations, *, boot: int = 51, rng_seed: int = 0) -> Shpilkin:
    """National Shpilkin estimate of ``st`` (the published recipe, :func:`published`) with
    bootstrap sd, peak sensitivity, and the regions-summed, pooled-curve, low-reference and
    2-D variants."""
    G = max(1, len(st.region_names))
    pub = published(st, boot=0)
    reg = by_group(st, st.region, G, boot=0)
    low = by_group(st, st.region, G, boot=0, reference="low")
    z = np.zeros(st.n, dtype=np.int64)
    pooled = by_group(st, z, 1, boot=0)
    if boot > 1:
        rep = _replicates(st, G, boot, rng_seed)
        reg = replace(reg, reps=rep["regional"], sd=rep["regional"].std(axis=0, ddof=1))
        pub = replace(pub, sd=_sd(rep["published"]), boot=int(rep["published"].size))
        pooled = replace(pooled, sd=np.array([_sd(rep["pooled"])]))
        sd_low = _sd(rep["low"].sum(axis=1))
    else:
        sd_low = float("nan")
    Ntot, Btot = float(st.N.sum()), float(st.B.sum())
    Vtot, Wtot = float(st.valid.sum()), float(st.W.sum())
    ex = float(reg.excess.sum())
    sd = _sd(reg.reps.sum(axis=1)) if reg.reps.shape[0] > 1 else float("nan")
    ex_low = float(low.excess.sum())
    # Sensitivity: the clean peak shifted by −3 … +3 points.
    by_shift = {}
    Lp, Op = pub.leader_curve[None, :], pub.other_curve[None, :]
    for d in range(-SENSITIVITY, SENSITIVITY + 1):
        by_shift[d] = float(published_at(Lp, Op, np.array([pub.peak + d]))[0][0])
    # 2-D variant, per region.
    t0, s0 = core_centres(st, st.region, G, reg.official_turnout)
    above = st.t > t0[st.region]
    k2 = s0 / np.maximum(1 - s0, 1e-9)
    ex2 = float((st.W - k2[st.region] * st.O)[above].sum())
    w_core = np.bincount(st.region, weights=st.N.astype(float), minlength=G)
    core_t = float((t0 * w_core).sum() / w_core.sum())
    core_s = float((s0 * w_core).sum() / w_core.sum())
    sens = [*by_shift.values(), ex, float(pooled.excess[0]), ex_low, ex2]
    nb = int(reg.blob.sum())
    glob = int(np.argmax(_smooth(pub.other_curve)))
    reason = (
        f"national other-votes curve: lowest-turnout local maximum at least {MAJOR_MODE:.0%} "
        f"as high as the highest (at {glob}%)"
        + (
            f"; the highest mode at {glob}% is a high-turnout blob above the clean peak"
            if glob != pub.peak
            else ""
        )
        + f"; official turnout {100 * Btot / Ntot:.1f}%. Variant excess_regions_summed: each "
        f"region's own peak ({nb} of {G} regions used the blob rule)"
    )
    e = pub.excess
    return Shpilkin(
        excess_votes=e,
        excess_sd=pub.sd,
        excess_ci=(e - 1.96 * pub.sd, e + 1.96 * pub.sd),
        boot=pub.boot,
        excess_regions_summed=ex,
        excess_regions_summed_sd=sd,
        clean_turnout=(Btot - e) / Ntot,
        clean_leader_share=(Wtot - e) / (Vtot - e),
        official_turnout=Btot / Ntot,
        official_leader_share=Wtot / Vtot,
        peak_turnout=pub.peak,
        peak_rule="lowest major mode" if glob != pub.peak else "global mode",
        peak_reason=reason,
        global_mode=glob,
        regions_blob_rule=nb,
        k=pub.k,
        sensitivity=(float(min(sens)), float(max(sens))),
        sensitivity_by_shift=by_shift,
        excess_pooled=float(pooled.excess[0]),
        excess_pooled_sd=float(pooled.sd[0]),
        excess_low_reference=ex_low,
        excess_low_reference_sd=sd_low,
        clean_turnout_low_reference=(Btot - ex_low) / Ntot,
        clean_leader_share_low_reference=(Wtot - ex_low) / (Vtot - ex_low),
        core_turnout=core_t,
        core_leader_share=core_s,
        excess_2d=ex2,
        clean_turnout_2d=(Btot - ex2) / Ntot,
        clean_leader_share_2d=(Wtot - ex2) / (Vtot - ex2),
        leader_curve=pub.leader_curve,
        other_curve=pub.other_curve,
        expected_curve=pub.k * pub.other_curve,
        regional=reg,
    )


#: Fewest paper stations of a race for :func:`correct_races`.
MIN_RACE_STATIONS = 30


def correct_races(units: Any, regime_votes: Any, shift: float = 0.0) -> Any:
    """Shpilkin's published recipe (:func:`published_at`, :func:`clean_peak`) per race, for
    the campaign assessment: the leader's votes that the race's own turnout curves cannot
    explain. ``units``: race, unit, channel, registered, ballots, valid; ``regime_votes``:
    Series indexed by (race, unit). ``shift`` (turnout fraction) moves every clean peak, for
    a sensitivity check. Returns a frame: race, t0 (clean peak, fraction), q (leader's votes
    per other vote at the peak), excess (not clipped: negative when the leader does worse
    above the peak), stations. Only paper stations with registered voters and ballots
    count; races with fewer than ``MIN_RACE_STATIONS`` are left out."""
    import pandas as pd

    u = units[(units["channel"] == "paper") & (units["registered"] > 0) & (units["ballots"] > 0)]
    W = (
        regime_votes.reindex(pd.MultiIndex.from_frame(u[["race", "unit"]]))
        .fillna(0.0)
        .to_numpy(dtype=float)
    )
    O = np.maximum(u["valid"].to_numpy(dtype=float) - W, 0.0)  # noqa: E741 - METHODS.md notation
    t = np.clip(u["ballots"].to_numpy(dtype=float) / u["registered"].to_numpy(dtype=float), 0, 1)
    codes, races = pd.factorize(u["race"], sort=True)
    n = np.bincount(codes, minlength=len(races))
    keep = n[codes] >= MIN_RACE_STATIONS
    cols = ["race", "t0", "q", "excess", "stations"]
    if not keep.any():
        return pd.DataFrame(columns=cols)
    codes, races = pd.factorize(np.asarray(races, dtype=object)[codes[keep]], sort=True)
    G = len(races)
    idx = codes * BINS + turnout_bin(t[keep])
    L = np.bincount(idx, weights=W[keep], minlength=G * BINS).astype(np.float64).reshape(G, BINS)
    Oc = np.bincount(idx, weights=O[keep], minlength=G * BINS).astype(np.float64).reshape(G, BINS)
    peak = np.clip(clean_peak(Oc) + round(shift * 100), 0, BINS - 1)
    ex, k = published_at(L, Oc, peak)
    return pd.DataFrame(
        {
            "race": list(races),
            "t0": peak / 100,
            "q": k,
            "excess": ex,
            "stations": np.bincount(codes, minlength=G),
        }
    )
