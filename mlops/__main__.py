"""The ``mlops`` command: the console script and ``python -m mlops``.

A command is a short-lived process that allocates much and frees little while it loads, so
garbage collection stays off until :func:`mlops.cli.main` has frozen what was imported
(collections during start-up were ~10 ms of a one-step ``mlops run``).
"""

import gc

gc.disable()

from mlops.cli import entry  # noqa: E402  (after the collector is off)

if __name__ == "__main__":
    entry()
