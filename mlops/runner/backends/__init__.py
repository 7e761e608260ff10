"""Where a job's processes run: ``host`` (this machine) now, ``docker`` next."""
