"""Assess (docs/4-assess.md): ``smartvote assess`` measures the effect of an endorsement
campaign, the seats it won or could have won and what falsification took away (METHODS.md
§3); ``smartvote simulate-campaign`` writes a synthetic campaign with a known effect."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from smartvote.cli.base import app, emit_json, out
from smartvote.cli.options import non_negative, unit_interval


@app.command("assess")
def assess_cmd(
    results: Annotated[
        list[Path],
        typer.Option(
            "--results",
            help="results: single-member (tidy/CIK) and party-list (CIK) files; repeat the option",
        ),
    ],
    endorsements: Annotated[
        Path | None,
        typer.Option(
            "--endorsements",
            help="endorsements file (race, candidate[, party]); default: endorsed flags in the results",
        ),
    ] = None,
    baseline: Annotated[
        list[Path] | None,
        typer.Option(
            "--baseline",
            help="previous election's files (single-member and list); repeat the option",
        ),
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="write an HTML report with figures")
    ] = None,
    nominations: Annotated[
        Path | None,
        typer.Option(
            "--nominations",
            help="candidate, party[, years] table for candidates whose party the results lack (default: the shipped one)",
        ),
    ] = None,
    party_aliases: Annotated[
        Path | None,
        typer.Option(
            "--party-aliases",
            help="alias, key table: parties renamed between the elections (on top of the shipped aliases)",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", callback=non_negative, help="bootstrap seed")] = 0,
    boot: Annotated[int, typer.Option("--boot", help="bootstrap replicates", min=100)] = 2000,
    as_json: Annotated[
        bool, typer.Option("--json", help="print machine-readable JSON on stdout")
    ] = False,
) -> None:
    """Assess an endorsement campaign: effect (four designs), per-race table, totals."""
    from smartvote.assess import assess, load

    inp = load(results, endorsements, baseline or None, nominations, party_aliases)
    a = assess(inp, rng_seed=seed, n_boot=boot)
    if report is not None:
        from smartvote.assess.report import write_report

        write_report(a, report)
    doc = a.to_dict()
    if report is not None:
        doc["report"] = str(report)
    if as_json:
        emit_json(doc)
        return
    _print(doc)


@app.command("simulate-campaign")
def simulate_campaign_cmd(
    out_dir: Annotated[Path, typer.Option("--out", help="output directory")],
    seed: Annotated[int, typer.Option("--seed", callback=non_negative)] = 0,
    races: Annotated[int, typer.Option("--races", min=3)] = 45,
    tactical_share: Annotated[
        float,
        typer.Option(
            "--tactical-share",
            help="share of other challengers' voters moved",
            callback=unit_interval,
        ),
    ] = 0.2,
    again: Annotated[
        float,
        typer.Option(
            "--again",
            help="probability that a candidate stands again",
            callback=unit_interval,
        ),
    ] = 0.5,
    select: Annotated[
        str, typer.Option("--select", help="forecast | expected | previous")
    ] = "forecast",
    renamed: Annotated[bool, typer.Option("--renamed", help="parties renamed")] = False,
    list_vote: Annotated[bool, typer.Option("--list-vote", help="add a party-list race")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A synthetic endorsement campaign (district totals, previous election, known effect)."""
    from smartvote.errors import InputError, Problem
    from smartvote.simulate_campaign import simulate_campaign

    if select not in ("forecast", "expected", "previous"):
        raise InputError(
            Problem("select", f"--select must be forecast, expected or previous, not {select!r}")
        )
    camp = simulate_campaign(
        seed=seed,
        races=races,
        tactical_share=tactical_share,
        p_again=again,
        select=select,
        renamed=renamed,
        list_vote=list_vote,
    )
    paths = {k: str(v) for k, v in camp.write(out_dir).items()}
    if as_json:
        emit_json({"paths": paths, "effect_pp": camp.truth["effect_pp"]})
        return
    for k, v in paths.items():
        out().print(f"{k}: {v}")
    out().print(f"injected effect: {camp.truth['effect_pp']:.2f} pp")


def _fmt(x: Any, nd: int = 1) -> str:
    return "—" if x is None else (f"{x:.{nd}f}" if isinstance(x, float) else str(x))


def _print(doc: dict[str, Any]) -> None:
    from rich.table import Table

    # The consoles print with markup off (cli/base.py): names are shown as they are, with
    # no escaping (rich's escape() would now print its backslashes).
    e = doc["effect"]
    t = Table(title=f"endorsement effect: {', '.join(doc['elections'])}")
    for c in ("design", "estimate, pp", "95% CI", "raw contrast", "n", "note"):
        t.add_column(c)
    for d in doc["designs"]:
        ci = f"{_fmt(d['ci_low_pp'])} … {_fmt(d['ci_high_pp'])}" if d["ran"] else ""
        t.add_row(
            d["design"],
            _fmt(d["estimate_pp"]),
            ci,
            _fmt(d["contrast_pp"]),
            str(d["n"]),
            d["reason"],
        )
    out().print(t)
    pair = next((d["pairing"] for d in doc["designs"] if d["pairing"]), "")
    if pair:
        out().print(f"pairing with the previous election: {pair}")
    out().print(
        f"headline: {e['method']}: {_fmt(e['estimate_pp'])} pp [{_fmt(e['ci_low_pp'])}, {_fmt(e['ci_high_pp'])}]"
    )
    r = Table(title="races")
    for c in (
        "race",
        "endorsed",
        "share",
        "rank",
        "margin",
        "expected",
        "decisive",
        "paper",
        "clean",
    ):
        # The race id tells the rows apart: whole, never "counci…"; names wrap, whole.
        r.add_column(c, no_wrap=c == "race", overflow="fold")
    for x in doc["races"]:
        r.add_row(
            x["race"],
            str(x["endorsed"]),
            _fmt(x["share"]),
            str(x["rank"]),
            _fmt(x["margin_pp"]),
            _fmt(x["expected_share"]),
            _fmt(x["decisive"]),
            _fmt(x["won_on_paper"]),
            _fmt(x["won_on_clean_stations"]),
        )
    out().print(r)
    tt = Table(title="totals")
    tt.add_column("figure")
    tt.add_column("value", justify="right")
    for k, v in doc["totals"].items():
        if not isinstance(v, (list, dict)):
            tt.add_row(k, _fmt(v))
    out().print(tt)
    if "report" in doc:
        out().print(f"report: {doc['report']}")
