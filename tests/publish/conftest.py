"""Fixtures for the publish tests: keys, synthetic inputs and bundles built from them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from smartvote.publish.bundle import build_bundle
from smartvote.publish.canonical import canonical_bytes
from smartvote.publish.recommendations import check_recommendations
from smartvote.publish.samples import synthetic_recommendations, synthetic_station_rows
from smartvote.publish.sign import generate_keypair, load_private_key, sign_bytes
from smartvote.publish.stations import group_stations

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
SPB_STATIONS = DATA / "ru_spb_2021" / "spb2021_stations.csv"


@pytest.fixture(scope="session")
def keydir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("keys")
    generate_keypair(d / "key")
    generate_keypair(d / "other")
    return d


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A recommendations JSON (with hostile names) and a tidy stations CSV, as files."""
    d = tmp_path_factory.mktemp("inputs")
    rows = synthetic_station_rows(60, n_regions=3, rng_seed=7, races_per_region=3, hostile=True)
    recs = synthetic_recommendations({r["race"] for r in rows}, rng_seed=7, hostile=True)
    (d / "recs.json").write_text(json.dumps(recs, ensure_ascii=False), encoding="utf-8")
    import csv

    with (d / "stations.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["unit", "race", "region", "address"])
        w.writeheader()
        w.writerows(rows)
    return d / "recs.json", d / "stations.csv"


BundleFactory = Callable[..., Path]


@pytest.fixture(scope="session")
def _master(
    tmp_path_factory: pytest.TempPathFactory, keydir: Path, inputs: tuple[Path, Path]
) -> Path:
    out = tmp_path_factory.mktemp("master") / "bundle"
    recs = check_recommendations(json.loads(inputs[0].read_text(encoding="utf-8")))
    import csv

    with inputs[1].open(encoding="utf-8") as f:
        stations = group_stations(list(csv.DictReader(f)))
    build_bundle(recs, stations, load_private_key(keydir / "key"), out, version=1000)
    return out


@pytest.fixture
def bundle(_master: Path, tmp_path: Path) -> Path:
    """A fresh copy of a small signed bundle (3 regions, 60 stations, version 1000)."""
    dst = tmp_path / "bundle"
    shutil.copytree(_master, dst)
    return dst


@pytest.fixture
def make_bundle(keydir: Path, tmp_path: Path) -> BundleFactory:
    """Build a bundle from synthetic data: ``make_bundle(name, version=..., key=..., **kw)``."""

    def make(
        name: str = "b",
        *,
        version: int | None = None,
        key: str = "key",
        n_stations: int = 30,
        n_regions: int = 2,
        hostile: bool = False,
        rng_seed: int = 1,
        **kw: Any,
    ) -> Path:
        rows = synthetic_station_rows(
            n_stations, n_regions=n_regions, rng_seed=rng_seed, hostile=hostile
        )
        recs = check_recommendations(
            synthetic_recommendations({r["race"] for r in rows}, rng_seed=rng_seed, hostile=hostile)
        )
        out = tmp_path / name
        build_bundle(
            recs, group_stations(rows), load_private_key(keydir / key), out, version=version, **kw
        )
        return out

    return make


def resign(bundle: Path, key: Path, edit: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Rewrite a bundle's manifest (after ``edit``) and sign it again with the key at ``key``.

    What an attacker with their own key does to a genuine bundle: the result is internally
    consistent, so only the key (or a pinned one) tells it apart.
    """
    man = json.loads((bundle / "manifest.json").read_bytes())
    if edit is not None:
        edit(man)
    data = canonical_bytes(man)
    (bundle / "manifest.json").write_bytes(data)
    (bundle / "manifest.sig").write_text(sign_bytes(load_private_key(key), data) + "\n")


# ------------------------------------------------------------------ the browser tests' kit

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (make browser)"
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (it cannot download its own browsers here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


# Recorded in every page: the endorsed names first put on screen (before a release check
# can replace them) and the states the release check went through.
_RECORD = """
window.__sv = { first: null, states: [] };
new MutationObserver(function () {
  var r = window.__sv, e = document.querySelectorAll(".endorsed"), u = document.getElementById("update");
  if (!r.first && e.length) { r.first = Array.prototype.map.call(e, function (x) { return x.textContent; }); }
  var st = u && u.getAttribute("data-state");
  if (st && r.states[r.states.length - 1] !== st) { r.states.push(st); }
}).observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
"""


class Visit:
    """A fresh browser context and page, recording requests, dialogs and page errors."""

    def __init__(self, browser: Any) -> None:
        self.ctx = browser.new_context()
        self.ctx.add_init_script(_RECORD)
        self.page = self.ctx.new_page()
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, url: str) -> Any:
        self.page.goto(url)
        self.page.wait_for_selector(
            "#status.ok, #status.key, #warning:not([hidden])", timeout=15000
        )
        return self.page

    def warned(self) -> bool:
        return bool(self.page.evaluate("!document.querySelector('#warning').hidden"))

    def first_endorsed(self) -> list[str]:
        """The endorsed names as first shown on this load."""
        return list(self.page.evaluate("window.__sv.first || []"))

    def update_states(self) -> list[str]:
        """The release check's states on this load (checking, current, updated, ...)."""
        return list(self.page.evaluate("window.__sv.states"))

    def saved(self) -> None:
        """Wait until the service worker is active and the page has saved what it verified
        (the next load of this profile starts from that saved release)."""
        self.page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        self.page.wait_for_selector("html[data-saved]", state="attached", timeout=15000)

    def update_done(self, state: str) -> str:
        """Wait for the release check to end in ``state``; its message."""
        self.page.wait_for_selector(f"#update[data-state={state}]", timeout=15000)
        return str(self.page.inner_text("#update"))

    def endorsed(self) -> list[str]:
        return list(
            self.page.eval_on_selector_all(".endorsed", "els => els.map(e => e.textContent)")
        )


@pytest.fixture
def visit(browser: Any) -> Iterator[Callable[[], Visit]]:
    """``visit()`` opens a fresh context; every context is closed after the test."""
    made: list[Visit] = []

    def make() -> Visit:
        v = Visit(browser)
        made.append(v)
        return v

    yield make
    for v in made:
        v.ctx.close()
