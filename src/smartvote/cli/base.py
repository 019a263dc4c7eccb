"""What every command shares: the Typer app, the ``--db``/``--json`` options, output and errors.

Every command accepts ``--json`` and then prints exactly one JSON document on stdout.
Errors from the library are printed as ``error: FILE, row N: [rule] detail`` with exit
code 2 (bad input) and never as a traceback.

Nothing heavy is imported here (no pandas, numpy, DuckDB, rich): ``smartvote --help``
must start fast, so the error types and the consoles are loaded when first needed.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from smartvote.errors import SmartvoteError


class _App(typer.Typer):
    """A Typer app whose every command reports :class:`SmartvoteError` through :func:`fail`.

    Commands just raise; the error is printed as ``error: …`` (and as JSON under
    ``--json``) with exit code 2, never as a traceback.
    """

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        register = super().command(*args, **kwargs)

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(fn)
            def reporting(*a: Any, **k: Any) -> Any:
                commits = _commits()
                try:
                    return fn(*a, **k)
                except KeyboardInterrupt:
                    # before a commit the store's transaction was rolled back: nothing
                    # half-written stays; after it the data is saved, whole
                    _interrupted(saved=_commits() > commits)
                except Exception as e:
                    from smartvote.errors import Problem, SmartvoteError

                    if isinstance(e, SmartvoteError):
                        fail(e)
                    if isinstance(e, RecursionError):
                        fail(SmartvoteError(Problem("nesting", "input nested too deeply to read")))
                    if isinstance(e, MemoryError):
                        fail(SmartvoteError(Problem("memory", "out of memory reading the input")))
                    # DuckDB turns Ctrl-C during a query into its own error, with the
                    # KeyboardInterrupt attached or (its own signal check) without it
                    if isinstance(e.__cause__ or e.__context__, KeyboardInterrupt) or (
                        isinstance(e, RuntimeError) and str(e) == "Query interrupted"
                    ):
                        _interrupted(saved=_commits() > commits)
                    raise

            register(reporting)
            return fn

        return decorate


def _commits() -> int:
    """Store transactions committed so far in this process (none if no store was loaded)."""
    store = sys.modules.get("smartvote.io.store")
    return int(getattr(getattr(store, "Store", None), "commits", 0))


def _interrupted(saved: bool = False) -> None:
    """Exit 130 on Ctrl-C, saying truly whether the command's data reached the store."""
    if saved:
        sys.stderr.write("error: interrupted after the data was saved (the store is complete)\n")
    else:
        sys.stderr.write("error: interrupted (nothing was written)\n")
    raise typer.Exit(130)


app = _App(
    name="smartvote",
    help="Smart Voting rebuilt: ingest precinct data, choose endorsements, publish them, assess the result.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help (click's formatter): typer's rich help imports rich's Markdown and
    # markdown-it on every `--help`, which alone took it past 0.3 s (issue 15).
    rich_markup_mode=None,
)


@functools.cache
def out() -> Console:
    """The rich console on stdout (tables and messages of a command).

    Markup is off: names, regions and paths are data, and a ``[/b]`` in one must be printed
    as it is (rich would raise on it, or restyle and drop ``[bold red]``); our own styling
    goes through ``style=``.
    """
    from rich.console import Console

    return Console(markup=False)


@functools.cache
def console() -> Console:
    """The rich console on stderr (progress and notes beside the JSON on stdout)."""
    from rich.console import Console

    return Console(stderr=True, markup=False)


DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file (default $SMARTVOTE_DB or ./smartvote.duckdb)"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print machine-readable JSON on stdout")]


def db_path(db: Path | None) -> Path:
    """``--db``, else ``$SMARTVOTE_DB``, else ``./smartvote.duckdb``."""
    if db is not None:
        return db
    from smartvote.io.store import default_db_path

    return default_db_path()


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
    """Print the problems of ``e`` (and, under ``--json``, one JSON document); exit 2."""
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
