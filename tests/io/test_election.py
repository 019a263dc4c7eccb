"""The election type: the same from a file and from the store; its writers and value parsers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smartvote.errors import InputError
from smartvote.io import Election, Store, read_any
from smartvote.io.columns import CANDIDATE_COLUMNS, RACE_COLUMNS, RESULT_COLUMNS, UNIT_COLUMNS
from smartvote.io.values import parse_bool
from smartvote.io.write import write_cik, write_tidy
from smartvote.jsonio import clean, dumps


def _sorted(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = df.astype({c: "string" for c in keys}).sort_values(keys, kind="stable")
    return out.reset_index(drop=True)


@pytest.mark.parametrize("name", ["sim-2026.csv", "sim-2026-smd.csv"])
@pytest.mark.slow
def test_store_gives_back_the_election_the_file_reader_gives(
    sim_dir: Path, tmp_path: Path, name: str
) -> None:
    path = sim_dir / name
    from_file = read_any(path)
    with Store(tmp_path / "s.duckdb") as st:
        election = st.ingest([path], progress=False).election
        stored = Election.from_store(st, election)
        dense = Election.from_store(st, election, dense=True)
    assert stored.election == from_file.election
    assert stored.sources == [str(tmp_path / "s.duckdb")]
    for got, want, cols, keys in (
        (stored.races, from_file.races, RACE_COLUMNS, ["race"]),
        (stored.units, from_file.units, UNIT_COLUMNS, ["race", "unit"]),
        (stored.candidates, from_file.candidates, CANDIDATE_COLUMNS, ["race", "candidate"]),
    ):
        assert list(got.columns) == list(cols)
        for c, t in cols.items():  # text: any pandas string storage, or objects all str/NA
            if t == "string":
                v = got[c].dropna()
                ok = pd.api.types.is_string_dtype(got[c]) or all(isinstance(x, str) for x in v)
            else:
                ok = str(got[c].dtype) == t
            assert ok, (c, got[c].dtype, t)
        drop = ["source"]  # the store keys sources by path
        g = _sorted(got.drop(columns=drop, errors="ignore"), keys)
        w = _sorted(want.drop(columns=drop, errors="ignore"), keys)
        pd.testing.assert_frame_equal(g.astype(str), w.astype(str))
    keys = ["race", "unit", "candidate"]
    r_got = _sorted(stored.results[[*keys, "votes"]], keys)
    r_want = _sorted(from_file.results[[*keys, "votes"]], keys)
    assert list(stored.results.columns) == list(RESULT_COLUMNS)
    assert len(r_got) == len(r_want) > 4000
    np.testing.assert_array_equal(
        r_got["votes"].to_numpy(dtype=float, na_value=np.nan),
        r_want["votes"].to_numpy(dtype=float, na_value=np.nan),
    )
    assert (r_got[keys] == r_want[keys]).all().all()
    # One race: ``dense`` gives the votes as the reader's units × choices matrix.
    if len(from_file.races) == 1:
        assert dense.matrix is not None and from_file.matrix is not None
        order = _sorted(
            from_file.units[["race", "unit"]].assign(i=range(len(from_file.units))),
            ["race", "unit"],
        )
        dorder = _sorted(
            dense.units[["race", "unit"]].assign(i=range(len(dense.units))), ["race", "unit"]
        )
        cands = list(from_file.candidates["candidate"].astype(str))
        cols = [list(dense.candidates["candidate"].astype(str)).index(c) for c in cands]
        np.testing.assert_array_equal(
            dense.matrix[dorder["i"].to_numpy()][:, cols], from_file.matrix[order["i"].to_numpy()]
        )
    else:
        assert dense.matrix is None and len(dense.results) == len(stored.results)
    # The stored flags are the reader's protocol checks, written at ingest.
    f_keys = ["race", "unit", "rule"]
    got_flags = _sorted(stored.flags[f_keys], f_keys)
    want_flags = _sorted(from_file.flags[f_keys], f_keys)
    assert got_flags.astype(str).equals(want_flags.astype(str))


def test_from_store_names_the_stored_elections(sim_dir: Path, tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        st.ingest([sim_dir / "sim-2026.csv"], progress=False)
        with pytest.raises(Exception, match="sim-2026"):
            Election.from_store(st, "no-such-election")


def test_writers_refuse_what_the_readers_would_refuse(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="registered"):
        write_cik(pd.DataFrame({"region": ["a"], "uik": ["1"]}), tmp_path / "x.csv")
    with pytest.raises(InputError, match="race, unit, candidate, votes"):
        write_tidy(pd.DataFrame({"race": ["r"], "unit": ["u"]}), tmp_path / "y.csv")
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "y.csv").exists()
    df = pd.DataFrame({"race": ["r"], "unit": ["u"], "candidate": ["A"], "votes": [3]})
    p = write_tidy(df, tmp_path / "t.csv")
    b = read_any(p)
    assert b.results["votes"].tolist() == [3]


def test_parse_bool_one_rule() -> None:
    s = pd.Series(["true", " Yes", "0", "", "f", "maybe"])
    out, problem = parse_bool(s, "f.csv", "regime")
    assert out.tolist()[:5] == [True, True, False, pd.NA, False]
    assert problem is not None
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "f.csv",
        7,
        "regime",
        "maybe",
    )
    ok, none = parse_bool(pd.Series([True, False]), "f.csv", "regime")
    assert ok.tolist() == [True, False] and none is None


def test_json_cleaner() -> None:
    doc = {
        1: float("nan"),
        "a": (np.float64(0.5), np.int64(3), np.bool_(True), pd.NA),
        "arr": np.array([1.0, np.inf]),
        "nested": [{"x": -math.inf}],
    }
    got = clean(doc)
    assert got == {
        "1": None,
        "a": [0.5, 3, True, None],
        "arr": [1.0, None],
        "nested": [{"x": None}],
    }
    assert json.loads(dumps(doc)) == got
