"""Cache keys stored without their secrets still compare as GitHub compares the real key."""

from __future__ import annotations

import json

from mlops.runner.actions import cachekeys
from mlops.runner.masking import Masker


def test_a_sealed_key_compares_as_the_real_one_and_holds_no_secret() -> None:
    masker = Masker(["s3cr3t-token"])
    key = "deps-s3cr3t-token-linux"
    salt = cachekeys.new_salt()
    parts = cachekeys.seal(key, masker.spans(key), salt)
    assert "s3cr3t" not in json.dumps(parts)
    known = masker.values
    for prefix in ("", "de", "deps-", "deps-s3c", "deps-s3cr3t-token", "deps-s3cr3t-token-", key):
        assert cachekeys.starts_with(parts, salt, prefix, known), prefix
    for prefix in ("x", "deps-other", "deps-s3cr3t-tokeX", "deps-s3cr3t-token-mac", key + "-"):
        assert not cachekeys.starts_with(parts, salt, prefix, known), prefix
    # a secret the run no longer has: compared whole, never partly
    assert cachekeys.starts_with(parts, salt, "deps-s3cr3t-token-", list)
    assert not cachekeys.starts_with(parts, salt, "deps-s3c", list)
    assert cachekeys.unseal(parts, salt, known()) == key
    assert cachekeys.unseal(parts, salt, []) is None
