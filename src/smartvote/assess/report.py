"""HTML report of an assessment: the effect by design, figures and tables.

One self-contained file (figures embedded as PNG). Every piece of text that comes from
data (names, race ids, regions) is HTML-escaped; figures label races by district number
only, never by a name from the data.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import pandas as pd

from smartvote.assess.assessment import Assessment

_CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left}
th{background:#f3f3f3}td.n{text-align:right}.note{color:#555;font-size:.9em}figure{margin:1.5em 0}
"""


def esc(x: Any) -> str:
    """Escape any value for HTML text or attribute (None → em dash)."""
    if x is None or (isinstance(x, float) and x != x):
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return html.escape(f"{x:,.1f}")
    return html.escape(str(x), quote=True)


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
    """An HTML table of ``rows``; ``columns``: (key, header)."""
    head = "".join(f"<th>{esc(h)}</th>" for _, h in columns)
    body = []
    for r in rows:
        cells = []
        for k, _ in columns:
            v = r.get(k)
            cls = ' class="n"' if isinstance(v, (int, float)) and not isinstance(v, bool) else ""
            cells.append(f"<td{cls}>{esc(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(b64: str, caption: str) -> str:
    return f'<figure><img alt="{esc(caption)}" src="data:image/png;base64,{b64}" style="max-width:100%"><figcaption>{esc(caption)}</figcaption></figure>'


def _label(r: pd.Series) -> str:
    return str(r["district"]) if str(r["district"]) else str(r.name)


def figures(a: Assessment) -> list[tuple[str, str]]:
    """(PNG base64, caption) for each figure the data allow."""
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
                _png(fig),
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
                _png(fig),
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
                _png(fig),
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


def render(a: Assessment, title: str | None = None) -> str:
    """The report as one HTML string."""
    d = a.to_dict()
    e = d["effect"]
    title = title or f"Assessment of the endorsements: {', '.join(a.elections)}"
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title><style>{_CSS}</style></head><body>"
    ]
    parts.append(f"<h1>{esc(title)}</h1>")
    parts.append(
        f"<p class='note'>Sources: {esc(', '.join(d['sources']))}. Baseline: {esc(', '.join(d['baseline']) or 'none')}.</p>"
    )
    parts.append("<h2>Effect of the endorsement</h2>")
    if e["estimate_pp"] is not None:
        parts.append(
            f"<p><b>{esc(e['estimate_pp'])} points</b> (95% CI {esc(e['ci_low_pp'])} to {esc(e['ci_high_pp'])}), "
            f"{esc(e['method'])}; {esc(e['n'])} endorsed candidates compared.</p>"
        )
        rng = e.get("range_of_designs_pp")
        if rng:
            parts.append(
                f"<p class='note'>The designs that ran range from {esc(rng[0])} to "
                f"{esc(rng[1])} points: designs far apart, beyond their intervals, signal a "
                "selection on strength that the headline may not see.</p>"
            )
        parts.append("<ul>" + "".join(f"<li>{esc(s)}</li>" for s in e["assumptions"]) + "</ul>")
    else:
        parts.append("<p>No design could run on these data (see below).</p>")
    designs = [
        {
            **x,
            "endorsed_pairs": _pairs(x.get("pairs", {}).get("endorsed")),
            "other_pairs": _pairs(x.get("pairs", {}).get("others")),
            "person_only": _person(x.get("person_only")),
        }
        for x in d["designs"]
    ]
    parts.append(
        "<p class='note'>All four designs side by side; the headline is the first that ran "
        "in the order regression, difference in differences, swing, split-ticket "
        "(docs/4-assess.md says why). The naive contrast compares endorsed candidates with "
        "every other challenger, without matching: the baseline that selection on strength "
        "biases. Pairing with the previous election: same person / same party / unpaired.</p>"
    )
    parts.append(
        table(
            designs,
            [
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
            ],
        )
    )
    parts.append("<h3>Assumptions of each design</h3>")
    for x in d["designs"]:
        parts.append(
            f"<p><b>{esc(x['design'])}</b>: {esc(x['method'])}</p><ul>"
            + "".join(f"<li>{esc(s)}</li>" for s in x["assumptions"])
            + "</ul>"
        )
    if d.get("party_sources"):
        parts.append(
            "<p class='note'>Where the candidates' parties came from: "
            + esc(", ".join(f"{k}: {v}" for k, v in d["party_sources"].items()))
            + ".</p>"
        )
    for b64, cap in figures(a):
        parts.append(_figure(b64, cap))
    parts.append("<h2>Totals</h2>")
    parts.append(
        table(
            [
                {"figure": k, "value": v}
                for k, v in d["totals"].items()
                if not isinstance(v, (list, dict))
            ],
            [("figure", "figure"), ("value", "value")],
        )
    )
    by_design = d["totals"].get("by_design") or {}
    if by_design:
        parts.append("<h3>Decisive races by design</h3>")
        parts.append(
            table(
                [{"design": k, **v} for k, v in by_design.items()],
                [
                    ("design", "design"),
                    ("estimate_pp", "effect, pp"),
                    ("decisive", "decisive"),
                    ("expected_decisive", "expected decisive"),
                    ("decisive_ci_low", "CI low"),
                    ("decisive_ci_high", "CI high"),
                    ("seats_won_without_endorsement", "seats won without it"),
                ],
            )
        )
    parts.append("<h2>Decisive races by region</h2>")
    parts.append(
        table(
            by_region(a.races),
            [
                ("region", "region"),
                ("races", "races"),
                ("won", "won"),
                ("decisive", "decisive"),
                ("decisive_races", "decisive districts"),
                ("won_on_paper", "won on paper"),
                ("won_on_clean", "won on clean stations"),
            ],
        )
    )
    parts.append("<h2>Races</h2>")
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
    parts.append(
        table(
            rows,
            [
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
                *per_design,
            ],
        )
    )
    if d["unmatched_endorsements"]:
        parts.append(
            "<h2>Endorsements not found on the ballot</h2><ul>"
            + "".join(f"<li>{esc(u)}</li>" for u in d["unmatched_endorsements"])
            + "</ul>"
        )
    parts.append("<p class='note'>How to read each number: docs/4-assess.md.</p></body></html>")
    return "\n".join(parts)


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
