"""The voter page's defences and aids in a real browser (Playwright, Debian's chromium).

Fake copies told apart by the key's words, key continuity, the address corpus of real
St Petersburg queries, a four-race ballot with names and plain reasons, the saved page,
reopening offline from the service worker, and the leaflet's page count.
"""

from __future__ import annotations

import base64
import csv
import json
import re
import shutil
import statistics
from collections.abc import Callable
from pathlib import Path

import pytest

from smartvote.publish.bundle import build_bundle
from smartvote.publish.keywords import key_words
from smartvote.publish.recommendations import check_recommendations
from smartvote.publish.samples import synthetic_recommendations
from smartvote.publish.sign import load_private_key, public_raw
from smartvote.publish.stations import group_stations, race_names, read_stations_rows

from .conftest import BROWSER_MARKS, BundleFactory, Visit
from .test_address import corpus
from .test_browser import _expected, _manifest, _shards, app_server, mirror

pytestmark = BROWSER_MARKS
CHANNEL = {"name": "Telegram", "url": "https://t.me/example_campaign"}


def _words(keydir: Path, name: str) -> str:
    return key_words(public_raw(load_private_key(keydir / name)))


def _b64key(keydir: Path, name: str) -> str:
    return base64.b64encode(public_raw(load_private_key(keydir / name))).decode()


def _swap(site: Path, src: Path) -> None:
    shutil.rmtree(site)
    shutil.copytree(src, site)


# ------------------------------------------------------------------- fake copies, keys


def test_fake_copy_is_not_called_verified(
    make_bundle: BundleFactory, keydir: Path, tmp_path: Path, visit: Callable[[], Visit]
) -> None:
    real = make_bundle("real", version=100, n_regions=1, channels=[CHANNEL])
    # the attacker's copy: complete and self-consistent, signed with the attacker's key
    fake = make_bundle("fake", version=200, n_regions=1, key="other", rng_seed=9)
    site = tmp_path / "site"
    shutil.copytree(real, site)
    real_words, fake_words = _words(keydir, "key"), _words(keydir, "other")
    with mirror(site) as url:
        v = visit()
        page = v.open(url + "#station=Регион 01/1")
        page.wait_for_selector("#ballot:not([hidden])")
        status = page.inner_text("#status")
        assert page.get_attribute("#status", "class") == "status key"
        assert real_words in status and "подписаны ключом" in status and "Проверено" not in status
        box = page.inner_text("#keybox")
        assert CHANNEL["url"] in box and "Сверьте шесть слов" in box
        assert page.inner_text("#fp") == real_words
        assert re.fullmatch(
            r"от \d{1,2} [а-я]+ \d{4} г?\.? ?\(№ 100\)", page.inner_text("#version")
        )
        page.click("#remember-key")  # the voter compared the words and they match
        assert page.get_attribute("#status", "class") == "status ok"
        assert "Проверено" in page.inner_text("#status")
        v.saved()
        real_names = _expected(_shards(real)["Регион 01"], "Регион 01/1")
        fake_names = _expected(_shards(fake)["Регион 01"], "Регион 01/1")
        assert real_names != fake_names
        _swap(site, fake)
        # the next visit shows the saved, verified release at once; the fake found by the
        # release check is refused and never shown
        page.goto(url + "index.html#station=Регион 01/1")
        msg = v.update_done("refused")
        assert v.first_endorsed() == real_names and v.endorsed() == real_names
        assert "Подпись не сходится" in msg and "сохранённый проверенный выпуск" in msg
        assert page.get_attribute("#status", "class") == "status ok"
        assert real_words in page.inner_text("#status")
        assert not any(n in page.inner_text("body") for n in set(fake_names) - set(real_names))
        page.reload()  # and again: the saved page is still the real one, so is what it shows
        v.update_done("refused")
        assert v.first_endorsed() == real_names and real_words in page.inner_text("#status")
        # a browser without the worker's copy (cleared, or no service workers) but with the
        # key the voter remembered gets the fake site's own page: it verifies only against
        # its own key, is never called verified, and names the key checked before
        page.evaluate("""async () => {
            for (const r of await navigator.serviceWorker.getRegistrations()) { await r.unregister(); }
            for (const k of await caches.keys()) { await caches.delete(k); }
        }""")
        page.reload()
        page.wait_for_selector("#ballot:not([hidden])")
        status = page.inner_text("#status")
        assert fake_words in status and "Проверено" not in status
        assert page.get_attribute("#status", "class") == "status key"
        assert real_words in page.inner_text("#keybox")  # "you checked a different key before"
        assert "другой ключ" in page.inner_text("#keybox")
    assert v.errors == []


def test_new_key_announced_by_the_old_one(
    make_bundle: BundleFactory, keydir: Path, tmp_path: Path, visit: Callable[[], Visit]
) -> None:
    old = make_bundle("old", version=100, n_regions=1)
    new = make_bundle(
        "new", version=200, n_regions=1, key="other", rng_seed=4,
        announce_with=load_private_key(keydir / "key"),
    )  # fmt: skip
    site = tmp_path / "site"
    shutil.copytree(old, site)
    old_words, new_words = _words(keydir, "key"), _words(keydir, "other")
    with mirror(site) as url:
        v = visit()
        page = v.open(url + "#station=Регион 01/1")
        page.click("#remember-key")
        v.saved()
        # the release moves to the new key; the voter's page (cached, saved) is the old one
        for f in ("manifest.json", "manifest.sig", "data"):
            (site / f).unlink() if (site / f).is_file() else shutil.rmtree(site / f)
            src = new / f
            shutil.copytree(src, site / f) if src.is_dir() else shutil.copy(src, site / f)
        page.goto(url + "index.html#station=Регион 01/1")
        # the saved release first, then the new one, verified through the announcement
        msg = v.update_done("updated")
        assert v.first_endorsed() == _expected(_shards(old)["Регион 01"], "Регион 01/1")
        assert v.endorsed() == _expected(_shards(new)["Регион 01"], "Регион 01/1")
        assert "Обновлено: выпуск от" in msg
        assert page.get_attribute("#status", "class") == "status ok"
        status = page.inner_text("#status")
        assert new_words in status and old_words in status and "новый ключ" in status
        assert "(№ 200)" in page.inner_text("#version")
        # a voter who never saw the old key is told the key is new and by whom announced
        v2 = visit()
        _swap(site, new)
        p2 = v2.open(url)
        assert p2.get_attribute("#status", "class") == "status key"
        assert "новый ключ" in p2.inner_text("#keybox") and old_words in p2.inner_text("#keybox")
    # the offline copy of the new release says the same, from file://
    lone = tmp_path / "forwarded.html"
    shutil.copy(new / _manifest(new)["regions"][0]["offline"], lone)
    v3 = visit()
    p3 = v3.open(lone.as_uri())
    assert new_words in p3.inner_text("#status") and old_words in p3.inner_text("#keybox")
    assert v.errors == [] and v2.errors == [] and v3.errors == []


def test_tampered_warning_says_what_to_do(
    make_bundle: BundleFactory, visit: Callable[[], Visit]
) -> None:
    b = make_bundle(n_regions=1, mirrors=["https://mirror-one.example/sv/"])
    p = b / "manifest.json"
    p.write_bytes(p.read_bytes().replace(b'"stations":30', b'"stations":31'))
    with mirror(b) as url:
        v = visit()
        page = v.open(url)
        w = page.inner_text("#warning")
        assert "Подпись не сходится" in w and "Что делать" in w
        assert "https://mirror-one.example/sv/" in w  # from the page: the manifest is not trusted
        assert "офлайн-копию" in w and "слова ключа" in w


def test_outdated_offline_copy_says_so(
    make_bundle: BundleFactory, tmp_path: Path, visit: Callable[[], Visit]
) -> None:
    b = make_bundle(n_regions=1, valid_until="2021-09-19")
    lone = tmp_path / "copy.html"
    shutil.copy(b / _manifest(b)["regions"][0]["offline"], lone)
    v = visit()
    page = v.open(lone.as_uri())
    assert "19 сентября 2021" in page.inner_text("#keybox")
    assert "устарел" in page.inner_text("#keybox")


# ---------------------------------------------------------------- ballot, names, reasons


def test_four_race_ballot_named_in_ballot_order_with_plain_reasons(
    tmp_path: Path, keydir: Path, visit: Callable[[], Visit]
) -> None:
    races = ["fed/smd/7", "reg/smd/12", "city/smd/3", "mun/mmd/1"]
    names = ["Госдума, округ № 7", "Заксобрание, округ № 12", "Гордума, округ № 3", "Совет МО"]
    rows = [
        {"unit": "Город/1004", "race": r, "address": "ул. Мира, д. 1", "race_name": n}
        for r, n in zip(races, names, strict=True)
    ]
    recs = synthetic_recommendations(races, rng_seed=5)
    for rec in recs:
        rec.pop("race_name")
    fed = next(r for r in recs if r["race"] == "fed/smd/7")
    fed.update(endorsed="Петрова Анна Ивановна", p_strongest=0.66, close_call=True)
    fed["alternatives"][0]["candidate"] = "Петрова Анна Петровна"  # a double
    fed["spoilers"] = [
        {"candidate": "Петрова Анна Ивановна", "kind": "namesake", "evidence": "same surname"},
        {"candidate": "Петрова Анна Петровна", "kind": "namesake", "evidence": "same surname"},
    ]
    fed["regime"] = {"candidate": "Единоросов Иван", "party": "Единая Россия"}
    out = tmp_path / "b"
    build_bundle(
        check_recommendations(recs), group_stations(rows), load_private_key(keydir / "key"),
        out, race_names=race_names(rows),
    )  # fmt: skip
    with mirror(out) as url:
        v = visit()
        page = v.open(url + "#station=1004")  # a bare number: no region, no full id
        page.wait_for_selector("#ballot:not([hidden])")
        heads = page.eval_on_selector_all("#races h3", "hs => hs.map(h => h.textContent)")
        assert heads == names
        first = page.locator("#races article").first
        text = first.inner_text()
        assert "В 2 случаях из 3 этот кандидат сильнее остальных" in text
        assert "Кандидат власти, которого нужно обойти: Единоросов Иван (Единая Россия)" in text
        assert "Выбор непростой: Петрова Анна Петровна" in text
        assert "однофамилец: Петрова Анна Петровна" in text
        assert "p_win" not in text and "simulations" not in text
        pick = first.locator(".pick").inner_text()
        assert "Петрова Анна Ивановна" in pick and "однофамилец" not in pick
        summary = first.locator("details.more > summary")
        assert summary.is_visible() and "Другие кандидаты" in summary.inner_text()
        summary.click()
        double = first.locator("details li").first.inner_text()
        assert double.startswith("Петрова Анна Петровна") and "однофамилец" in double
        page.click("#lang")
        assert "In 2 cases out of 3" in first.inner_text()
    assert v.errors == []


def test_find_gives_messages_instead_of_errors(bundle: Path, visit: Callable[[], Visit]) -> None:
    with mirror(bundle) as url:
        v = visit()
        page = v.open(url)
        page.click("#find")
        assert "Введите номер участка или адрес" in page.inner_text("#matches")
        page.fill("#q", "Мира 5")
        page.click("#find")
        assert "Выберите регион" in page.inner_text("#matches")
        assert page.get_attribute("#num", "inputmode") == "numeric"
    assert v.errors == []


# ------------------------------------------------------------- real St Petersburg file


@pytest.fixture(scope="module")
def spb_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import shared_data_path

    from .conftest import SPB_STATIONS

    shared_data_path()
    d = tmp_path_factory.mktemp("spb")
    key = d / "key"
    from smartvote.publish.sign import generate_keypair

    generate_keypair(key)
    rows = read_stations_rows(SPB_STATIONS, "spb2021")
    sts = group_stations(rows)
    recs = synthetic_recommendations({r for s in sts for r in s.races}, rng_seed=11)
    for r in recs:
        r.pop("race_name")
    build_bundle(
        check_recommendations(recs), sts, load_private_key(key), d / "site",
        race_names=race_names(rows), site_url="https://sv.example/",
    )  # fmt: skip
    return d / "site"


def test_address_corpus_in_the_page(spb_site: Path, visit: Callable[[], Visit]) -> None:
    queries = corpus()
    with mirror(spb_site) as url:
        v = visit()
        page = v.open(url)
        page.wait_for_selector("#search[data-ready]")
        cdp = v.ctx.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})  # a phone-class CPU
        got = page.evaluate(
            """qs => qs.map(q => { const t0 = performance.now();
                 const r = window.smartvoteAddress.search('Санкт-Петербург', q);
                 return {ms: performance.now() - t0, found: r.houseFound,
                         ids: r.hits.map(h => h.id.split('/')[1]).sort()}; })""",
            [q["query"] for q in queries],
        )
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    misses = [
        (q["query"], r["ids"][:6])
        for q, r in zip(queries, got, strict=True)
        if not r["found"] or r["ids"] != sorted(q["expected"].split())
    ]
    assert misses == []
    ms = [r["ms"] for r in got]
    slow = sorted(zip(ms, [q["query"] for q in queries], strict=True))[-3:]
    print(
        f"\naddress search, {len(ms)} queries, 4x CPU throttling: median "
        f"{statistics.median(ms):.1f} ms, max {max(ms):.1f} ms; slowest {slow}"
    )


def _variants(n: int, seed: int) -> list[str]:
    """Queries typed in many ways (and with slips) from the real stations' addresses."""
    import random

    from .conftest import SPB_STATIONS

    rng = random.Random(seed)
    with SPB_STATIONS.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["street"].strip()]
    out = []
    for r in rng.sample(rows, n):
        words = r["street"].split()
        if rng.random() < 0.3:  # a slip: one letter dropped from the longest word
            j = max(range(len(words)), key=lambda i: len(words[i]))
            w = words[j]
            i = rng.randrange(1, max(2, len(w) - 1))
            words[j] = w[:i] + w[i + 1 :]
        rng.shuffle(words)
        house = re.sub(
            r"(литера|корпус|дом)", lambda m: rng.choice([m.group(1), m.group(1)[0]]), r["building"]
        )
        if rng.random() < 0.2:
            house = str(rng.randrange(1, 200))  # a house that may not exist
        out.append(" ".join(words) + rng.choice([" ", ", "]) + house)
    return out


def test_page_and_python_search_agree(spb_site: Path, visit: Callable[[], Visit]) -> None:
    from smartvote.publish.address import AddressIndex

    shard = next(iter(_shards(spb_site).values()))
    index = AddressIndex(
        (sid, (st["address"], *st.get("serves", ()))) for sid, st in shard["stations"].items()
    )
    queries = _variants(250, seed=13)
    with mirror(spb_site) as url:
        v = visit()
        page = v.open(url)
        page.wait_for_selector("#search[data-ready]")
        js = page.evaluate(
            """qs => qs.map(q => { const r = window.smartvoteAddress.search('Санкт-Петербург', q);
                 return [r.houseFound, r.hits.map(h => h.id).sort()]; })""",
            queries,
        )
    py = []
    for q in queries:
        got, found = index.search(q, limit=10_000)
        py.append([found, sorted(sid for sid, _, _ in got)])
    assert [(q, a) for q, a, b in zip(queries, js, py, strict=True) if a != b] == []
    assert sum(1 for f, ids in py if f and ids) > 150  # most variants find their house


def test_number_opens_directly_and_print_is_a4_page_per_race(
    spb_site: Path, visit: Callable[[], Visit]
) -> None:
    with mirror(spb_site) as url:
        v = visit()
        page = v.open(url + "#station=")  # what the leaflet's QR code opens
        page.wait_for_function("document.activeElement && document.activeElement.id === 'num'")
        page.fill("#num", "1004")
        page.press("#num", "Enter")
        page.wait_for_selector("#ballot:not([hidden])")
        assert page.inner_text("#ballot-title") == "Участок № 1004"
        heads = page.eval_on_selector_all("#races h3", "hs => hs.map(h => h.textContent)")
        assert heads[0].startswith("Госдума, одномандатный округ №")
        assert heads[1].startswith("Законодательное собрание Санкт-Петербурга, округ №")
        links = page.eval_on_selector_all(
            "#takeaway a", "as => as.map(a => a.getAttribute('href'))"
        )
        reg = _manifest(spb_site)["regions"][0]
        assert links == [reg["offline"], reg["print"]]
        pr = v.ctx.new_page()
        pr.goto(url + reg["print"])
        assert (
            pr.evaluate("[...document.images].filter(i => i.complete && i.naturalWidth > 0).length")
            == 33
        )
        pdf = pr.pdf(prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 33  # one A4 page per race, 8 Duma + 25 Legislative Assembly
    # A4 is 595 x 842 pt (US Letter would be 612 x 792)
    assert re.search(rb"/MediaBox \[0 0 59[45][.\d]* 84[12][.\d]*\]", pdf)


# ------------------------------------------------------------------ saved and offline


def test_saved_page_explains_itself(
    bundle: Path, tmp_path: Path, visit: Callable[[], Visit]
) -> None:
    saved = tmp_path / "saved.html"  # «Save page as… (HTML only)» keeps the page, not the data
    shutil.copy(bundle / "index.html", saved)
    shutil.copy(bundle / "app.js", tmp_path / "app.js")
    shutil.copy(bundle / "style.css", tmp_path / "style.css")
    v = visit()
    page = v.open(saved.as_uri())
    w = page.inner_text("#warning")
    assert "сохранённая страница" in w and "офлайн-копия" in w
    assert "Подпись не сходится" not in w


def test_reopens_offline_from_the_service_worker(bundle: Path, visit: Callable[[], Visit]) -> None:
    shard = _shards(bundle)["Регион 02"]
    with app_server(bundle) as url:
        v = visit()
        page = v.open(url + "#station=Регион 02/3")
        page.wait_for_selector("#ballot:not([hidden])")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # now controlled by the worker, which caches what the page fetches
        page.wait_for_selector("#ballot:not([hidden])")
        assert page.evaluate("!!navigator.serviceWorker.controller")
    # the server is gone and the network is off
    v.ctx.set_offline(True)
    page.reload()
    page.wait_for_selector("#ballot:not([hidden])", timeout=15000)
    assert v.endorsed() == [
        shard["races"][r]["endorsed"] for r in shard["stations"]["Регион 02/3"]["races"]
    ]
    assert not v.warned()
    msg = v.update_done("offline")
    assert "Нет связи с сайтом: показан сохранённый выпуск от" in msg


def test_repeat_visit_shows_the_saved_release_then_the_update(
    make_bundle: BundleFactory, tmp_path: Path, visit: Callable[[], Visit]
) -> None:
    """Cache first, then the release check: the saved release at once, a newer one that
    verifies replaces it (and is saved), a newer one with a tampered shard never does."""
    v100 = make_bundle("v100", version=100, n_regions=1, rng_seed=5)
    v200 = make_bundle("v200", version=200, n_regions=1, rng_seed=6)
    v300 = make_bundle("v300", version=300, n_regions=1, rng_seed=7)
    sid = "Регион 01/1"
    names = {b: _expected(_shards(b)["Регион 01"], sid) for b in (v100, v200, v300)}
    assert len({tuple(x) for x in names.values()}) == 3
    rel = _manifest(v300)["regions"][0]["shard"]
    sh = json.loads((v300 / rel).read_bytes())
    sh["races"][sh["stations"][sid]["races"][0]]["endorsed"] = "Fake Candidate"
    (v300 / rel).write_text(json.dumps(sh, ensure_ascii=False), encoding="utf-8")
    site = tmp_path / "site"
    shutil.copytree(v100, site)
    with mirror(site) as url:
        v = visit()
        page = v.open(url + "#station=" + sid)
        page.wait_for_selector(".endorsed")
        assert v.endorsed() == names[v100]
        v.saved()
        assert page.is_hidden("#update")  # the first visit's pair came from the network
        page.reload()  # nothing new: the saved release, and the check says it is the latest
        assert v.update_done("current") == "Это последний выпуск."
        assert v.first_endorsed() == names[v100] and v.update_states() == ["checking", "current"]
        _swap(site, v200)
        page.reload()
        msg = v.update_done("updated")
        assert v.first_endorsed() == names[v100] and v.endorsed() == names[v200]
        assert v.update_states() == ["checking", "updated"]
        assert re.fullmatch(r"Обновлено: выпуск от \d{1,2} [а-я]+ \d{4} г\.?", msg)
        assert (
            "(№ 200)" in page.inner_text("#version")
            and page.get_attribute("#status", "class") == "status key"
        )
        page.click("#lang")
        assert page.inner_text("#update").startswith("Updated: release of ")
        page.click("#lang")
        page.wait_for_selector("html[data-saved='200']", state="attached")
        _swap(site, v300)  # a newer release whose shard was altered after signing
        page.reload()
        msg = v.update_done("refused")
        assert "не совпадают" in msg and "сохранённый проверенный выпуск" in msg
        assert v.first_endorsed() == names[v200] and v.endorsed() == names[v200]
        assert "Fake Candidate" not in page.inner_text("body") and not v.warned()
        assert "(№ 200)" in page.inner_text("#version")
    # the server is gone: the saved release is still release 200
    page.reload()
    msg = v.update_done("offline")
    assert v.endorsed() == names[v200] and "(№ 200)" in page.inner_text("#version")
    assert v.errors == []


def test_an_altered_saved_copy_is_never_shown(
    make_bundle: BundleFactory, visit: Callable[[], Visit]
) -> None:
    """What the worker answers from is checked like the network's answer: an altered saved
    shard is dropped for the network's copy, or warned about when offline; so is an
    altered saved manifest."""
    b = make_bundle(n_regions=1, rng_seed=3)
    sid = "Регион 01/1"
    want = _expected(_shards(b)["Регион 01"], sid)
    tamper_shard = """async () => {
        const c = await caches.open("smartvote-v1");
        const req = (await c.keys()).find(r => r.url.includes("?h="));
        const sh = JSON.parse(await (await c.match(req)).text());
        const st = sh.stations[Object.keys(sh.stations).find(k => k.endsWith("/1"))];
        sh.races[st.races[0]].endorsed = "Fake Candidate";
        await c.put(req, new Response(JSON.stringify(sh)));
    }"""
    with mirror(b) as url:
        v = visit()
        page = v.open(url + "#station=" + sid)
        v.saved()
        page.evaluate(tamper_shard)
        page.reload()
        page.wait_for_selector(".endorsed")
        assert v.first_endorsed() == want and not v.warned()  # the network's copy, verified
        v.update_done("current")
        page.evaluate(tamper_shard)
    page.reload()  # offline now: the altered copy is all there is
    page.wait_for_selector("#warning:not([hidden])")
    assert "не совпадают" in page.inner_text("#warning")
    assert v.endorsed() == [] and "Fake Candidate" not in page.inner_text("body")
    with mirror(b) as url2:  # a new origin: a fresh saved copy, then its manifest altered
        page.goto(url2 + "#station=" + sid)
        v.saved()
        page.evaluate("""async () => {
            const c = await caches.open("smartvote-v1");
            const m = await (await c.match("manifest.json")).text();
            await c.put("manifest.json", new Response(m.replace('"stations":30', '"stations":31')));
        }""")
    page.reload()
    page.wait_for_selector("#warning:not([hidden])")
    assert "Подпись не сходится" in page.inner_text("#warning") and v.endorsed() == []


def _luminance(rgb: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", rgb)[:3])

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def test_focus_ring_contrast(bundle: Path, visit: Callable[[], Visit]) -> None:
    with mirror(bundle) as url:
        v = visit()
        page = v.open(url)
        page.focus("#num")
        page.keyboard.press("Tab")  # keyboard focus: :focus-visible applies
        ring, bg = page.evaluate(
            """() => [getComputedStyle(document.activeElement).outlineColor,
                      getComputedStyle(document.body).backgroundColor]"""
        )
    a, b = sorted((_luminance(ring), _luminance(bg)), reverse=True)
    assert (a + 0.05) / (b + 0.05) >= 3.0  # WCAG 2.2 non-text contrast
