"""Project scaffolding on top of copier: ``mlops new`` (and later generate/update)."""
