"""The command layer (``smartvote/cli/``): what it imports, what the library does not, and
the option defaults it writes out agreeing with the library's."""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import typer

from smartvote.cli import app

SRC = Path(__file__).resolve().parents[1] / "src" / "smartvote"

COMMANDS = [
    "ingest",
    "elections",
    "show",
    "simulate",
    "convert",
    "forensics",
    "recommend",
    "backtest",
    "assess",
    "simulate-campaign",
    "keygen",
    "publish",
    "verify",
    "serve",
    "demo",
]


def _click() -> typer.core.TyperGroup:
    g = typer.main.get_command(app)
    assert isinstance(g, typer.core.TyperGroup)
    return g


def _defaults(command: str) -> dict[str, object]:
    return {p.name: p.default for p in _click().commands[command].params if p.name}


def test_import_is_light() -> None:
    """``import smartvote.cli`` (what ``smartvote --help`` runs) loads no data library."""
    code = (
        "import json, sys, smartvote.cli; "
        "print(json.dumps(sorted(m for m in ('pandas', 'numpy', 'scipy', 'duckdb', "
        "'matplotlib', 'pyarrow', 'statsmodels', 'cryptography', 'starlette') "
        "if m in sys.modules)))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(r.stdout) == []


def test_help_imports_no_stage() -> None:
    """``smartvote --help`` lists every command without importing a stage's library."""
    code = (
        "import json, sys\n"
        "from smartvote.cli import main\n"
        "sys.argv = ['smartvote', '--help']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "mods = sorted(m for m in sys.modules if m.startswith('smartvote.') "
        "and not m.startswith('smartvote.cli'))\n"
        "heavy = sorted(m for m in ('pandas', 'numpy', 'duckdb', 'scipy') if m in sys.modules)\n"
        "sys.stderr.write(json.dumps(mods + heavy))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    # the package's __init__ and the error family (light), no stage, no data library
    assert set(json.loads(r.stderr)) <= {"smartvote.errors"}
    for name in COMMANDS:
        assert f" {name} " in r.stdout


def test_every_command_in_pipeline_order() -> None:
    assert list(_click().commands) == COMMANDS


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_library_never_imports_the_command_layer() -> None:
    """Only ``smartvote/cli/`` imports typer or ``smartvote.cli`` (at any level)."""
    library = [p for p in SRC.rglob("*.py") if "cli" not in p.relative_to(SRC).parts]
    assert len(library) > 50
    bad = {
        str(p.relative_to(SRC)): sorted(
            m for m in _imports(p) if m.split(".")[0] == "typer" or m.startswith("smartvote.cli")
        )
        for p in library
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_simulate_defaults_are_simconfig() -> None:
    from smartvote.simulate import SimConfig

    fields = {f.name: f.default for f in dataclasses.fields(SimConfig)}
    opts = _defaults("simulate")
    shared = set(opts) & set(fields)
    assert len(shared) == len(opts) - 2  # all but --out and --json
    assert {k: opts[k] for k in shared} == {k: fields[k] for k in shared}


def test_recommend_and_publish_defaults_are_the_library() -> None:
    from smartvote.cli import publish, recommend
    from smartvote.publish import stations, verify
    from smartvote.recommend import params

    assert (recommend.SIMS, recommend.SWITCH, recommend.LIST_THRESHOLD) == (
        params.SIMS,
        params.SWITCH,
        params.LIST_THRESHOLD,
    )
    for cmd in ("recommend", "backtest"):
        d = _defaults(cmd)
        assert (d["sims"], d["switch"]) == (params.SIMS, params.SWITCH)
    assert publish.FORMATS == stations.FORMATS
    assert publish.DEFAULT_DEADLINE == verify.DEFAULT_DEADLINE
    assert _defaults("verify")["deadline"] == verify.DEFAULT_DEADLINE
