"""The file of ``smartvote forensics FILE`` read while the command line is still parsed.

Typer spends 0.15–0.25 s between :func:`smartvote.cli.main` and the command's body on the
2-core reference machine (building every command's Click parameters, importing Pydantic
for its value coercion), and the command then imports SciPy and the methods (about
0.35 s): all of it holds the interpreter lock. Reading a national protocol file costs
about as much again (importing Arrow, unzipping, parsing, the station arrays). So
:func:`begin` starts the read as the process starts, from a plain reading of the command
line, and the command takes it with :func:`take` once Typer has parsed the same
arguments.

Where ``fork`` is available the read runs in a process of its own
(:mod:`smartvote.forensics._fork`), which sends back the stations and the electronic
comparison's inputs (:meth:`~smartvote.forensics._cikread.FileStations.detached`): a
thread of this process would share its interpreter lock, and on the 2021 file the
reading thread and the imports slowed each other by about 0.2 s. With ``--report`` or
``--stations``, whose station list needs the Arrow table, and where fork is not
available, the read runs in a thread. A file the fast reader declines is read by the
full reader in this process, with its errors.

The early reading is only a guess, so it is checked: :func:`take` hands over the read
only when Typer's values of ``TARGET`` and ``--election`` are the ones the read used,
otherwise the command reads the file itself as before (the guess costs CPU, never a
wrong answer). A command line Typer refuses (``--seed -1``) still ends with its usage
error and exit 2, about 0.2 s later than without the early read (0.5–0.65 s against
0.3–0.35 s on the 2021 file): the price of starting before the parse. Anything this reading does not recognise (an unknown option, ``--help``,
a target that is not a file) starts nothing. ``tests/test_cli_prefetch.py`` checks the
option names below against the command's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from smartvote.forensics._cikread import FileStations
    from smartvote.forensics._fork import Forked

#: Options of ``smartvote forensics`` that take a value, and its flags
#: (:func:`smartvote.cli.forensics.forensics`).
VALUE_OPTIONS = frozenset({"--db", "--report", "--stations", "--election", "--seed"})
FLAG_OPTIONS = frozenset({"--json", "--monte-carlo"})

#: Options whose output needs the station list, built from the Arrow table.
LIST_OPTIONS = frozenset({"--report", "--stations"})


class Reading(Protocol):
    """A read under way: a :class:`concurrent.futures.Future` or a :class:`ReadInProcess`."""

    def done(self) -> bool: ...

    def result(self) -> Any: ...


class Target(NamedTuple):
    """What the plain reading of a ``forensics`` command line found."""

    target: str
    election: str | None
    station_list: bool  # --report or --stations given


_started: dict[tuple[str, str | None], Reading] = {}


def forensics_target(args: Sequence[str]) -> Target | None:
    """``TARGET`` and ``--election`` of a ``forensics`` command line (the arguments after
    the program's name), or ``None`` when it is another command, asks for help, or holds
    anything this reading does not know (Typer then reports it as usual)."""
    if not args or args[0] != "forensics":
        return None
    target: str | None = None
    election: str | None = None
    station_list = False
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
        station_list |= name in LIST_OPTIONS
    return None if target is None else Target(target, election, station_list)


def begin(args: Sequence[str]) -> bool:
    """Start reading the file of a ``forensics`` command line (True), or nothing (False:
    another command, or a target that is not a file)."""
    got = forensics_target(args)
    if got is None or not Path(got.target).is_file():
        return False
    from smartvote.cli.forensics import keep_freed_memory, read_in_thread
    from smartvote.forensics import _fork

    keep_freed_memory()
    path, election = Path(got.target), got.election
    forked = None if got.station_list else _fork.start(lambda: _read_detached(path, election))
    reading: Reading
    if forked is not None:
        reading = ReadInProcess(forked, path, election)
    else:
        reading = read_in_thread(path, election)
    _started[(got.target, election)] = reading
    return True


def take(target: str, election: str | None) -> Reading | None:
    """The read :func:`begin` started for exactly this ``TARGET`` and ``--election``, or
    ``None``; every other early read is dropped (a reading process is stopped, a thread
    ends on its own)."""
    reading = _started.pop((target, election), None)
    for other in _started.values():
        if isinstance(other, ReadInProcess):
            other.close()
    _started.clear()
    return reading


class ReadInProcess:
    """The read of :func:`begin` in a forked process: :meth:`result` waits for it and
    returns the file's stations, or reads the file here when the fast reader declined
    it (the full reader, with its errors)."""

    def __init__(self, forked: Forked, path: Path, election: str | None) -> None:
        self.forked, self.path, self.election = forked, path, election

    def done(self) -> bool:
        """Unknown until :meth:`result` (False)."""
        return False

    def result(self) -> FileStations | Any:
        got = self.forked.result()  # the reading process's error, if any, raised here
        if got is not None:
            return got
        # Declined by the fast reader already: straight to the full reader (what
        # ``_cikread.read_file`` does after a decline), not the fast reader a second time.
        from smartvote.io.detect import read_any

        return read_any(self.path, election=self.election)

    def close(self) -> None:
        """Stop the reading process (its answer is not wanted)."""
        self.forked.close()


def _read_detached(path: Path, election: str | None) -> FileStations | None:
    """In the reading process: the file's stations ready to pickle, or ``None`` when the
    fast reader declines the file (:func:`~smartvote.forensics._cikread.read_stations`)."""
    from smartvote.forensics._cikread import read_stations

    fs = read_stations(path, election)
    return None if fs is None else fs.detached(path, election)
