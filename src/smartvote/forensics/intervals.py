"""Every method's 95 % interval in one shape (JSON ``intervals``, the report's table).

Issue 11 asks for intervals "reported the same way across methods (say which: percentile
bootstrap or normal), with their replicate counts set by precision". Each method keeps its
own keys (its contract predates this table); this module reads them back from the suite's
JSON and lists them as records with the same fields:

``method``, ``quantity``, ``estimate``, ``low``, ``high``, ``level`` (0.95), ``kind`` (the
construction, e.g. ``normal``: estimate ± 1.96 sd; ``model-averaged``: the mixture
interval of ``excess``; ``percentile bootstrap``), ``sd_from`` (where its spread comes
from), ``replicates`` (resamples behind it, ``None`` when exact or analytic) and
``sd_mc_error``: the relative Monte Carlo error of an sd read off that many replicates,
1/√(2(B − 1)) (Efron & Tibshirani 1993, §6.4: the coefficient of variation of a sample sd
under normality). It is the precision the replicate count was chosen for (51 bootstrap
replicates: 10 %); 0 for exact or analytic sds.
"""

from __future__ import annotations

import math
from typing import Any

LEVEL = 0.95


def sd_mc_error(replicates: int | None) -> float:
    """Relative Monte Carlo error of an sd estimated from ``replicates`` draws (0 if exact)."""
    if not replicates or replicates < 2:
        return 0.0
    return 1 / math.sqrt(2 * (replicates - 1))


def _kind(text: str | None) -> str:
    """The construction named before the first colon of a method's ``interval`` text."""
    if not text:
        return "normal"
    return text.split(":", 1)[0].strip()


def _row(
    method: str,
    quantity: str,
    estimate: Any,
    ci: Any,
    kind: str,
    sd_from: str,
    replicates: int | None,
) -> dict[str, Any] | None:
    if estimate is None or ci is None or len(ci) != 2 or None in ci:
        return None
    return {
        "method": method,
        "quantity": quantity,
        "estimate": float(estimate),
        "low": float(ci[0]),
        "high": float(ci[1]),
        "level": LEVEL,
        "kind": kind,
        "sd_from": sd_from,
        "replicates": replicates,
        "sd_mc_error": sd_mc_error(replicates),
    }


def table(d: dict[str, Any]) -> list[dict[str, Any]]:
    """The records of every interval in the suite's JSON ``d`` (methods not run are absent)."""
    rows: list[dict[str, Any] | None] = []
    ex = d.get("excess")
    if ex:
        boot = ex.get("uncertainty", {}).get("bootstrap_replicates")
        rows.append(
            _row(
                "excess",
                "falsified votes for the leader",
                ex["votes"],
                [ex["ci_low"], ex["ci_high"]],
                _kind(ex.get("interval")),
                "Poisson bootstrap over stations plus model terms (extrapolation, "
                "whole-region prediction); Welch–Satterthwaite t",
                boot,
            )
        )
    sh = d.get("shpilkin")
    if sh:
        rows.append(
            _row(
                "shpilkin",
                "excess votes (Shpilkin's published recipe)",
                sh["excess_votes"],
                sh["excess_ci"],
                _kind(sh.get("interval")),
                "Poisson bootstrap over stations, peak re-chosen (sampling noise only)",
                sh.get("boot"),
            )
        )
    it = d.get("integer")
    if it and it.get("stations"):
        e, sd = it["excess_stations"], it["sd"]
        rows.append(
            _row(
                "integer",
                "stations at whole percentages in excess of chance",
                e,
                [e - 1.96 * sd, e + 1.96 * sd],
                "normal",
                "exact binomial sd (Kobak et al. 2016); no resampling",
                None,
            )
        )
    kl = d.get("klimek")
    if kl:
        for key, name in (("f_incremental", "f_i"), ("f_extreme", "f_e")):
            rows.append(
                _row(
                    "klimek",
                    f"{name}: fraction of stations with "
                    + ("incremental" if key == "f_incremental" else "extreme")
                    + " fraud",
                    kl.get(key),
                    kl.get(f"{key}_ci"),
                    _kind(kl.get("interval")),
                    "bootstrap over stations, each replicate refitted",
                    kl.get("boot"),
                )
            )
    sp = d.get("spikes")
    if sp:
        rz = (sp.get("rozenas") or {}).get("result")
        if rz:
            rows.append(
                _row(
                    "spikes.rozenas",
                    "share of stations in excess at spikes of the leader's share",
                    rz.get("excess"),
                    rz.get("ci"),
                    _kind(sp["rozenas"].get("interval")),
                    "null replicates (each resample against the others) plus counting noise",
                    rz.get("resamples"),
                )
            )
        cf = sp.get("coarse_fractions") or {}
        for var in ("turnout", "result"):
            c = cf.get(var)
            if c:
                rows.append(
                    _row(
                        "spikes.coarse_fractions",
                        f"share of stations exactly on p/q in excess ({var})",
                        c.get("share"),
                        c.get("ci"),
                        _kind(cf.get("interval")),
                        "exact Poisson-binomial sd; no resampling",
                        None,
                    )
                )
    dg = d.get("digits") or {}
    for who in ("leader", "others"):
        for test, v in (dg.get(who) or {}).items():
            if isinstance(v, dict) and "ci" in v:
                rows.append(
                    _row(
                        "digits",
                        f"{test.replace('_', ' ')} ({who})",
                        v.get("value"),
                        v.get("ci"),
                        "normal",
                        "analytic sd of a mean (sd/√n)",
                        None,
                    )
                )
    return [r for r in rows if r is not None]
