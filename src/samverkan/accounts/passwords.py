"""Passwords, hashed with argon2id (``argon2-cffi``'s :class:`~argon2.PasswordHasher`, whose
defaults are RFC 9106's second recommended parameter set: 64 MiB, 3 passes, 4 lanes).

A stored hash is a PHC string (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``) that carries its own
parameters, so raising them later is safe: a hash made with older parameters still verifies,
and :func:`needs_rehash` tells the sign-in to store a new one. An unknown address is answered
after verifying against a fixed dummy hash, so the time taken does not tell whether an account
exists.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify(hashed: str, password: str) -> bool:
    """Whether ``password`` matches ``hashed`` (False for a malformed hash too)."""
    try:
        return HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    """Whether ``hashed`` was made with other parameters than the current ones."""
    try:
        return HASHER.check_needs_rehash(hashed)
    except InvalidHashError:
        return True


@cache
def _dummy() -> str:
    return HASHER.hash("not a password of anyone")


def spend_time(password: str) -> None:
    """Take the time a verification takes, for an address that has no account."""
    verify(_dummy(), password)
