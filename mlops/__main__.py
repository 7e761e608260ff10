"""Entry point for ``python -m mlops``."""

from mlops.cli import entry

if __name__ == "__main__":
    entry()
