"""The printable leaflet and the manifest's voter-facing fields (leaflet.py, bundle.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from smartvote.errors import InputError
from smartvote.publish.bundle import build_bundle
from smartvote.publish.leaflet import qr_data_uri, race_order, ru_date
from smartvote.publish.recommendations import check_recommendations
from smartvote.publish.samples import HOSTILE_NAMES, synthetic_recommendations
from smartvote.publish.sign import load_private_key
from smartvote.publish.stations import (
    SPB_DUMA_NAME,
    group_stations,
    race_names,
    read_stations_rows,
)

from .conftest import BundleFactory


def spb_bundle(shared_data: Path, out: Path, key: Path, **kw: object) -> Path:
    path = shared_data / "ru_spb_2021" / "spb2021_stations.csv"
    rows = read_stations_rows(path, "spb2021")
    sts = group_stations(rows)
    recs = check_recommendations(
        synthetic_recommendations({r for s in sts for r in s.races}, rng_seed=3)
    )
    for r in recs.values():
        r.pop("race_name")  # the names come from the stations file here
    build_bundle(recs, sts, load_private_key(key), out, race_names=race_names(rows), **kw)  # type: ignore[arg-type]
    return out


def test_ru_date() -> None:
    assert ru_date("2021-09-19T10:00:00Z") == "19 сентября 2021"
    assert ru_date("2026-01-01") == "1 января 2026"


def test_spb_leaflet_one_page_per_race_in_ballot_order(
    shared_data: Path, tmp_path: Path, keydir: Path
) -> None:
    b = spb_bundle(
        shared_data, tmp_path / "spb", keydir / "key", site_url="https://sv.example/spb/"
    )
    man = json.loads((b / "manifest.json").read_bytes())
    (reg,) = man["regions"]
    assert reg["numbers"].startswith("1-") and reg["stations"] == 2055
    shard = json.loads((b / reg["shard"]).read_bytes())
    order = race_order(shard)
    assert order[:3] == ["duma-2021/smd/211", "duma-2021/smd/212", "duma-2021/smd/213"]
    assert order[8:11] == ["spb-zaks-2021/smd/1", "spb-zaks-2021/smd/2", "spb-zaks-2021/smd/3"]
    assert shard["race_names"]["duma-2021/smd/211"] == SPB_DUMA_NAME.format(211)
    page = (b / reg["print"]).read_text(encoding="utf-8")
    heads = re.findall(r'<section class="sheet"><h1>([^<]*)</h1>', page)
    assert len(heads) == 33
    assert heads[0] == "Госдума, одномандатный округ № 211"
    assert heads[8] == "Законодательное собрание Санкт-Петербурга, округ № 1"
    assert page.count("data:image/svg+xml;base64,") == 33  # a QR code of the page on each
    assert page.count(qr_data_uri("https://sv.example/spb/#station=")) == 33
    assert "smartvote verify" not in page and "duma-2021/smd" not in page
    assert "Кандидат власти, которого нужно обойти" in page


def test_leaflet_escapes_names(make_bundle: BundleFactory) -> None:
    b = make_bundle(hostile=True, n_regions=1)
    man = json.loads((b / "manifest.json").read_bytes())
    page = (b / man["regions"][0]["print"]).read_text(encoding="utf-8")
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert HOSTILE_NAMES[1] not in page


def test_manifest_voter_fields_and_bad_urls(make_bundle: BundleFactory) -> None:
    b = make_bundle(
        channels=[{"name": "Сайт", "url": "https://sv.example/"}],
        mirrors=["https://m1.example/", "http://m2.example/x/"],
        valid_until="2026-09-19",
    )
    man = json.loads((b / "manifest.json").read_bytes())
    assert man["channels"] == [{"name": "Сайт", "url": "https://sv.example/"}]
    assert man["mirrors"] == ["https://m1.example/", "http://m2.example/x/"]
    assert man["valid_until"] == "2026-09-19" and len(man["key_words"].split()) == 6
    assert "sw.js" in man["files"]
    index = (b / "index.html").read_text(encoding="utf-8")
    assert 'name="smartvote-mirrors" content="https://m1.example/ http://m2.example/x/"' in index
    for bad in (
        {"channels": [{"name": "x", "url": "javascript:alert(1)"}]},
        {"mirrors": ['https://a.example/"><script>']},
        {"valid_until": "soon"},
    ):
        with pytest.raises(InputError):
            make_bundle("bad", **bad)


def test_serves_column_and_race_names_reach_the_shard(tmp_path: Path, keydir: Path) -> None:
    rows = [
        {"unit": "Город/1", "race": "a/smd/1", "address": "ул. Мира, 1",
         "serves": "Невский проспект, дом 28; Невский проспект, дом 30", "race_name": "Дума, округ 1"},
        {"unit": "Город/1", "race": "b/smd/2", "address": "ул. Мира, 1",
         "serves": "Невский проспект, дом 28", "race_name": "Совет, округ 2"},
    ]  # fmt: skip
    sts = group_stations(rows)
    assert sts[0].serves == ("Невский проспект, дом 28", "Невский проспект, дом 30")
    recs = check_recommendations(synthetic_recommendations(["a/smd/1", "b/smd/2"], rng_seed=2))
    recs["a/smd/1"].pop("race_name")
    out = tmp_path / "b"
    build_bundle(recs, sts, load_private_key(keydir / "key"), out, race_names=race_names(rows))
    shard = json.loads(next((out / "data").iterdir()).read_bytes())
    assert shard["stations"]["Город/1"]["serves"] == list(sts[0].serves)
    assert shard["race_names"]["a/smd/1"] == "Дума, округ 1"  # from the stations file
    # a recommendation's own race_name wins over the stations file's
    assert shard["race_names"]["b/smd/2"] == recs["b/smd/2"]["race_name"]
    bad = [*rows, {**rows[0], "race_name": "Другое имя"}]
    with pytest.raises(InputError) as e:
        race_names(bad)
    assert e.value.problems[0].rule == "stations-race-name-conflict"
