"""Column names and types of the election type (:class:`smartvote.io.election.Election`).

The one place that names the columns every reader produces, the store keeps and recommend,
assess and forensics consume (``docs/1-ingest.md`` documents them). Use the constants
instead of spelling a column name, so that a rename is one edit and a typo an import error.
"""

from __future__ import annotations

ELECTION = "election"
RACE = "race"
UNIT = "unit"
KIND = "kind"
REGION = "region"
DISTRICT = "district"
TIK = "tik"
CHANNEL = "channel"
SEATS = "seats"
REGISTERED = "registered"
BALLOTS = "ballots"
FOUND = "found"
VALID = "valid"
INVALID = "invalid"
RECEIVED = "received"
CANCELLED = "cancelled"
LOST = "lost"
NOT_COUNTED = "not_counted"
SOURCE_ROW = "source_row"
CANDIDATE = "candidate"
NAME_KEY = "name_key"
PARTY = "party"
PARTY_KEY = "party_key"
BALLOT_POSITION = "ballot_position"
REGIME = "regime"
ENDORSED = "endorsed"
INCUMBENT = "incumbent"
EXCLUDED = "excluded"
VOTES = "votes"
RULE = "rule"
DETAIL = "detail"
LINE = "line"
VALUE = "value"

#: The protocol lines beyond registered/ballots/found/valid/invalid that a CIK file or a
#: tidy file may carry (the store's units table has a column for each).
PROTOCOL_LINES = (
    RECEIVED,
    "early",
    "at_station",
    "outside",
    CANCELLED,
    "portable",
    "stationary",
    LOST,
    NOT_COUNTED,
)

#: Channel of a unit that is not a polling station (remote electronic voting).
ELECTRONIC = "electronic"
#: Channel of an ordinary polling station.
PAPER = "paper"

#: One row per (race, counting unit): the unit's protocol lines and where it was read.
UNIT_COLUMNS: dict[str, str] = {
    ELECTION: "string",
    RACE: "string",
    UNIT: "string",
    REGION: "string",
    DISTRICT: "string",
    TIK: "string",
    CHANNEL: "string",
    REGISTERED: "Int64",
    BALLOTS: "Int64",
    FOUND: "Int64",
    VALID: "Int64",
    INVALID: "Int64",
    RECEIVED: "Int64",
    "early": "Int64",
    "at_station": "Int64",
    "outside": "Int64",
    CANCELLED: "Int64",
    "portable": "Int64",
    "stationary": "Int64",
    LOST: "Int64",
    NOT_COUNTED: "Int64",
    "url": "string",
    "source": "string",
    SOURCE_ROW: "Int64",
}
#: One row per race.
RACE_COLUMNS: dict[str, str] = {
    ELECTION: "string",
    RACE: "string",
    KIND: "string",
    DISTRICT: "string",
    REGION: "string",
    SEATS: "Int64",
}
#: One row per choice on a race's ballot (a candidate, a party list, a referendum answer).
CANDIDATE_COLUMNS: dict[str, str] = {
    ELECTION: "string",
    RACE: "string",
    CANDIDATE: "string",
    NAME_KEY: "string",
    PARTY: "string",
    PARTY_KEY: "string",
    BALLOT_POSITION: "Int64",
    REGIME: "boolean",
    ENDORSED: "boolean",
    INCUMBENT: "boolean",
    EXCLUDED: "string",
}
#: Votes, long: one row per (race, unit, choice); NA where the protocol line is blank.
RESULT_COLUMNS: dict[str, str] = {
    ELECTION: "string",
    RACE: "string",
    UNIT: "string",
    CANDIDATE: "string",
    VOTES: "Int64",
}
#: Protocol checks that failed: one row per (unit, rule).
FLAG_COLUMNS: dict[str, str] = {
    ELECTION: "string",
    RACE: "string",
    UNIT: "string",
    RULE: "string",
    DETAIL: "string",
}
#: Every other numeric protocol line, so that nothing read is lost.
EXTRA_COLUMNS: dict[str, str] = {
    ELECTION: "string",
    RACE: "string",
    UNIT: "string",
    LINE: "string",
    VALUE: "Int64",
}


#: The columns that make a file the tidy results format (any case, spaces trimmed).
TIDY_REQUIRED = (RACE, UNIT, CANDIDATE, "votes")


def looks_like_tidy(columns: list[str]) -> bool:
    """Whether a header is the tidy results format's (it has :data:`TIDY_REQUIRED`)."""
    return set(TIDY_REQUIRED) <= {c.strip().lower() for c in columns}
