"""``smartvote recommend`` and ``smartvote backtest`` (DESIGN.md contracts)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from smartvote import jsonio
from smartvote.options import bounded, non_negative, unit_interval

JoinOpt = Annotated[
    str, typer.Option("--join", help="auto (district, else stations) | district | stations")
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
# Same as smartvote.cli's options; defined here because annotations are evaluated in this module.
DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file (default $SMARTVOTE_DB or ./smartvote.duckdb)"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print machine-readable JSON on stdout")]
NomOpt = Annotated[
    Path | None,
    typer.Option(
        "--nominations",
        help="candidate, party: parties of presidential candidates (default: shipped table)",
    ),
]
HistOpt = Annotated[
    list[Path], typer.Option("--history", help="earlier results (CIK or tidy), repeatable")
]


def _history(history: list[Path] | None, elections: list[str] | None, db: Path | None) -> list[Any]:
    """History from files, and/or stored elections (``--db`` + ``--election``)."""
    from smartvote.recommend.history import load_history

    batches: list[Any] = []
    if elections:
        from smartvote.cli import db_path
        from smartvote.io import Batch, Store

        with Store(db_path(db), read_only=True) as st:
            for e in elections:
                batches.append(
                    Batch.make(
                        e,
                        "stored",
                        [str(db_path(db))],
                        st.races(e),
                        st.units(e),
                        st.candidates(e),
                        st.results(e),
                    )
                )
    if not history and not batches:
        from smartvote.errors import InputError, Problem

        raise InputError(
            Problem("history", "give at least one --history FILE or --election with --db")
        )
    return load_history(history or [], batches=batches)


def register(app: typer.Typer) -> None:
    @app.command()
    def recommend(
        candidates: Annotated[
            Path,
            typer.Option(
                "--candidates", help="race, candidate, party, regime [, incumbent, excluded, seats]"
            ),
        ],
        history: HistOpt = [],  # noqa: B006
        stations: Annotated[
            Path | None, typer.Option("--stations", help="unit, race: the ballot at each station")
        ] = None,
        polls: Annotated[
            Path | None,
            typer.Option("--polls", help="race, candidate|party, share (%), sample_size, date"),
        ] = None,
        threshold: Annotated[
            float | None,
            typer.Option(
                "--threshold",
                callback=bounded(0, 100),
                help="list-race threshold in percent (default 5)",
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
            typer.Option("--election", help="stored election to use as history (with --db)"),
        ] = None,
        join: JoinOpt = "auto",
        nominations: NomOpt = None,
        sims: SimsOpt = 10_000,
        switch: SwitchOpt = 0.25,
        seed: SeedOpt = 0,
        out_file: Annotated[
            Path | None, typer.Option("--out", help="also write the JSON list to this file")
        ] = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Forecast every race and choose the challenger to endorse."""

        from smartvote.cli import emit_json
        from smartvote.recommend.run import run_recommend

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
        stations: Annotated[Path | None, typer.Option("--stations", help="unit, race")] = None,
        polls: Annotated[Path | None, typer.Option("--polls")] = None,
        election: Annotated[
            list[str] | None,
            typer.Option("--election", help="stored election as history (with --db)"),
        ] = None,
        join: JoinOpt = "auto",
        nominations: NomOpt = None,
        sims: SimsOpt = 10_000,
        switch: SwitchOpt = 0.25,
        seed: SeedOpt = 0,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Replay a past election with earlier data only and score the picks."""
        from smartvote.cli import emit_json
        from smartvote.recommend.run import run_backtest

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
        )
        if as_json:
            emit_json(res.to_dict())
            return
        print_backtest(res.to_dict())


def print_recommendations(data: list[dict[str, Any]], title: str = "recommendations") -> None:
    """Rich table: race, endorsed, party, p_strongest, p_win, runner-up, close call."""
    from rich.table import Table

    from smartvote.cli import out

    t = Table(title=title)
    for col in ("race", "endorsed", "party", "p_strongest", "p_win", "runner-up", "flags"):
        t.add_column(col, justify="right" if col.startswith("p_") else "left")
    for r in data:
        alts = r.get("alternatives") or []
        run = f"{alts[0]['candidate']} ({alts[0]['p_win']:.0%})" if alts else ""
        flags = []
        if r.get("close_call"):
            flags.append("close")
        if r.get("override"):
            flags.append("override")
        if r.get("spoilers"):
            flags.append("spoiler?")
        if r.get("excluded"):
            flags.append(f"{len(r['excluded'])} excluded")
        ps, pw = r.get("p_strongest"), r.get("p_win")
        t.add_row(
            str(r["race"]),
            str(r.get("endorsed") or "—"),
            str(r.get("party") or ""),
            "" if ps is None else f"{ps:.0%}",
            "" if pw is None else f"{pw:.0%}",
            run,
            ", ".join(flags),
        )
    out.print(t)


def print_backtest(d: dict[str, Any]) -> None:
    from rich.table import Table

    from smartvote.cli import out

    t = Table(title="backtest")
    t.add_column("figure")
    t.add_column("model", justify="right")
    t.add_column("endorsements", justify="right")
    e = d.get("endorsements") or {}
    t.add_row("races", str(d["races"]), str(e.get("races", "")))
    t.add_row(
        "correct (strongest challenger)",
        f"{d['correct']} ({d['accuracy']:.0%})",
        f"{e['correct']} ({e['accuracy']:.0%})" if e else "",
    )
    t.add_row(
        "won the seat",
        f"{d['wins']} ({d['win_rate']:.0%})",
        f"{e['wins']} ({e['win_rate']:.0%})" if e else "",
    )
    t.add_row("chance accuracy", f"{d['chance_accuracy']:.0%}", "")
    t.add_row("Brier (p_strongest)", f"{d['brier']:.3f}", "")
    t.add_row("Brier (seat, p_first)", f"{d['brier_first']:.3f}", "")
    if e:
        t.add_row("agree with model", "", str(e.get("agree_with_model")))
    out.print(t)
    r = Table(title="reliability of p_strongest")
    for col in ("bin", "n", "mean_forecast", "observed"):
        r.add_column(col, justify="right")
    for row in d["reliability"]:
        r.add_row(
            row["bin"], str(row["n"]), f"{row['mean_forecast']:.2f}", f"{row['observed']:.2f}"
        )
    out.print(r)
