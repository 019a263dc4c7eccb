"""The station frame of a simulated election, read as a real file would be.

Tests and benchmarks that run the forensics on :func:`smartvote.simulate.simulate`'s output
must see exactly what a user running ``smartvote forensics`` on the written CIK file sees:
the protocol table goes through the real CIK reader (:func:`smartvote.io.cik.read_cik_frame`)
and then the suite's own :func:`smartvote.forensics.suite.station_frame`, not a shortcut.
"""

from __future__ import annotations

import pandas as pd

from smartvote.forensics.suite import station_frame
from smartvote.io.cik import read_cik_frame


def simulation_station_frame(protocols: pd.DataFrame, name: str = "sim-2026.csv") -> pd.DataFrame:
    """The frame :func:`~smartvote.forensics.suite.run_suite` takes for a simulated CIK
    protocol table (``Simulation.protocols``, left unchanged).

    ``name`` is the file name the table is read as: like a real file's, it names the
    election and so the race ids (``sim-2026.csv`` gives ``sim-2026/list``).
    """
    return station_frame(read_cik_frame(protocols.copy(), name))


__all__ = ["simulation_station_frame"]
