"""``smartvote demo``: the whole pipeline on an embedded default, ending with a served page.

Steps, each printed as it runs (docs/ pages in brackets):

1. simulate a national election with known fraud and a known tactical-voting effect;
2. ingest it (and the real 2021 Duma file when ``../shared/data`` is present) and print
   the summaries [1-ingest];
3. forensics reports of the simulated (and real 2021) election [5-forensics];
4. recommendations for the simulated races (and the Duma 2021 districts we hold data
   for) [2-recommend];
5. the assessment of the simulated campaign [4-assess];
6. publish the recommendations as a signed bundle and serve the voter page on
   127.0.0.1 [3-publish].

Everything is written under ``--out`` (default ``demo-output/``). The real data are read
from ``--shared`` (default ``$SMARTVOTE_SHARED``, else ``../shared/data`` relative to the
working directory: beside the clone when run by ``make demo``); without them the real
steps are skipped, and the demo says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from smartvote.cli.base import app, console, emit_json
from smartvote.cli.base import out as stdout
from smartvote.cli.options import port_number

if TYPE_CHECKING:
    from smartvote.simulate import SimConfig

#: Where the real data are looked for unless ``--shared`` or ``$SMARTVOTE_SHARED`` says.
DEFAULT_SHARED = Path("../shared/data")


def demo_config() -> SimConfig:
    """The embedded default election of the demo."""
    from smartvote.simulate import SimConfig

    return SimConfig(
        seed=2026,
        stations=20_000,
        regions=20,
        districts=40,
        stuffing_share=0.15,
        stuffing_intensity=0.3,
        extreme_share=0.01,
        integer_share=0.03,
        tactical_share=0.25,
        support_persistence=0.8,
        endorse_from="previous",
    )


def run_demo(
    out: Path,
    shared: Path | None = DEFAULT_SHARED,
    serve: bool = True,
    host: str = "127.0.0.1",
    port: int = 8000,
    echo: Callable[[str], None] = print,
    config: SimConfig | None = None,
    before_serve: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run every stage (``config``: :func:`demo_config` by default); return what each
    produced (paths and headline figures)."""
    from smartvote.assess.assessment import assess
    from smartvote.assess.inputs import from_simulation
    from smartvote.assess.report import write_report
    from smartvote.cli.ingest import print_summary
    from smartvote.forensics.suite import forensics_demo
    from smartvote.io.store import Store
    from smartvote.publish.run import publish_demo
    from smartvote.recommend.run import backtest_demo, recommend_demo, run_recommend
    from smartvote.recommend.tables import print_data_used, print_recommendations
    from smartvote.simulate import simulate

    config = config if config is not None else demo_config()
    out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {}
    echo("== 1. simulate")
    sim = simulate(config)
    paths = sim.write(out / "simulated")
    result["simulated"] = {k: str(v) for k, v in paths.items()}
    t = sim.truth
    echo(
        f"   {config.stations:,} stations; truth: excess votes {t['excess_votes']:,}, "
        f"clean turnout {t['clean_turnout']:.1%}, clean leader share {t['clean_leader_share']:.1%}"
    )
    real = shared is not None and (shared / "ru_federal_precincts" / "2021.csv.zip").exists()
    db = out / "smartvote.duckdb"
    if db.exists():
        db.unlink()
    echo("== 2. ingest")
    with Store(db) as st:
        st.ingest(
            [paths["protocols"], paths["smd"], paths["previous_protocols"], paths["previous_smd"]],
            progress=True,
        )
        elections = [config.election]
        if real and shared is not None:
            st.ingest([shared / "ru_federal_precincts" / "2021.csv.zip"], progress=True)
            elections.append("duma-2021")
        else:
            echo(f"   (no real data at {shared}: the real 2021 election is skipped)")
        for e in elections:
            print_summary(st.summary(e))
    result["db"] = str(db)

    echo("== 3. forensics")
    result["forensics"] = {}
    for e in elections:
        report = out / f"forensics-{e}.html"
        f = forensics_demo(db, e, report)
        result["forensics"][e] = f
        sh, it = f["shpilkin"], f["integer"]
        truth_note = f" (truth {t['excess_votes']:,})" if e == config.election else ""
        ex = f.get("excess") or {}
        if ex.get("votes") is not None:
            echo(
                f"   {e}: best estimate of falsified votes {ex['votes']:,.0f} "
                f"[{ex['ci_low']:,.0f}, {ex['ci_high']:,.0f}]{truth_note}"
            )
        echo(
            f"   {e}: Shpilkin's published recipe {sh['excess_votes']:,.0f}, clean turnout "
            f"{sh['clean_turnout']:.1%}; integer percentages {it['observed']:,} observed vs "
            f"{it['expected']:,.0f} expected (p {it['p_value']:.2g}); report {report}"
        )

    echo("== 4. recommend")
    recs_path = out / "recommendations.json"
    recs = recommend_demo(paths["protocols"].parent, recs_path)
    print_recommendations(recs, title=f"recommendations: {config.election} (simulated)")
    strongest = {r["race"]: r["strongest_challenger"] for r in sim.truth["races"]}
    hits = sum(r.get("endorsed") == strongest.get(r["race"]) for r in recs)
    echo(
        f"   picks that were the strongest challenger in the simulated result: {hits} of {len(recs)}"
    )
    result["recommend"] = {"simulated": str(recs_path), "races": len(recs), "correct": hits}
    echo(f"   recommendations: {recs_path}")
    print_data_used(recs, title=f"what reached each race: {config.election}", echo=echo)
    bt = backtest_demo(paths["protocols"].parent, shared, echo=echo)
    result["recommend"]["backtest"] = bt
    echo("   backtest took " + ", ".join(f"{v['case']}: {v['seconds']:.1f} s" for v in bt.values()))
    if real and shared is not None:
        from smartvote.convert import convert_moscow, convert_spb

        conv = out / "converted"
        spb, msk = convert_spb(shared, conv), convert_moscow(shared, conv)
        fed = shared / "ru_federal_precincts"
        history = [fed / "2011.csv.zip", fed / "2016.csv.zip", msk["duma_2016_smd"]]
        real_recs = run_recommend(
            spb["duma_candidates"], history, stations=spb["stations"]
        ).to_list()
        print_recommendations(
            real_recs, title="recommendations: Duma 2021, St Petersburg (history to 2016)"
        )
        result["recommend"]["duma-2021-spb"] = real_recs

    echo("== 5. assess")
    a = assess(from_simulation(sim), rng_seed=config.seed)
    doc = a.to_dict()
    truth_gain = [r["tactical_gain"] for r in sim.truth["races"]]
    eff = doc["effect"]
    echo(
        f"   effect {eff['estimate_pp']:+.1f} pp [{eff['ci_low_pp']:+.1f}, {eff['ci_high_pp']:+.1f}] "
        f"({eff['method']}); injected {100 * sum(truth_gain) / len(truth_gain):+.1f} pp on average; "
        f"endorsed won {doc['endorsed_won']} of {len(doc['races'])}"
    )
    write_report(a, out / "assessment.html", title="Simulated campaign (smartvote demo)")
    result["assess"] = doc
    echo(f"   report: {out / 'assessment.html'}")

    echo("== 6. publish")
    bundle = out / "bundle"
    pub = publish_demo(recs_path, paths["stations"], bundle, out / "demo.key")
    result["publish"] = pub
    echo(
        f"   bundle {bundle} (version {pub.get('version')}), key words «{pub.get('key_words', '')}» "
        "(voters compare them with the campaign's official channels)"
    )
    echo(f"   verify it: {pub.get('verify_command', '')}")
    if before_serve is not None:
        before_serve(result)
    if serve:
        from smartvote.web.app import serve_bundle

        echo(f"   serving the voter page on http://{host}:{port}/ (Ctrl-C to stop)")
        serve_bundle(bundle, host, port)
    return result


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="output folder")] = Path("demo-output"),
    shared: Annotated[
        Path,
        typer.Option(
            envvar="SMARTVOTE_SHARED",
            help="real data folder (relative to the working directory; skipped when absent)",
        ),
    ] = DEFAULT_SHARED,
    serve: Annotated[bool, typer.Option(help="serve the voter page at the end")] = True,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(callback=port_number)] = 8000,
    as_json: Annotated[
        bool, typer.Option("--json", help="progress on stderr; the results as JSON on stdout")
    ] = False,
) -> None:
    """Run the whole pipeline on an embedded default election and serve the voter page."""
    import sys

    def summary(result: dict[str, Any]) -> None:
        emit_json(result)
        sys.stdout.flush()

    run_demo(
        out,
        shared,
        serve=serve,
        host=host,
        port=port,
        echo=(console() if as_json else stdout()).print,
        before_serve=summary if as_json else None,
    )
