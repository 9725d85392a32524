"""Needs and solutions: publishing, history, search, matching, the board.

:class:`Postings` is what the API, the pages, the command line and the other packages call
(``app.postings``). Every method takes the :class:`~samverkan.accounts.actor.Actor` who acts and
raises the errors of :mod:`samverkan.errors` (401, 403, 404, 409) or
:class:`~samverkan.postings.fields.FieldError` (422, naming the field). Ids are ``p<number>``
(a bare number or an ``int`` is accepted for needs); for solutions a bare number is a catalogued
JRC case, which may be read and matched but not changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from samverkan.accounts.actor import Actor
from samverkan.db import revision
from samverkan.db.dataspace import Tenant
from samverkan.errors import Forbidden
from samverkan.postings import board as boards
from samverkan.postings.fields import FieldError, check_kind, is_posting_id
from samverkan.postings.interest import Interests
from samverkan.postings.matching import Matcher, Origin, query_text
from samverkan.postings.store import Store
from samverkan.search import postings as live

if TYPE_CHECKING:
    from samverkan.core import Samverkan

MAX_MATCHES = 20
CACHED = 256  # matches kept, per posting version and state of the catalogue and postings


class Postings:
    """Needs and solutions: publishing, history, search, matching, the board."""

    def __init__(self, app: Samverkan) -> None:
        self.app = app
        self.engine = app.engine
        self.settings = app.settings
        self.store = Store(self.engine, detect=lambda text: app.searcher.analyzer.detect(text))
        self.interests = Interests(self.store, self.settings.base_url)
        self.matcher = Matcher(app)
        self._lock = threading.Lock()
        self._matches: OrderedDict[tuple[Any, ...], dict[str, list[dict[str, Any]]]] = OrderedDict()

    # --- publishing ---------------------------------------------------------------------------

    def create(self, actor: Actor, kind: str, fields: Any) -> dict[str, Any]:
        """A new need or solution (``status`` draft by default) of the actor's organisation."""
        return self.store.create(actor, kind, fields)

    def get(self, actor: Actor, kind: str, id: int | str) -> dict[str, Any]:
        """A posting as the actor may see it; a solution's bare number is a catalogued case."""
        check_kind(kind)
        if not is_posting_id(kind, id):
            return self.app.record("solution", str(id)) | {"kind": "solution", "catalogued": True}
        return self.store.get(actor, kind, id)

    def update(self, actor: Actor, kind: str, id: int | str, fields: Any) -> dict[str, Any]:
        """Change the given fields (PATCH semantics); each change is a new version."""
        self._own(kind, id)
        return self.store.update(actor, kind, id, fields)

    def withdraw(self, actor: Actor, kind: str, id: int | str) -> dict[str, Any]:
        """Withdraw a posting: gone from search, matches and the board at once; final."""
        self._own(kind, id)
        return self.store.withdraw(actor, kind, id)

    def history(self, actor: Actor, kind: str, id: int | str) -> dict[str, Any]:
        """Every saved version, newest first (the owning organisation only)."""
        self._own(kind, id)
        return self.store.history(actor, kind, id)

    def _own(self, kind: str, id: int | str) -> None:
        check_kind(kind)
        if not is_posting_id(kind, id):
            raise Forbidden(f"solution {str(id)[:40]} is a catalogued case (JRC): it is read here, not edited")

    # --- matching -----------------------------------------------------------------------------

    def matches(self, actor: Actor, kind: str, id: int | str, limit: int = 5) -> dict[str, list[dict[str, Any]]]:
        """What matches a need (``calls``, ``partners``, ``hubs``, ``platforms``, ``solutions``,
        ``needs``) or a solution (``needs``, ``solutions``, ``hubs``, ``calls``), each a list of
        search results (``kind``, ``id``, ``title``, ``score``, ``why``, ``reasons``)."""
        check_kind(kind)
        if not 1 <= limit <= MAX_MATCHES:
            raise FieldError("limit", f"between 1 and {MAX_MATCHES}")
        origin, version = self._origin(actor, kind, id)
        key = (
            origin.id,
            version,
            limit,
            revision.key(self.engine),
            live.state(self.engine),
            self.settings.current_day(),
        )
        with self._lock:
            cached = self._matches.get(key)
            if cached is not None:
                self._matches.move_to_end(key)
                return cached
        found = self.matcher.matches(origin, limit)
        with self._lock:
            self._matches[key] = found
            while len(self._matches) > CACHED:
                self._matches.popitem(last=False)
        return found

    def _origin(self, actor: Actor, kind: str, id: int | str) -> tuple[Origin, int]:
        limit = self.app.searcher.max_query_chars
        if not is_posting_id(kind, id):
            case = self.app.record("solution", str(id))
            text = "\n".join(case[k] for k in ("primary_sector", "technology", "description") if case.get(k))
            return Origin("solution", case["id"], query_text(case["name"], text, [], [], limit)), 0
        posting = self.store.posting(actor, kind, id)
        with Session(self.engine) as session:
            slug = session.get_one(Tenant, posting.tenant_id).slug
        query = query_text(posting.title, posting.text, posting.focus_areas, posting.technologies, limit)
        origin = Origin(kind, f"p{posting.id}", query, slug, posting.region, tuple(posting.focus_areas or []))
        return origin, posting.version

    # --- interest and the board ------------------------------------------------------------------

    def interest(
        self, actor: Actor, kind: str, id: int | str, message: Any = None, organisation: str | None = None
    ) -> dict[str, Any]:
        """ "We are interested": once per organisation; the owner's editors and admins are told
        by e-mail (key ``interest:<interest id>:<user id>``)."""
        self._own(kind, id)
        return self.interests.interest(actor, kind, id, message, organisation)

    def interested(self, actor: Actor, kind: str, id: int | str) -> list[dict[str, Any]]:
        """Who is interested in a posting, with their contact (its organisation's members only)."""
        self._own(kind, id)
        return self.interests.interests(actor, kind, id)

    def board(self, region: str | None = None, focus_area: str | None = None) -> dict[str, Any]:
        """Published needs and solutions side by side, per focus area and per NUTS 2 region."""
        return boards.board(self.engine, region, focus_area)

    def list(
        self,
        actor: Actor,
        kind: str,
        status: str | None = None,
        tenant: str | None = None,
        region: str | None = None,
        focus_area: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> dict[str, Any]:
        """Published postings (and the actor's organisations' drafts), last changed first."""
        return self.store.list(actor, kind, status, tenant, region, focus_area, limit, offset)
