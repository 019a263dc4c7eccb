"""Simulate: ``smartvote simulate`` writes a synthetic election with its ground truth.

The option defaults are :class:`smartvote.simulate.SimConfig`'s, written out here so that
``smartvote --help`` does not import pandas (tests/test_cli_package.py checks they agree).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from smartvote.cli.base import app, emit_json, out
from smartvote.cli.options import finite, non_negative, positive, unit_interval


# The kinds of number the options take, each with its check (the help is the option's own).
def _share(help: str | None = None) -> Any:
    """A share, fraction or probability in [0, 1]."""
    return typer.Option(callback=unit_interval, help=help)


def _at_least_0(help: str | None = None) -> Any:
    """A seed, size or intensity: ``>= 0``."""
    return typer.Option(callback=non_negative, help=help)


def _at_least_1(help: str | None = None) -> Any:
    """A count of at least one."""
    return typer.Option(callback=positive, help=help)


def _finite(help: str | None = None) -> Any:
    """Any finite number."""
    return typer.Option(callback=finite, help=help)


@app.command("simulate")
def simulate_cmd(
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("simulated"),
    seed: Annotated[int, _at_least_0("random seed (same seed, same election)")] = 0,
    stations: Annotated[int, _at_least_1("number of polling stations")] = 10_000,
    regions: Annotated[int, _at_least_1()] = 20,
    districts: Annotated[int, _at_least_1("single-member districts")] = 40,
    election: Annotated[str, typer.Option(help="election name")] = "sim-2026",
    previous: Annotated[
        str, typer.Option(help="name of the earlier election on the same stations")
    ] = "sim-2021",
    turnout: Annotated[float, _share("mean clean turnout")] = 0.5,
    stuffing_share: Annotated[float, _share("share of stations with ballot stuffing")] = 0.0,
    stuffing_intensity: Annotated[
        float, _at_least_0("θ: stuffed fraction of non-voters ~ |N(0, θ)|")
    ] = 0.3,
    switch_with_stuffing: Annotated[
        bool, typer.Option(help="also switch x**α of opponents' votes")
    ] = False,
    extreme_share: Annotated[float, _share("share of stations near 100%/100%")] = 0.0,
    integer_share: Annotated[
        float, _share("share of stations rewritten to whole percentages")
    ] = 0.0,
    switching_share: Annotated[float, _share("share of stations with vote switching only")] = 0.0,
    switching_fraction: Annotated[
        float, _share("fraction of opponents' votes switched there")
    ] = 0.2,
    turnout_support_corr: Annotated[
        float, _finite("genuine turnout–support correlation (logit scale)")
    ] = 0.0,
    stuffing_region_sd: Annotated[
        float, _at_least_0("stuffing heavier in some regions: log-weight sd per region")
    ] = 0.0,
    whole_regions: Annotated[
        int, _at_least_0("regions falsified as a whole (turnout rewritten to 85–97%)")
    ] = 0,
    whole_switching: Annotated[
        float, _share("fraction of opponents' votes switched in those regions")
    ] = 0.0,
    packs_share: Annotated[
        float, _share("share of stations stuffed with a pack of ballots (not Klimek's model)")
    ] = 0.0,
    pack_size: Annotated[float, _at_least_0("mean pack size (ballots)")] = 150.0,
    tactical_share: Annotated[
        float, _share("share of other challengers' voters switching to the endorsed one")
    ] = 0.0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Write a synthetic election in the CIK layout with a ground-truth file beside it."""
    from smartvote.simulate import SimConfig, simulate

    cfg = SimConfig(
        seed=seed,
        stations=stations,
        regions=regions,
        districts=districts,
        election=election,
        previous=previous,
        turnout=turnout,
        stuffing_share=stuffing_share,
        stuffing_intensity=stuffing_intensity,
        switch_with_stuffing=switch_with_stuffing,
        extreme_share=extreme_share,
        integer_share=integer_share,
        switching_share=switching_share,
        switching_fraction=switching_fraction,
        turnout_support_corr=turnout_support_corr,
        tactical_share=tactical_share,
        stuffing_region_sd=stuffing_region_sd,
        whole_regions=whole_regions,
        whole_switching=whole_switching,
        packs_share=packs_share,
        pack_size=pack_size,
    )
    sim = simulate(cfg)
    paths = sim.write(out_dir)
    summary = {k: v for k, v in sim.truth.items() if k not in ("races", "config")}
    if as_json:
        emit_json({"files": {k: str(v) for k, v in paths.items()}, "truth": summary})
        return
    for k, v in paths.items():
        out().print(f"{k}: {v}")
    out().print(
        f"{cfg.stations:,} stations; official turnout {summary['official_turnout']:.2%} "
        f"(clean {summary['clean_turnout']:.2%}); leader {summary['official_leader_share']:.2%} "
        f"(clean {summary['clean_leader_share']:.2%}); excess votes {summary['excess_votes']:,}"
    )
