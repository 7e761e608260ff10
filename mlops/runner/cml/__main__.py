"""``python -m mlops.runner.cml``: the program behind the ``cml`` shim setup-cml puts on PATH."""

import sys

from mlops.runner.cml import main

sys.exit(main())
