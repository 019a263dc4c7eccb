"""The ``smartvote`` command line: a thin typer layer over the library.

Every command accepts ``--json`` and then prints exactly one JSON document on stdout.
Errors from the library are printed as ``error: FILE, row N: [rule] detail`` with exit
code 2 (bad input) and never as a traceback. Commands of later pipeline stages register
themselves from their own packages (see :func:`_register_all`).
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from smartvote.errors import Problem, SmartvoteError
from smartvote.io.store import Store, default_db_path


class _App(typer.Typer):
    """A Typer app whose every command reports :class:`SmartvoteError` through :func:`fail`.

    Commands (here and in the packages that register their own) just raise; the error is
    printed as ``error: …`` (and as JSON under ``--json``) with exit code 2, never as a
    traceback.
    """

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        register = super().command(*args, **kwargs)

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(fn)
            def reporting(*a: Any, **k: Any) -> Any:
                try:
                    return fn(*a, **k)
                except SmartvoteError as e:
                    fail(e)
                except KeyboardInterrupt:
                    # the store's transaction was rolled back: nothing half-written stays
                    _interrupted()
                except RecursionError:
                    fail(SmartvoteError(Problem("nesting", "input nested too deeply to read")))
                except MemoryError:
                    fail(SmartvoteError(Problem("memory", "out of memory reading the input")))
                except Exception as e:
                    # DuckDB turns Ctrl-C during a query into its own error
                    if isinstance(e.__cause__ or e.__context__, KeyboardInterrupt):
                        _interrupted()
                    raise

            register(reporting)
            return fn

        return decorate


def _interrupted() -> None:
    sys.stderr.write("error: interrupted (nothing was written)\n")
    raise typer.Exit(130)


app = _App(
    name="smartvote",
    help="Smart Voting rebuilt: ingest precinct data, choose endorsements, publish them, assess the result.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()

DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file (default $SMARTVOTE_DB or ./smartvote.duckdb)"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print machine-readable JSON on stdout")]


def db_path(db: Path | None) -> Path:
    return db if db is not None else default_db_path()


def emit_json(obj: Any) -> None:
    """Print one JSON document on stdout (UTF-8, no ASCII escaping)."""
    from smartvote.jsonio import dumps

    sys.stdout.write(dumps(obj) + "\n")


def _json_requested() -> bool:
    """Whether the running command was given ``--json``."""
    try:  # typer vendors click; its context knows the parsed options
        from typer._click.globals import get_current_context

        ctx = get_current_context(silent=True)
        if ctx is not None:
            return bool(ctx.params.get("as_json"))
    except ImportError:  # pragma: no cover - other typer layouts
        pass
    return "--json" in sys.argv[1:]


def fail(e: SmartvoteError) -> None:
    for p in e.problems:
        # Plain text: data in messages must never be read as markup, nor wrapped.
        sys.stderr.write(f"error: {p}\n")
    if _json_requested():
        # Under --json, scripts also get the failure as one JSON document on stdout.
        emit_json(
            {
                "error": [
                    {
                        "rule": p.rule,
                        "detail": p.detail,
                        "file": p.file,
                        "row": p.row,
                        "column": p.column,
                        "value": p.value,
                    }
                    for p in e.problems
                ]
            }
        )
    raise typer.Exit(2)


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
    from smartvote.io.files import Limits

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
    t.add_row("registered voters", f"{s.registered:,}")
    t.add_row("ballots issued", f"{s.ballots:,}")
    for rule, n in s.flags.items():
        t.add_row(f"flag: {rule}", f"{n:,}")
    out.print(t)
    for line in s.replaced:
        sys.stderr.write(f"replaced: {line}\n")


@app.command()
def elections(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List the elections in the store."""
    with Store(db_path(db), read_only=True) as st:
        df = st.elections()
    if as_json:
        emit_json(df.to_dict(orient="records"))
        return
    t = Table(title=str(db_path(db)))
    for c in ("election", "kind", "races", "units", "registered"):
        t.add_column(c, justify="right" if c in ("races", "units", "registered") else "left")
    for r in df.itertuples():
        t.add_row(
            str(r.election), str(r.kind), f"{r.races:,}", f"{r.units:,}", f"{int(r.registered):,}"
        )
    out.print(t)


@app.command()
def show(
    election: Annotated[str, typer.Argument(help="stored election name")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Summary of one stored election: stations, turnout, leader, top choices, flags."""
    with Store(db_path(db), read_only=True) as st:
        s = st.summary(election)
    if as_json:
        emit_json(s.to_dict())
        return
    print_summary(s)


def print_summary(s: Any) -> None:
    t = Table(title=f"{s.election} ({s.kind})")
    t.add_column("figure")
    t.add_column("value", justify="right")
    t.add_row("races", f"{s.races:,}")
    t.add_row("stations (incl. electronic)", f"{s.stations:,}")
    t.add_row("electronic units", f"{s.electronic_units:,}")
    t.add_row("registered voters", f"{s.registered:,}")
    t.add_row("ballots issued", f"{s.ballots:,}")
    t.add_row("turnout", f"{s.turnout:.2%}")
    for name, votes, share in s.top:
        t.add_row(name[:60], f"{votes:,} ({share:.2%})")
    for rule, n in s.flags.items():
        t.add_row(f"flag: {rule}", f"{n:,}")
    out.print(t)


_PLUGINS = (
    "smartvote.simulate_cli",
    "smartvote.convert",
    "smartvote.forensics.commands",
    "smartvote.recommend.commands",
    "smartvote.assess_commands",
    "smartvote.publish.commands",
    "smartvote.demo",
)


def _register_all() -> None:
    """Each pipeline stage adds its commands with a ``register(app)`` function."""
    for name in _PLUGINS:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name is not None and (name == e.name or name.startswith(e.name + ".")):
                continue  # that stage is not installed in this build
            raise
        mod.register(app)


_register_all()


def main() -> None:
    app()
