"""Entry point for ``python -m mlops``."""

from mlops.cli import main

if __name__ == "__main__":
    main()
