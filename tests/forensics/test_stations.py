"""Station list flags."""

from __future__ import annotations

import pytest
from tests.forensics.conftest import sim_stations

from smartvote.forensics import integer as it
from smartvote.forensics import shpilkin as sh
from smartvote.forensics.stations import station_list


@pytest.mark.slow
def test_station_list_flags() -> None:
    st, _, ts = sim_stations(seed=61, stations=5000, integer_share=0.05, extreme_share=0.01)
    r = it.integer_test(st, calibration_reps=0)
    reg = sh.by_group(st, st.region, len(st.region_names), boot=0)
    lst = station_list(st, r, reg)
    assert lst["integer_turnout"].sum() + 0 == int(r.hit_t.sum())
    assert (
        lst["integer_turnout"]
        | lst["integer_result"]
        | lst["extreme"]
        | (lst["excess_votes"] >= 50)
    ).all()
    extreme_units = set(ts.loc[ts["fraud"] == "extreme", "unit"])
    flagged = set(lst.loc[lst["extreme"], "unit"])
    assert len(flagged & extreme_units) >= 0.5 * len(extreme_units)
    assert lst["excess_votes"].is_monotonic_decreasing


def test_impossible_protocols_are_named_not_dropped() -> None:
    """A station reporting more ballots issued than registered voters (306 % turnout) or
    more valid ballots than ballots found stays in the statistics and is named in the list
    with ``impossible`` (it was used and never shown); ordinary stations are not."""
    import numpy as np

    from smartvote.forensics._frame import from_arrays

    st, _, _ = sim_stations(seed=62, stations=2000)
    B, valid = st.B.copy(), st.valid.copy()
    B[5] = 3 * st.N[5]
    valid[7] = st.R[7] + 10
    bad = from_arrays(N=st.N, B=B, R=st.R, W=st.W, valid=valid, region=st.region)
    assert bad.n == st.n
    r = it.integer_test(bad, calibration_reps=0)
    reg = sh.by_group(bad, bad.region, len(bad.region_names), boot=0)
    lst = station_list(bad, r, reg)
    named = set(lst.loc[lst["impossible"], "unit"])
    assert named == {str(bad.frame["unit"].iloc[5]), str(bad.frame["unit"].iloc[7])}
    assert not np.any((st.B > st.N) | (st.valid > st.R))
