"""What every command of the ``samverkan`` command line shares: its context (the one
:class:`~samverkan.core.Samverkan` of a run), how errors the user can fix become a message and
exit status 1, and the progress bar. Commands live in ``cli.py`` and, for the community's parts,
in each package's ``commands.py``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
import sqlalchemy.exc

from samverkan.core import Samverkan
from samverkan.errors import SamverkanError
from samverkan.settings import load_settings


class Context:
    def __init__(self, db: str | None) -> None:
        self.db = db
        self._app: Samverkan | None = None

    @property
    def app(self) -> Samverkan:
        if self._app is None:
            self._app = Samverkan(load_settings(db=self.db))
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


pass_context = click.make_pass_decorator(Context)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn errors the user can fix into a message and exit status 1, never a traceback."""
    try:
        yield
    except SamverkanError as exc:
        raise click.ClickException(str(exc)) from exc
    except ValueError as exc:  # invalid settings (pydantic) or arguments
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:  # unreadable file, permission denied, disk full …
        where = f"{exc.filename}: " if exc.filename else ""
        raise click.ClickException(f"{where}{exc.strerror or exc}") from exc
    except sqlalchemy.exc.OperationalError as exc:
        raise click.ClickException(f"database error: {exc.orig or exc}") from exc


@contextmanager
def progress_bar(label: str, length: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on a terminal (stderr); nothing when output is not a terminal."""
    if not sys.stderr.isatty() or length <= 0:
        yield None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr, show_eta=True) as bar:
        yield bar.update
