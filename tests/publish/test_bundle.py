"""Building bundles: layout, versions, atomic replacement, input errors, the SPb adapter."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from smartvote.errors import InputError
from smartvote.publish.bundle import build_bundle, shard_bytes
from smartvote.publish.canonical import canonical_bytes, sha256_hex
from smartvote.publish.recommendations import check_recommendations, load_recommendations
from smartvote.publish.samples import HOSTILE_NAMES, synthetic_recommendations
from smartvote.publish.sign import load_private_key
from smartvote.publish.stations import convert_spb2021, group_stations, load_stations

BundleFactory = Callable[..., Path]
SPB_STATIONS = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "ru_spb_2021"
    / "spb2021_stations.csv"
)


def test_layout_and_manifest(bundle: Path) -> None:
    man_bytes = (bundle / "manifest.json").read_bytes()
    man = json.loads(man_bytes)
    assert canonical_bytes(man) == man_bytes
    assert man["version"] == 1000 and man["stations"] == 60 and len(man["regions"]) == 3
    listed = set(man["files"])
    on_disk = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert on_disk - listed == {"manifest.json", "manifest.sig"}
    for rel, h in man["files"].items():
        assert sha256_hex((bundle / rel).read_bytes()) == h
    for r in man["regions"]:
        assert {r["shard"], r["offline"], r["print"]} <= listed
    assert not any("PRIVATE" in (bundle / p).read_text(errors="ignore") for p in listed)


def test_shard_content_keeps_extra_fields_and_is_html_safe(bundle: Path) -> None:
    man = json.loads((bundle / "manifest.json").read_bytes())
    raw = (bundle / man["regions"][0]["shard"]).read_bytes()
    assert b"<" not in raw and b">" not in raw
    shard = json.loads(raw)
    rec = next(iter(shard["races"].values()))
    assert "margin_pp" in rec and {"endorsed", "p_win", "alternatives", "reasons"} <= set(rec)
    assert shard_bytes(shard) == raw
    page = (bundle / man["regions"][0]["offline"]).read_text(encoding="utf-8")
    assert raw.decode() in page
    assert "<img src=x" not in page


def test_print_page_escapes_names(make_bundle: BundleFactory) -> None:
    out = make_bundle(hostile=True, n_regions=1)
    text = next((out / "print").glob("*.html")).read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "<img" not in text and "<script" not in text


def test_version_only_increases(make_bundle: BundleFactory, tmp_path: Path) -> None:
    out = make_bundle("v", version=5)
    out = make_bundle("v")  # default: above the version already in out
    v2 = json.loads((out / "manifest.json").read_bytes())["version"]
    assert v2 > 5
    with pytest.raises(InputError) as e:
        make_bundle("v", version=v2)
    assert e.value.rule == "version-not-increasing"
    with pytest.raises(InputError):
        make_bundle("w", version=3, previous=7)


def test_failure_leaves_the_previous_bundle_intact(
    make_bundle: BundleFactory, keydir: Path
) -> None:
    out = make_bundle("keep", version=10)
    before = (out / "manifest.json").read_bytes()
    recs = {"x/smd/1": {"race": "x/smd/1", "endorsed": float("nan")}}  # not serialisable as JSON
    stations = group_stations([{"unit": "a/1", "race": "x/smd/1"}])
    with pytest.raises(ValueError):
        build_bundle(recs, stations, load_private_key(keydir / "key"), out, version=11)
    assert (out / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["keep"]


def test_refuses_to_overwrite_a_directory_that_is_not_a_bundle(
    make_bundle: BundleFactory, tmp_path: Path
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.txt").write_text("precious")
    with pytest.raises(InputError) as e:
        make_bundle("docs")
    assert e.value.rule == "out-not-bundle"


def test_recommendation_errors_name_row_and_rule() -> None:
    good = synthetic_recommendations(["a/smd/1", "a/smd/2"], rng_seed=1)
    bad = [dict(good[0], p_win=1.5), {k: v for k, v in good[1].items() if k != "reasons"}, "x"]
    with pytest.raises(InputError) as e:
        check_recommendations(bad, file="r.json")
    rules = {(p.rule, p.row) for p in e.value.problems}
    assert rules == {
        ("recommendation-probability", 1),
        ("recommendation-fields", 2),
        ("recommendation-object", 3),
    }
    assert "r.json, row 1" in str(e.value.problems[0])


def test_recommendations_file_errors(tmp_path: Path) -> None:
    p = tmp_path / "r.json"
    p.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_recommendations(p)
    assert e.value.rule == "json"
    p.write_text('{"race": "x"}', encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_recommendations(p)
    assert e.value.rule == "recommendations-list"


def test_station_errors_name_row_and_rule(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_text("unit,race,region\na/1,r/1,A\nb/2,,A\na/1,r/2,B\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_stations(p)
    got = {(q.rule, q.row) for q in e.value.problems}
    assert got == {("stations-empty", 3), ("stations-region-conflict", 4)}
    p.write_text("uik,raion\n1,x\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_stations(p)
    assert e.value.rule == "stations-columns" and "spb2021" in str(e.value)


def test_stations_group_races_and_default_region(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_text(
        "unit,race,address\nМосква/5,r/1,ул. Тверская 1\nМосква/5,r/2,\nX9,r/1,\n", encoding="utf-8"
    )
    sts = load_stations(p)
    assert [(s.unit, s.region, s.races, s.number) for s in sts] == [
        ("Москва/5", "Москва", ("r/1", "r/2"), "5"),
        ("X9", "—", ("r/1",), "X9"),
    ]
    assert sts[0].address == "ул. Тверская 1"


@pytest.mark.real_data
def test_spb2021_adapter_on_the_real_file() -> None:
    if not SPB_STATIONS.exists():
        pytest.skip(f"real data not present at {SPB_STATIONS}")
    rows = convert_spb2021(SPB_STATIONS)
    sts = group_stations(rows)
    assert len(sts) == 2055
    first = next(s for s in sts if s.unit == "Санкт-Петербург/1")
    assert first.races == ("duma-2021/smd/216", "spb-zaks-2021/smd/1")
    assert "Крюкова канала" in first.address and first.region == "Санкт-Петербург"
    duma = {r for s in sts for r in s.races if r.startswith("duma-2021/")}
    zaks = {r for s in sts for r in s.races if r.startswith("spb-zaks-2021/")}
    assert duma == {f"duma-2021/smd/{d}" for d in range(211, 219)}
    assert zaks == {f"spb-zaks-2021/smd/{d}" for d in range(1, 26)}
    assert any(len(s.races) == 1 for s in sts)  # stations abroad vote in no ZakS race


def test_hostile_names_are_kept_verbatim_in_data(make_bundle: BundleFactory) -> None:
    out = make_bundle(hostile=True, n_regions=1)
    man = json.loads((out / "manifest.json").read_bytes())
    shard = json.loads((out / man["regions"][0]["shard"]).read_bytes())
    names = {r["endorsed"] for r in shard["races"].values()}
    assert HOSTILE_NAMES[0] in names
