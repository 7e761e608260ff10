"""mlops: GitOps-driven CI/CD for machine-learning projects."""

__version__ = "0.1.0"
