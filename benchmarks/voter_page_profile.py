"""Where the voter page's time goes on a repeat visit (slow 3G, CPU 4x).

Same bundle, server and throttling as ``benchmarks/voter_page.py`` (imported from it), one
fresh profile visiting three times. For every visit it prints the navigation and resource
timings (the service worker's answers included), the page's own calls timed by a script
injected before the page's (WebCrypto verify/digest/importKey, fetch, JSON.parse of more
than 0.5 ms, the moment the first endorsed name enters the DOM), the wall clock the
benchmark sees, and, for the second and third visits, the CPU profile's top self times
(CDP ``Profiler``). The wrapper adds a little time of its own; read phases, not totals.

    .venv/bin/python benchmarks/voter_page_profile.py [--src src] [--runs 1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import voter_page as vp

INIT = r"""
(function () {
  var L = window.__svlog = [];
  function now() { return performance.now(); }
  var s = window.crypto && window.crypto.subtle;
  if (s) ["verify", "digest", "importKey"].forEach(function (n) {
    var f = s[n].bind(s);
    s[n] = function () { var t = now(); return f.apply(null, arguments).then(function (r) { L.push([n, t, now()]); return r; }); };
  });
  var F = window.fetch.bind(window);
  window.fetch = function (u, o) { var t = now(); return F(u, o).then(function (r) { L.push(["fetch " + u, t, now()]); return r; }); };
  var JP = JSON.parse;
  JSON.parse = function (x) { var t = now(), r = JP(x); if (now() - t > 0.5) { L.push(["JSON.parse " + x.length + " chars", t, now()]); } return r; };
  new MutationObserver(function (m, ob) {
    if (document.querySelector(".endorsed")) { L.push(["endorsed in DOM", now(), now()]); ob.disconnect(); }
  }).observe(document, { childList: true, subtree: true });
})();
"""

READ = """() => ({
  nav: performance.getEntriesByType('navigation')[0].toJSON(),
  res: performance.getEntriesByType('resource').map(e => ({name: e.name.split('/').pop(),
    start: e.startTime, workerStart: e.workerStart, resp: e.responseStart, end: e.responseEnd,
    size: e.transferSize})),
  paint: performance.getEntriesByType('paint').map(e => [e.name, e.startTime]),
  mark: (performance.getEntriesByName('sv:first-recommendation')[0] || {startTime: null}).startTime,
  log: window.__svlog})"""


def visit(
    ctx: Any, url: str, profile: bool, settle: bool = False
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    if profile:
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        cdp.send("Profiler.start")
    t0 = time.perf_counter()
    page.goto(url + "#station=" + vp.STATION, wait_until="commit")
    page.wait_for_selector(".endorsed", timeout=120_000)
    dt = time.perf_counter() - t0
    prof = cdp.send("Profiler.stop")["profile"] if profile else None
    page.wait_for_timeout(2500)
    info: dict[str, Any] = page.evaluate(READ)
    if settle:  # as the benchmark: the worker is active and the verified release saved
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        if info["mark"] is not None:
            page.wait_for_selector("html[data-saved]", state="attached", timeout=60_000)
    info["wall_ms"] = dt * 1000
    page.close()
    return info, prof


def self_times(prof: dict[str, Any], top: int = 12) -> list[tuple[str, float]]:
    nodes = {n["id"]: n["callFrame"] for n in prof["nodes"]}
    agg: dict[str, float] = {}
    for s, d in zip(prof["samples"][1:], prof["timeDeltas"][1:], strict=True):
        f = nodes[s]
        key = f"{f['functionName'] or '(anonymous)'} {f['url'].split('/')[-1]}:{f['lineNumber']}"
        agg[key] = agg.get(key, 0.0) + d / 1000
    return sorted(agg.items(), key=lambda x: -x[1])[:top]


def report(name: str, x: dict[str, Any], prof: dict[str, Any] | None) -> None:
    n = x["nav"]
    mark = "—" if x["mark"] is None else f"{x['mark']:.0f} ms"
    print(f"== {name}: wall clock {x['wall_ms']:.0f} ms, page's sv:first-recommendation {mark}")
    keys = (
        "workerStart",
        "responseStart",
        "responseEnd",
        "domInteractive",
        "domContentLoadedEventEnd",
    )
    print("  navigation: " + ", ".join(f"{k}={n[k]:.0f}" for k in keys))
    print("  paint: " + ", ".join(f"{k}={v:.0f}" for k, v in x["paint"]))
    for r in x["res"]:
        print(
            f"  resource {r['name'][:36]:36} start={r['start']:5.0f} worker={r['workerStart']:5.0f} "
            f"response={r['resp']:5.0f} end={r['end']:5.0f} network bytes={r['size']}"
        )
    for what, a, b in x["log"]:
        print(f"  call {what[:48]:48} {a:5.0f} -> {b:5.0f} ({b - a:4.0f} ms)")
    if prof:
        print("  CPU profile, top self times (ms):")
        for k, v in self_times(prof):
            print(f"    {v:7.1f}  {k}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", type=Path, default=vp.ROOT / "src", help="src/ to publish and serve")
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    if not vp.SPB.exists():
        sys.exit(f"needs {vp.SPB}")
    from playwright.sync_api import sync_playwright

    src = args.src.resolve()
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "v" / "site"
        out.parent.mkdir()
        vp.build(src, out)
        url, proc = vp.serve(out, src)
        try:
            with sync_playwright() as p:
                b = p.chromium.launch(
                    executable_path=vp.CHROMIUM, args=["--headless", "--no-sandbox"]
                )
                for i in range(args.runs):
                    ctx = b.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
                    ctx.add_init_script(INIT)
                    report(f"run {i} first visit", *visit(ctx, url, False, settle=True))
                    time.sleep(1.0)
                    report(f"run {i} repeat visit", *visit(ctx, url, True))
                    report(f"run {i} third visit", *visit(ctx, url, True))
                    ctx.close()
                b.close()
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
