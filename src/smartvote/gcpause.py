"""Pausing Python's cyclic garbage collector around work that allocates many long-lived
objects and no reference cycles (module imports, the server's encoded answers): its passes
over the growing heap cost time and free nothing there."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_gc() -> Iterator[None]:
    """Cyclic garbage collection paused inside the block (restored as it was)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
