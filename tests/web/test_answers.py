"""The station answers built at startup: pieces encoded once and joined give exactly the
JSON (and headers) of encoding each whole answer at once."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from smartvote.publish.bundle import build_bundle
from smartvote.publish.recommendations import check_recommendations
from smartvote.publish.samples import synthetic_recommendations, synthetic_station_rows
from smartvote.publish.sign import generate_keypair, load_private_key
from smartvote.publish.stations import group_stations
from smartvote.web.api import BundleIndex, _hex_array
from smartvote.web.responses import SECURITY_HEADERS, json_bytes


def test_hex_array_is_the_json_of_the_hex_strings() -> None:
    hashes = [hashlib.sha256(bytes([i])).digest() for i in range(3)]
    for hs in ([], hashes[:1], hashes):
        assert _hex_array(hs) == json_bytes([h.hex() for h in hs])


def test_every_answer_is_its_json_with_its_headers(tmp_path: Path) -> None:
    generate_keypair(tmp_path / "key")
    rows = synthetic_station_rows(60, n_regions=3, rng_seed=5, hostile=True)
    # a region of one station: its audit path is empty
    rows = [r for r in rows if r["region"] != "Регион 03" or r["unit"] == rows[-1]["unit"]]
    recs = check_recommendations(synthetic_recommendations({r["race"] for r in rows}, rng_seed=5))
    build_bundle(recs, group_stations(rows), load_private_key(tmp_path / "key"), tmp_path / "b")
    index = BundleIndex(tmp_path / "b")
    index.api.build_all()
    paths = set()
    for sid in index.api:
        a = index.api[sid]
        doc = json.loads(a.body)
        assert json_bytes(doc) == a.body  # compact UTF-8 JSON, keys in the order built
        assert doc["entry"]["station"] == sid
        paths.add(len(doc["proof"]["path"]))
        etag = '"' + hashlib.sha256(a.body).hexdigest()[:32] + '"'
        head = [*SECURITY_HEADERS, (b"content-type", b"application/json"), (b"etag", etag.encode())]
        tail = [(b"cache-control", b"public, max-age=300"), (b"access-control-allow-origin", b"*")]
        assert a.headers == [*head, *tail, (b"content-length", str(len(a.body)).encode())]
        assert a.r_headers == [(k.decode(), v.decode()) for k, v in a.headers]
        assert a.gz is None and a.not_modified is not None
        assert a.not_modified.headers == [*SECURITY_HEADERS, (b"etag", etag.encode())]
        assert a.reply("GET", etag, None) == (a.not_modified, None)
    assert 0 in paths and max(paths) >= 4
