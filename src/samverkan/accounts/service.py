"""People, organisations' members, sessions, e-mail links: the one door to accounts that the
web app (pages and API) and the command line call.

Every method checks who acts (an :class:`~samverkan.accounts.actor.Actor`) before it reads or
changes anything of an organisation, and runs in its own transaction. Input is cleaned here
(:mod:`samverkan.accounts.rules`), once, whatever door it came through. Passwords are hashed and
verified outside any transaction (a tenth of a second each, which must not hold SQLite's write
lock).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.accounts import organisations as orgs
from samverkan.accounts import passwords, people, rules, sessions, throttle
from samverkan.accounts.actor import Actor
from samverkan.accounts.rules import (
    AccountDisabled,
    InvalidInput,
    NotConfirmed,
    Problems,
    SignInFailed,
    Throttled,
)
from samverkan.dataspace.tenants import SCOPES
from samverkan.db.community import User
from samverkan.db.dataspace import Tenant
from samverkan.errors import Conflict, NotFound, SamverkanError, Unauthorized

if TYPE_CHECKING:
    from samverkan.core import Samverkan

T = TypeVar("T")


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie's value (give it to the browser, never store it) and who."""

    cookie: str
    user_id: int
    language: str


class Accounts:
    """People, organisations' members, sessions, e-mail links."""

    def __init__(self, app: Samverkan) -> None:
        self.app = app
        self.engine = app.engine
        self.settings = app.settings

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with Session(self.engine) as session, session.begin():
            yield session

    def _person(self, session: Session, actor: Actor) -> User:
        if not actor.person:
            raise Unauthorized("sign in first")
        assert actor.user_id is not None
        user = session.get(User, actor.user_id)
        if user is None or user.disabled_at is not None:
            raise Unauthorized("sign in first")
        return user

    def _organisation(self, session: Session, actor: Actor, slug: str, role: str, lock: bool = False) -> Tenant:
        """The organisation ``slug`` if the actor holds ``role`` in it (401 for the public, 403
        for anyone else; 404 when there is no such organisation, which is public knowledge)."""
        tenant = orgs.by_slug(session, slug, lock=lock)
        actor.require(tenant.id, role)
        return tenant

    # --- registering and signing in -------------------------------------------------------------

    def register(self, email: str, name: str, password: str, language: str) -> None:
        """Register a person; a confirmation link goes to the address. The same answer whether
        or not the address has an account (see :func:`samverkan.accounts.people.register`)."""
        address, person, secret, lang = people.registration(email, name, password, language)
        hashed = passwords.hash_password(secret)  # also when the address has an account: same time
        with self._write() as session:
            people.register(session, self.base_url, address, person, hashed, lang)

    def resend_confirmation(self, email: str) -> None:
        address = _field("email", rules.email, email)
        if address:
            with self._write() as session:
                people.resend_confirmation(session, self.base_url, address)

    def confirm_target(self, token: str) -> dict[str, Any]:
        """Whom a confirmation link is for, without using it."""
        with Session(self.engine) as session:
            user = people.confirm(session, token, peek_only=True)
            return {"email": user.email, "name": user.name}

    def confirm(self, token: str) -> dict[str, Any]:
        """Confirm an address by its link; the person as JSON."""
        with self._write() as session:
            return people.user_json(people.confirm(session, token))

    def sign_in(self, email: str, password: str, address: str | None, user_agent: str | None = None) -> SignedIn:
        """A new session for the right password of a confirmed, enabled person.

        Raises :class:`Throttled` (429) after too many failures for the address or the client
        (:mod:`samverkan.accounts.throttle`), with the right password too; :class:`SignInFailed`
        for an unknown address or a wrong password alike; :class:`NotConfirmed` and
        :class:`AccountDisabled` only after the right password."""
        wanted = email.strip().lower()[:254]
        counted = throttle.keys(wanted, address)
        attempt = self._attempt(counted)
        with Session(self.engine) as session:
            user = people.by_email(session, wanted) if wanted else None
            hashed = user.password_hash if user is not None else None
        if hashed is None or len(password) > rules.PASSWORD_MAX:
            passwords.spend_time(password[: rules.PASSWORD_MAX])
            raise SignInFailed("wrong e-mail address or password")
        if not passwords.verify(hashed, password):
            raise SignInFailed("wrong e-mail address or password")
        rehashed = passwords.hash_password(password) if passwords.needs_rehash(hashed) else None
        refusal: SamverkanError | None = None
        with self._write() as session:  # the password was right: this attempt was no failure
            throttle.forget(session, attempt, email_key=counted[0])
            person = session.get(User, user.id) if user is not None else None
            if person is None:
                refusal = SignInFailed("wrong e-mail address or password")
            elif person.disabled_at is not None:
                refusal = AccountDisabled("this account is disabled")
            elif person.confirmed_at is None:
                refusal = NotConfirmed("confirm your e-mail address first: follow the link we sent")
            else:
                if rehashed is not None and person.password_hash == hashed:
                    person.password_hash = rehashed
                signed = SignedIn(sessions.open_session(session, person.id, user_agent), person.id, person.language)
        if refusal is not None:
            raise refusal
        return signed

    def _attempt(self, counted: list[str]) -> list[int]:
        """Count a password attempt (committed before the password is checked); its rows, or
        :class:`Throttled` when a key is over its limit (see :mod:`samverkan.accounts.throttle`)."""
        with self._write() as session:
            attempt = throttle.record(session, counted)
        with self._write() as session:
            wait = throttle.refusal(session, counted)
            if wait is not None:
                throttle.forget(session, attempt)
        if wait is not None:
            raise Throttled(wait)
        return attempt

    def sign_out(self, cookie: str | None) -> None:
        if cookie:
            with self._write() as session:
                sessions.close(session, cookie)

    def actor_for_session(self, cookie: str) -> Actor:
        """The person a session cookie stands for, with their roles and the session's CSRF
        secret (the public when unknown, expired, revoked or of a disabled person)."""
        with self._write() as session:
            return sessions.actor(session, cookie)

    # --- the signed-in person -------------------------------------------------------------------

    def person(self, actor: Actor) -> dict[str, Any]:
        with Session(self.engine) as session:
            return people.user_json(self._person(session, actor))

    def update_person(self, actor: Actor, name: str, language: str) -> dict[str, Any]:
        problems = Problems()
        clean_name = problems.check("name", rules.name, name)
        clean_language = problems.check("language", rules.language, language)
        problems.raise_any()
        with self._write() as session:
            user = self._person(session, actor)
            user.name, user.language = str(clean_name), str(clean_language)
            return people.user_json(user)

    def change_password(self, actor: Actor, current: str, new: str, keep: str | None = None) -> int:
        """A new password, after the current one; every other session is revoked (how many).
        Wrong current passwords count as failed sign-ins of the address (:class:`Throttled`)."""
        secret = _field("password", rules.password, new)
        with Session(self.engine) as session:
            user = self._person(session, actor)
            hashed, counted = user.password_hash, throttle.keys(user.email, None)
        attempt = self._attempt(counted)
        if len(current) > rules.PASSWORD_MAX or not passwords.verify(hashed, current):
            raise InvalidInput.one("current", "password_wrong", "this is not your current password")
        rehashed = passwords.hash_password(secret)
        with self._write() as session:
            throttle.forget(session, attempt, email_key=counted[0])
            user = self._person(session, actor)
            user.password_hash = rehashed
            return sessions.revoke_all(session, user.id, keep=keep)

    def sessions(self, actor: Actor, current: str | None = None) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            return sessions.listing(session, self._person(session, actor).id, current)

    def revoke_session(self, actor: Actor, session_id: str) -> None:
        with self._write() as session:
            if not sessions.revoke(session, self._person(session, actor).id, session_id):
                raise NotFound(f"no session {session_id!r} of yours")

    def revoke_sessions(self, actor: Actor, keep: str | None = None) -> int:
        """Sign out everywhere (but the browser of cookie ``keep``); how many sessions ended."""
        with self._write() as session:
            return sessions.revoke_all(session, self._person(session, actor).id, keep=keep)

    # --- password reset ---------------------------------------------------------------------------

    def request_reset(self, email: str) -> None:
        """A reset link to the address if it has an account; the same answer either way."""
        address = _field("email", rules.email, email)
        with self._write() as session:
            people.request_reset(session, self.base_url, address)

    def reset_target(self, token: str) -> dict[str, Any]:
        """Whom a reset link is for, without using it (for the page that asks the new password)."""
        with Session(self.engine) as session:
            user = people.reset_user(session, token, peek_only=True)
            return {"email": user.email, "name": user.name}

    def reset_password(self, token: str, new: str) -> dict[str, Any]:
        """Set a new password by a reset link; every session of the person is revoked."""
        secret = _field("password", rules.password, new)
        with Session(self.engine) as session:
            people.reset_user(session, token, peek_only=True)  # a dead link before a slow hash
        hashed = passwords.hash_password(secret)
        with self._write() as session:
            user = people.reset(session, token, hashed)
            sessions.revoke_all(session, user.id)
            throttle.forget(session, [], email_key=throttle.keys(user.email, None)[0])
            return people.user_json(user)

    # --- organisations ----------------------------------------------------------------------------

    def me(self, actor: Actor) -> dict[str, Any]:
        """Who acts: the person (for a session), how, and their organisations with roles."""
        with Session(self.engine) as session:
            person = None
            if actor.person:
                person = people.user_json(self._person(session, actor))
                person = {k: person[k] for k in ("id", "email", "name", "language")}
            found = session.scalars(select(Tenant).where(Tenant.id.in_(list(actor.roles))).order_by(Tenant.name))
            listed = [{**orgs.organisation_json(t), "role": actor.roles[t.id]} for t in found]
        return {"via": actor.via, "person": person, "organisations": listed}

    def organisation(self, slug: str, actor: Actor | None = None) -> dict[str, Any]:
        """What anyone may know of an organisation: slug, name, CORDIS organisation; with
        ``actor``, also the actor's ``role`` in it (None: none)."""
        with Session(self.engine) as session:
            tenant = orgs.by_slug(session, slug)
            out = orgs.organisation_json(tenant)
            if actor is not None:
                out["role"] = actor.role(tenant.id)
            return out

    def my_organisations(self, actor: Actor) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            return orgs.of_person(session, self._person(session, actor).id)

    def create_organisation(
        self, actor: Actor, slug: str, name: str, organisation: str | None = None, admin: str | None = None
    ) -> dict[str, Any]:
        """A new organisation. A signed-in person becomes its administrator; the operator gets
        its first token (``{"tenant", "token", …}`` as ``tenant create`` prints) and may name a
        person (``admin``, an e-mail address) to administer it."""
        problems = Problems()
        clean_slug = str(problems.check("slug", rules.slug, slug))
        clean_name = str(problems.check("name", rules.name, name))
        problems.raise_any()
        if organisation is not None and not organisation.strip():
            organisation = None
        with self._write() as session:
            if session.scalar(select(Tenant.id).where(Tenant.slug == clean_slug)) is not None:
                raise InvalidInput.one("slug", "slug_taken", f"{clean_slug!r} is taken: choose another")
            if organisation is not None and not orgs.in_catalogue(session, organisation):
                raise InvalidInput.one(
                    "organisation", "organisation_unknown", f"no organisation {organisation!r} in the catalogue"
                )
            if actor.via == "operator":
                person = people.by_email_or_404(session, admin) if admin else None
                tenant, token = orgs.create(session, clean_slug, clean_name, organisation)
                if person is not None:
                    orgs.join(session, tenant, person, "admin")
                return {"tenant": tenant.slug, "token": token, **orgs.organisation_json(tenant)}
            person = self._person(session, actor)
            tenant, _ = orgs.create(session, clean_slug, clean_name, organisation, admin=person)
            return {"tenant": tenant.slug, **orgs.organisation_json(tenant)}

    def organisations(self) -> list[dict[str, Any]]:
        """Every organisation with its number of members (the command line)."""
        with Session(self.engine) as session:
            out = []
            for tenant in session.scalars(select(Tenant).order_by(Tenant.slug)):
                out.append({**orgs.organisation_json(tenant), "members": len(orgs.members(session, tenant))})
            return out

    def settings_of(self, actor: Actor, slug: str) -> dict[str, Any]:
        """An organisation's settings page for its administrators: members, invitations, tokens."""
        with Session(self.engine) as session:
            tenant = self._organisation(session, actor, slug, "admin")
            return {
                "organisation": orgs.organisation_json(tenant),
                "members": orgs.members(session, tenant),
                "invitations": orgs.invitations(session, tenant),
                "tokens": orgs.token_list(session, tenant),
            }

    def members(self, actor: Actor, slug: str) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            return orgs.members(session, self._organisation(session, actor, slug, "admin"))

    def invite(self, actor: Actor, slug: str, email: str, role: str, language: str | None = None) -> dict[str, Any]:
        """Invite ``email`` to the organisation with ``role`` (a link by e-mail)."""
        problems = Problems()
        address = str(problems.check("email", rules.email, email))
        clean_role = str(problems.check("role", rules.role, role))
        lang = str(problems.check("language", rules.language, language)) if language else None
        problems.raise_any()
        with self._write() as session:
            tenant = self._organisation(session, actor, slug, "admin")
            inviter = session.get(User, actor.user_id) if actor.user_id is not None else None
            return orgs.invite(session, self.base_url, tenant, address, clean_role, lang, inviter)

    def invitations(self, actor: Actor, slug: str) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            return orgs.invitations(session, self._organisation(session, actor, slug, "admin"))

    def cancel_invitation(self, actor: Actor, slug: str, invitation_id: str) -> dict[str, Any]:
        with self._write() as session:
            return orgs.cancel_invitation(session, self._organisation(session, actor, slug, "admin"), invitation_id)

    def invitation(self, token: str) -> dict[str, Any]:
        """What an invitation link offers, without using it."""
        with Session(self.engine) as session:
            return orgs.invitation(session, token)

    def accept_invitation(self, actor: Actor, token: str) -> dict[str, Any]:
        """The signed-in person joins the organisation of the invitation."""
        with self._write() as session:
            return orgs.organisation_json(orgs.accept(session, token, self._person(session, actor)))

    def register_by_invitation(
        self, token: str, name: str, password: str, language: str, user_agent: str | None = None
    ) -> SignedIn:
        """Register with an invitation and accept it: the link proves the mailbox, so the
        address is confirmed at once and the person is signed in."""
        with Session(self.engine) as session:
            offered = orgs.invitation(session, token)
        address, person, secret, lang = people.registration(offered["email"], name, password, language)
        hashed = passwords.hash_password(secret)
        with self._write() as session:
            if people.by_email(session, address) is not None:
                raise Conflict("this address has an account: sign in to accept", code="has_account")
            user = people.new_user(session, address, person, hashed, lang, confirmed=True)
            orgs.accept(session, token, user)
            return SignedIn(sessions.open_session(session, user.id, user_agent), user.id, user.language)

    def set_role(self, actor: Actor, slug: str, user_id: int, role: str) -> dict[str, Any]:
        clean_role = _field("role", rules.role, role)
        with self._write() as session:
            tenant = self._organisation(session, actor, slug, "admin", lock=True)
            return orgs.set_role(session, tenant, user_id, clean_role)

    def remove_member(self, actor: Actor, slug: str, user_id: int) -> dict[str, Any]:
        """Remove a member (not the last administrator); what the membership was."""
        with self._write() as session:
            return orgs.remove(session, self._organisation(session, actor, slug, "admin", lock=True), user_id)

    def leave(self, actor: Actor, slug: str) -> None:
        """The signed-in person leaves the organisation (not its last administrator)."""
        with self._write() as session:
            user = self._person(session, actor)
            tenant = self._organisation(session, actor, slug, "member", lock=True)
            orgs.remove(session, tenant, user.id)

    def link_organisation(self, actor: Actor, slug: str, organisation: str | None) -> dict[str, Any]:
        """Link to the organisation's CORDIS organisation (``None`` or blank: unlink)."""
        wanted = (organisation or "").strip() or None
        if wanted is not None and len(wanted) > 64:
            raise InvalidInput.one("organisation", "organisation_invalid", "at most 64 characters")
        with self._write() as session:
            tenant = self._organisation(session, actor, slug, "admin")
            if wanted is not None and not orgs.in_catalogue(session, wanted):
                raise InvalidInput.one(
                    "organisation", "organisation_unknown", f"no organisation {wanted!r} in the catalogue"
                )
            return orgs.link(session, tenant, wanted)

    def tokens(self, actor: Actor, slug: str) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            return orgs.token_list(session, self._organisation(session, actor, slug, "admin"))

    def issue_token(
        self, actor: Actor, slug: str, scope: str, label: str | None = None, days: float | None = None
    ) -> dict[str, Any]:
        """A new API token of the organisation; the secret is in the answer, once."""
        problems = Problems()
        if scope not in SCOPES:
            problems.found.append(rules.Problem("scope", "scope_invalid", f"choose one of {', '.join(SCOPES)}"))
        clean_label = problems.check("label", rules.label, label or "")
        if days is not None and not 0 < days <= orgs.MAX_TOKEN_DAYS:
            problems.found.append(rules.Problem("days", "days_invalid", f"between 0 and {orgs.MAX_TOKEN_DAYS}"))
        problems.raise_any()
        with self._write() as session:
            tenant = self._organisation(session, actor, slug, "admin")
            return orgs.new_token(session, tenant, scope, clean_label or None, days)

    def revoke_token(self, actor: Actor, slug: str, token_id: int) -> dict[str, Any]:
        with self._write() as session:
            return orgs.revoke_token(session, self._organisation(session, actor, slug, "admin"), token_id)

    # --- for the other parts of the community (whom to write to) --------------------------------

    def contact(self, user_id: int) -> dict[str, Any] | None:
        """A confirmed, enabled person's ``email``, ``name`` and ``language`` (None otherwise).
        Inside your own transaction: :func:`samverkan.accounts.people.contact`."""
        with Session(self.engine) as session:
            return people.contact(session, user_id)

    def people_of(self, tenant_id: int, role: str = "member") -> list[dict[str, Any]]:
        """An organisation's confirmed, enabled members holding at least ``role``, each with
        ``email``, ``name`` and ``language``. Inside your own transaction:
        :func:`samverkan.accounts.organisations.people_of`."""
        with Session(self.engine) as session:
            return orgs.people_of(session, tenant_id, role)

    # --- the command line ---------------------------------------------------------------------------

    def create_user(
        self, email: str, name: str, password: str, language: str = "sv", confirmed: bool = False
    ) -> dict[str, Any]:
        """A new person (the operator); unless ``confirmed``, a confirmation link goes out."""
        address, person, secret, lang = people.registration(email, name, password, language)
        hashed = passwords.hash_password(secret)
        with self._write() as session:
            user = people.new_user(session, address, person, hashed, lang, confirmed)
            if not confirmed:
                people.send_confirmation(session, self.base_url, user)
            return people.user_json(user)

    def users(self) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            return [people.user_json(u) for u in session.scalars(select(User).order_by(User.email))]

    def disable_user(self, email: str) -> dict[str, Any]:
        """Disable a person: no sign-in, every session revoked (the operator)."""
        with self._write() as session:
            user = people.by_email_or_404(session, email)
            if user.disabled_at is None:
                user.disabled_at = people.now()
            sessions.revoke_all(session, user.id)
            return people.user_json(user)

    def user_sessions(self, email: str) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            return sessions.listing(session, people.by_email_or_404(session, email).id)

    def revoke_user_sessions(self, email: str) -> int:
        with self._write() as session:
            return sessions.revoke_all(session, people.by_email_or_404(session, email).id)

    def add_member(self, slug: str, email: str, role: str) -> dict[str, Any]:
        """Make a person a member with ``role`` at once (the operator; the web invites)."""
        clean_role = rules.role(role)
        with self._write() as session:
            tenant = orgs.by_slug(session, slug, lock=True)
            user = people.by_email_or_404(session, email)
            membership = orgs.join(session, tenant, user, "member")
            if membership.role != clean_role:
                orgs.set_role(session, tenant, user.id, clean_role)
            return next(m for m in orgs.members(session, tenant) if m["user"] == user.id)

    def remove_member_by_email(self, slug: str, email: str) -> None:
        with self._write() as session:
            tenant = orgs.by_slug(session, slug, lock=True)
            orgs.remove(session, tenant, people.by_email_or_404(session, email).id)

    def org_members(self, slug: str) -> list[dict[str, Any]]:
        return self.members(Actor.operator(), slug)


def _field(field: str, cleaner: Callable[[str], T], raw: str) -> T:
    """One field cleaned, or :class:`InvalidInput` naming it."""
    try:
        return cleaner(raw)
    except rules.FieldError as error:
        raise InvalidInput.one(field, error.code, error.message) from None


__all__ = ["Accounts", "SignedIn"]
