"""Run part of the suite in a forked child process, so that two cores work in parallel.

Threads reach only about 1.35× on two cores with the suite's methods: much of their time
is numpy work that holds the GIL (small array operations, Python-level loops over bins and
replicates). A child made with ``os.fork`` once the station arrays exist shares them
copy-on-write, runs its share of the methods on the other core with its own interpreter
lock, and sends back their results (small dataclasses) pickled through a pipe. Each method
has its own random generator, so the numbers are the same in whichever process it runs.

:func:`start` returns ``None`` where ``fork`` is not available (Windows, or a failed
fork): the caller then runs the work itself (threads or in sequence). An exception in the
child (an input error included) is pickled and raised again in the parent by
:meth:`Forked.result`; Ctrl-C reaches both processes (one process group) and the parent
kills and reaps the child in :meth:`Forked.close` whatever happened.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any


class Forked:
    """A child process computing ``fn()``; :meth:`result` returns it (or raises its error)."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd = pid, fd

    def result(self) -> Any:
        """Wait for the child's answer: its return value, or its exception raised here."""
        with os.fdopen(self.fd, "rb", closefd=True) as f:
            self.fd = -1
            data = f.read()
        self._reap()
        if not data:
            raise RuntimeError("the forensics worker process ended without an answer")
        kind, value = pickle.loads(data)
        if kind == "problems":  # a smartvote error: the same type and the same problems
            cls, problems = value
            raise cls(problems)
        if kind == "error":
            raise value
        return value

    def _reap(self) -> None:
        if self.pid > 0:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0

    def close(self) -> None:
        """Kill the child if still running (an error or Ctrl-C in the parent) and reap it."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.pid > 0:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._reap()


class Claims:
    """Jobs ``0 … n − 1`` shared by a parent and its forked child: each process iterates
    over the instance and gets the next job nobody has taken yet.

    The job numbers are bytes in a pipe whose write end is closed at once: reading one
    byte is atomic, so a job goes to exactly one process, and an empty pipe reads as its
    end. Made before :func:`start`, so that the child inherits it."""

    def __init__(self, n: int) -> None:
        if not 0 < n < 256:
            raise ValueError(f"1 to 255 jobs, not {n}")
        self.fd, w = os.pipe()
        try:
            os.write(w, bytes(range(n)))
        finally:
            os.close(w)

    def __iter__(self) -> Iterator[int]:
        while self.fd >= 0:
            b = os.read(self.fd, 1)
            if not b:
                return
            yield b[0]

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _error_payload(e: BaseException) -> bytes:
    """The child's error for the parent. A smartvote error goes as its type and its list of
    problems (file, row, rule), so the parent raises it with the same message (pickling
    the exception itself would keep only its text)."""
    problems = getattr(e, "problems", None)
    try:
        if isinstance(problems, list):
            return pickle.dumps(("problems", (type(e), problems)))
        return pickle.dumps(("error", e))
    except Exception:  # an unpicklable error: its text instead
        return pickle.dumps(("error", RuntimeError(repr(e))))


def available() -> bool:
    """Whether :func:`start` can fork here (POSIX with ``os.fork``; not on Windows)."""
    return hasattr(os, "fork") and sys.platform != "win32"


def start(fn: Callable[[], Any]) -> Forked | None:
    """Fork a child that computes ``fn()`` and sends it back; ``None`` if fork is not
    available or fails (the caller then computes it itself)."""
    if not available():
        return None
    r, w = os.pipe()
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns when forking a process with other threads (Arrow's and
            # OpenBLAS's pools are always there): the child runs only ``fn`` on arrays
            # it already has, takes no lock another thread may hold, and leaves by
            # ``os._exit``.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:  # the child: never returns into the caller's code
        code = 0
        try:
            os.close(r)
            try:
                payload = pickle.dumps(("ok", fn()), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as e:  # sent to the parent, raised there
                code = 1
                payload = _error_payload(e)
            with os.fdopen(w, "wb", closefd=True) as f:
                f.write(payload)
        except BaseException:  # Ctrl-C or a closed pipe: just leave
            code = 1
        finally:
            os._exit(code)  # no atexit handlers, no buffered output of the parent's
    os.close(w)
    return Forked(pid, r)
