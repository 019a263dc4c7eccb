"""Ingest, real data (docs/1-ingest.md): ``smartvote convert`` turns the data sets of
``../shared/data`` into the tidy format (:mod:`smartvote.convert`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smartvote.cli.base import app, emit_json, out


@app.command()
def convert(
    source: Annotated[str, typer.Argument(help="spb | moscow | smart-voting | all")],
    data: Annotated[Path, typer.Option(help="the shared data folder")] = Path("../shared/data"),
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("converted"),
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Convert a real data set in ../shared/data to the tidy format."""
    from smartvote.convert import CONVERTERS, convert_all
    from smartvote.errors import InputError, Problem

    if source == "all":
        paths = convert_all(data, out_dir)
    elif source in CONVERTERS:
        paths = CONVERTERS[source](data, out_dir)
    else:
        raise InputError(
            Problem("source", f"unknown source {source!r}; one of {[*CONVERTERS, 'all']}")
        )
    if as_json:
        emit_json({k: str(v) for k, v in paths.items()})
    else:
        for k, v in paths.items():
            out().print(f"{k}: {v}")
