"""The environment a step sees: an allow-list of host variables, never the whole host env.

act passes the entire host environment to steps (nektos/act#6159); we pass only what a
GitHub runner would also have (PATH, HOME, locale, temp dir, proxies, CA bundles), then the
runner's GITHUB_*/RUNNER_* variables, then the workflow's env.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from mlops.workflow.model import scalar_text

HOST_ALLOW = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TERM",
    "TMPDIR",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
    "PIP_CONSTRAINT",
    "VIRTUAL_ENV",
    "PYENV_ROOT",
    "PYENV_VERSION",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "DOCKER_HOST",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
)
HOST_ALLOW_PREFIXES = ("LC_",)
# What GitHub sets itself; a workflow's env cannot override these (GitHub's "Variables"
# reference: default environment variables).
PROTECTED_PREFIXES = ("GITHUB_", "RUNNER_")


def host_environment(source: Mapping[str, str] | None = None) -> dict[str, str]:
    source = os.environ if source is None else source
    picked = {
        k: v for k, v in source.items() if k in HOST_ALLOW or k.startswith(HOST_ALLOW_PREFIXES)
    }
    picked.setdefault("PATH", os.defpath)
    return picked


def runner_arch() -> str:
    machine = os.uname().machine.lower()
    return {
        "x86_64": "X64",
        "amd64": "X64",
        "aarch64": "ARM64",
        "arm64": "ARM64",
        "i386": "X86",
        "i686": "X86",
    }.get(machine, "ARM" if machine.startswith("arm") else "X64")


def merge_env(base: dict[str, str], *layers: Mapping[str, object]) -> dict[str, str]:
    """Later layers win, except over GitHub's own variables."""
    merged = dict(base)
    for layer in layers:
        for key, value in layer.items():
            if key.startswith(PROTECTED_PREFIXES) and key in base:
                continue
            merged[key] = "" if value is None else scalar_text(value)
    return merged
