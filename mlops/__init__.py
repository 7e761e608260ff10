"""mlops: GitOps-driven CI/CD for machine-learning projects."""

__version__ = "0.1.0"
# The name on PyPI: `mlops` there is an unrelated project. Import package and command: mlops.
DISTRIBUTION = "mlops-gitops"
