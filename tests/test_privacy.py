"""Pseudonyms: the prepared HMAC is exactly HMAC-SHA256, for any key length, prefix and message."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from trustops.guard.bulk import Pseudonymiser
from trustops.privacy import PSEUDONYM_LENGTH, PreparedHmac, pseudonymise


@given(secret=st.binary(min_size=1, max_size=200), prefix=st.binary(max_size=16), message=st.binary(max_size=300))
def test_a_prepared_hmac_equals_hmac_sha256(secret: bytes, prefix: bytes, message: bytes) -> None:
    expected = hmac.new(secret, prefix + message, hashlib.sha256).digest()
    prepared = PreparedHmac(secret, prefix)
    assert prepared.digest(message) == expected
    assert prepared.digest(message) == expected  # the prepared states are copied, never used up


@given(
    secret=st.binary(min_size=16, max_size=80),
    ids=st.lists(st.text(min_size=1, max_size=40).map(str.strip).filter(bool), max_size=20),
)
def test_bulk_pseudonyms_are_the_ones_stored_everywhere_else(secret: bytes, ids: list[str]) -> None:
    bulk = Pseudonymiser(secret)
    expected = [pseudonymise(secret, user_id) for user_id in ids]
    assert bulk.many(ids) == expected
    assert [d.hex() for d in bulk.digests(ids)] == expected
    assert all(len(key) == PSEUDONYM_LENGTH for key in expected)
