"""The server's secret and what it signs (one-click unsubscribe links, and anything else a link
must prove it came from us without a lookup).

The key is ``secret_key`` from the settings or, by default, 32 random bytes made on first use and
kept in the database's ``meta`` table, so every process of one database (workers, the CLI that
sends digests) shares it, and nothing secret lives in the repository or the environment.
A signature is HMAC-SHA256 over a purpose and a value, so a signature made for one purpose
(``unsubscribe``) is worthless for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from samverkan.db.models import Meta

META_KEY = "secret_key"


def server_key(engine: Engine, configured: str | None = None) -> bytes:
    """The key that signs: the configured one, else the database's (made once, race-free)."""
    if configured:
        return configured.encode()
    with Session(engine) as session:
        stored = session.scalar(select(Meta.value).where(Meta.key == META_KEY))
        if stored is None:
            session.add(Meta(key=META_KEY, value=secrets.token_urlsafe(32)))
            try:
                session.commit()
            except IntegrityError:  # another process made it first
                session.rollback()
            stored = session.scalar(select(Meta.value).where(Meta.key == META_KEY))
    assert stored is not None
    return stored.encode()


class Signer:
    """Signs and checks short values for one purpose."""

    def __init__(self, key: bytes, purpose: str) -> None:
        self.key = hashlib.sha256(key + b"\x00" + purpose.encode()).digest()

    def sign(self, value: str) -> str:
        mac = hmac.new(self.key, value.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:24]).decode().rstrip("=")

    def valid(self, value: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(value), signature)
