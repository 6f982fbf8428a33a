"""Stable pseudonyms for people in exports."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(secret: bytes, service_id: str, person_ref: str) -> str:
    """The same person always gets the same pseudonym under the same key.

    A keyed hash (HMAC) means nobody without the key can test a guessed name.
    """
    digest = hmac.new(secret, f"{service_id}\x1f{person_ref}".encode(), hashlib.sha256)
    return "p-" + digest.hexdigest()[:12]
