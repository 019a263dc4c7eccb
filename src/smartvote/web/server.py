"""``smartvote serve``'s launcher: granian (RSGI, the default) or uvicorn (ASGI).

:func:`serve_bundle` checks the bundle, builds every answer once in this process when the
workers are forked (granian) or run here (one uvicorn worker), and starts the server with
access logs off. The workers get the app from :func:`app_from_env` (the bundle directory is
passed in ``$SMARTVOTE_BUNDLE``), which returns the preloaded app when there is one.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

from starlette.types import ASGIApp

from smartvote.errors import InputError, Problem
from smartvote.web.api import safe_path
from smartvote.web.front import Front, build_front, create_app

__all__ = ["ENV_DIR", "ENV_SERVER", "app_from_env", "serve_bundle"]

ENV_DIR = "SMARTVOTE_BUNDLE"
ENV_SERVER = "SMARTVOTE_SERVER"
#: What the workers import (granian and uvicorn take the app factory by name).
FACTORY = "smartvote.web.server:app_from_env"

_PRELOADED: dict[str, Front] = {}


def _check_dir(root: Path) -> None:
    try:
        man = json.loads((root / "manifest.json").read_bytes())
        missing = [f for f in man["files"] if not safe_path(root, f).is_file()]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(
            Problem(rule="bundle-missing", detail="no readable manifest.json", file=str(root))
        ) from e
    if missing:
        raise InputError(
            Problem(
                rule="bundle-incomplete",
                detail=f"{len(missing)} listed files missing",
                file=missing[0],
            )
        )


def app_from_env() -> ASGIApp:
    """Factory for the workers: the bundle directory comes from ``$SMARTVOTE_BUNDLE``."""
    d = os.environ.get(ENV_DIR)
    if not d:
        raise RuntimeError(f"${ENV_DIR} is not set")
    pre = _PRELOADED.get(d)  # built by serve_bundle before the workers were forked
    return pre if pre is not None else create_app(d)


def _server_choice(server: str | None) -> str:
    choice = (server or os.environ.get(ENV_SERVER) or "auto").lower()
    if choice not in ("auto", "granian", "uvicorn"):
        raise InputError(
            Problem(
                rule="serve-server", detail="server must be auto, granian or uvicorn", value=choice
            )
        )
    if choice == "auto":
        choice = "granian" if importlib.util.find_spec("granian") is not None else "uvicorn"
    return choice


def serve_bundle(
    bundle_dir: Path | str,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    workers: int = 1,
    log_level: str = "warning",
    server: str | None = None,
) -> None:
    """Run the server on the bundle (blocking). No access log, no cookies.

    ``server`` (else ``$SMARTVOTE_SERVER``, else ``auto``): ``granian`` (RSGI, Rust HTTP
    layer; the default when installed, about twice uvicorn's rate on API lookups here, but
    it always sends ``server: granian``) or ``uvicorn`` (ASGI with httptools/uvloop, no
    ``Server`` header). Under granian (which forks) and with one uvicorn worker, every
    answer is built once here before serving; several uvicorn workers (spawned) each build
    answers per region on first use.
    """
    choice = _server_choice(server)
    root = str(Path(bundle_dir).resolve())
    _check_dir(Path(bundle_dir))  # fail early, in this process, on an unreadable bundle
    os.environ[ENV_DIR] = root
    if choice == "granian" or workers <= 1:
        # granian forks its workers (and uvicorn runs one in this process): build every
        # answer once here and the workers share it, instead of each building its own
        front = build_front(root)
        front.api.build_all()
        _PRELOADED[root] = front
    if choice == "granian":
        from granian import Granian
        from granian.constants import HTTPModes, Interfaces
        from granian.log import LogLevels

        Granian(
            FACTORY,
            factory=True,
            address=host,
            port=port,
            interface=Interfaces.RSGI,
            workers=workers,
            http=HTTPModes.http1,
            websockets=False,
            log_level=LogLevels(log_level),
            log_access=False,
        ).serve()
        return
    import uvicorn

    from smartvote.web.guard import GuardedHttpTools

    uvicorn.run(
        FACTORY,
        http=GuardedHttpTools,  # closes idle and partial-header connections (slowloris)
        timeout_keep_alive=5,
        factory=True,
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        log_level=log_level,
        lifespan="off",
    )
