"""``GET /api/v1/find/{query}`` (web/lookup.py) and the bot example in docs/examples/."""

from __future__ import annotations

import asyncio
import runpy
import urllib.parse
from pathlib import Path
from typing import Any

import httpx
import pytest

from smartvote.publish.bundle import build_bundle
from smartvote.publish.recommendations import check_recommendations
from smartvote.publish.samples import synthetic_recommendations
from smartvote.publish.sign import load_private_key
from smartvote.publish.stations import group_stations, race_names
from smartvote.publish.verify import load_public_key, verify_entry
from smartvote.web.app import create_app

BOT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "bot.py"
ROWS = [
    {"unit": "Город/1004", "race": "fed/smd/7", "address": "ул. Мира, д. 1",
     "serves": "Невский проспект, дом 28; Невский проспект, дом 30", "race_name": "Госдума, округ № 7"},
    {"unit": "Город/1004", "race": "reg/smd/2", "address": "ул. Мира, д. 1", "race_name": "Заксобрание, округ № 2"},
    {"unit": "Город/1005", "race": "fed/smd/7", "address": "ул. Мира, д. 3",
     "serves": "Невский проспект, дом 128"},
    {"unit": "Село/1004", "race": "fed/smd/8", "address": "ул. Ленина, д. 5"},
]  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, keydir: Path) -> Path:
    d = tmp_path_factory.mktemp("find") / "b"
    recs = synthetic_recommendations({r["race"] for r in ROWS}, rng_seed=8)
    for r in recs:
        r.pop("race_name")
    build_bundle(
        check_recommendations(recs), group_stations(ROWS), load_private_key(keydir / "key"), d,
        race_names=race_names(ROWS), version=5,
    )  # fmt: skip
    return d


def get(site: Path, path: str, lang: str | None = None) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(site))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return await c.get(path, headers={"accept-language": lang} if lang else {})

    return asyncio.run(go())


def test_number_without_region(site: Path) -> None:
    r = get(site, "/api/v1/find/1004")
    assert r.status_code == 200 and r.headers["content-language"] == "ru"
    body = r.json()
    assert body["kind"] == "number"
    assert sorted(s["station"] for s in body["stations"]) == ["Город/1004", "Село/1004"]
    city = next(s for s in body["stations"] if s["station"] == "Город/1004")
    assert [x["race_name"] for x in city["races"]] == [
        "Госдума, округ № 7",
        "Заксобрание, округ № 2",
    ]
    assert city["races"][0]["reasons"][0].startswith("В ")
    assert "set-cookie" not in r.headers and r.headers["cache-control"] == "no-store"


def test_address_and_language(site: Path) -> None:
    q = urllib.parse.quote("Невский пр. 28")
    body = get(site, "/api/v1/find/" + q, "en-GB,en;q=0.9").json()
    assert body["lang"] == "en" and body["house_found"] is True
    assert [s["station"] for s in body["stations"]] == ["Город/1004"]  # 28, not 128
    assert body["stations"][0]["matched"] == "Невский проспект, дом 28"
    assert body["stations"][0]["races"][0]["reasons"][0].startswith("In ")
    r = get(site, "/api/v1/find/" + urllib.parse.quote("Садовая 5"))
    assert r.status_code == 404 and r.json()["stations"] == []


def test_found_station_verifies_through_its_signed_answer(site: Path, keydir: Path) -> None:
    body = get(site, "/api/v1/find/1005").json()
    signed = get(site, body["stations"][0]["signed"]).json()
    entry = verify_entry(
        signed,
        (site / "manifest.json").read_bytes(),
        (site / "manifest.sig").read_bytes(),
        load_public_key(keydir / "key.pub"),
    )
    assert entry["station"] == "Город/1005"


def test_openapi_documents_find(site: Path) -> None:
    spec = get(site, "/api/v1/openapi.json").json()
    op = spec["paths"]["/api/v1/find/{query}"]["get"]
    assert {p["name"] for p in op["parameters"]} == {"query", "Accept-Language"}
    assert "Found" in spec["components"]["schemas"]


def test_bot_example_answers_from_the_bundle_alone(site: Path, keydir: Path) -> None:
    bot: dict[str, Any] = runpy.run_path(str(BOT))
    b = bot["Bot"](site, keydir / "key.pub")
    reply = b.reply("1004")
    assert "Госдума, округ № 7" in reply and "Участок № 1004" in reply
    assert "Село" in reply  # two regions have a station 1004: both are shown
    reply = b.reply("невский 28")
    assert "Участок № 1004" in reply and "1005" not in reply
    assert "Ключ подписи" in b.reply("/start")
    assert "Не нашёл" in b.reply("Садовая 5")
