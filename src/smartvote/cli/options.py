"""Validation shared by the command-line options: every number given must make sense.

``click``'s ranges let ``nan`` through (every comparison with it is false) and a plain
``float`` option takes ``inf`` and ``-5``. Attach one of these as the option's
``callback``; a bad value is a usage error (exit 2) naming the option.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import typer

N = TypeVar("N", int, float)


def bounded(
    low: float | None = None, high: float | None = None, *, open_low: bool = False
) -> Callable[[Any, Any, N | None], N | None]:
    """A callback accepting finite numbers in ``[low, high]`` (``(low, high]`` if ``open_low``)."""

    def check(_ctx: Any, param: Any, value: N | None) -> N | None:
        if value is None:
            return value
        name = "/".join(getattr(param, "opts", []) or [str(getattr(param, "name", "value"))])
        if isinstance(value, float) and not math.isfinite(value):
            raise typer.BadParameter(f"{value} is not a finite number", param_hint=name)
        if low is not None and (value <= low if open_low else value < low):
            side = ">" if open_low else ">="
            raise typer.BadParameter(f"{value} must be {side} {low}", param_hint=name)
        if high is not None and value > high:
            raise typer.BadParameter(f"{value} must be <= {high}", param_hint=name)
        return value

    return check


#: Shares, probabilities and thresholds in [0, 1].
unit_interval = bounded(0.0, 1.0)
#: Counts of at least one (workers, draws, stations).
positive = bounded(1)
#: Non-negative numbers (seeds, sizes, versions).
non_negative = bounded(0)
#: A TCP port.
port_number = bounded(1, 65535)
#: Any finite number.
finite = bounded()
