"""The ``smartvote`` command line: one module per pipeline step, each only reading options
and calling the library (which never imports this package).

=============  ==============================================  ===========================
module         commands                                        library
=============  ==============================================  ===========================
``ingest``     ``ingest``, ``elections``, ``show``             :mod:`smartvote.io`
``simulate``   ``simulate``                                    :mod:`smartvote.simulate`
``convert``    ``convert``                                     :mod:`smartvote.convert`
``forensics``  ``forensics``                                   :mod:`smartvote.forensics`
``recommend``  ``recommend``, ``backtest``                     :mod:`smartvote.recommend`
``assess``     ``assess``, ``simulate-campaign``               :mod:`smartvote.assess`
``publish``    ``keygen``, ``publish``, ``verify``, ``serve``  :mod:`smartvote.publish`
``demo``       ``demo``                                        every stage
=============  ==============================================  ===========================

:mod:`smartvote.cli.base` holds the app, the shared options, the output and the error
reporting (exit 2 with ``error: FILE, row N: [rule] detail``, never a traceback);
:mod:`smartvote.cli.options` the checks of numeric options. No module here imports pandas,
numpy, DuckDB or a stage's library at its top: a command imports what it runs, so that
``smartvote --help`` starts fast (benchmarks/cli_startup.py).
"""

from smartvote.cli import assess, convert, demo, forensics, ingest, publish, recommend, simulate
from smartvote.cli.base import app

#: The order of ``smartvote --help``: the pipeline's, whatever the order of the imports.
STEPS = (ingest, simulate, convert, forensics, recommend, assess, publish, demo)
_rank = {m.__name__: i for i, m in enumerate(STEPS)}
app.registered_commands.sort(key=lambda c: _rank[getattr(c.callback, "__module__", "")])

__all__ = ["STEPS", "app", "main"]


def main() -> None:
    """The ``smartvote`` entry point. The file of ``smartvote forensics FILE`` starts
    loading before Typer parses the command line (:mod:`smartvote.cli.prefetch`)."""
    import sys

    from smartvote.cli import prefetch

    prefetch.begin(sys.argv[1:])
    app()
