"""Recommend (docs/2-recommend.md): ``smartvote recommend`` and ``smartvote backtest``
(DESIGN.md contracts).

The defaults of ``--sims``, ``--switch`` and ``--threshold`` are those of
:mod:`smartvote.recommend.params`, written out here so that ``smartvote --help`` does not
import pandas (tests/test_cli_package.py checks they agree).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from smartvote.cli.base import DbOpt, JsonOpt, app, db_path, emit_json
from smartvote.cli.options import bounded, non_negative, unit_interval

#: :data:`smartvote.recommend.params.SIMS`, ``SWITCH`` and ``LIST_THRESHOLD`` (see above).
SIMS = 10_000
SWITCH = 0.25
LIST_THRESHOLD = 0.05

JoinOpt = Annotated[
    str,
    typer.Option(
        "--join",
        help="auto (same race id, else district, else stations) | race | district | stations",
    ),
]
SimsOpt = Annotated[int, typer.Option("--sims", min=100, help="simulations per race")]
SwitchOpt = Annotated[
    float,
    typer.Option(
        "--switch",
        callback=unit_interval,
        help="share of other challengers' voters who follow the endorsement",
    ),
]
SeedOpt = Annotated[
    int, typer.Option("--seed", callback=non_negative, help="random seed of the simulations")
]
AllowOpt = Annotated[
    bool,
    typer.Option(
        "--allow-uninformed",
        help="races no history or poll reaches: no endorsement (uninformed) instead of an error",
    ),
]
NomOpt = Annotated[
    Path | None,
    typer.Option(
        "--nominations",
        help="candidate, party: parties of presidential candidates (default: shipped table)",
    ),
]
HistOpt = Annotated[
    list[Path],
    typer.Option("--history", metavar="FILE", help="earlier results (CIK or tidy), repeatable"),
]
StationsOpt = Annotated[
    Path | None, typer.Option("--stations", help="unit, race: the ballot at each station")
]
PollsOpt = Annotated[
    Path | None,
    typer.Option("--polls", help="race, candidate|party, share (%), sample_size, date"),
]


def _history(history: list[Path] | None, elections: list[str] | None, db: Path | None) -> list[Any]:
    """History from files, and/or stored elections (``--db`` + ``--election``)."""
    from smartvote.recommend.history import load_history

    stored: list[Any] = []
    if elections:
        from smartvote.io import Election, Store

        with Store(db_path(db), read_only=True) as st:
            stored = [Election.from_store(st, e) for e in elections]
    if not history and not stored:
        from smartvote.errors import InputError, Problem

        raise InputError(
            Problem("history", "give at least one --history FILE or --election with --db")
        )
    return load_history(history or [], elections=stored)


@app.command()
def recommend(
    candidates: Annotated[
        Path,
        typer.Option(
            "--candidates", help="race, candidate, party, regime [, incumbent, excluded, seats]"
        ),
    ],
    history: HistOpt = [],  # noqa: B006
    stations: StationsOpt = None,
    polls: PollsOpt = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            callback=bounded(0, 100),
            help=f"list-race threshold in percent (default {100 * LIST_THRESHOLD:g})",
        ),
    ] = None,
    spoilers: Annotated[
        Path | None,
        typer.Option("--spoilers", help="party [, reason]: parties to flag as spoilers"),
    ] = None,
    overrides: Annotated[
        Path | None, typer.Option("--overrides", help="race, candidate, reason")
    ] = None,
    election: Annotated[
        list[str] | None,
        typer.Option(
            "--election",
            metavar="NAME",
            help="stored election to use as history (with --db), repeatable",
        ),
    ] = None,
    join: JoinOpt = "auto",
    nominations: NomOpt = None,
    sims: SimsOpt = SIMS,
    switch: SwitchOpt = SWITCH,
    seed: SeedOpt = 0,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="also write the JSON list to this file")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    allow_uninformed: AllowOpt = False,
) -> None:
    """Forecast every race and choose the challenger to endorse."""
    from smartvote import jsonio
    from smartvote.recommend.run import run_recommend
    from smartvote.recommend.tables import print_recommendations

    hist = _history(history, election, db)
    run = run_recommend(
        candidates,
        hist,
        stations=stations,
        polls=polls,
        threshold=None if threshold is None else threshold / 100.0,
        spoilers=spoilers,
        overrides=overrides,
        sims=sims,
        switch=switch,
        seed=seed,
        join=join,
        nominations=nominations,
        allow_uninformed=allow_uninformed,
    )
    data = run.to_list()
    if out_file is not None:
        out_file.write_text(jsonio.dumps(data), encoding="utf-8")
    if as_json:
        emit_json(data)
        return
    print_recommendations(data)


@app.command()
def backtest(
    candidates: Annotated[
        Path, typer.Option("--candidates", help="candidates of the replayed races")
    ],
    actual: Annotated[Path, typer.Option("--actual", help="the actual results (tidy or CIK)")],
    history: HistOpt = [],  # noqa: B006
    endorsements: Annotated[
        Path | None,
        typer.Option("--endorsements", help="race, candidate: a campaign's picks to score too"),
    ] = None,
    stations: StationsOpt = None,
    polls: PollsOpt = None,
    election: Annotated[
        list[str] | None,
        typer.Option(
            "--election",
            metavar="NAME",
            help="stored election to use as history (with --db), repeatable",
        ),
    ] = None,
    join: JoinOpt = "auto",
    nominations: NomOpt = None,
    sims: SimsOpt = SIMS,
    switch: SwitchOpt = SWITCH,
    seed: SeedOpt = 0,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    allow_uninformed: AllowOpt = False,
) -> None:
    """Replay a past election with earlier data only and score the picks."""
    from smartvote.recommend.run import run_backtest
    from smartvote.recommend.tables import print_backtest

    hist = _history(history, election, db)
    res, _ = run_backtest(
        candidates,
        hist,
        actual,
        endorsements,
        stations=stations,
        polls=polls,
        sims=sims,
        switch=switch,
        seed=seed,
        join=join,
        nominations=nominations,
        allow_uninformed=allow_uninformed,
    )
    if as_json:
        emit_json(res.to_dict())
        return
    print_backtest(res.to_dict())
