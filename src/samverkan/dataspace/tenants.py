"""Tenants and their bearer tokens.

A token is ``svk_`` followed by 43 random URL-safe characters (256 bits). Only hashes of it
are stored: its SHA-256 digest, which every request looks up (a token has far too much entropy
to be guessed from a digest, so a slow password hash would add nothing but latency), and a
salted PBKDF2 hash in the form the MQTT broker checks passwords against (``$7$``, see
:func:`broker_hash`), made at issue time, the one moment the plain token is known. Tokens carry
one scope — ``read`` < ``write`` < ``admin`` — may expire, and can be revoked.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.dataspace.times import now
from samverkan.db.dataspace import Tenant, Token
from samverkan.db.engine import aware
from samverkan.db.models import Organisation
from samverkan.errors import Conflict, Forbidden, NotFound, SamverkanError, Unauthorized

SCOPES = ("read", "write", "admin")
PUBLIC = "public"  # the grantee of an open share, and the viewer without a token
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
TOKEN_PREFIX = "svk_"
BROKER_ITERATIONS = 101  # what mosquitto_passwd uses; tokens carry 256 random bits, so more would only cost CPU
BROKER_SALT_BYTES = 12


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def broker_hash(secret: str, iterations: int = BROKER_ITERATIONS) -> str:
    """A Mosquitto 2.0 ``$7$`` hash: ``$7$<iterations>$<salt>$<PBKDF2-HMAC-SHA512>`` (base64)."""
    salt = secrets.token_bytes(BROKER_SALT_BYTES)
    derived = hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, iterations, 64)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(derived).decode()}"


def check_broker_hash(hashed: str, secret: str) -> bool:
    """Whether ``secret`` matches a ``$7$`` hash (as the broker would decide)."""
    try:
        _, kind, iterations, salt, expected = hashed.split("$")
        if kind != "7":
            return False
        derived = hashlib.pbkdf2_hmac("sha512", secret.encode(), base64.b64decode(salt), int(iterations), 64)
    except ValueError:
        return False
    return hmac.compare_digest(base64.b64encode(derived).decode(), expected)


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a tenant with the scope of its token, or the public (no token)."""

    tenant_id: int | None
    slug: str
    scope: str | None

    @classmethod
    def public(cls) -> Viewer:
        return cls(None, PUBLIC, None)

    def require(self, scope: str) -> None:
        """Raise unless this viewer's token grants ``scope`` (``admin`` ⊃ ``write`` ⊃ ``read``)."""
        if self.tenant_id is None:
            raise Unauthorized("this needs a token: send 'Authorization: Bearer TOKEN'")
        if SCOPES.index(self.scope or "read") < SCOPES.index(scope):
            raise Forbidden(f"this needs a token with scope {scope!r}; yours has {self.scope!r}")


def create_tenant(session: Session, slug: str, name: str, organisation_id: str | None = None) -> tuple[Tenant, str]:
    """Create a tenant and its first token (scope ``admin``). Returns the tenant and the token."""
    if not SLUG.match(slug) or slug == PUBLIC:
        raise SamverkanError(
            f"invalid tenant slug {slug!r}: use 1–40 lowercase letters, digits and inner hyphens (not 'public')"
        )
    if not name.strip():
        raise SamverkanError("a tenant needs a name")
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise NotFound(f"no organisation {organisation_id!r} in the catalogue")
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise Conflict(f"tenant {slug!r} already exists")
    tenant = Tenant(slug=slug, name=name.strip(), organisation_id=organisation_id, created_at=now())
    session.add(tenant)
    session.flush()
    token, _ = issue_token(session, tenant, "admin", label="created with the tenant")
    return tenant, token


def issue_token(
    session: Session, tenant: Tenant, scope: str, label: str | None = None, expires_in: dt.timedelta | None = None
) -> tuple[str, Token]:
    """A new token for ``tenant``; the plain token is returned once and never stored."""
    if scope not in SCOPES:
        raise SamverkanError(f"unknown scope {scope!r}: use one of {', '.join(SCOPES)}")
    if expires_in is not None and expires_in <= dt.timedelta(0):
        raise SamverkanError("a token's lifetime must be positive")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    created = now()
    row = Token(
        tenant_id=tenant.id,
        digest=digest(token),
        broker_hash=broker_hash(token),
        prefix=token[:10],
        scope=scope,
        label=label,
        created_at=created,
        expires_at=created + expires_in if expires_in else None,
    )
    session.add(row)
    session.flush()
    return token, row


def tenant_by_slug(session: Session, slug: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFound(f"no tenant {slug!r}")
    return tenant


def revoke_token(session: Session, tenant_id: int, token_id: int) -> Token:
    """Revoke one of the tenant's tokens (idempotent)."""
    row = session.get(Token, token_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound(f"no token {token_id} of this tenant")
    if row.revoked_at is None:
        row.revoked_at = now()
    return row


def authenticate(session: Session, token: str | None) -> Viewer:
    """The viewer a bearer token stands for; no token is the public viewer."""
    if token is None:
        return Viewer.public()
    user, sep, secret = token.rpartition(":")  # "slug:token" from Basic credentials
    if sep:
        token = secret
    row = session.scalar(select(Token).where(Token.digest == digest(token)))
    if row is None:
        raise Unauthorized("unknown token")
    if row.revoked_at is not None:
        raise Unauthorized("this token has been revoked")
    if row.expires_at is not None and aware(row.expires_at) <= now():
        raise Unauthorized("this token has expired")
    tenant = session.get(Tenant, row.tenant_id)
    assert tenant is not None  # tokens cascade with their tenant
    if sep and user != tenant.slug:
        raise Unauthorized("the user name must be the token's tenant")
    return Viewer(tenant.id, tenant.slug, row.scope)


def credentials(header: str | None) -> tuple[str | None, str | None]:
    """(token, tenant slug) from ``Authorization``: ``Bearer TOKEN``, or ``Basic`` with the tenant
    slug as user name and the token as password (for clients that only speak Basic, such as
    frost-sta-client and many GIS tools)."""
    if header is None:
        return None, None
    kind, _, value = header.strip().partition(" ")
    value = value.strip()
    if kind.lower() == "bearer" and value:
        return value, None
    if kind.lower() == "basic" and value:
        try:
            user, sep, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise Unauthorized("malformed Basic credentials") from None
        if sep and password:
            return password, user
    raise Unauthorized(
        "use 'Authorization: Bearer TOKEN' (or Basic with your tenant as user and the token as password)"
    )


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization`` header (None without a header); a Basic user name must
    be the token's tenant, which :func:`authenticate` checks when given ``tenant``."""
    token, user = credentials(header)
    if token is not None and user is not None:
        return f"{user}:{token}"
    return token
