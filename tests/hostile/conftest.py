"""Fixtures of the hostile-input suite: a populated store, a signed bundle, a CLI runner.

Every hostile input is generated inside the test (nothing large is committed); each case
states the exit code and message it must produce, and the store's checksum is compared
before and after.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from smartvote.cli import app
from smartvote.io.store import Store
from smartvote.publish.bundle import build_bundle
from smartvote.publish.recommendations import check_recommendations
from smartvote.publish.samples import synthetic_recommendations, synthetic_station_rows
from smartvote.publish.sign import generate_keypair, load_private_key
from smartvote.publish.stations import group_stations

_TABLES = (
    "elections",
    "sources",
    "races",
    "candidates",
    "units",
    "flags",
    "protocol_extra",
    "choices",
)


def store_digest(db: Path, timestamps: bool = True) -> str:
    """A checksum of everything the store holds (every row of every table, in order).

    ``timestamps=False`` leaves out the ``ingested_at`` columns, so that two ingests of the
    same files at different times have the same checksum.
    """
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{db}' AS s (READ_ONLY)")
        h = hashlib.sha256()
        for t in _TABLES:
            cols = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_catalog = 's' AND table_name = ? ORDER BY ordinal_position",
                    [t],
                ).fetchall()
                if timestamps or r[0] != "ingested_at"
            ]
            row = ", ".join(f't."{c}"' for c in cols)
            rows = con.execute(
                f"SELECT CAST(({row}, NULL) AS VARCHAR) AS r FROM s.{t} t ORDER BY r"
            ).fetchall()
            h.update(f"{t}:{len(rows)}".encode())
            for (r,) in rows:
                h.update(r.encode())
        return h.hexdigest()
    finally:
        con.close()


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


def run(args: list[str], env: dict[str, str] | None = None) -> Result:
    # ``output`` is what a user sees, stdout and stderr together, under every click version
    r = CliRunner().invoke(app, args, env=env)
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception  # a traceback: the case fails loudly with it
    return Result(r.exit_code, r.output, "")


@pytest.fixture(scope="session")
def sim_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulated CIK file (300 stations)."""
    from smartvote.simulate import simulate

    d = tmp_path_factory.mktemp("hsim")
    simulate(seed=7, stations=300).write(d)
    return d / "sim-2026.csv"


@pytest.fixture(scope="session")
def _base_store(tmp_path_factory: pytest.TempPathFactory, sim_csv: Path) -> Path:
    db = tmp_path_factory.mktemp("hstore") / "base.duckdb"
    with Store(db) as st:
        st.ingest([sim_csv], progress=False, election="duma-2026")
    return db


@pytest.fixture()
def store(_base_store: Path, tmp_path: Path) -> Iterator[Path]:
    """A populated store; the test fails if the case changed a single row of it."""
    db = tmp_path / "store.duckdb"
    shutil.copy(_base_store, db)
    before = store_digest(db)
    yield db
    assert store_digest(db) == before, "the hostile input changed the store"


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("hkeys")
    generate_keypair(d / "key")
    return d


@pytest.fixture(scope="session")
def _master_bundle(tmp_path_factory: pytest.TempPathFactory, keys: Path) -> Path:
    out = tmp_path_factory.mktemp("hbundle") / "bundle"
    rows = synthetic_station_rows(40, n_regions=2, rng_seed=3, races_per_region=2)
    recs = check_recommendations(synthetic_recommendations({r["race"] for r in rows}, rng_seed=3))
    build_bundle(recs, group_stations(rows), load_private_key(keys / "key"), out, version=7)
    return out


@pytest.fixture()
def bundle(_master_bundle: Path, tmp_path: Path) -> Path:
    """A fresh copy of a genuine signed bundle, to damage."""
    out = tmp_path / "bundle"
    shutil.copytree(_master_bundle, out)
    return out


@pytest.fixture()
def recs_and_stations(tmp_path: Path) -> tuple[Path, Path]:
    rows = synthetic_station_rows(10, n_regions=1, rng_seed=5, races_per_region=1)
    recs = synthetic_recommendations({r["race"] for r in rows}, rng_seed=5)
    rp, sp = tmp_path / "recs.json", tmp_path / "stations.csv"
    rp.write_text(json.dumps(recs), encoding="utf-8")
    with sp.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["unit", "race", "region", "address"])
        w.writeheader()
        w.writerows(rows)
    return rp, sp
