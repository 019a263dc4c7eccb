"""Rich tables of the recommend stage: recommendations, a backtest, the model beside the
naive rules, and what data reached each race (``smartvote recommend``/``backtest`` and the
demo print them)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console

#: Where the tables go when no ``echo`` is given: stdout. Markup off: cells are data
#: (a candidate named ``[/b]`` is printed as it is, not parsed as a closing tag).
_out = Console(markup=False)


def print_recommendations(data: list[dict[str, Any]], title: str = "recommendations") -> None:
    """Rich table: race, endorsed, party, p_strongest, p_win, runner-up, close call."""
    from rich.table import Table

    t = Table(title=title)
    # The race id is what tells rows apart: shown whole (an ellipsis made every UK row
    # read "uk-ge/E1400…"); names wrap rather than lose letters.
    t.add_column("race", no_wrap=True)
    for col in ("endorsed", "party", "p_strongest", "p_win", "runner-up", "flags"):
        t.add_column(col, justify="right" if col.startswith("p_") else "left", overflow="fold")
    uninformed = [r for r in data if r.get("uninformed")]
    for r in data:
        alts = r.get("alternatives") or []
        run = f"{alts[0]['candidate']} ({alts[0]['p_win']:.0%})" if alts else ""
        flags = []
        if r.get("uninformed"):
            # Nothing reached the race: its alternatives' figures are the prior alone.
            flags.append("UNINFORMED")
            run = ""
        elif r.get("endorsed") is None and r.get("kind") != "list":
            # Why there is no pick (e.g. no_eligible: the regime's candidate stands alone).
            flags.extend(c["code"] for c in r.get("reason_codes") or [] if "code" in c)
        if r.get("close_call"):
            flags.append("close")
        if r.get("override"):
            flags.append("override")
        if r.get("spoilers"):
            flags.append("spoiler?")
        if r.get("excluded"):
            flags.append(f"{len(r['excluded'])} excluded")
        ps, pw = r.get("p_strongest"), r.get("p_win")
        t.add_row(
            str(r["race"]),
            str(r.get("endorsed") or "—"),
            str(r.get("party") or ""),
            "" if ps is None else f"{ps:.0%}",
            "" if pw is None else f"{pw:.0%}",
            run,
            ", ".join(flags),
        )
    _out.print(t)
    if uninformed:
        _out.print(
            f"{len(uninformed)} race(s) UNINFORMED, no endorsement (no history or poll reaches "
            f"them): {', '.join(str(r['race']) for r in uninformed[:20])}"
            + (f" and {len(uninformed) - 20} more" if len(uninformed) > 20 else ""),
            style="bold yellow",
        )


def print_backtest(d: dict[str, Any]) -> None:
    from rich.table import Table

    t = Table(title="backtest")
    base = d.get("baselines") or {}
    e = d.get("endorsements") or {}
    cols = [("model", d), *((f"baseline: {k}", v) for k, v in base.items())]
    if e:
        cols.append(("endorsements", e))
    t.add_column("figure")
    for name, _ in cols:
        t.add_column(name, justify="right")

    def cell(x: dict[str, Any], key: str, fmt: str) -> str:
        v = x.get(key)
        return "" if v is None else format(v, fmt)

    t.add_row("races", *(cell(x, "races", "d") for _, x in cols))
    t.add_row(
        "correct (strongest challenger)",
        *(f"{x['correct']:g} ({x['accuracy']:.0%})" if x.get("races") else "" for _, x in cols),
    )
    t.add_row("Brier (p_strongest)", *(cell(x, "brier", ".3f") for _, x in cols))
    t.add_row("won the seat", *(cell(x, "wins", "d") for _, x in cols))
    t.add_row("uninformed races (no pick)", str(d.get("uninformed", 0)), *("" for _ in cols[1:]))
    ns = d.get("not_scored") or {}
    t.add_row(
        "not scored: no result in --actual",
        str(len(ns.get("not_in_actual", []))),
        *("" for _ in cols[1:]),
    )
    t.add_row(
        "not scored: no eligible challenger",
        str(len(ns.get("no_pick", []))),
        *("" for _ in cols[1:]),
    )
    t.add_row("chance accuracy", f"{d['chance_accuracy']:.0%}", *("" for _ in cols[1:]))
    t.add_row("Brier (seat, p_first)", f"{d['brier_first']:.3f}", *("" for _ in cols[1:]))
    if e:
        t.add_row("agree with model", *("" for _ in cols[:-1]), str(e.get("agree_with_model")))
    _out.print(t)
    r = Table(title="reliability of p_strongest")
    for col in ("bin", "n", "mean_forecast", "observed"):
        r.add_column(col, justify="right")
    for row in d["reliability"]:
        r.add_row(
            row["bin"], str(row["n"]), f"{row['mean_forecast']:.2f}", f"{row['observed']:.2f}"
        )
    _out.print(r)
    missing = ns.get("not_in_actual", [])
    if missing:
        _out.print(
            f"{len(missing)} endorsed race(s) have no result in --actual and are NOT scored: "
            + ", ".join(missing[:20])
            + (f" and {len(missing) - 20} more" if len(missing) > 20 else ""),
            style="bold yellow",
        )


def _emit(table: Any, echo: Callable[[Any], None] | None) -> None:
    """Print a rich renderable to stdout, or through ``echo``: a rich ``Console.print``
    gets it as is; any other callable (e.g. ``print``) gets it rendered as plain text."""
    if echo is None:
        _out.print(table)
    elif isinstance(getattr(echo, "__self__", None), Console):
        echo(table)
    else:
        con = Console(file=io.StringIO(), width=120, color_system=None, markup=False)
        con.print(table)
        echo(con.file.getvalue().rstrip("\n"))  # type: ignore[attr-defined]


def print_baselines(
    cases: Sequence[tuple[str, dict[str, Any]]],
    title: str = "backtest: the model beside the naive rules",
    echo: Callable[[Any], None] | None = None,
) -> None:
    """One row per (case, rule): the model, each baseline of ``backtest --json``
    (``last_result``, ``poll``) and a campaign's endorsements when scored, on the same
    races: races, correct (ties credited 1/k), accuracy, Brier score of ``p_strongest``
    (a rule's Brier is that of its hard pick)."""
    from rich.table import Table

    t = Table(title=title)
    for col in ("case", "rule", "races", "correct", "accuracy", "Brier"):
        t.add_column(col, justify="left" if col in ("case", "rule") else "right")
    for label, d in cases:
        rules: list[tuple[str, dict[str, Any]]] = [("model", d)]
        rules += [(f"baseline: {k}", v) for k, v in (d.get("baselines") or {}).items()]
        if d.get("endorsements"):
            rules.append(("campaign's endorsements", d["endorsements"]))
        for i, (name, x) in enumerate(rules):
            acc, brier = x.get("accuracy"), x.get("brier")
            t.add_row(
                label if i == 0 else "",
                name,
                str(x.get("races", "")),
                f"{x.get('correct', 0):g}",
                "" if acc is None else f"{acc:.1%}",
                "" if brier is None else f"{brier:.3f}",
                end_section=i == len(rules) - 1,
            )
        if d.get("uninformed"):
            t.add_row("", f"uninformed races (no pick): {d['uninformed']}", "", "", "", "")
    _emit(t, echo)


def print_data_used(
    data: list[dict[str, Any]],
    title: str = "what reached each race (data_used)",
    limit: int = 8,
    echo: Callable[[Any], None] | None = None,
) -> None:
    """Per race (the first ``limit``, then a count): every earlier race that reached it
    (election: race (kind; join; units, coverage)), the polls (candidates, dates) and how
    many candidates some history or poll informs."""
    from rich.table import Table

    t = Table(title=title)
    for col in ("race", "history reaching it", "polls", "informed candidates"):
        t.add_column(col)
    for r in data[:limit]:
        u = r.get("data_used") or {}
        hist = "\n".join(
            f"{h['election']}: {h['race']} ({h['kind']}; by {h['join']}; "
            f"{h['units']} units, {h['coverage']:.0%})"
            for h in u.get("history") or []
        )
        p = u.get("polls")
        polls = f"{p['candidates']} cand., {', '.join(p.get('dates') or [])}" if p else "none"
        inf = u.get("informed_candidates")
        t.add_row(str(r["race"]), hist or "none", polls, "" if inf is None else str(inf))
    if len(data) > limit:
        t.add_row(f"… and {len(data) - limit} more races", "", "", "")
    _emit(t, echo)
