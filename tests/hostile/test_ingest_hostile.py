"""Hostile inputs to ``smartvote ingest``: each exits 2 with its message, the store unchanged."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import run, store_digest

Make = Callable[[Path, Path], list[str]]  # (sim csv, tmp dir) -> ingest arguments


def _rows(sim: Path) -> list[list[str]]:
    with sim.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _write(p: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    p.write_text(buf.getvalue(), encoding="utf-8")
    return p


def _cell(value: str, row: int = 5) -> Make:
    """The simulated file with the registered-voters cell of ``row`` set to ``value``."""

    def make(sim: Path, tmp: Path) -> list[str]:
        rows = _rows(sim)
        col = next(i for i, h in enumerate(rows[0]) if "внесенных" in h or "включенных" in h)
        rows[row - 1][col] = value
        return [str(_write(tmp / "2026.csv", rows))]

    return make


def _vote(value: str, row: int = 5) -> Make:
    """The simulated file with the first vote cell of ``row`` set to ``value``."""

    def make(sim: Path, tmp: Path) -> list[str]:
        rows = _rows(sim)
        col = next(i for i, h in enumerate(rows[0]) if h.startswith("1. "))
        rows[row - 1][col] = value
        return [str(_write(tmp / "2026.csv", rows))]

    return make


def _short_row(sim: Path, tmp: Path) -> list[str]:
    rows = _rows(sim)
    rows[9] = rows[9][:-3]
    return [str(_write(tmp / "2026.csv", rows))]


def _long_row(sim: Path, tmp: Path) -> list[str]:
    rows = _rows(sim)
    rows[9] = [*rows[9], "7"]
    return [str(_write(tmp / "2026.csv", rows))]


def _truncated(sim: Path, tmp: Path) -> list[str]:
    data = sim.read_bytes()
    p = tmp / "2026.csv"
    p.write_bytes(data[: data.rindex(b",", 0, len(data) - 1) - 1])
    return [str(p)]


def _cp1251(sim: Path, tmp: Path) -> list[str]:
    p = tmp / "2026.csv"
    p.write_bytes(sim.read_text(encoding="utf-8").encode("cp1251", errors="replace"))
    return [str(p)]


def _zip(sim: Path, tmp: Path) -> Path:
    p = tmp / "2026.csv.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("2026.csv", sim.read_bytes() * 3)
    return p


def _truncated_zip(sim: Path, tmp: Path) -> list[str]:
    z = _zip(sim, tmp)
    z.write_bytes(z.read_bytes()[: z.stat().st_size // 2])
    return [str(z)]


def _corrupt_zip(sim: Path, tmp: Path) -> list[str]:
    z = _zip(sim, tmp)
    data = bytearray(z.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 64):
        data[i] ^= 0x5A
    z.write_bytes(bytes(data))
    return [str(z)]


def _two_member_zip(sim: Path, tmp: Path) -> list[str]:
    p = tmp / "2026.csv.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("a.csv", sim.read_bytes())
        z.writestr("b.csv", sim.read_bytes())
    return [str(p)]


def _zip_bomb(sim: Path, tmp: Path) -> list[str]:
    """3 MiB of text compressing to a few KiB, against a 1 MiB cap."""
    p = tmp / "2026.csv.zip"
    head = sim.read_text(encoding="utf-8").splitlines()[0]
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("2026.csv", head + "\n" + ("0," * 1000 + "\n") * 1600)
    return [str(p), "--max-input-mb", "1"]


def _single_line(sim: Path, tmp: Path) -> list[str]:
    p = tmp / "2026.csv"
    p.write_bytes(b"1" * (300 << 10))  # one 300 KiB line against a 64 KiB cap
    return [str(p), "--max-line-kb", "64"]


def _long_data_line(sim: Path, tmp: Path) -> list[str]:
    p = tmp / "2026.csv"
    head = sim.read_bytes().split(b"\n", 1)[0]
    p.write_bytes(head + b"\n" + b"9" * (300 << 10) + b"\n")
    return [str(p), "--max-line-kb", "64"]


def _header_only(sim: Path, tmp: Path) -> list[str]:
    p = tmp / "2026.csv"
    p.write_bytes(sim.read_bytes().split(b"\n", 1)[0] + b"\n")
    return [str(p)]


def _empty(sim: Path, tmp: Path) -> list[str]:
    p = tmp / "2026.csv"
    p.write_bytes(b"")
    return [str(p)]


def _csv_copy_of_stored(sim: Path, tmp: Path) -> list[str]:
    p = tmp / "copy" / "other-name.csv"
    p.parent.mkdir()
    p.write_bytes(sim.read_bytes())
    z = tmp / "2026.csv.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(p, "2026.csv")
    return [str(z), "--election", "duma-2026"]


def _truncated_copy_of_stored(sim: Path, tmp: Path) -> list[str]:
    lines = sim.read_bytes().splitlines(keepends=True)
    p = tmp / "part.csv"
    p.write_bytes(b"".join(lines[:120]))
    return [str(p), "--election", "duma-2026"]


def _same_bytes_twice(sim: Path, tmp: Path) -> list[str]:
    a, b = tmp / "a.csv", tmp / "b.csv"
    a.write_bytes(sim.read_bytes())
    b.write_bytes(sim.read_bytes())
    return [str(a), str(b), "--election", "new"]


def _tidy(rows: list[str]) -> Make:
    def make(sim: Path, tmp: Path) -> list[str]:
        p = tmp / "t.csv"
        p.write_text("race,unit,candidate,votes,registered\n" + "\n".join(rows) + "\n")
        return [str(p), "--election", "t"]

    return make


def _db(kind: str) -> Make:
    def make(sim: Path, tmp: Path) -> list[str]:
        db = tmp / f"x.{kind}"
        if kind == "csv":
            db.write_bytes(sim.read_bytes())
        elif kind == "parquet":
            import pandas as pd

            pd.DataFrame({"a": [1]}).to_parquet(db)
        elif kind == "sqlite":
            import sqlite3

            con = sqlite3.connect(db)
            con.execute("CREATE TABLE t (x)")
            con.commit()
            con.close()
        elif kind == "dir":
            db.mkdir()
        elif kind == "missing-folder":
            db = tmp / "nope" / "x.duckdb"
        return [str(sim), "--db", str(db)]

    return make


def _args(*a: str) -> Make:
    def make(sim: Path, tmp: Path) -> list[str]:
        return [x.replace("{sim}", str(sim)).replace("{tmp}", str(tmp)) for x in a]

    return make


#: name -> (builder, exit code, text the message must contain)
CASES: dict[str, tuple[Make, int, str]] = {
    "inf": (_cell("inf"), 2, "[range]"),
    "minus-inf": (_cell("-inf"), 2, "row 5"),
    "1e23": (_cell("1e23"), 2, "[range]"),
    "above-int64": (_cell("99999999999999999999"), 2, "[range]"),
    "1e400": (_cell("1e400"), 2, "[range]"),
    "negative": (_cell("-5"), 2, "[non_negative]"),
    "fraction": (_cell("12.5"), 2, "[integer]"),
    "word": (_cell("много"), 2, "[integer]"),
    # Only an empty cell is blank (missing): the text of a missing value is not one
    **{
        f"vote-{v}": (
            _vote(v),
            2,
            "row 5, column '1. Политическая партия \"Партия власти\"': [integer]",
        )
        for v in ("nan", "NaN", "NA", "null", "N/A")
    },
    "registered-nan": (_cell("nan"), 2, "row 5, column"),
    "tidy-nan-votes": (_tidy(["r,u1,a,nan,10", "r,u1,b,1,10"]), 2, "row 2, column 'votes'"),
    "tidy-NA-registered": (_tidy(["r,u1,a,5,NA", "r,u1,b,1,10"]), 2, "row 2, column 'registered'"),
    "short-row": (_short_row, 2, "row 10: [row_width]"),
    "extra-field": (_long_row, 2, "row 10: [row_width]"),
    "truncated-last-row": (_truncated, 2, "[row_width]"),
    "not-utf8": (_cp1251, 2, "[encoding]"),
    "truncated-zip": (_truncated_zip, 2, "damaged zip archive"),
    "corrupt-zip-stream": (_corrupt_zip, 2, "damaged zip archive"),
    "zip-two-files": (_two_member_zip, 2, "[zip_single_file]"),
    "zip-bomb": (_zip_bomb, 2, "[too_large]"),
    "single-line-file": (_single_line, 2, "row 1: [line_too_long]"),
    "long-data-line": (_long_data_line, 2, "row 2: [line_too_long]"),
    "header-only": (_header_only, 2, "[empty]"),
    "empty-file": (_empty, 2, "error:"),
    "zip-of-stored-election": (_csv_copy_of_stored, 2, "[duplicate_unit]"),
    "truncated-copy-of-stored": (_truncated_copy_of_stored, 2, "[duplicate_unit]"),
    "same-bytes-twice": (_same_bytes_twice, 2, "[duplicate_source]"),
    "tidy-inf-votes": (_tidy(["r,u1,a,inf,10", "r,u1,b,1,10"]), 2, "[range]"),
    "tidy-short-row": (_tidy(["r,u1,a,5,10", "r,u1,b,1"]), 2, "row 3: [row_width]"),
    "tidy-duplicate": (_tidy(["r,u1,a,5,10", "r,u1,a,5,10"]), 2, "[unique]"),
    "directory-input": (_args("{tmp}"), 2, "[not_a_file]"),
    "dev-zero": (_args("/dev/zero"), 2, "not a regular file"),
    "missing-input": (_args("{tmp}/nope.csv"), 2, "file not found"),
    "db-is-csv": (_db("csv"), 2, "not a DuckDB database"),
    "db-is-parquet": (_db("parquet"), 2, "not a DuckDB database"),
    "db-is-sqlite": (_db("sqlite"), 2, "not a DuckDB database"),
    "db-is-directory": (_db("dir"), 2, "is a directory"),
    "db-folder-missing": (_db("missing-folder"), 2, "folder for a new database"),
    "max-input-zero": (_args("{sim}", "--max-input-mb", "0"), 2, "--max-input-mb"),
    "max-line-negative": (_args("{sim}", "--max-line-kb", "-3"), 2, "--max-line-kb"),
    "max-line-nan": (_args("{sim}", "--max-line-kb", "nan"), 2, "--max-line-kb"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_ingest(name: str, sim_csv: Path, store: Path, tmp_path: Path) -> None:
    make, code, message = CASES[name]
    args = make(sim_csv, tmp_path)
    if "--db" not in args:
        args += ["--db", str(store)]
    r = run(["ingest", *args])
    assert r.code == code, r.text
    assert message in r.text, r.text
    assert "Traceback" not in r.text


def test_bad_limit_in_environment(sim_csv: Path, store: Path) -> None:
    r = run(["ingest", str(sim_csv), "--db", str(store)], env={"SMARTVOTE_MAX_INPUT_MB": "lots"})
    assert r.code == 2 and "SMARTVOTE_MAX_INPUT_MB" in r.text


def test_interrupted_ingest_leaves_the_store(
    sim_csv: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while writing: exit 130 with a message, the transaction rolled back."""
    from smartvote.io import store as store_mod

    real = store_mod.Store._write_one

    def interrupted(self: object, con: object, b: object) -> None:
        real(self, con, b)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(store_mod.Store, "_write_one", interrupted)
    r = run(["ingest", str(sim_csv), "--election", "other", "--db", str(store)])
    assert r.code == 130 and "interrupted" in r.text


@pytest.mark.parametrize("where", ["summary", "table"])
def test_interrupt_after_the_commit_says_the_data_was_saved(
    where: str, sim_csv: Path, _base_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C in the moments after the ingest committed (its summary computed, then its
    table printed): exit 130, but never "nothing was written": the store is complete."""
    import shutil

    from smartvote.cli import ingest as cli_ingest
    from smartvote.io import store as store_mod

    def ctrl_c(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    if where == "summary":  # inside Store.ingest, after write() committed
        monkeypatch.setattr(store_mod, "summarise_batches", ctrl_c)
    else:  # the store closed, the table printing

        class Console:
            print = staticmethod(ctrl_c)

        monkeypatch.setattr(cli_ingest, "out", Console)
    db = tmp_path / "s.duckdb"
    shutil.copy(_base_store, db)
    r = run(_ingest_other(sim_csv, db))
    assert r.code == 130, r.text
    assert "nothing was written" not in r.text
    assert "error: interrupted after the data was saved" in r.text
    with store_mod.Store(db, read_only=True) as st:
        assert set(st.elections()["election"]) == {"duma-2026", "other"}
    # before the commit it still says nothing was written (and nothing was)
    monkeypatch.setattr(store_mod.Store, "_write_one", ctrl_c)
    r = run(["ingest", str(sim_csv), "--election", "third", "--db", str(db)])
    assert r.code == 130 and "error: interrupted (nothing was written)" in r.text
    with store_mod.Store(db, read_only=True) as st:
        assert set(st.elections()["election"]) == {"duma-2026", "other"}


def _wait_until_open(db: Path, proc: subprocess.Popen[bytes]) -> None:
    """Until ``proc`` holds the database (a reader is told it is busy) or has ended."""
    from smartvote.errors import StoreError
    from smartvote.io.store import Store

    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            Store(db, read_only=True).close()
        except StoreError as e:
            if e.rule == "db_busy":
                return
        time.sleep(0.02)


#: A child process: a real ``smartvote ingest`` whose DuckDB connection sends the process a
#: signal at one point of the write transaction (``argv[1]``: ``when:signal:text``, e.g.
#: ``after:KILL:INSERT INTO units``: after the first statement starting with that text).
_HOOKED_INGEST = """
import os, signal, sys
from smartvote.io import store as sm
when, sig, text = sys.argv[1].split(":", 2)
class Con:
    def __init__(self, con):
        self._c = con
    def __getattr__(self, k):
        return getattr(self._c, k)
    def execute(self, q, *a, **k):
        hit = q.lstrip().startswith(text)
        if hit and when == "before":
            send()
        out = self._c.execute(q, *a, **k)
        if hit and when == "after":
            send()
        return out
def send():
    # raise(3) delivers to this thread, so Python sees the SIGINT at its next bytecode;
    # os.kill(getpid()) could land on one of DuckDB's threads and reach Python only later,
    # inside the next statement (the race this test is not about).
    signal.raise_signal(getattr(signal, "SIG" + sig))
init = sm.Store.__init__
def hooked(self, *a, **k):
    init(self, *a, **k)
    self.con = Con(self.con)
sm.Store.__init__ = hooked
from smartvote.cli import main
sys.argv = ["smartvote", *sys.argv[2:]]
main()
"""


def _ingest_other(sim_csv: Path, db: Path) -> list[str]:
    return ["ingest", str(sim_csv), "--election", "other", "--db", str(db)]


@pytest.fixture()
def two_states(sim_csv: Path, _base_store: Path, tmp_path: Path) -> tuple[Path, str, str]:
    """A copy of the populated store, its checksum, and the checksum after a complete ingest.

    Checksums leave out ``ingested_at``: a complete ingest at another time is the same.
    """
    import shutil

    done = tmp_path / "done.duckdb"
    shutil.copy(_base_store, done)
    assert run(_ingest_other(sim_csv, done)).code == 0
    db = tmp_path / "killed.duckdb"
    shutil.copy(_base_store, db)
    before, complete = store_digest(db, False), store_digest(done, False)
    assert before != complete
    return db, before, complete


@pytest.mark.parametrize(
    ("point", "code", "state"),
    [
        ("after:KILL:INSERT INTO units", -9, "before"),  # row groups written to the file
        ("before:KILL:COMMIT", -9, "before"),
        ("after:KILL:COMMIT", -9, "complete"),  # committed, not checkpointed: the WAL replays
        ("after:INT:INSERT INTO units", 130, "before"),
        ("after:INT:COMMIT", 0, "complete"),  # Ctrl-C during the commit: held, then dropped
    ],
)
@pytest.mark.slow
def test_killed_ingest_at_each_step(
    point: str, code: int, state: str, sim_csv: Path, two_states: tuple[Path, str, str],
    tmp_path: Path,
) -> None:  # fmt: skip
    """A real ingest killed (or interrupted) at a fixed point of its transaction.

    The store is then exactly as before or exactly as after a complete ingest, never
    partial, and which one is fixed by the point: the test is deterministic.
    """
    db, before, complete = two_states
    script = tmp_path / "hooked.py"
    script.write_text(_HOOKED_INGEST, encoding="utf-8")
    p = subprocess.run(
        [sys.executable, str(script), point, *_ingest_other(sim_csv, db)],
        capture_output=True,
        timeout=120,
    )
    assert p.returncode == code, p.stderr.decode()
    assert b"Traceback" not in p.stderr
    if code == 130:
        assert b"nothing was written" in p.stderr
    assert store_digest(db, False) == {"before": before, "complete": complete}[state]


@pytest.mark.slow
def test_killed_ingest_at_a_random_moment(
    sim_csv: Path, two_states: tuple[Path, str, str], tmp_path: Path
) -> None:
    """SIGINT and SIGKILL of a real ingest as soon as it holds the database.

    When the signal lands is up to the scheduler (the ingest may even commit first): the
    store must be exactly as before or exactly complete, never anything in between.
    """
    import signal

    db, before, complete = two_states
    for sig in (signal.SIGINT, signal.SIGKILL):
        p = subprocess.Popen(
            [sys.executable, "-c", "from smartvote.cli import main; main()",
             *_ingest_other(sim_csv, db)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        _wait_until_open(db, p)
        p.send_signal(sig)
        _, err = p.communicate(timeout=120)
        assert b"Traceback" not in err
        now = store_digest(db, False)
        assert now in (before, complete), f"{sig.name}: a partial store"
        if p.returncode == 130:  # what the message says must be true
            saved = b"interrupted after the data was saved" in err
            assert saved or b"interrupted (nothing was written)" in err, err.decode()
            assert now == (complete if saved else before)
        elif p.returncode == 0:
            assert now == complete


@pytest.mark.slow
def test_busy_database_is_named(sim_csv: Path, store: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import time\nfrom smartvote.io.store import Store\ns = Store({str(store)!r})\n"
         "print('ready', flush=True)\ntime.sleep(30)"],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        r = run(["ingest", str(sim_csv), "--election", "x", "--db", str(store)])
        assert r.code == 2 and "database is busy" in r.text, r.text
        r = run(["show", "duma-2026", "--db", str(store)])
        assert r.code == 2 and "database is busy" in r.text, r.text
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_count() -> None:
    """The suite's size, as reported in docs/1-ingest.md."""
    assert len(CASES) >= 35
    assert os.environ.get("SMARTVOTE_MAX_INPUT_MB") is None


def test_duckdb_own_interrupt_is_exit_130(monkeypatch: pytest.MonkeyPatch, store: Path) -> None:
    """DuckDB's own signal check turns Ctrl-C inside a query into ``RuntimeError('Query
    interrupted')`` with no KeyboardInterrupt attached: still exit 130, not a traceback."""
    from typer.testing import CliRunner

    from smartvote.cli import app
    from smartvote.io.store import Store

    def interrupted(self: Store) -> None:
        raise RuntimeError("Query interrupted")

    monkeypatch.setattr(Store, "elections", interrupted)
    r = CliRunner().invoke(app, ["elections", "--db", str(store)])
    assert r.exit_code == 130, r.output
    assert "error: interrupted" in r.output
