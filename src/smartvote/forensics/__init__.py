"""Election forensics on polling-station data (METHODS.md §1).

One module per method: :mod:`fingerprint`, :mod:`shpilkin`, :mod:`integer`, :mod:`klimek`,
:mod:`spikes`, :mod:`electronic`, :mod:`digits`, the station list (:mod:`stations`) and
:mod:`suite`, which runs them all and returns the JSON of the ``forensics`` contract.
"""

from smartvote.forensics._frame import Stations, prepare

__all__ = ["Stations", "prepare"]
