"""Who acts: a signed-in person with their roles in organisations, a script with an
organisation's token, or the public. Every community door (API and pages) asks the actor, never
the request, whether something may be done.

Roles rank ``member`` < ``editor`` < ``admin``. A token's scope stands for a role in its one
organisation: ``read`` → member, ``write`` → editor, ``admin`` → admin (so the admin token that
``samverkan tenant create`` prints may publish). The operator at the command line
(:meth:`Actor.operator`) may do anything: whoever runs ``samverkan`` holds the database anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from samverkan.errors import Forbidden, Unauthorized

ROLES = ("member", "editor", "admin")
SCOPE_ROLES = {"read": "member", "write": "editor", "admin": "admin"}


@dataclass(frozen=True)
class Actor:
    """``roles``: organisation (tenant id) → role. ``via``: session, token, operator or public."""

    user_id: int | None = None
    roles: Mapping[int, str] = field(default_factory=dict)
    via: str = "public"  # session, token, operator or public
    csrf: str | None = None  # the session's CSRF secret (sessions only)

    @classmethod
    def public(cls) -> Actor:
        return cls()

    @classmethod
    def token(cls, tenant_id: int, scope: str) -> Actor:
        return cls(roles={tenant_id: SCOPE_ROLES[scope]}, via="token")

    @classmethod
    def operator(cls) -> Actor:
        """The command line: every right in every organisation."""
        return cls(via="operator")

    @property
    def signed_in(self) -> bool:
        return self.via != "public"

    @property
    def person(self) -> bool:
        """A signed-in person (a browser's session), not a script's token or the command line."""
        return self.via == "session" and self.user_id is not None

    def role(self, tenant_id: int | None) -> str | None:
        return None if tenant_id is None else self.roles.get(tenant_id)

    def can(self, tenant_id: int | None, role: str) -> bool:
        """Whether the actor holds at least ``role`` in the organisation."""
        if self.via == "operator":
            return True
        held = self.role(tenant_id)
        return held is not None and ROLES.index(held) >= ROLES.index(role)

    def require(self, tenant_id: int | None, role: str) -> None:
        if not self.signed_in:
            raise Unauthorized("sign in, or send 'Authorization: Bearer TOKEN'")
        if not self.can(tenant_id, role):
            raise Forbidden(f"this needs the role {role!r} in the organisation")

    def organisations(self, role: str = "member") -> list[int]:
        """The organisations in which the actor holds at least ``role``."""
        return sorted(t for t in self.roles if self.can(t, role))
