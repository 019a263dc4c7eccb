"""Ingest (docs/1-ingest.md): ``ingest`` files into the store, list ``elections``, ``show`` one."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from smartvote.cli.base import DbOpt, JsonOpt, app, db_path, emit_json, out


@app.command()
def ingest(
    files: Annotated[
        list[Path], typer.Argument(help="CIK protocol CSV (zipped or not) or tidy CSV/Parquet")
    ],
    election: Annotated[
        str | None, typer.Option(help="election name (default: from the file)")
    ] = None,
    regime: Annotated[
        str | None, typer.Option(help="the regime's candidate or party (default: the leader)")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="replace stations another source of the election already stored"
        ),
    ] = False,
    max_input_mb: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="cap on a file's uncompressed size, MiB (default 1024, $SMARTVOTE_MAX_INPUT_MB)",
        ),
    ] = None,
    max_line_kb: Annotated[
        int | None,
        typer.Option(min=1, help="cap on one line, KiB (default 1024, $SMARTVOTE_MAX_LINE_KB)"),
    ] = None,
) -> None:
    """Ingest files into the store in one transaction and print a summary.

    A source is keyed by its content: ingesting the same file (or a new version from the
    same path) again replaces it; stations already stored from another file are an error
    unless --replace.
    """
    from rich.table import Table

    from smartvote.io.files import Limits
    from smartvote.io.store import Store

    lim = Limits.from_env()
    lim = Limits(
        max_input_mb << 20 if max_input_mb else lim.max_bytes,
        max_line_kb << 10 if max_line_kb else lim.max_line,
    )
    with Store(db_path(db)) as st:
        s = st.ingest(
            files,
            election=election,
            regime=regime,
            progress=not as_json,
            replace=replace,
            limits=lim,
        )
    if as_json:
        emit_json(s.to_dict())
        return
    t = Table(title=f"ingested {s.election} ({s.kind})")
    t.add_column("figure")
    t.add_column("value", justify="right")
    t.add_row("files", ", ".join(s.files))
    t.add_row("races", f"{s.races:,}")
    t.add_row("stations (incl. electronic)", f"{s.stations:,}")
    t.add_row("registered voters", _count(s.registered))
    t.add_row("ballots issued", _count(s.ballots))
    for rule, n in s.flags.items():
        t.add_row(f"flag: {rule}", f"{n:,}")
    out().print(t)
    for line in s.replaced:
        sys.stderr.write(f"replaced: {line}\n")
    for line in s.regime_assumed:
        sys.stderr.write(f"regime: {line}\n")


@app.command()
def elections(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List the elections in the store."""
    import pandas as pd
    from rich.table import Table

    from smartvote.io.store import Store

    with Store(db_path(db), read_only=True) as st:
        df = st.elections()
    if as_json:
        # Counts as integers (DuckDB's sum comes back as float: "registered": 109148196.0);
        # null where no file carries registered voters.
        rows = df.to_dict(orient="records")
        for row in rows:
            reg = row["registered"]
            row["registered"] = None if pd.isna(reg) else int(reg)
        emit_json(rows)
        return
    t = Table(title=str(db_path(db)))
    for c in ("election", "kind", "races", "units", "registered"):
        t.add_column(c, justify="right" if c in ("races", "units", "registered") else "left")
    for r in df.itertuples():
        t.add_row(
            str(r.election),
            str(r.kind),
            f"{r.races:,}",
            f"{r.units:,}",
            _count(None if pd.isna(r.registered) else int(r.registered)),
        )
    out().print(t)


@app.command()
def show(
    election: Annotated[str, typer.Argument(help="stored election name")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Summary of one stored election: stations, turnout, leader, top choices, flags."""
    from smartvote.io.store import Store

    with Store(db_path(db), read_only=True) as st:
        s = st.summary(election)
    if as_json:
        emit_json(s.to_dict())
        return
    print_summary(s)


def print_summary(s: Any) -> None:
    """The table of ``show``: a stored election's figures, top choices and flags."""
    from rich.table import Table

    t = Table(title=f"{s.election} ({s.kind})")
    t.add_column("figure")
    t.add_column("value", justify="right")
    t.add_row("races", f"{s.races:,}")
    t.add_row("stations (incl. electronic)", f"{s.stations:,}")
    t.add_row("electronic units", f"{s.electronic_units:,}")
    t.add_row("registered voters", _count(s.registered))
    t.add_row("ballots issued", _count(s.ballots))
    t.add_row("turnout", "not in the data" if s.turnout is None else f"{s.turnout:.2%}")
    for name, votes, share in s.top:
        t.add_row(name[:60], f"{votes:,} ({share:.2%})")
    for rule, n in s.flags.items():
        t.add_row(f"flag: {rule}", f"{n:,}")
    out().print(t)


def _count(n: int | None) -> str:
    """A count, or "not in the data" when no file carries the line (never a made-up 0)."""
    return "not in the data" if n is None else f"{n:,}"
