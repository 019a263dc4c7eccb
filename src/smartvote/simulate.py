"""Synthetic elections with known ground truth.

A national election is drawn station by station: regions with their own turnout and
party support, stations of realistic (log-normal) size, binomial turnout and multinomial
votes around a clean peak. Falsification is then injected at chosen shares of stations,
in the forms documented in the forensics literature:

* **incremental stuffing** (Klimek et al. 2012, PNAS 109:16469): a fraction
  ``x ~ |N(0, θ)|`` of non-voters' ballots is added for the leader, and optionally a
  fraction ``x**α`` of opponents' votes is switched to the leader;
* **extreme fraud**: ``x ~ U(0.85, 1)`` (or, with ``extreme_x='klimek'``, the PNAS model's
  own ``x = 1 − |N(0, 0.075)|``), turnout and the leader's result both near 100%;
* **whole-percentage rewriting** (Kobak, Shpilkin & Pshenichnikov 2016, AoAS 10:54):
  turnout and the leader's result raised to the next whole percentage;
* **vote switching** without extra ballots (which Shpilkin's method cannot see);
* **whole-region falsification**: in ``whole_regions`` regions every station's turnout is
  rewritten to a target drawn from ``U(whole_turnout_low, whole_turnout_high)``, the added
  ballots going to the leader (optionally with a share of opponents' votes switched), so
  that the region's whole distribution sits at 85–97 % turnout and its own turnout peak
  *is* the fraud;
* **ballot packs** (not the generative model of Klimek et al.): a station receives a pack
  of ``Gamma(2, pack_size/2)`` ballots for the leader whatever its size or turnout (capped
  at its non-voters), so the added share of non-voters is not ``|N(0, θ)|``.

Stuffing can be made heavier in some regions (``stuffing_region_sd``: the log-weight sd
of a region's stations in the draw of stuffed stations), and ``turnout_support_corr``
adds a genuine station-level turnout–support correlation (rural stations vote more and
more for the leader) that is not fraud.

It also draws single-member races (one candidate per party plus an independent) for the
same stations, a *previous* election on the same stations (history for forecasting), an
optional tactical-voting effect (a share of other challengers' voters switching to the
endorsed challenger), and writes everything in the CIK protocol layout (list vote) and
the tidy format (single-member races), with ``truth.json`` and a per-station truth table.

Deterministic for a given :class:`SimConfig` (``seed``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smartvote import jsonio


def expit(x: np.ndarray) -> np.ndarray:
    """Logistic function (numpy only: importing scipy.special costs the CLI ~0.4 s)."""
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64))))


def logit(p: float | np.ndarray) -> np.ndarray:
    """Log-odds (numpy only, see :func:`expit`)."""
    q = np.asarray(p, dtype=np.float64)
    return np.asarray(np.log(q / (1.0 - q)))


PARTIES: tuple[str, ...] = (
    "Партия власти",
    "Левая партия",
    "Национальная партия",
    "Социальная партия",
    "Либеральная партия",
    "Зелёная партия",
)
#: Mean log-weights of the parties (the first is the regime's party).
PARTY_BASE: tuple[float, ...] = (1.0, 0.35, -0.1, -0.25, -0.6, -1.2)

# Synthetic names: surname roots (masculine form; feminine adds "а"), given names and
# patronymic roots, so that namesakes in one race are as rare as in real ballots.
_SURNAMES = (
    "Иванов Петров Смирнов Кузнецов Попов Васильев Соколов Михайлов Новиков Фёдоров "
    "Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов "
    "Андреев Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов "
    "Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин "
    "Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков "
    "Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев "
    "Титов Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов "
    "Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов "
    "Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов"
).split()
_MALE = "Алексей Борис Глеб Дмитрий Егор Иван Лев Михаил Олег Павел Роман Сергей Тимур Юрий".split()
_FEMALE = "Анна Вера Дарья Екатерина Жанна Ирина Ксения Мария Наталья Ольга Софья Юлия".split()
_PATRON = "Андреев Борисов Викторов Григорьев Дмитриев Олегов Павлов Сергеев Ильич".split()


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Parameters of a synthetic election. Shares are fractions of stations (0–1)."""

    seed: int = 0
    election: str = "sim-2026"
    previous: str = "sim-2021"
    regions: int = 20
    districts: int = 40
    stations: int = 10_000
    turnout: float = 0.5
    turnout_region_sd: float = 0.25
    turnout_station_sd: float = 0.3
    support_region_sd: float = 0.25
    support_station_sd: float = 0.25
    turnout_support_corr: float = 0.0
    stuffing_share: float = 0.0
    stuffing_intensity: float = 0.3
    switch_with_stuffing: bool = False
    switch_alpha: float = 2.0
    extreme_share: float = 0.0
    #: Intensity of extreme fraud: ``uniform`` (x ~ U(0.85, 1)) or ``klimek`` (the PNAS
    #: model's own x = 1 − |N(0, 0.075)|, to test that model on its own process).
    extreme_x: str = "uniform"
    integer_share: float = 0.0
    switching_share: float = 0.0
    switching_fraction: float = 0.2
    tactical_share: float = 0.0
    previous_swing_sd: float = 0.15
    #: Correlation (0–1) of regional and station party support between the previous and
    #: this election; 0 redraws them independently.
    support_persistence: float = 0.0
    #: Whom the campaign endorses: ``truth`` (the challenger strongest this time, in
    #: expectation) or ``previous`` (the strongest last time, as a real campaign must).
    endorse_from: str = "truth"
    #: Log-weight sd of a region's stations in the draw of stuffed stations (0: uniform).
    stuffing_region_sd: float = 0.0
    #: Regions falsified as a whole (every station's turnout rewritten to a high target).
    whole_regions: int = 0
    whole_turnout_low: float = 0.85
    whole_turnout_high: float = 0.97
    #: Fraction of opponents' votes also switched to the leader in those regions.
    whole_switching: float = 0.0
    #: Share of stations stuffed with a pack of ballots (not Klimek's model) and the mean
    #: pack size in ballots.
    packs_share: float = 0.0
    pack_size: float = 150.0
    #: Draw the single-member races (off: list vote only, for very large benchmarks).
    smd: bool = True
    candidate_sd: float = 0.35

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Simulation:
    """A drawn election: CIK-layout list results, tidy SMD results, history and truth."""

    config: SimConfig
    protocols: pd.DataFrame
    smd: pd.DataFrame
    previous_protocols: pd.DataFrame
    previous_smd: pd.DataFrame
    candidates: pd.DataFrame
    stations: pd.DataFrame
    endorsements: pd.DataFrame
    truth_stations: pd.DataFrame
    truth: dict[str, Any] = field(default_factory=dict)

    def write(self, out: str | Path) -> dict[str, Path]:
        """Write every artefact into directory ``out`` (election files through the
        :mod:`smartvote.io.write` writers); return their paths by role."""
        from smartvote.io.write import write_cik, write_table, write_tidy

        d = Path(out)
        d.mkdir(parents=True, exist_ok=True)
        e, p = self.config.election, self.config.previous
        paths = {
            "protocols": d / f"{e}.csv",
            "smd": d / f"{e}-smd.csv",
            "previous_protocols": d / f"{p}.csv",
            "previous_smd": d / f"{p}-smd.csv",
            "candidates": d / f"{e}-candidates.csv",
            "stations": d / f"{e}-stations.csv",
            "endorsements": d / f"{e}-endorsements.csv",
            "truth_stations": d / f"{e}-truth-stations.csv",
            "truth": d / "truth.json",
        }
        write_cik(self.protocols, paths["protocols"])
        if not self.config.smd:
            for k in ("smd", "previous_smd", "candidates"):
                paths.pop(k)
        else:
            write_tidy(self.smd, paths["smd"])
            write_tidy(self.previous_smd, paths["previous_smd"])
            write_table(self.candidates, paths["candidates"])
        write_cik(self.previous_protocols, paths["previous_protocols"])
        write_table(self.stations, paths["stations"])
        write_table(self.endorsements, paths["endorsements"])
        write_table(self.truth_stations, paths["truth_stations"])
        paths["truth"].write_text(jsonio.dumps(self.truth), encoding="utf-8")
        return paths


# CIK protocol header (2021 wording) written by the simulator.
REGISTERED = "Число избирателей, внесенных в список избирателей на момент окончания голосования"
LINES = {
    "received": "Число избирательных бюллетеней, полученных участковой избирательной комиссией",
    "early": "Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно",
    "at_station": "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования",
    "outside": "Число избирательных бюллетеней, выданных вне помещения для голосования в день голосования",
    "cancelled": "Число погашенных избирательных бюллетеней",
    "portable": "Число избирательных бюллетеней, содержащихся в переносных ящиках для голосования",
    "stationary": "Число избирательных бюллетеней, содержащихся в стационарных ящиках для голосования",
    "invalid": "Число недействительных избирательных бюллетеней",
    "valid": "Число действительных избирательных бюллетеней",
    "lost": "Число утраченных избирательных бюллетеней",
    "not_counted": "Число избирательных бюллетеней, не учтенных при получении",
}


@dataclass(slots=True)
class _Geo:
    region: np.ndarray  # station -> region index
    district: np.ndarray  # station -> district index (global)
    size: np.ndarray  # registered voters
    region_names: list[str]
    station_no: np.ndarray
    districts: int = 0  # districts drawn (each region at least one), with or without a station


def _geography(cfg: SimConfig, rng: np.random.Generator) -> _Geo:
    n, k = cfg.stations, max(1, cfg.regions)
    w = rng.dirichlet(np.full(k, 3.0))
    region = np.sort(rng.choice(k, size=n, p=w))
    nd = max(cfg.districts, k)
    # Districts: each region gets at least one, the rest in proportion to its stations.
    counts = np.bincount(region, minlength=k).astype(float)
    per = np.maximum(1, np.floor(counts / counts.sum() * nd)).astype(int)
    while per.sum() < nd:
        per[np.argmax(counts / per)] += 1
    first = np.concatenate([[0], np.cumsum(per)[:-1]])
    district = first[region] + (rng.random(n) * per[region]).astype(int)
    size = np.exp(rng.normal(np.log(1400), 0.55, n))
    small = rng.random(n) < 0.06
    size[small] = rng.uniform(15, 250, small.sum())
    size = np.clip(np.round(size), 10, 4500).astype(np.int64)
    station_no = np.zeros(n, dtype=np.int64)
    for r in range(k):
        m = region == r
        station_no[m] = np.arange(1, m.sum() + 1) + 100 * (r + 1)
    names = [f"Регион {r + 1:02d}" for r in range(k)]
    return _Geo(region, district, size, names, station_no, int(per.sum()))


def _clean_election(
    cfg: SimConfig,
    geo: _Geo,
    rng: np.random.Generator,
    swing: np.ndarray | None,
    prior: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    n, k, P = cfg.stations, len(geo.region_names), len(PARTIES)
    t_region = rng.normal(logit(cfg.turnout), cfg.turnout_region_sd, k)
    base = np.array(PARTY_BASE) + (swing if swing is not None else 0.0)
    s_region = rng.normal(0, cfg.support_region_sd, (k, P))
    z = rng.normal(0, 1, n)
    lt = t_region[geo.region] + cfg.turnout_station_sd * z
    s_station = rng.normal(0, cfg.support_station_sd, (n, P))
    rho = cfg.support_persistence
    if prior is not None and rho > 0:
        keep = np.sqrt(max(0.0, 1 - rho**2))
        s_region = rho * prior["s_region"] + keep * s_region
        s_station = rho * prior["s_station"] + keep * s_station
    eta = base + s_region[geo.region] + s_station
    eta[:, 0] += cfg.turnout_support_corr * z
    p = np.exp(eta - eta.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    N = geo.size
    B = rng.binomial(N, expit(lt))
    lost = (rng.random(n) < 0.002).astype(np.int64)
    R = np.maximum(B - lost, 0)
    inv = rng.binomial(R, 0.015)
    valid = R - inv
    votes = rng.multinomial(valid, p)
    return {
        "N": N,
        "B": B,
        "R": R,
        "invalid": inv,
        "valid": valid,
        "votes": votes,
        "p": p,
        "lost": lost,
        "s_region": s_region,
        "s_station": s_station,
    }


def _inject_fraud(
    cfg: SimConfig,
    e: dict[str, np.ndarray],
    rng: np.random.Generator,
    region: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The clean election ``e`` with the configured fraud applied, plus its truth
    (``kind``, ``added``, ``switched``, ``integer_hit``) and the clean shares ``p_clean``."""
    n = cfg.stations
    N, inv = e["N"], e["invalid"]  # read only: fraud changes ballots and votes, not these
    B, R = e["B"].copy(), e["R"].copy()
    votes = e["votes"].copy()
    kind = np.array(["clean"] * n, dtype=object)
    order = rng.permutation(n)
    n_ext = round(cfg.extreme_share * n)
    n_stuff = round(cfg.stuffing_share * n)
    n_sw = round(cfg.switching_share * n)
    n_int = round(cfg.integer_share * n)
    reg = region if region is not None else np.zeros(n, dtype=np.int64)
    n_reg = int(reg.max()) + 1 if n else 1
    whole = np.zeros(n, dtype=bool)
    if cfg.whole_regions > 0:
        picked = rng.choice(n_reg, size=min(cfg.whole_regions, n_reg), replace=False)
        whole = np.isin(reg, picked)
        # Whole-region stations take no other kind of fraud: move them to the end.
        order = np.concatenate([order[~whole[order]], order[whole[order]]])
    if cfg.stuffing_region_sd > 0 and n_stuff:
        # Weighted draw without replacement (exponential race) among the stations left
        # after the extreme ones, heavier in regions with a large weight.
        w = np.exp(cfg.stuffing_region_sd * rng.standard_normal(n_reg))[reg]
        rest = order[n_ext:][~whole[order[n_ext:]]]
        key = rng.exponential(size=rest.size) / w[rest]
        rest = rest[np.argsort(key, kind="stable")]
        order = np.concatenate([order[:n_ext], rest, np.flatnonzero(whole)])
    n_pack = round(cfg.packs_share * n)
    ext = order[:n_ext]
    stuff = order[n_ext : n_ext + n_stuff]
    sw = order[n_ext + n_stuff : n_ext + n_stuff + n_sw]
    integer = order[n_ext + n_stuff + n_sw : n_ext + n_stuff + n_sw + n_int]
    s0 = n_ext + n_stuff + n_sw + n_int
    packs = order[s0 : s0 + n_pack]
    if whole.any() and (np.isin(order[: s0 + n_pack], np.flatnonzero(whole)).any()):
        raise ValueError("whole-region falsification leaves too few stations for the other kinds")
    added = np.zeros(n, dtype=np.int64)
    switched = np.zeros(n, dtype=np.int64)

    def switch(idx: np.ndarray, frac: np.ndarray) -> None:
        others = votes[idx, 1:]
        moved = np.floor(others * frac[:, None]).astype(np.int64)
        votes[idx, 1:] -= moved
        votes[idx, 0] += moved.sum(axis=1)
        switched[idx] += moved.sum(axis=1)

    def stuff_ballots(idx: np.ndarray, x: np.ndarray) -> None:
        add = np.floor(x * (N[idx] - B[idx])).astype(np.int64)
        B[idx] += add
        R[idx] += add
        votes[idx, 0] += add
        added[idx] += add

    if n_stuff:
        x = np.minimum(np.abs(rng.normal(0, cfg.stuffing_intensity, n_stuff)), 0.95)
        stuff_ballots(stuff, x)
        if cfg.switch_with_stuffing:
            switch(stuff, x**cfg.switch_alpha)
        kind[stuff] = "stuffing"
    if n_ext:
        if cfg.extreme_x == "klimek":
            x = np.clip(1.0 - np.abs(rng.normal(0.0, 0.075, n_ext)), 0.0, 1.0)
        else:
            x = rng.uniform(0.85, 1.0, n_ext)
        stuff_ballots(ext, x)
        switch(ext, x)
        kind[ext] = "extreme"
    if n_sw:
        switch(sw, np.full(n_sw, cfg.switching_fraction))
        kind[sw] = "switching"
    if n_pack:
        a = rng.gamma(2.0, cfg.pack_size / 2.0, n_pack)
        add = np.minimum(np.round(a).astype(np.int64), N[packs] - B[packs])
        B[packs] += add
        R[packs] += add
        votes[packs, 0] += add
        added[packs] += add
        kind[packs] = "packs"
    if whole.any():
        idx = np.flatnonzero(whole)
        target = rng.uniform(cfg.whole_turnout_low, cfg.whole_turnout_high, idx.size)
        add = np.maximum(np.round(target * N[idx]).astype(np.int64) - B[idx], 0)
        B[idx] += add
        R[idx] += add
        votes[idx, 0] += add
        added[idx] += add
        if cfg.whole_switching > 0:
            switch(idx, np.full(idx.size, cfg.whole_switching))
        kind[idx] = "whole_region"
    hit_int = np.zeros(n, dtype=bool)
    if n_int:
        idx = integer
        # Turnout raised to the next whole percent (+0–4 points), result likewise.
        k_t = np.minimum(np.ceil(100 * B[idx] / N[idx] + 1e-9) + rng.integers(0, 5, n_int), 99)
        newB = np.maximum(np.round(N[idx] * k_t / 100).astype(np.int64), B[idx])
        add = newB - B[idx]
        B[idx] += add
        R[idx] += add
        votes[idx, 0] += add
        added[idx] += add
        # The leader's result as the forensics define it: W / R (ballots found).
        found = R[idx]
        k_v = np.minimum(
            np.ceil(100 * votes[idx, 0] / np.maximum(found, 1) + 1e-9) + rng.integers(0, 5, n_int),
            99,
        )
        target = np.minimum(np.round(found * k_v / 100).astype(np.int64), found - inv[idx])
        need = np.maximum(target - votes[idx, 0], 0)
        others = votes[idx, 1:]
        tot = np.maximum(others.sum(axis=1), 1)
        frac = np.minimum(need / tot, 1.0)
        switch(idx, frac)
        # floor() may leave a few votes short: take them from the largest opponent.
        short = target - votes[idx, 0]
        j = 1 + np.argmax(votes[idx, 1:], axis=1)
        take = np.clip(short, 0, votes[idx, j])
        votes[idx, j] -= take
        votes[idx, 0] += take
        switched[idx] += take
        kind[idx] = "integer"
        t = 100 * B[idx] / N[idx]
        v = 100 * votes[idx, 0] / np.maximum(R[idx], 1)
        ok = (R[idx] > 0) & (N[idx] >= 100) & (t <= 99) & (v <= 99)
        hit_int[idx] = ok & ((np.abs(t - np.round(t)) <= 0.05) | (np.abs(v - np.round(v)) <= 0.05))
    return dict(
        e,
        B=B,
        R=R,
        valid=R - inv,
        votes=votes,
        kind=kind,
        added=added,
        switched=switched,
        integer_hit=hit_int,
        p_clean=e["p"],
    )


def _protocol_frame(
    cfg: SimConfig, geo: _Geo, e: dict[str, np.ndarray], rng: np.random.Generator
) -> pd.DataFrame:
    n = cfg.stations
    B, R = e["B"], e["R"]
    outside = rng.binomial(B, 0.05)
    cancelled = rng.binomial(np.maximum(e["N"] - B, 0) + 50, 0.6)
    received = B + cancelled + e["lost"]
    df = pd.DataFrame(
        {
            "region": [geo.region_names[r] for r in geo.region],
            "oik": [f"ОИК №{d + 1}" for d in geo.district],
            "tik": [f"ТИК {r + 1:02d}" for r in geo.region],
            "uik": [f"УИК №{s}" for s in geo.station_no],
            REGISTERED: e["N"],
            LINES["received"]: received,
            LINES["early"]: 0,
            LINES["at_station"]: B - outside,
            LINES["outside"]: outside,
            LINES["cancelled"]: cancelled,
            LINES["portable"]: np.minimum(outside, R),
            LINES["stationary"]: R - np.minimum(outside, R),
            LINES["invalid"]: e["invalid"],
            LINES["valid"]: e["valid"],
            LINES["lost"]: e["lost"],
            LINES["not_counted"]: 0,
        }
    )
    for j, party in enumerate(PARTIES):
        df[f'{j + 1}. Политическая партия "{party}"'] = e["votes"][:, j]
    assert len(df) == n
    return df


def _name(rng: np.random.Generator, used: set[str]) -> str:
    while True:
        surname, patron = str(rng.choice(_SURNAMES)), str(rng.choice(_PATRON))
        if rng.random() < 0.5:
            first = str(rng.choice(_MALE))
            patron = patron if patron.endswith("ич") else patron + "ич"
        else:
            first, surname = str(rng.choice(_FEMALE)), surname + "а"
            patron = patron[:-2] + "инична" if patron.endswith("ич") else patron + "на"
        s = f"{surname} {first} {patron}"
        if s not in used:
            used.add(s)
            return s


def _smd(
    cfg: SimConfig,
    geo: _Geo,
    e: dict[str, np.ndarray],
    election: str,
    rng: np.random.Generator,
    names: dict[tuple[int, int], str],
    personal: np.ndarray,
    tactical: float,
    endorse: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Single-member results: candidate c of party j in district d gets the party's share
    times ``exp(personal[d, j])``; plus one independent per district (index P)."""
    n, P = cfg.stations, len(PARTIES)
    nd = int(geo.district.max()) + 1
    R, inv = e["R"], e["invalid"]
    valid = R - inv
    # Clean per-station candidate probabilities from the clean party probabilities.
    p = e["p_clean"]
    w = np.concatenate(
        [
            p * np.exp(personal[geo.district, :P]),
            np.full((n, 1), 0.04) * np.exp(personal[geo.district, P:]),
        ],
        axis=1,
    )
    w /= w.sum(axis=1, keepdims=True)
    # Endorsed: the challenger with the highest expected clean share in the district.
    exp_share = pd.DataFrame(w).groupby(geo.district).mean().to_numpy()
    endorsed = 1 + np.argmax(exp_share[:, 1:], axis=1) if endorse is None else endorse
    others_share = 1.0 - exp_share[:, 0] - exp_share[np.arange(nd), endorsed]
    if tactical > 0:
        e_st = endorsed[geo.district]
        moved = np.zeros_like(w)
        others = np.ones_like(w, dtype=bool)
        others[:, 0] = False
        others[np.arange(n), e_st] = False
        moved[others] = w[others] * tactical
        w = w - moved
        w[np.arange(n), e_st] += moved.sum(axis=1)
    # Votes of the fraudulent part (added ballots and switched votes) go to the regime.
    clean_valid = np.maximum(valid - e["added"], 0)
    votes = rng.multinomial(clean_valid, w)
    sw = np.minimum(e["switched"], votes[:, 1:].sum(axis=1))
    take = np.floor(votes[:, 1:] * (sw / np.maximum(votes[:, 1:].sum(axis=1), 1))[:, None]).astype(
        np.int64
    )
    votes[:, 1:] -= take
    votes[:, 0] += take.sum(axis=1) + e["added"]
    rows = []
    region_names = np.array(geo.region_names, dtype=object)[geo.region]
    unit = np.array(
        [f"{geo.region_names[r]}/{s}" for r, s in zip(geo.region, geo.station_no, strict=True)],
        dtype=object,
    )
    K = P + 1
    for c in range(K):
        party = PARTIES[c] if c < P else ""
        rows.append(
            pd.DataFrame(
                {
                    "election": election,
                    "race": [f"{election}/smd/{d + 1}" for d in geo.district],
                    "unit": unit,
                    "candidate": [names[(d, c)] for d in geo.district],
                    "votes": votes[:, c],
                    "party": party,
                    "region": region_names,
                    "district": geo.district + 1,
                    "registered": e["N"],
                    "ballots": e["B"],
                    "valid": valid,
                    "invalid": inv,
                    "regime": c == 0,
                    "endorsed": (endorsed[geo.district] == c) if tactical > 0 else False,
                }
            )
        )
    smd = (
        pd.concat(rows, ignore_index=True)
        .sort_values(["race", "unit"], kind="stable")
        .reset_index(drop=True)
    )
    tot = pd.DataFrame(votes).groupby(geo.district).sum().to_numpy()
    winners = np.argmax(tot, axis=1)
    cand_rows = []
    for d in range(nd):
        for c in range(K):
            cand_rows.append(
                {
                    "race": f"{election}/smd/{d + 1}",
                    "candidate": names[(d, c)],
                    "party": PARTIES[c] if c < P else "",
                    "regime": c == 0,
                }
            )
    info = {
        "endorsed_index": endorsed,
        "winner_index": winners,
        "totals": tot,
        "expected_share": exp_share,
        "tactical_gain": tactical * others_share,
    }
    return smd, pd.DataFrame(cand_rows), info


def _check(cfg: SimConfig) -> None:
    """Refuse options that cannot describe an election instead of drawing a degenerate one
    (a clean turnout of 0 or 1 has no logit; more regions falsified than exist)."""
    from smartvote.errors import Problem, SmartvoteError

    if not 0 < cfg.turnout < 1:
        raise SmartvoteError(
            Problem("range", "--turnout must be strictly between 0 and 1", value=str(cfg.turnout))
        )
    if cfg.whole_regions > cfg.regions:
        raise SmartvoteError(
            Problem(
                "range",
                f"--whole-regions {cfg.whole_regions} is more than the {cfg.regions} regions",
                value=str(cfg.whole_regions),
            )
        )


def simulate(cfg: SimConfig | None = None, **overrides: Any) -> Simulation:
    """Draw a synthetic election (see module docstring). Keyword overrides patch ``cfg``."""
    cfg = replace(cfg or SimConfig(), **overrides)
    _check(cfg)
    rng = np.random.default_rng(cfg.seed)
    geo = _geography(cfg, rng)
    P = len(PARTIES)
    nd = int(geo.district.max()) + 1
    # every district drawn, the highest-numbered one included (geo.district.max() misses it)
    no_station = max(geo.districts, nd) - int(np.unique(geo.district).size)
    if cfg.smd and no_station:
        from smartvote.errors import Problem, SmartvoteError

        raise SmartvoteError(
            Problem(
                "stations",
                f"{cfg.stations} stations leave {no_station} of the {max(geo.districts, nd)} "
                "single-member districts without a station (stations fall in districts at "
                "random): use more stations, or fewer --districts",
                value=str(cfg.stations),
            )
        )
    swing = rng.normal(0, cfg.previous_swing_sd, P)
    prev = _clean_election(cfg, geo, rng, swing=swing)
    clean = _clean_election(cfg, geo, rng, swing=None, prior=prev)
    cur = _inject_fraud(cfg, clean, rng, geo.region)
    prev_f = dict(
        prev,
        added=np.zeros(cfg.stations, dtype=np.int64),
        switched=np.zeros(cfg.stations, dtype=np.int64),
        p_clean=prev["p"],
    )
    # Candidates: the same person stands again in about half of the (district, party) slots.
    used: set[str] = set()
    prev_names = {(d, c): _name(rng, used) for d in range(nd) for c in range(P + 1)}
    again = rng.random((nd, P + 1)) < 0.5
    cur_names = {
        (d, c): prev_names[(d, c)] if again[d, c] else _name(rng, used)
        for d in range(nd)
        for c in range(P + 1)
    }
    personal_prev = rng.normal(0, cfg.candidate_sd, (nd, P + 1))
    personal_cur = np.where(again, personal_prev, rng.normal(0, cfg.candidate_sd, (nd, P + 1)))
    if cfg.smd:
        prev_smd, _, prev_info = _smd(
            cfg, geo, prev_f, cfg.previous, rng, prev_names, personal_prev, 0.0
        )
        endorse = None
        if cfg.endorse_from == "previous":
            # The campaign only knows last time: the challenger of the party (or the
            # independent slot) that was strongest in the district then.
            endorse = 1 + np.argmax(prev_info["expected_share"][:, 1:], axis=1)
        elif cfg.endorse_from != "truth":
            raise ValueError(
                f"endorse_from must be 'truth' or 'previous', not {cfg.endorse_from!r}"
            )
        cur_smd, cands, cur_info = _smd(
            cfg,
            geo,
            cur,
            cfg.election,
            rng,
            cur_names,
            personal_cur,
            cfg.tactical_share,
            endorse,
        )
    else:
        empty = np.zeros(nd, dtype=np.int64)
        prev_smd = cur_smd = pd.DataFrame()
        cands = pd.DataFrame(columns=["race", "candidate", "party", "regime"])
        prev_info = cur_info = {
            "winner_index": empty,
            "endorsed_index": empty + 1,
            "totals": np.zeros((nd, P + 1)),
            "expected_share": np.zeros((nd, P + 1)),
            "tactical_gain": np.zeros(nd),
        }
    # Incumbents: last time's winner, when standing again.
    inc = {prev_names[(d, int(prev_info["winner_index"][d]))] for d in range(nd)}
    cands["incumbent"] = cands["candidate"].isin(inc)
    protocols = _protocol_frame(cfg, geo, cur, rng)
    prev_protocols = _protocol_frame(cfg, geo, prev_f, rng)
    unit = [f"{geo.region_names[r]}/{s}" for r, s in zip(geo.region, geo.station_no, strict=True)]
    stations = pd.DataFrame(
        {
            "unit": unit,
            "race": [f"{cfg.election}/smd/{d + 1}" for d in geo.district],
            "region": [geo.region_names[r] for r in geo.region],
            "address": [
                f"{geo.region_names[r]}, улица {d + 1}-я Избирательная, дом {s}"
                for r, d, s in zip(geo.region, geo.district, geo.station_no, strict=True)
            ],
        }
    )
    endorsements = pd.DataFrame(
        {
            "race": [f"{cfg.election}/smd/{d + 1}" for d in range(nd)],
            "candidate": [cur_names[(d, int(cur_info["endorsed_index"][d]))] for d in range(nd)],
        }
    )
    clean_W = clean["votes"][:, 0].sum()
    truth_stations = pd.DataFrame(
        {
            "unit": unit,
            "region": [geo.region_names[r] for r in geo.region],
            "district": geo.district + 1,
            "fraud": cur["kind"],
            "added_ballots": cur["added"],
            "switched_votes": cur["switched"],
            "clean_ballots": clean["B"],
            "clean_leader_votes": clean["votes"][:, 0],
            "integer_hit": cur["integer_hit"],
        }
    )
    smd_totals = cur_info["totals"]
    truth: dict[str, Any] = {
        "config": cfg.to_dict(),
        "parties": list(PARTIES),
        "leader": PARTIES[0],
        "stations": cfg.stations,
        "registered": int(geo.size.sum()),
        "excess_votes": int(cur["added"].sum() + cur["switched"].sum()),
        "added_ballots": int(cur["added"].sum()),
        "switched_votes": int(cur["switched"].sum()),
        "clean_turnout": float(clean["B"].sum() / geo.size.sum()),
        "clean_leader_share": float(clean_W / clean["valid"].sum()),
        "official_turnout": float(cur["B"].sum() / geo.size.sum()),
        "official_leader_share": float(cur["votes"][:, 0].sum() / cur["valid"].sum()),
        "fraud_stations": {
            k: int((cur["kind"] == k).sum())
            for k in ("stuffing", "extreme", "integer", "switching", "packs", "whole_region")
        },
        "whole_regions": sorted(
            {geo.region_names[r] for r in geo.region[cur["kind"] == "whole_region"]}
        ),
        "excess_by_region": {
            geo.region_names[r]: int(v)
            for r, v in enumerate(
                np.bincount(
                    geo.region,
                    weights=(cur["added"] + cur["switched"]).astype(float),
                    minlength=len(geo.region_names),
                )
            )
        },
        "integer_hits": int(cur["integer_hit"].sum()),
        "f_incremental": cfg.stuffing_share,
        "f_extreme": cfg.extreme_share,
        "tactical_share": cfg.tactical_share,
        "races": [
            {
                "race": f"{cfg.election}/smd/{d + 1}",
                "endorsed": cur_names[(d, int(cur_info["endorsed_index"][d]))],
                "winner": cur_names[(d, int(cur_info["winner_index"][d]))],
                "strongest_challenger": cur_names[(d, 1 + int(np.argmax(smd_totals[d, 1:])))],
                "tactical_gain": float(cur_info["tactical_gain"][d]),
                "expected_share": {
                    cur_names[(d, c)]: float(cur_info["expected_share"][d, c]) for c in range(P + 1)
                },
            }
            for d in range(nd)
        ],
    }
    return Simulation(
        cfg,
        protocols,
        cur_smd,
        prev_protocols,
        prev_smd,
        cands,
        stations,
        endorsements,
        truth_stations,
        truth,
    )
