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
