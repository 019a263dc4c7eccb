"""Spikes at coarse fractions, robust to small denominators: a resampled-envelope test.

*Not* the method of Rozenas, A. (2017), *Detecting election fraud from irregularities in
vote-share distributions*, Political Analysis 25:41–56 (a resampled kernel density of
the shares), only inspired by it: the smooth model here is a beta-binomial mixture and the
statistic an excess over a resampled envelope. Protocols invented by hand put turnout or the
leader's share at round fractions (1/2, 2/3, 3/4, 70 %, …). Small stations produce such
fractions honestly (3 of 4 voters is exactly 75 %), so a raw histogram misleads. The
method fits a smooth model of the shares, a mixture of beta-binomials, resamples every
station from that fit *keeping its own denominator* (so honest small-station spikes are
reproduced), and counts the observed mass that rises above the resampled envelope.

Here: a K-component beta-binomial mixture fitted by EM (on up to 20,000 stations) (exact beta-binomial likelihood in
the E-step, moment-matching M-step corrected for binomial noise); S resamples; histograms
in bins of 0.2 points centred on multiples of 0.002 (so 1/2 and 70 % sit mid-bin); the
envelope is the pointwise maximum over the first half of the replicates and the excess
is ``Σ max(0, observed − envelope) / stations``. The other half, measured against the
same envelope, give the null distribution of the excess: its mean, a resampling p-value
(``p_value_resampling``, floor ``1/(1 + S/2)``) and ``p_value``, the upper tail of a
normal fitted to the null replicates, which can reach small values.

Assumptions: honest shares follow a smooth (few-component beta) distribution; stations
are independent; fabricated results concentrate on round fractions.

:func:`rozenas` is the published method itself (Rozenas 2017, resampled kernel density,
reduced to its point masses): every station's count is redrawn many times from the
binomial its own denominator and observed share imply, which gives how many stations
small denominators alone put *exactly* on a coarse fraction (p/q with q ≤ ``MAX_DENOM``;
each replicate draws a station's category, on which fraction or none, from its exact
binomial probability, :func:`coarse_probabilities`, the same resampling distribution as
drawing the count itself at a fraction of the cost);
the observed count above that reference, over the stations, estimates the share of
stations whose numbers were written rather than counted. Reported with a normal interval
(± 1.96 sd of the resampled counts), a p-value from the normal upper tail (so it can reach
small values) and the fractions where the excess sits.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.special import betaln, gammaln

from smartvote.forensics._frame import FloatA, IntA, Stations

GRID = 500  # bins of 0.2 points
MAX_DENOM = 10  # coarse fractions p/q, q ≤ 10


@dataclass(frozen=True, slots=True)
class SpikeResult:
    variable: str
    share: float
    null_mean: float
    null_max: float
    p_value: float
    p_value_resampling: float
    components: list[dict[str, float]]
    observed: FloatA = field(repr=False)
    envelope: FloatA = field(repr=False)
    mean: FloatA = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("observed", "envelope", "mean"):
            d.pop(k)
        d["excess_over_null"] = self.share - self.null_mean
        return d


def _coarse_denominator(x: IntA, n: IntA) -> IntA:
    """Smallest q ≤ MAX_DENOM with x/n exactly p/q (0 when there is none; 0 and 1 excluded)."""
    q = n // np.gcd(x, n)
    return np.where((x > 0) & (x < n) & (q <= MAX_DENOM), q, 0).astype(np.int64)


#: Coarse fractions p/q in lowest terms, q ≤ MAX_DENOM, 0 < p < q: (p, q) pairs.
_FRACTIONS = [(p, q) for q in range(2, MAX_DENOM + 1) for p in range(1, q) if math.gcd(p, q) == 1]


def coarse_probabilities(x: IntA, n: IntA) -> FloatA:
    """Exact probability that ``Bin(n, x/n)`` lands on a coarse fraction of each
    denominator: array (stations, MAX_DENOM + 1), column q for the fractions p/q in lowest
    terms (columns 0 and 1 are 0). A count b of n is the fraction p/q exactly when
    ``q | n`` and ``b = p·n/q``, so each station has at most 31 such counts."""
    n = np.asarray(n, dtype=np.int64)
    x = np.asarray(x, dtype=np.int64)
    out = np.zeros((n.size, MAX_DENOM + 1))
    pr = x / np.maximum(n, 1)
    inner = (x > 0) & (x < n)  # at 0 or n the binomial never leaves 0 or n
    with np.errstate(divide="ignore"):
        lp, l1p = np.log(pr), np.log1p(-pr)
    top = int(n.max(initial=0)) + 1
    # log k! read from a table over 0..max n when that is smaller than the stations.
    lfact = gammaln(np.arange(top, dtype=np.float64) + 1.0) if top <= 4 * n.size else None
    for q in range(2, MAX_DENOM + 1):
        sel = np.flatnonzero(inner & (n % q == 0))
        if sel.size == 0:
            continue
        ns, a, c = n[sel], lp[sel], l1p[sel]
        step = ns // q  # the count of the fraction 1/q
        lgn = lfact[ns] if lfact is not None else gammaln(ns + 1.0)
        acc = np.zeros(sel.size)
        for p in range(1, q):
            if math.gcd(p, q) != 1:
                continue
            b = p * step  # = p·n/q
            nb = ns - b
            # log C(n, b) + b log p + (n − b) log(1 − p), summed in this order.
            if lfact is not None:
                lf = lgn - lfact[b]
                lf -= lfact[nb]
            else:
                lf = lgn - gammaln(b + 1.0)
                lf -= gammaln(nb + 1.0)
            lf += b.astype(np.float64) * a
            lf += nb.astype(np.float64) * c
            acc += np.exp(lf, out=lf)
        out[sel, q] = acc
    return out


def _rozenas_one(x: IntA, n: IntA, S: int, rng: np.random.Generator) -> dict[str, Any]:
    obs_q = _coarse_denominator(x, n)
    obs = int((obs_q > 0).sum())
    # Each replicate redraws every station's count from Binomial(n, x/n); only whether the
    # count is a coarse fraction, and of which denominator, enters the statistic. That
    # category is drawn directly from its exact distribution (coarse_probabilities): the
    # same resampling distribution as drawing the counts, for a uniform per station.
    pq = coarse_probabilities(x, n)
    # Cumulative over the denominators 2..MAX_DENOM (columns 0 and 1 are 0, so the sums
    # are those of np.cumsum(pq, axis=1)), denominator by denominator, live stations.
    # (np.cumsum over the first axis, row after row: the same sums, a contiguous pass each)
    cum_t = np.ascontiguousarray(pq[:, 2:].T)
    for r in range(1, cum_t.shape[0]):
        cum_t[r] += cum_t[r - 1]
    live = np.flatnonzero(cum_t[-1] > 0)
    cum_t = cum_t[:, live]
    any_l = cum_t[-1]
    null = np.empty(S)
    by_q = np.zeros(MAX_DENOM + 1)
    for s in range(S):
        u = rng.random(live.size)
        hit = np.flatnonzero(u < any_l)
        # The first column whose cumulative probability exceeds u (the distribution
        # function is non-decreasing): 2 + the number of columns at or below u.
        uh = u[hit]
        q = np.full(hit.size, 2, dtype=np.int64)
        for row in cum_t[:-1]:
            q += row[hit] <= uh
        null[s] = hit.size
        by_q += np.bincount(q, minlength=MAX_DENOM + 1)
    by_q /= max(S, 1)
    sd = float(null.std(ddof=1)) if S > 1 else float("nan")
    mean = float(null.mean())
    tot = float(n.size)
    z = (obs - mean) / sd if sd > 0 else float("nan")
    pval = float(0.5 * math.erfc(z / math.sqrt(2.0))) if math.isfinite(z) else float("nan")
    obs_by_q = np.bincount(obs_q, minlength=MAX_DENOM + 1)
    where = [
        {
            "denominator": q,
            "observed": int(obs_by_q[q]),
            "expected": float(by_q[q]),
            "excess_stations": float(obs_by_q[q] - by_q[q]),
        }
        for q in range(2, MAX_DENOM + 1)
    ]
    where.sort(key=lambda d: -d["excess_stations"])
    return {
        "share": (obs - mean) / tot,
        "ci": ((obs - mean - 1.96 * sd) / tot, (obs - mean + 1.96 * sd) / tot),
        "observed_stations": obs,
        "expected_stations": mean,
        "sd_stations": sd,
        "z": z,
        "p_value": pval,
        "by_denominator": where,
    }


def rozenas(st: Stations, *, resamples: int = 51, rng_seed: int = 0) -> dict[str, Any]:
    """Rozenas's (2017) resampled reference for stations exactly on coarse fractions, for
    turnout (B of N) and the leader's result (W of R); see the module doc."""
    rng = np.random.default_rng(rng_seed)
    ok = (st.N > 0) & (st.R > 0) & (st.B <= st.N)
    return {
        "method": (
            "Rozenas 2017 resampled reference: counts redrawn from Binomial(own denominator, "
            f"observed share); stations exactly on p/q, q <= {MAX_DENOM}"
        ),
        "interval": f"normal: excess ± 1.96 × sd of {resamples} resampled counts",
        "resamples": resamples,
        "turnout": _rozenas_one(st.B[ok], st.N[ok], resamples, rng),
        "result": _rozenas_one(st.W[ok], st.R[ok], resamples, rng),
    }


@dataclass(frozen=True, slots=True)
class Spikes:
    turnout: SpikeResult
    result: SpikeResult
    stations: int
    resamples: int
    rozenas: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "share": max(
                self.turnout.share - self.turnout.null_mean,
                self.result.share - self.result.null_mean,
                0.0,
            ),
            "stations": self.stations,
            "resamples": self.resamples,
            "turnout": self.turnout.to_dict(),
            "result": self.result.to_dict(),
            "method": (
                "resampled-envelope spike test (beta-binomial mixture, 0.2-point bins), inspired "
                "by but not the resampled kernel density of Rozenas 2017"
            ),
            "p_value_method": "upper tail of a normal fitted to the null replicates; "
            "p_value_resampling is the rank p-value (floor 1/(1 + resamples/2))",
            "rozenas": self.rozenas,
        }


def _hist(x: IntA | FloatA, n: IntA | FloatA) -> FloatA:
    """Histogram of ``x / n`` in the test's bins (whole counts, as integers or floats)."""
    k = np.clip(np.round(GRID * x / n).astype(np.int64), 0, GRID)
    return np.bincount(k, minlength=GRID + 1).astype(float)


#: Resolution of the mixture's quantile table (:func:`quantile_table`).
_QUANTILES = 1 << 14
#: Counts whose binomial variance ``n·p·(1 − p)`` is at least this are drawn as a rounded
#: normal; the others exactly (:func:`resample_hists`).
NORMAL_MIN_VAR = 25.0


def quantile_table(w: FloatA, m: FloatA, phi: FloatA, size: int = _QUANTILES) -> FloatA:
    """Quantiles of the beta mixture (weights ``w``, means ``m``, precisions ``phi``):
    array (3, size + 1), row 0 at ``u = j / size``, rows 1 and 2 the outer cells again at
    ``u = j / size²`` and ``1 − 1/size + j / size²``. The mixture's distribution function is
    computed exactly (``betainc``) on ``size + 1`` points of [0, 1] and inverted by linear
    interpolation. Drawing ``u`` uniform and interpolating the table (:func:`draw_mixture`)
    draws from the mixture with its density held constant within cells of 1/size of
    [0, 1] or of its mass, far finer than the 0.2-point bins of the test; the outer cells
    have their own rows because the tails of a beta stretch one cell of mass over many
    bins."""
    from scipy.special import betainc

    grid = np.linspace(0.0, 1.0, size + 1)
    F = np.zeros(size + 1)
    for wk, mk, pk in zip(w, m, phi, strict=True):
        F += wk * betainc(mk * pk, (1.0 - mk) * pk, grid)
    F /= F[-1]
    u = np.linspace(0.0, 1.0, size + 1)
    cell = 1.0 / size
    return np.stack(
        [
            np.interp(u, F, grid),
            np.interp(u * cell, F, grid),
            np.interp(1.0 - cell + u * cell, F, grid),
        ]
    )


def draw_mixture(table: FloatA, u: FloatA, step: FloatA | None = None) -> FloatA:
    """Shares from the mixture of :func:`quantile_table` for uniforms ``u`` (overwritten);
    ``step`` is ``np.diff(table[0])`` when the caller keeps it (computed otherwise)."""
    M = table.shape[1] - 1
    u *= M
    jf = np.floor(u)
    np.minimum(jf, M - 1, out=jf)
    u -= jf
    j = jf.astype(np.intp)
    Q = table[0]
    dQ = np.diff(Q) if step is None else step
    # Q[j] + u·(Q[j + 1] − Q[j]), the difference read from its table.
    p = dQ[j]
    p *= u
    p += Q[j]
    tail = np.flatnonzero((j == 0) | (j == M - 1))
    if tail.size:
        # Within an outer cell, u's fraction is again uniform: invert it on that cell's row.
        v = u[tail] * M
        k = np.minimum(v.astype(np.intp), M - 1)
        v -= k
        row = np.where(j[tail] == 0, 1, 2)  # each point's row, read at two columns only
        lo = table[row, k]
        p[tail] = lo + v * (table[row, k + 1] - lo)
    return p


def resample_hists(
    n: IntA, w: FloatA, m: FloatA, phi: FloatA, S: int, rng: np.random.Generator
) -> FloatA:
    """``S`` histograms (array S × (GRID + 1)) of stations resampled from the beta-binomial
    mixture, each keeping its own denominator: ``p`` drawn from the mixture
    (:func:`quantile_table`), then the count ``x ~ Binomial(n, p)``.

    The count is drawn exactly where ``n·p·(1 − p) < NORMAL_MIN_VAR`` (small stations and
    shares near 0 or 1, where the binomial's discreteness and skew show) and elsewhere as
    ``round(n·p + √(n·p·(1 − p))·z)``: an integer with the binomial's mean and variance,
    whose distribution differs from the binomial's by a skew term of order
    ``1/(6·√25)`` at the given p. Mixed over the continuous p of the mixture (spread
    several times the counting noise) the difference in the mass at each count, which is
    what fixes the honest spikes, is below the Monte Carlo noise of one replicate
    (tests/forensics/test_spikes.py compares the two draws bin by bin). The beta and
    binomial draws of numpy cost about three times as much."""
    table = quantile_table(w, m, phi)
    step = np.diff(table[0])
    nf = n.astype(np.float64)
    reps = np.empty((S, GRID + 1))
    # work arrays reused by every replicate; the draws fill them (``out=``) from the same
    # stream, in the same order, as fresh arrays would
    sd, mu, u, z = (np.empty(n.size) for _ in range(4))
    for s in range(S):
        rng.random(out=u)
        p = draw_mixture(table, u, step)
        np.multiply(nf, p, out=mu)  # n·p, the count's mean
        np.subtract(1.0, p, out=sd)
        sd *= mu  # n·p·(1 − p)
        exact = np.flatnonzero(sd < NORMAL_MIN_VAR)
        p_exact = p[exact]
        np.sqrt(sd, out=sd)
        sd *= rng.standard_normal(out=z)
        x = np.add(mu, sd, out=p)
        np.rint(x, out=x)
        np.clip(x, 0.0, nf, out=x)
        x[exact] = rng.binomial(n[exact], p_exact)
        # _hist(x, nf) in place: 0 ≤ x ≤ n, so the bin is already within 0..GRID.
        x *= GRID
        x /= nf
        np.rint(x, out=x)
        reps[s] = np.bincount(x.astype(np.intp), minlength=GRID + 1)
    return reps


def _seq_sum(a: FloatA) -> FloatA:
    """Sums along the last axis of ``a`` (K, n), added one element after another: the
    same sums in the same order as numpy's ``sum(axis=0)`` over an (n, K) array (which
    adds row after row), so equal to it bit for bit, at the speed of a contiguous pass."""
    out: FloatA = np.cumsum(a, axis=-1)[..., -1]
    return out


def fit_mixture(x: IntA, n: IntA, K: int = 3, iters: int = 20) -> tuple[FloatA, FloatA, FloatA]:
    """EM for a K-component beta-binomial mixture; returns weights, means, precisions.

    Arrays are laid out component by component (K, stations), so each step is a
    contiguous pass; every sum adds the stations in their order (:func:`_seq_sum`)."""
    f = x / n
    m = np.quantile(f, (np.arange(K) + 0.5) / K)
    m = np.clip(m, 0.02, 0.98)
    phi = np.full(K, 30.0)
    w = np.full(K, 1 / K)
    nf = n.astype(float)
    y = n - x
    top = int(n.max(initial=0)) + 1
    table = top <= 4 * n.size  # per-count tables cheaper than per-station log-gammas
    if table:
        # log-gammas only at the counts that occur (x, n − x and n), read back by index.
        (kx, ix), (ky, iy), (kn, i_n) = (
            (u.astype(np.float64), i)
            for u, i in (np.unique(c, return_inverse=True) for c in (x, y, n))
        )
    ll = np.empty((K, x.size))
    for _ in range(iters):
        a, b = m * phi, (1 - m) * phi
        # log BetaBinomial(x; n, a, b) up to the binomial coefficient (the same for every
        # component, so it cancels in the responsibilities): B(x + a, n − x + b) / B(a, b)
        # = [Γ(x + a)/Γ(a)] [Γ(n − x + b)/Γ(b)] / [Γ(n + a + b)/Γ(a + b)], each factor read
        # from a table over the counts that occur when that is smaller than the stations.
        for k in range(K):
            if table:
                ga = gammaln(kx + a[k]) - gammaln(a[k])
                gb = gammaln(ky + b[k]) - gammaln(b[k])
                gab = gammaln(kn + a[k] + b[k]) - gammaln(a[k] + b[k])
                lk = ll[k]
                np.add(ga[ix], gb[iy], out=lk)
                lk -= gab[i_n]
            else:
                ll[k] = betaln(x + a[k], y + b[k]) - betaln(a[k], b[k])
        ll += np.log(w)[:, None]
        top_l = ll[0].copy()
        for k in range(1, K):
            np.maximum(top_l, ll[k], out=top_l)
        ll -= top_l
        r = np.exp(ll)
        tot = r[0].copy()
        for k in range(1, K):
            tot += r[k]
        r /= tot
        rs = _seq_sum(r) + 1e-12
        w = rs / rs.sum()
        # the weighted sums' terms in one work array (ll, no longer needed), the same
        # operations in the same order as r·f, r·(f − m)² and r·m(1 − m)/n
        m = np.clip(_seq_sum(np.multiply(r, f, out=ll)) / rs, 1e-3, 1 - 1e-3)
        np.subtract(f, m[:, None], out=ll)
        np.square(ll, out=ll)
        ll *= r
        var_f = _seq_sum(ll) / rs
        np.multiply(r, (m * (1 - m))[:, None], out=ll)
        ll /= nf
        noise = _seq_sum(ll) / rs
        var_p = np.maximum(var_f - noise, 1e-6)
        phi = np.clip(m * (1 - m) / var_p - 1, 0.5, 1e5)
    return w, m, phi


def _spikes_one(
    name: str, x: IntA, n: IntA, S: int, rng: np.random.Generator, fit_max: int
) -> SpikeResult:
    sub = rng.choice(n.size, fit_max, replace=False) if n.size > fit_max else np.arange(n.size)
    w, m, phi = fit_mixture(x[sub], n[sub])
    obs = _hist(x, n)
    reps = resample_hists(n, w, m, phi, S, rng)
    k = max(1, S - S // 2)
    env = reps[:k].max(axis=0)
    tot = float(n.size)
    share = float(np.maximum(obs - env, 0).sum() / tot)
    null = np.maximum(reps[k:] - env[None, :], 0).sum(axis=1) / tot
    p_res = float((1 + (null >= share).sum()) / (1 + null.size))
    sd_null = float(null.std(ddof=1)) if null.size > 1 else 0.0
    if sd_null > 0:
        p = float(0.5 * math.erfc((share - float(null.mean())) / (sd_null * math.sqrt(2.0))))
    else:
        p = 1.0 if share <= float(null.mean()) else 0.0
    comps = [
        {"weight": float(a), "mean": float(b), "precision": float(c)}
        for a, b, c in zip(w, m, phi, strict=True)
    ]
    return SpikeResult(
        name,
        share,
        float(null.mean()),
        float(null.max()),
        p,
        p_res,
        comps,
        obs,
        env,
        reps.mean(axis=0),
    )


def spikes(
    st: Stations,
    *,
    resamples: int = 30,
    rng_seed: int = 0,
    fit_max: int = 20_000,
    max_stations: int = 200_000,
) -> Spikes:
    """Resampled-envelope spike test for turnout (B of N) and the leader's share (W of R),
    and Rozenas's test (:func:`rozenas`). Above ``max_stations`` both run on a uniform
    random subsample of that many stations (shares are per station, so a subsample
    estimates them without bias; ``stations`` reports how many were used)."""
    rng = np.random.default_rng(rng_seed)
    if st.n > max_stations:
        st = st.subset(np.isin(np.arange(st.n), rng.choice(st.n, max_stations, replace=False)))
    ok = (st.N > 0) & (st.R > 0) & (st.B <= st.N)
    N, B, R, W = st.N[ok], st.B[ok], st.R[ok], st.W[ok]
    return Spikes(
        _spikes_one("turnout", B, N, resamples, rng, fit_max),
        _spikes_one("result", W, R, resamples, rng, fit_max),
        int(ok.sum()),
        resamples,
        rozenas(st, resamples=resamples, rng_seed=rng_seed + 1),
    )
