"""Every constant of the recommendation step, named once, with a one-line justification.

The model learns what it can from the data (relation, swing, drift, history error against
polls); what remains are these stated choices. Nothing here is tuned to particular races.
"""

from __future__ import annotations

import numpy as np

# --- the what-if of the endorsement ------------------------------------------------------
#: Share of the other challengers' voters who follow the endorsement (``--switch``): a
#: what-if, not estimated here (``smartvote assess`` measures it after a vote); 0.25 is the
#: order of effect reported for the 2021 Smart Voting campaign.
SWITCH = 0.25
#: Simulated elections per race: Monte-Carlo SE of a probability ≤ 0.005.
SIMS = 10_000

#: Threshold of a party-list race when ``--threshold`` is not given (5%, the Duma's).
LIST_THRESHOLD = 0.05
#: A list-race party new since the last list election: prior share 1%, wide sd.
LIST_NEW_PARTY_SHARE = 0.01
LIST_NEW_PARTY_SD = 0.6
#: A list party at least this likely to pass the threshold is acceptable (``endorsed_all``).
LIST_LIKELY_PASS = 0.5
#: Share interval reported for each candidate: 90% (5th to 95th percentile).
INTERVAL = (0.05, 0.95)

# --- log-share model (forecast.py) -------------------------------------------------------
#: Smallest share on the log scale (0.2%): avoids log(0) for parties with no votes.
FLOOR = 0.002
#: National swing sd (log scale) when the history has no two elections to measure it:
#: about the typical between-election party movement in stable systems.
PRIOR_SWING = 0.20
#: Local drift sd of a party's area pattern between elections, when not measurable.
PRIOR_DRIFT = 0.10
#: Share of a personal vote carried into the next election when not estimable.
PRIOR_CARRY = 0.7
#: Error sd of the single-member vs list relation when it cannot be fitted.
PRIOR_SIGMA_MODEL = 0.35
#: Sd of the log share of candidates with no earlier result (wide: a prior, not evidence).
PRIOR_SIGMA_INDEP = 0.6
#: Mean share of a candidate with no earlier result when history cannot say (3%).
PRIOR_SHARE_INDEP = 0.03
#: Fewest races / rows to fit the relation by least squares (3 races, 8 rows).
MIN_RELATION_RACES = 3
MIN_RELATION_ROWS = 8
#: Fewest repeat candidates to estimate the carry-over of a personal vote.
MIN_CARRY_ROWS = 10
#: Fewest list-less candidates to learn their intercept (mean) and its spread (sd).
MIN_INDEP_ROWS_MEAN = 3
MIN_INDEP_ROWS_SD = 5
#: Fewest parties and (race, party) rows for one pair of list elections to calibrate swing.
CALIBRATION_MIN_PARTIES = 3
CALIBRATION_MIN_ROWS = 10
#: Shares below 1% are left out of swing/drift calibration (log noise of tiny parties).
CALIBRATION_MIN_SHARE = 0.01

# --- polls (polls.py) --------------------------------------------------------------------
#: A poll's weight halves for every week it is older than the newest poll of the race:
#: campaign polls age within days (a newer poll counts more).
POLL_HALF_LIFE_DAYS = 7.0
#: Systematic (house/model) error of a poll, shared by a party in every race (log scale):
#: the published national poll errors of the UK 2017/2019 and Russian 2016/2021 are ~10%.
POLL_HOUSE_SD = 0.10
#: Race-level error of a race poll beyond sampling (an MRP's model error, small samples
#: per seat): the scale of the disagreement of two constituency projections.
POLL_LOCAL_SD = 0.15
#: Sample size assumed for a poll row without one (a typical single poll).
POLL_DEFAULT_N = 500.0
#: Fewest races with both a poll and history to measure a party's swing from the polls.
POLL_SWING_MIN_RACES = 3
#: Shares below 2% (poll or history) are left out of the history-error calibration: the
#: log scale magnifies the rounding of whole-percent poll shares there.
POLL_CALIBRATION_MIN_SHARE = 0.02
#: Largest share used in a binomial variance (keeps log(1 − p) finite).
MAX_SHARE = 0.999
#: Fewest (candidate, race) pairs to calibrate the history error against the polls.
POLL_CALIBRATION_MIN_ROWS = 20
#: Smallest history error sd accepted from that calibration (never fully trust history).
MIN_HISTORY_SD = 0.05

# --- decision (decide.py) ----------------------------------------------------------------
#: Runner-up within this p_win of the pick (when the pick's p_win is at least this): close call.
CLOSE_P_WIN = 0.10
#: Runner-up within this p_strongest of the pick: a close call.
CLOSE_P_STRONGEST = 0.20
#: Multi-seat races endorse candidates with at least this chance of a seat.
MULTI_MIN_P_WIN = 0.05
#: Two Monte-Carlo standard errors: differences below this are ties.
TIE_SE = 2.0
#: At most this many uninformed races are named in an error message.
NAME_AT_MOST = 20

LOG_PRIOR_SHARE_INDEP = float(np.log(PRIOR_SHARE_INDEP))
