"""Synthetic endorsement campaigns with a known effect, for ``smartvote assess``.

The case most campaigns face, and the one :mod:`smartvote.simulate` does not draw:
single-member races with **district totals only** (one unit per district), this election
and the previous one in the same districts under the same race ids, the candidates'
parties, an endorsement list, and often **no party-list vote at all** (city councils).
Its generative model is deliberately different from :mod:`smartvote.simulate` (no
stations, no fraud): a multinomial-logit vote per district,

    η[d, c] = base[party] + swing_e[party] + u_e[d, party] + v[person] + ι·incumbent + ε_e[d, c]

with district strengths ``u`` that persist between elections (correlation ``persistence``),
a personal vote ``v`` that a person keeps when they stand again, an incumbency bonus for
last time's winner standing again, a national swing per party and a local noise ``ε``.
Shares are the softmax of ``η`` over the candidates standing; votes are multinomial.

The campaign endorses one challenger per district, chosen by ``select``:

* ``forecast`` (default): what a campaign can see before the vote: the same person's
  previous share where they stood again, else their party's, plus incumbency, plus an
  independent forecasting error (``forecast_sd``): selection on *observables*;
* ``expected``: the challenger strongest this time in expectation, including a new
  candidate's personal vote that no earlier result shows: selection on *unobservables*,
  the worst case for every design;
* ``previous``: the party strongest in the district last time.

The effect is the transfer model of :mod:`smartvote.assess.designs`: a share
``tactical_share`` of every other challenger's voters moves to the endorsed candidate;
the truth (``truth.json``) is the mean gain ``t × O`` over endorsed races (``O``: the other
challengers' share without the campaign). ``renamed`` gives some parties a new name at the
current election (with an alias file to join them); ``list_vote`` adds a party-list race
in every district (for the split-ticket and difference-in-differences designs).

Deterministic for a given :class:`CampaignConfig` (``seed``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smartvote import jsonio

#: Regime party first; synthetic labels (previous election) and, for ``renamed``, the
#: label the party stands under at the current election (None: unchanged).
PARTIES: tuple[tuple[str, str | None], ...] = (
    ("Партия власти", None),
    ("Левая партия", "Левая партия — За справедливость"),
    ("Национальная партия", None),
    ("Социальная партия", "Социальная партия — Патриоты"),
    ("Либеральная партия", None),
    ("Зелёная партия", "Зелёные и союзники"),
)
#: Mean log-weights of the parties (regime first), and of an independent candidate.
PARTY_BASE: tuple[float, ...] = (1.0, 0.3, -0.1, -0.3, -0.6, -1.1)
INDEPENDENT_BASE = -1.2

_SURNAMES = (
    "Алексеев Баранов Белов Быков Васильев Волков Воробьев Гаврилов Голубев Гусев Денисов "
    "Егоров Жуков Зайцев Зуев Ильин Исаев Калинин Карпов Киселев Ковалев Козлов Комаров "
    "Кудрявцев Кузнецов Куликов Лебедев Макаров Максимов Марков Медведев Мельников Миронов "
    "Морозов Назаров Никитин Новиков Орлов Осипов Павлов Панов Поляков Попов Романов Рябов "
    "Савин Сидоров Смирнов Соколов Соловьев Степанов Тарасов Титов Тихонов Федоров Филиппов "
    "Фомин Фролов Чернов Шестаков Щербаков Яковлев"
).split()
_FIRST = "Алексей Андрей Борис Василий Глеб Денис Егор Иван Кирилл Лев Максим Никита Олег Павел Роман Семен Тимур Юрий".split()
_PATRON = (
    "Андреевич Борисович Викторович Глебович Денисович Ильич Олегович Павлович Сергеевич".split()
)


@dataclass(frozen=True, slots=True)
class CampaignConfig:
    """Parameters of a synthetic campaign (see the module docstring)."""

    seed: int = 0
    races: int = 45
    election: str = "council-2024"
    previous: str = "council-2019"
    race_prefix: str = "council/smd"
    voters: int = 30_000
    p_stand: float = 0.85
    p_again: float = 0.5
    independents: int = 1
    party_sd: float = 0.35
    persistence: float = 0.8
    swing_sd: float = 0.15
    personal_sd: float = 0.3
    incumbency: float = 0.25
    noise_sd: float = 0.1
    tactical_share: float = 0.0
    select: str = "forecast"
    forecast_sd: float = 0.02
    renamed: bool = False
    list_vote: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Campaign:
    """A drawn campaign: tidy results of both elections, endorsements, aliases, truth."""

    config: CampaignConfig
    current: pd.DataFrame
    previous: pd.DataFrame
    endorsements: pd.DataFrame
    aliases: pd.DataFrame
    truth: dict[str, Any] = field(default_factory=dict)

    def write(self, out: str | Path) -> dict[str, Path]:
        """Write every artefact into directory ``out`` (election files through the
        :mod:`smartvote.io.write` writers); return their paths by role."""
        from smartvote.io.write import write_table, write_tidy

        d = Path(out)
        d.mkdir(parents=True, exist_ok=True)
        c = self.config
        paths = {
            "results": d / f"{c.election}.csv",
            "baseline": d / f"{c.previous}.csv",
            "endorsements": d / f"{c.election}-endorsements.csv",
            "aliases": d / "party-aliases.csv",
            "truth": d / "truth.json",
        }
        write_tidy(self.current, paths["results"])
        write_tidy(self.previous, paths["baseline"])
        write_table(self.endorsements, paths["endorsements"])
        write_table(self.aliases, paths["aliases"])
        paths["truth"].write_text(jsonio.dumps(self.truth), encoding="utf-8")
        return paths


def _names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct synthetic names (surname, given name, patronymic)."""
    a, b, c = len(_SURNAMES), len(_FIRST), len(_PATRON)
    if n > a * b * c:
        raise ValueError(f"too many candidates to name uniquely: {n} (use fewer races)")
    idx = rng.choice(a * b * c, size=n, replace=False)
    return [f"{_SURNAMES[i // (b * c)]} {_FIRST[(i // c) % b]} {_PATRON[i % c]}" for i in idx]


def _softmax(eta: np.ndarray, mask: np.ndarray) -> np.ndarray:
    z = np.where(mask, eta, -np.inf)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def simulate_campaign(cfg: CampaignConfig | None = None, **overrides: Any) -> Campaign:
    """Draw a campaign (see module docstring). Keyword overrides patch ``cfg``."""
    cfg = replace(cfg or CampaignConfig(), **overrides)
    if cfg.select not in ("forecast", "expected", "previous"):
        raise ValueError(f"select must be 'forecast', 'expected' or 'previous', not {cfg.select!r}")
    rng = np.random.default_rng(cfg.seed)
    D, P = cfg.races, len(PARTIES)
    K = P + cfg.independents  # slots: parties then independents
    base = np.array([*PARTY_BASE, *([INDEPENDENT_BASE] * cfg.independents)])
    # District strengths (persistent), national swings, who stands, personal votes.
    u_prev = rng.normal(0, cfg.party_sd, (D, K))
    keep = np.sqrt(max(0.0, 1 - cfg.persistence**2))
    u_cur = cfg.persistence * u_prev + keep * rng.normal(0, cfg.party_sd, (D, K))
    swing = np.concatenate([rng.normal(0, cfg.swing_sd, P), np.zeros(cfg.independents)])
    stand_prev = rng.random((D, K)) < cfg.p_stand
    stand_cur = rng.random((D, K)) < cfg.p_stand
    stand_prev[:, 0] = stand_cur[:, 0] = True
    # At least two challengers in every race at the current election.
    few = stand_cur[:, 1:].sum(axis=1) < 2
    stand_cur[few, 1:3] = True
    again = stand_prev & stand_cur & (rng.random((D, K)) < cfg.p_again)
    v_prev = rng.normal(0, cfg.personal_sd, (D, K))
    v_cur = np.where(again, v_prev, rng.normal(0, cfg.personal_sd, (D, K)))
    names = _names(rng, 2 * D * K)
    n_prev = np.array(names[: D * K], dtype=object).reshape(D, K)
    n_cur = np.where(again, n_prev, np.array(names[D * K :], dtype=object).reshape(D, K))
    # Previous election.
    eta_prev = base + u_prev + v_prev + rng.normal(0, cfg.noise_sd, (D, K))
    p_prev = _softmax(eta_prev, stand_prev)
    size = np.round(cfg.voters * np.exp(rng.normal(0, 0.2, D))).astype(np.int64)
    votes_prev = np.stack([rng.multinomial(size[d], p_prev[d]) for d in range(D)])
    share_prev = votes_prev / size[:, None]
    winner_prev = np.argmax(np.where(stand_prev, votes_prev, -1), axis=1)
    incumbent = np.zeros((D, K), dtype=bool)
    incumbent[np.arange(D), winner_prev] = again[np.arange(D), winner_prev]
    # Current election, without the campaign.
    mean_cur = base + swing + u_cur + v_cur + cfg.incumbency * incumbent
    eta_cur = mean_cur + rng.normal(0, cfg.noise_sd, (D, K))
    p0 = _softmax(eta_cur, stand_cur)
    # The campaign's pick among the challengers standing.
    if cfg.select == "expected":
        score = _softmax(mean_cur, stand_cur)
    elif cfg.select == "previous":
        score = np.where(stand_prev, share_prev, 0.0)
    else:
        # Observables: own previous share if standing again, else the party's there.
        score = np.where(again, share_prev, np.where(stand_prev, share_prev, 0.0))
        score = score * np.exp(cfg.incumbency * incumbent)
        score = score + rng.normal(0, cfg.forecast_sd, (D, K))
    score = np.where(stand_cur, score, -np.inf)
    score[:, 0] = -np.inf
    endorsed = np.argmax(score, axis=1)
    others = stand_cur.copy()
    others[:, 0] = False
    others[np.arange(D), endorsed] = False
    t = cfg.tactical_share
    o0 = (p0 * others).sum(axis=1)
    p = p0 * np.where(others, 1 - t, 1.0)
    p[np.arange(D), endorsed] += t * o0
    votes_cur = np.stack([rng.multinomial(size[d], p[d]) for d in range(D)])
    # Party labels.
    lab_prev = [PARTIES[j][0] for j in range(P)] + [""] * cfg.independents
    lab_cur = [
        (PARTIES[j][1] or PARTIES[j][0]) if cfg.renamed else PARTIES[j][0] for j in range(P)
    ] + [""] * cfg.independents

    def frame(
        election: str, stand: np.ndarray, votes: np.ndarray, nm: np.ndarray, lab: list[str]
    ) -> pd.DataFrame:
        d_idx, k_idx = np.nonzero(stand)
        race = [f"{cfg.race_prefix}/{d + 1}" for d in d_idx]
        smd = pd.DataFrame(
            {
                "election": election,
                "race": race,
                "unit": race,
                "district": d_idx + 1,
                "candidate": nm[d_idx, k_idx],
                "party": [lab[k] for k in k_idx],
                "regime": k_idx == 0,
                "votes": votes[d_idx, k_idx],
            }
        )
        if not cfg.list_vote:
            return smd
        # Party-list vote in the same district: the parties' strength without persons.
        eta_l = base[:P] + u_cur[:, :P] + rng.normal(0, cfg.noise_sd, (D, P))
        if election == cfg.previous:
            eta_l = base[:P] + u_prev[:, :P] + rng.normal(0, cfg.noise_sd, (D, P))
        else:
            eta_l = eta_l + swing[:P]
        pl = _softmax(eta_l, np.ones((D, P), dtype=bool))
        lv = np.stack([rng.multinomial(size[d], pl[d]) for d in range(D)])
        dd, jj = np.meshgrid(np.arange(D), np.arange(P), indexing="ij")
        lst = pd.DataFrame(
            {
                "election": election,
                "race": f"{cfg.race_prefix.split('/')[0]}/list",
                "unit": [f"{cfg.race_prefix}/{d + 1}" for d in dd.ravel()],
                "district": dd.ravel() + 1,
                "candidate": [lab[j] for j in jj.ravel()],
                "party": [lab[j] for j in jj.ravel()],
                "regime": jj.ravel() == 0,
                "votes": lv.ravel(),
            }
        )
        return pd.concat([smd, lst], ignore_index=True)

    previous = frame(cfg.previous, stand_prev, votes_prev, n_prev, lab_prev)
    current = frame(cfg.election, stand_cur, votes_cur, n_cur, lab_cur)
    endorsements = pd.DataFrame(
        {
            "race": [f"{cfg.race_prefix}/{d + 1}" for d in range(D)],
            "candidate": [n_cur[d, endorsed[d]] for d in range(D)],
        }
    )
    aliases = pd.DataFrame(
        [{"alias": new, "key": old} for old, new in PARTIES if new is not None and cfg.renamed]
        + [{"alias": old, "key": old} for old, new in PARTIES if new is not None and cfg.renamed],
        columns=["alias", "key"],
    )
    gain = t * o0
    truth = {
        "config": cfg.to_dict(),
        "effect_pp": float(100 * gain.mean()),
        "tactical_share": t,
        "stood_again": int(again[:, 1:].sum()),
        "endorsed_stood_again": int(again[np.arange(D), endorsed].sum()),
        "races": [
            {
                "race": f"{cfg.race_prefix}/{d + 1}",
                "endorsed": str(n_cur[d, endorsed[d]]),
                "gain_pp": float(100 * gain[d]),
                "share_without_pp": float(100 * p0[d, endorsed[d]]),
                "decided": bool(
                    np.argmax(votes_cur[d]) == endorsed[d]
                    and np.argmax(np.where(stand_cur[d], p0[d], -1)) != endorsed[d]
                ),
            }
            for d in range(D)
        ],
    }
    return Campaign(cfg, current, previous, endorsements, aliases, truth)


def campaign_input(camp: Campaign, aliases: bool = True) -> Any:
    """An :class:`smartvote.assess.AssessInput` straight from a :class:`Campaign` (the
    same frames ``Campaign.write`` puts in files); ``aliases``: apply its alias table."""
    from smartvote.assess.inputs import apply_aliases, election_from_batches, make_input
    from smartvote.io.tidy import tidy_to_batch
    from smartvote.names import _party_norm

    table = (
        {
            _party_norm(a): str(k)
            for a, k in zip(camp.aliases["alias"], camp.aliases["key"], strict=True)
        }
        if aliases
        else {}
    )
    c = camp.config
    cur = election_from_batches([tidy_to_batch(camp.current, f"{c.election}.csv")])
    base = election_from_batches([tidy_to_batch(camp.previous, f"{c.previous}.csv")])
    return make_input(
        apply_aliases(cur, table), camp.endorsements.copy(), apply_aliases(base, table)
    )
