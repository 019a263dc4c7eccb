"""HTML report of an assessment: the effect by design, figures and tables.

One self-contained file (figures embedded as PNG), rendered by the template
``report/templates/assess.html``, which escapes every piece of text that comes from data
(names, race ids, regions); figures label races by district number only, never by a name
from the data. This module is the view-model step: :func:`report_context` turns an
:class:`Assessment` into the strings, tables and figures the template lays out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from smartvote.assess.assessment import Assessment
from smartvote.report.render import png_data_uri
from smartvote.report.render import render as render_template


def cell(x: Any) -> str:
    """A value as the report shows it: None/NaN as an em dash, booleans as yes/no,
    floats with one decimal and thousands grouped (the template escapes it)."""
    if x is None or (isinstance(x, float) and x != x):
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:,.1f}"
    return str(x)


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> dict[str, Any]:
    """A table for the template: headers, and per row ``(text, numeric)`` cells;
    ``columns``: (key, header)."""
    return {
        "headers": [h for _, h in columns],
        "rows": [
            [
                (cell(v), isinstance(v, (int, float)) and not isinstance(v, bool))
                for v in (r.get(k) for k, _ in columns)
            ]
            for r in rows
        ],
    }


def _label(r: pd.Series) -> str:
    return str(r["district"]) if str(r["district"]) else str(r.name)


def figures(a: Assessment) -> list[tuple[str, str]]:
    """(PNG ``data:`` URI, caption) for each figure the data allow."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["text.parse_math"] = False  # labels are data: plain text, never TeX
    import matplotlib.pyplot as plt

    out: list[tuple[str, str]] = []
    r = a.races.copy()
    if not len(r):
        return out
    r = r.sort_values("share").reset_index(drop=True)
    labels = [_label(x) for _, x in r.iterrows()]
    y = range(len(r))
    h = max(3.0, 0.22 * len(r) + 1)
    if r["expected_share"].notna().any():
        fig, ax = plt.subplots(figsize=(7, h))
        ax.hlines(
            list(y), r["expected_share"].astype(float), r["share"].astype(float), color="#999"
        )
        ax.scatter(
            r["expected_share"].astype(float),
            list(y),
            color="#1f77b4",
            label="expected without endorsement",
            zorder=3,
        )
        ax.scatter(
            r["share"].astype(float), list(y), color="#d62728", label="official share", zorder=3
        )
        ax.set_yticks(list(y), labels, fontsize=7)
        ax.set_xlabel("endorsed candidate's share, %")
        ax.set_ylabel("district")
        ax.legend(loc="lower right", fontsize=8)
        out.append(
            (
                png_data_uri(fig),
                "Endorsed candidates' shares against their expectation without the endorsement",
            )
        )
        m = r.sort_values("margin_pp").reset_index(drop=True)
        fig, ax = plt.subplots(figsize=(7, h))
        yy = list(range(len(m)))
        ax.hlines(
            yy, m["expected_margin_pp"].astype(float), m["margin_pp"].astype(float), color="#999"
        )
        ax.scatter(
            m["expected_margin_pp"].astype(float),
            yy,
            color="#1f77b4",
            label="without the effect",
            zorder=3,
        )
        ax.scatter(m["margin_pp"].astype(float), yy, color="#d62728", label="official", zorder=3)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_yticks(yy, [_label(x) for _, x in m.iterrows()], fontsize=7)
        ax.set_xlabel("endorsed candidate's margin over the best rival, points")
        ax.set_ylabel("district")
        ax.legend(loc="lower right", fontsize=8)
        out.append(
            (
                png_data_uri(fig),
                "Race margins before and after the endorsement effect (right of 0: endorsed candidate ahead)",
            )
        )
    p = r[r["paper_share"].notna()]
    if len(p):
        p = p.sort_values("district").reset_index(drop=True)
        fig, ax = plt.subplots(figsize=(8, 3.5))
        x = list(range(len(p)))
        ax.bar(
            [i - 0.2 for i in x],
            p["paper_share"].astype(float),
            width=0.4,
            label="paper ballots",
            color="#2ca02c",
        )
        ax.bar(
            [i + 0.2 for i in x],
            p["electronic_share"].astype(float),
            width=0.4,
            label="remote electronic",
            color="#9467bd",
        )
        ax.set_xticks(x, [_label(v) for _, v in p.iterrows()], fontsize=8)
        ax.set_xlabel("district")
        ax.set_ylabel("endorsed candidate's share, %")
        ax.legend(fontsize=8)
        out.append(
            (
                png_data_uri(fig),
                "Endorsed candidates' share on paper against remote electronic voting, per district",
            )
        )
    return out


def by_region(races: pd.DataFrame) -> list[dict[str, Any]]:
    """The 'map' of decisive races as a table: one row per region."""
    if not len(races):
        return []
    r = races.assign(
        dec=races["decisive"].fillna(False).astype(bool),
        paper=races["won_on_paper"].fillna(False).astype(bool),
        clean=races["won_on_clean_stations"].fillna(False).astype(bool),
    )
    rows = []
    for region, g in r.groupby("region", sort=True):
        rows.append(
            {
                "region": region,
                "races": len(g),
                "won": int(g["won"].sum()),
                "decisive": int(g["dec"].sum()),
                "decisive_races": ", ".join(g.loc[g["dec"], "district"].astype(str)),
                "won_on_paper": int(g["paper"].sum()),
                "won_on_clean": int(g["clean"].sum()),
            }
        )
    return rows


def report_context(a: Assessment, title: str | None = None) -> dict[str, Any]:
    """Everything ``report/assess.html`` shows, computed and formatted."""
    d = a.to_dict()
    e = d["effect"]
    effect = None
    if e["estimate_pp"] is not None:
        rng = e.get("range_of_designs_pp")
        effect = {
            **{k: cell(e[k]) for k in ("estimate_pp", "ci_low_pp", "ci_high_pp", "method", "n")},
            "range": [cell(rng[0]), cell(rng[1])] if rng else None,
            "assumptions": [cell(s) for s in e["assumptions"]],
        }
    designs = [
        {
            **x,
            "endorsed_pairs": _pairs(x.get("pairs", {}).get("endorsed")),
            "other_pairs": _pairs(x.get("pairs", {}).get("others")),
            "person_only": _person(x.get("person_only")),
        }
        for x in d["designs"]
    ]
    by_design = d["totals"].get("by_design") or {}
    ran = [x["design"] for x in d["designs"] if x["ran"]]
    rows = [
        {
            **r,
            **{
                f"{k}_{name}": (r.get("by_design") or {}).get(name, {}).get(k)
                for name in ran
                for k in ("expected_share", "p_decisive")
            },
        }
        for r in d["races"]
    ]
    per_design = [
        (f"{k}_{name}", f"{label} ({name})")
        for name in ran
        for k, label in (("expected_share", "expected"), ("p_decisive", "P(decisive)"))
    ]
    return {
        "lang": "en",
        "title": title or f"Assessment of the endorsements: {', '.join(a.elections)}",
        "sources": cell(", ".join(d["sources"])),
        "baseline": cell(", ".join(d["baseline"]) or "none"),
        "effect": effect,
        "designs": table(designs, _DESIGN_COLUMNS),
        "assumptions": [
            {
                "design": cell(x["design"]),
                "method": cell(x["method"]),
                "assumptions": [cell(s) for s in x["assumptions"]],
            }
            for x in d["designs"]
        ],
        "party_sources": cell(", ".join(f"{k}: {v}" for k, v in d["party_sources"].items()))
        if d.get("party_sources")
        else None,
        "figures": [{"uri": uri, "caption": cap} for uri, cap in figures(a)],
        "totals": table(
            [
                {"figure": k, "value": v}
                for k, v in d["totals"].items()
                if not isinstance(v, (list, dict))
            ],
            [("figure", "figure"), ("value", "value")],
        ),
        "by_design": table([{"design": k, **v} for k, v in by_design.items()], _BY_DESIGN_COLUMNS)
        if by_design
        else None,
        "regions": table(by_region(a.races), _REGION_COLUMNS),
        "races": table(rows, [*_RACE_COLUMNS, *per_design]),
        "unmatched": [cell(u) for u in d["unmatched_endorsements"]],
    }


_DESIGN_COLUMNS = [
    ("design", "design"),
    ("ran", "ran"),
    ("estimate_pp", "estimate, pp"),
    ("ci_low_pp", "CI low"),
    ("ci_high_pp", "CI high"),
    ("contrast_pp", "raw contrast, pp"),
    ("naive_contrast_pp", "naive contrast, pp"),
    ("n", "endorsed"),
    ("n_comparators", "comparators"),
    ("endorsed_pairs", "endorsed paired"),
    ("other_pairs", "others paired"),
    ("person_only", "same person only, pp"),
    ("reason", "why not"),
]
_BY_DESIGN_COLUMNS = [
    ("design", "design"),
    ("estimate_pp", "effect, pp"),
    ("decisive", "decisive"),
    ("expected_decisive", "expected decisive"),
    ("decisive_ci_low", "CI low"),
    ("decisive_ci_high", "CI high"),
    ("seats_won_without_endorsement", "seats won without it"),
]
_REGION_COLUMNS = [
    ("region", "region"),
    ("races", "races"),
    ("won", "won"),
    ("decisive", "decisive"),
    ("decisive_races", "decisive districts"),
    ("won_on_paper", "won on paper"),
    ("won_on_clean", "won on clean stations"),
]
_RACE_COLUMNS = [
    ("race", "race"),
    ("region", "region"),
    ("endorsed", "endorsed"),
    ("party", "party"),
    ("share", "share, %"),
    ("rank", "rank"),
    ("won", "won"),
    ("margin_pp", "margin"),
    ("expected_share", "expected"),
    ("effect_pp", "effect"),
    ("decisive", "decisive"),
    ("p_decisive", "P(decisive)"),
    ("won_on_paper", "won on paper"),
    ("paper_margin_pp", "paper margin"),
    ("won_on_clean_stations", "won on clean"),
    ("clean_margin_pp", "clean margin"),
    ("falsified_votes", "falsified votes"),
]


def render(a: Assessment, title: str | None = None) -> str:
    """The report as one HTML string."""
    return render_template("report/assess.html", **report_context(a, title))


def _pairs(p: dict[str, int] | None) -> str | None:
    if not p:
        return None
    return f"{p.get('candidate', 0)} / {p.get('party', 0)} / {p.get('none', 0)}"


def _person(p: dict[str, Any] | None) -> str | None:
    if not p:
        return None
    if not p.get("ran"):
        return "not enough"
    return f"{p['estimate_pp']:.1f} [{p['ci_low_pp']:.1f}, {p['ci_high_pp']:.1f}] (n {p['n']})"


def write_report(a: Assessment, path: str | Path, title: str | None = None) -> Path:
    """Write :func:`render` to ``path``."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(render(a, title), encoding="utf-8")
    return p
