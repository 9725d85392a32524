"""The time budget of one request, and its end when the client goes away.

The web adapter opens a :class:`Budget` for every request (:func:`opened`); the work the request
sets off, in the event loop or in a worker thread, sees it through a context variable. Work that
loops over rows calls :func:`check`; database statements are interrupted by the hooks
:func:`watch` puts on an engine — SQLite's progress handler (every few thousand virtual-machine
steps) and PostgreSQL's ``statement_timeout`` for the rest of the budget. Code outside a request
(the CLI, the MQTT ingester) has no budget, and :func:`check` costs it nothing.

Once a response has started (a streamed export), only the client going away ends the work:
an export may take as long as the client keeps reading.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, event

from samverkan.errors import OverBudget

# SQLite virtual-machine steps between two looks at the clock (a few hundred microseconds)
SQLITE_STEPS = 20_000


class Budget:
    """A deadline (monotonic seconds) and a flag for a client that went away."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.gone = threading.Event()

    def unlimited(self) -> None:
        """No deadline from now on (the response has started); the client may still go."""
        self.deadline = math.inf

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    @property
    def spent(self) -> bool:
        return self.gone.is_set() or time.monotonic() > self.deadline

    def check(self) -> None:
        if self.gone.is_set():
            raise OverBudget("the client went away; the request was stopped")
        if time.monotonic() > self.deadline:
            raise OverBudget(
                f"the request took longer than the server's budget of {self.seconds:g} s; "
                "ask for less (a smaller $top, fewer $expand, a narrower $filter or search)"
            )


_current: ContextVar[Budget | None] = ContextVar("samverkan_budget", default=None)


def current() -> Budget | None:
    return _current.get()


def check() -> None:
    """Raise :class:`OverBudget` if the current request's budget is spent (no budget: nothing)."""
    budget = _current.get()
    if budget is not None:
        budget.check()


def spent() -> bool:
    budget = _current.get()
    return budget is not None and budget.spent


@contextmanager
def exempt() -> Iterator[None]:
    """Shared work a request happens to set off or wait for (building the search indexes once
    for everyone): not stopped inside, which would only make the next request redo it, and
    not charged to the request (its deadline moves by the time spent here)."""
    budget = _current.get()
    token = _current.set(None)
    began = time.monotonic()
    try:
        yield
    finally:
        _current.reset(token)
        if budget is not None:
            budget.deadline += time.monotonic() - began


@contextmanager
def opened(seconds: float) -> Iterator[Budget]:
    """A budget of ``seconds`` for the work done inside (and in threads started from it with
    the context copied, as Starlette's thread pool does)."""
    budget = Budget(seconds)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def watch(engine: Engine) -> None:
    """Make the engine's statements stop when the current request's budget is spent."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_progress)
    else:
        event.listen(engine, "begin", _postgres_timeout)


def _sqlite_progress(dbapi_connection: Any, _record: Any) -> None:
    # a non-zero answer interrupts the statement (sqlite3.OperationalError: interrupted)
    dbapi_connection.set_progress_handler(spent, SQLITE_STEPS)


def _postgres_timeout(connection: Any) -> None:
    budget = _current.get()
    if budget is not None and budget.deadline != math.inf:
        milliseconds = max(1, int(budget.remaining() * 1000))
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")
