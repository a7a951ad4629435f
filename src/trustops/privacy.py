"""Keyed pseudonyms for user identifiers (DESIGN.md, "Our own data minimisation").

A user id is stored only as HMAC-SHA256(installation secret, id). Whoever knows an id can still ask
about that user by pseudonymising it again; nobody can list real ids from the database.
"""

from __future__ import annotations

import hashlib
import hmac

PSEUDONYM_LENGTH = 32


def pseudonymise(secret: bytes, user_id: str) -> str:
    digest = hmac.new(secret, b"user:" + user_id.strip().encode(), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_LENGTH]
