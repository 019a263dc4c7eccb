"""The file of ``smartvote forensics FILE`` read while the command line is still parsed.

Typer spends 0.15–0.25 s between :func:`smartvote.cli.main` and the command's body on the
2-core reference machine (building every command's Click parameters, importing Pydantic
for its value coercion), and the command then imports SciPy and the methods (about
0.45 s): all of it holds the interpreter lock, while reading a national protocol file is
mostly Arrow's CSV parse and decompression, which does not. :func:`begin` therefore
starts the read in a thread as the process starts, from a plain reading of the command
line, and the command takes it with :func:`take` once Typer has parsed the same
arguments.

The early reading is only a guess, so it is checked: :func:`take` hands over the read
only when Typer's values of ``TARGET`` and ``--election`` are the ones the read used,
otherwise the command reads the file itself as before (the guess costs CPU, never a
wrong answer). Anything this reading does not recognise (an unknown option, ``--help``,
a target that is not a file) starts nothing. ``tests/test_cli_prefetch.py`` checks the
option names below against the command's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

#: Options of ``smartvote forensics`` that take a value, and its flags
#: (:func:`smartvote.cli.forensics.forensics`).
VALUE_OPTIONS = frozenset({"--db", "--report", "--stations", "--election", "--seed"})
FLAG_OPTIONS = frozenset({"--json", "--monte-carlo"})

_started: dict[tuple[str, str | None], Future[Any]] = {}


def forensics_target(args: Sequence[str]) -> tuple[str, str | None] | None:
    """``(TARGET, --election)`` of a ``forensics`` command line (the arguments after the
    program's name), or ``None`` when it is another command, asks for help, or holds
    anything this reading does not know (Typer then reports it as usual)."""
    if not args or args[0] != "forensics":
        return None
    target: str | None = None
    election: str | None = None
    rest = list(args[1:])
    only_positional = False
    while rest:
        a = rest.pop(0)
        if only_positional or not a.startswith("-") or a == "-":
            if target is not None:
                return None  # a second positional: Typer refuses it
            target = a
            continue
        if a == "--":
            only_positional = True
            continue
        name, eq, value = a.partition("=")
        if name in FLAG_OPTIONS and not eq:
            continue
        if name not in VALUE_OPTIONS:
            return None  # --help, a short option, a typo: leave it all to Typer
        if not eq:
            if not rest:
                return None
            value = rest.pop(0)
        if name == "--election":
            election = value
    return None if target is None else (target, election)


def begin(args: Sequence[str]) -> bool:
    """Start reading the file of a ``forensics`` command line in a thread (True), or
    nothing (False: another command, or a target that is not a file)."""
    got = forensics_target(args)
    if got is None or not Path(got[0]).is_file():
        return False
    from smartvote.cli.forensics import keep_freed_memory, read_in_thread

    keep_freed_memory()
    _started[got] = read_in_thread(Path(got[0]), got[1])
    return True


def take(target: str, election: str | None) -> Future[Any] | None:
    """The read :func:`begin` started for exactly this ``TARGET`` and ``--election``, or
    ``None``; every other early read is dropped (its thread ends on its own)."""
    fut = _started.pop((target, election), None)
    _started.clear()
    return fut
