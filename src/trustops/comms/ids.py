"""Statuspage-style public ids: 12 lowercase base-36 characters, stable, and unguessable.

Each id is an HMAC of what it names under the installation secret, so the page never shows internal
numbers or component slugs, needs no extra column, and the same object always gets the same id.
"""

from __future__ import annotations

import hashlib
import hmac

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
LENGTH = 12


def public_id(secret: bytes, kind: str, key: object) -> str:
    """The public id of ``kind`` ("page", "component", "group", "incident", "update", "maintenance"…) ``key``."""
    digest = hmac.new(secret, f"statuspage:{kind}:{key}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:10], "big")
    chars = []
    for _ in range(LENGTH):
        number, index = divmod(number, 36)
        chars.append(ALPHABET[index])
    return "".join(chars)
