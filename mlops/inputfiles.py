"""Files a user names on the command line (dotenv files, event payloads), read with a stated
size limit: past it the command stops with one line (exit 2) instead of filling memory
(``--secret-file /dev/zero``)."""

from __future__ import annotations

from mlops.errors import UsageError

DOTENV_LIMIT = 16 << 20  # --secret-file, --env-file, --var-file (GitHub: 48 KB a secret)
PAYLOAD_LIMIT = 25 << 20  # -e EVENT.json (GitHub caps webhook payloads at 25 MB)


def read_limited(path: str, flag: str, limit: int) -> bytes:
    """The file's bytes; UsageError when it cannot be read or holds more than ``limit``."""
    try:
        with open(path, "rb") as stream:  # noqa: PTH123  (a device or FIFO is fine too)
            data = stream.read(limit + 1)
    except OSError as error:
        raise UsageError(f"{flag} {path}: {error.strerror or error}") from None
    if len(data) > limit:
        raise UsageError(f"{flag} {path}: larger than {limit >> 20} MiB, the limit for {flag}")
    return data
