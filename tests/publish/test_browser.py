"""The voter page in a real browser (Playwright driving Debian's /usr/bin/chromium).

Served by ``smartvote serve``'s app, by a plain static server standing in for a hostile
mirror, and opened from ``file://`` as a forwarded offline copy.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from smartvote.publish.address import TYPES
from smartvote.publish.canonical import canonical_bytes
from smartvote.publish.samples import HOSTILE_NAMES

from .conftest import BROWSER_MARKS, Visit, resign

BundleFactory = Callable[..., Path]

pytestmark = BROWSER_MARKS


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def app_server(bundle: Path) -> Iterator[str]:
    """``smartvote serve``'s app under uvicorn in a thread."""
    import uvicorn

    from smartvote.web.app import create_app

    port = _port()
    cfg = uvicorn.Config(
        create_app(bundle),
        host="127.0.0.1",
        port=port,
        access_log=False,
        log_level="warning",
        lifespan="off",
        ws="none",
    )
    srv = uvicorn.Server(cfg)
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        srv.should_exit = True
        t.join(10)


@contextmanager
def mirror(directory: Path) -> Iterator[str]:
    """A plain static host (no security headers), standing in for any mirror."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

    srv = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(directory)))
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/"
    finally:
        srv.shutdown()
        srv.server_close()
        t.join()


def _manifest(b: Path) -> dict[str, Any]:
    return dict(json.loads((b / "manifest.json").read_bytes()))


def _shards(b: Path) -> dict[str, Any]:
    return {r["region"]: json.loads((b / r["shard"]).read_bytes()) for r in _manifest(b)["regions"]}


def _expected(shard: dict[str, Any], sid: str) -> list[str]:
    return [shard["races"][r]["endorsed"] for r in shard["stations"][sid]["races"]]


def _assert_warning_only(v: Visit, names: list[str]) -> None:
    assert v.warned()
    assert "Внимание" in v.page.inner_text("#warning")
    assert v.endorsed() == []
    assert v.page.evaluate("document.querySelector('#ballot').hidden")
    body = v.page.inner_text("body")
    assert not any(n in body for n in names)


def _all_names(b: Path) -> list[str]:
    return sorted({r["endorsed"] for s in _shards(b).values() for r in s["races"].values()})


# ------------------------------------------------------------------------------- lookup


def test_lookup_by_number_and_read_the_endorsement(
    bundle: Path, visit: Callable[[], Visit]
) -> None:
    shard = _shards(bundle)["Регион 02"]
    with app_server(bundle) as url:
        v = visit()
        page = v.open(url)
        assert not v.warned()
        page.fill("#num", "3")  # no region chosen: station 3 exists in every region
        page.press("#num", "Enter")
        page.wait_for_selector("#matches:not([hidden])")
        assert page.eval_on_selector_all("#match-list button", "b => b.length") == 3
        page.click("#match-list button >> nth=1")
        page.wait_for_selector("#ballot:not([hidden])")
        assert page.inner_text("#ballot-title") == "Участок № 3"
        assert v.endorsed() == _expected(shard, "Регион 02/3")
        text = page.inner_text("#races")
        assert "Голосуйте за" in text and " из " in text
        assert "#station=" in page.url
        assert page.evaluate("document.cookie") == ""
    assert all(u.startswith(url) or u.startswith("data:") for u in v.requests), v.requests
    assert not any("api/" in u for u in v.requests)  # the lookup itself never reaches the server
    assert v.errors == []


def test_the_signed_pair_is_preloaded_and_fetched_once(
    bundle: Path, visit: Callable[[], Visit]
) -> None:
    """The page's <link rel=preload> of manifest.json/.sig is what the script verifies: one
    request each (a credentials or mode mismatch would fetch the pair a second time)."""
    with app_server(bundle) as url:
        v = visit()
        v.open(url + "#station=Регион 01/1")
        v.page.wait_for_selector(".endorsed")
        assert not v.warned()
    assert v.requests.count(url + "manifest.json") == 1, v.requests
    assert v.requests.count(url + "manifest.sig") == 1, v.requests
    assert v.requests.index(url + "manifest.json") < v.requests.index(url + "app.js")
    assert v.errors == []


def test_address_search_fragment_and_english(bundle: Path, visit: Callable[[], Visit]) -> None:
    shards = _shards(bundle)
    sid, st = next(iter(shards["Регион 03"]["stations"].items()))
    street = st["address"].split(", ")[1].split()
    street_word = next(w for w in street if w.lower() not in TYPES)  # «Мира», not «улица»
    with mirror(bundle) as url:
        v = visit()
        page = v.open(url + "#station=" + sid)
        page.wait_for_selector("#ballot:not([hidden])")
        assert v.endorsed() == _expected(shards["Регион 03"], sid)
        page.click("#lang")
        assert "Vote for" in page.inner_text("#races")
        assert page.evaluate("document.documentElement.lang") == "en"
        page.fill("#q", street_word.upper())
        page.press("#q", "Enter")
        items = page.inner_text("#match-list")
        assert "Station No." in items and street_word in items
        page.click("#lang")
        assert page.evaluate("document.documentElement.lang") == "ru"
    assert v.errors == []


def test_hostile_candidate_name_renders_as_text(bundle: Path, visit: Callable[[], Visit]) -> None:
    shards = _shards(bundle)
    region, sid = next(
        (reg, s)
        for reg, sh in shards.items()
        for s in sh["stations"]
        if HOSTILE_NAMES[0] in _expected(sh, s)
    )
    with app_server(bundle) as url:
        v = visit()
        page = v.open(url + "#station=" + sid)
        page.wait_for_selector("#ballot:not([hidden])")
        assert HOSTILE_NAMES[0] in v.endorsed()
        assert (
            page.eval_on_selector_all("#ballot img, #ballot script, #ballot b", "e => e.length")
            == 0
        )
        assert page.evaluate("document.images.length") == 0
    assert v.dialogs == [] and v.errors == []
    assert region


def test_keyboard_only_lookup(bundle: Path, visit: Callable[[], Visit]) -> None:
    with mirror(bundle) as url:
        v = visit()
        page = v.open(url)
        page.focus("#num")
        page.keyboard.type("2")
        page.keyboard.press("Enter")
        page.wait_for_selector("#matches:not([hidden])")
        for _ in range(8):  # Tab on to the first station found
            page.keyboard.press("Tab")
            if page.evaluate("!!document.activeElement.closest('#match-list')"):
                break
        page.keyboard.press("Enter")
        page.wait_for_selector("#ballot:not([hidden])")
        assert page.inner_text("#ballot-title") == "Участок № 2"
        labels = page.eval_on_selector_all("label[for]", "ls => ls.map(l => l.htmlFor)")
        assert set(labels) == {"num", "region", "q"}


def test_small_screen(bundle: Path, browser: Any) -> None:
    ctx = browser.new_context(
        viewport={"width": 360, "height": 640}, device_scale_factor=2, is_mobile=True
    )
    try:
        with mirror(bundle) as url:
            page = ctx.new_page()
            page.goto(url + "#station=Регион 01/1")
            page.wait_for_selector("#ballot:not([hidden])")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        ctx.close()


# ----------------------------------------------------------------------------- failures


def test_tampered_shard_shows_the_warning(
    make_bundle: BundleFactory, visit: Callable[[], Visit]
) -> None:
    b = make_bundle(n_regions=1)
    names = _all_names(b)
    rel = _manifest(b)["regions"][0]["shard"]
    shard = json.loads((b / rel).read_bytes())
    first = next(iter(shard["races"].values()))
    first["endorsed"] = "Fake Candidate"
    (b / rel).write_text(json.dumps(shard, ensure_ascii=False), encoding="utf-8")
    with mirror(b) as url:
        v = visit()
        v.open(url + "#station=Регион 01/1")
        _assert_warning_only(v, [*names, "Fake Candidate"])
        assert "не совпадают" in v.page.inner_text("#warning")


def test_tampered_manifest_shows_the_warning(
    make_bundle: BundleFactory, visit: Callable[[], Visit]
) -> None:
    b = make_bundle(n_regions=1)
    p = b / "manifest.json"
    p.write_bytes(p.read_bytes().replace(b'"stations":30', b'"stations":31'))
    with mirror(b) as url:
        v = visit()
        v.open(url + "#station=Регион 01/1")
        _assert_warning_only(v, _all_names(b))
        assert "Подпись не сходится" in v.page.inner_text("#warning")


def test_wrong_key_shows_the_warning(
    make_bundle: BundleFactory, keydir: Path, visit: Callable[[], Visit]
) -> None:
    b = make_bundle(n_regions=1)
    # an attacker re-signs a consistent bundle (with fake data) with their own key
    resign(b, keydir / "other")
    with mirror(b) as url:
        v = visit()
        v.open(url + "#station=Регион 01/1")
        _assert_warning_only(v, _all_names(b))


def test_older_version_shows_the_warning(
    make_bundle: BundleFactory, visit: Callable[[], Visit]
) -> None:
    old = make_bundle("old", version=100, n_regions=1, rng_seed=5)
    new = make_bundle("new", version=200, n_regions=1, rng_seed=6)
    # a mirror serves the current page with last week's signed data
    for f in ("manifest.json", "manifest.sig"):
        shutil.copy(old / f, new / f)
    shutil.rmtree(new / "data")
    shutil.copytree(old / "data", new / "data")
    with mirror(new) as url:
        v = visit()
        v.open(url + "#station=Регион 01/1")
        _assert_warning_only(v, _all_names(old))
        assert "устаревший выпуск" in v.page.inner_text("#warning")


def test_rollback_after_a_newer_release_was_seen(
    make_bundle: BundleFactory, tmp_path: Path, visit: Callable[[], Visit]
) -> None:
    old = make_bundle("old", version=100, n_regions=1, rng_seed=5)
    new = make_bundle("new", version=200, n_regions=1, rng_seed=6)
    site = tmp_path / "site"
    shutil.copytree(new, site)
    new_names = _expected(_shards(new)["Регион 01"], "Регион 01/1")
    old_only = sorted(set(_all_names(old)) - set(_all_names(new)))
    assert old_only
    with mirror(site) as url:
        v = visit()
        v.open(url + "#station=Регион 01/1")
        assert not v.warned() and v.endorsed() == new_names
        v.saved()
        shutil.rmtree(site)
        shutil.copytree(old, site)  # the whole old release, page included
        # a new load (not a fragment change), twice: the saved page stays release 200's (the
        # old page is not the page release 200 lists, so it is never saved)
        v.page.goto(url + "index.html#station=Регион 01/1")
        for again in (False, True):
            if again:
                v.page.reload()
            msg = v.update_done("refused")
            assert "более старый выпуск (№ 100)" in msg and "не принят" in msg
            assert v.first_endorsed() == new_names and v.endorsed() == new_names
            assert "(№ 200)" in v.page.inner_text("#version")
            assert not any(n in v.page.inner_text("body") for n in old_only)
        # a browser that never saw release 200 gets the old release's own page: its
        # warning is test_older_version_shows_the_warning's
        v2 = visit()
        v2.open(url + "#station=Регион 01/1")
        assert not v2.warned() and "(№ 100)" in v2.page.inner_text("#version")
    assert v.errors == []


# ------------------------------------------------------------------------------ offline


def test_offline_file_works_from_file_url(
    bundle: Path, tmp_path: Path, visit: Callable[[], Visit]
) -> None:
    reg = _manifest(bundle)["regions"][1]
    shard = _shards(bundle)[reg["region"]]
    # forwarded in a messenger: a lone file, nothing else next to it
    lone = tmp_path / "forwarded" / "smartvote.html"
    lone.parent.mkdir()
    shutil.copy(bundle / reg["offline"], lone)
    sid = sorted(shard["stations"])[4]
    v = visit()
    page = v.open(lone.as_uri())
    assert not v.warned()
    page.fill("#num", shard["stations"][sid]["number"])
    page.press("#num", "Enter")  # one station: it opens directly
    page.wait_for_selector("#ballot:not([hidden])")
    assert v.endorsed() == _expected(shard, sid)
    assert page.evaluate("document.querySelector('#region-field').hidden")
    assert all(u.startswith("file://") or u.startswith("data:") for u in v.requests), v.requests
    assert v.errors == [] and v.dialogs == []


def test_tampered_offline_file_shows_the_warning(
    bundle: Path, tmp_path: Path, visit: Callable[[], Visit]
) -> None:
    reg = _manifest(bundle)["regions"][0]
    text = (bundle / reg["offline"]).read_text(encoding="utf-8")
    shard = _shards(bundle)[reg["region"]]
    name = next(iter(shard["races"].values()))["endorsed"]
    esc = (
        json.dumps(name, ensure_ascii=False)[1:-1]
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    assert esc in text
    f = tmp_path / "fake.html"
    f.write_text(text.replace(esc, "Fake Candidate"), encoding="utf-8")
    v = visit()
    v.open(f.as_uri())
    _assert_warning_only(v, ["Fake Candidate"])


def test_canonical_manifest_is_what_the_page_verifies(bundle: Path) -> None:
    # the page verifies the manifest's bytes as fetched; they must be canonical already
    assert canonical_bytes(_manifest(bundle)) == (bundle / "manifest.json").read_bytes()
