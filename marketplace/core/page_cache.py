"""Rendered public pages kept for visitors who are not signed in.

A view marked ``@cached_page`` (home, catalogue, category, offer, search,
directory, structure profile, calls for tenders) is rendered once per database, host,
path with its query, language and *content version*, and kept as a file in
``PAGE_CACHE_DIR``, shared by every process of the machine; every visitor who
is not signed in, has no cart and no pending message is then served that file.
Signed-in users, shoppers with a cart and every other page are rendered as before.

The content version is one counter in the database (``content_version``). A
commit that adds, changes or removes a row of the catalogue, of the
structures or of the calls for tenders increments it in the same
transaction, whatever code made the change (a flush listener, as for the
search index). Each process reads it at most once every
``PAGE_CACHE_CHECK_SECONDS`` (and at once after its own changes), so a change
reaches the pages served by every process within that delay.

Stock sold through the cart changes by a direct UPDATE, not through a flush,
and does not change the version: the stock shown on a kept page may be up
to ``PAGE_CACHE_SECONDS`` old, the age after which any page is rendered
again. The cart and the checkout check the stock themselves.

The visitor's CSRF token is not kept: it is replaced by a placeholder when a
page is stored, and by the visitor's own token when the page is served.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, g, has_app_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from marketplace.core.clock import now_utc
from marketplace.core.db import Base

log = logging.getLogger(__name__)
_PLACEHOLDER = "\x00csrf-token\x00"
_CHANGED = "content_changed"
# Modules whose rows are shown on the cached pages.
PUBLIC_MODULES = (
    "marketplace.catalogue.",
    "marketplace.vendors.",
    "marketplace.procurement.tenders.",
    "marketplace.procurement.bids.models",  # award notices and lot decisions change a tender's public state
)
# Session keys that make a page personal.
PERSONAL_KEYS = ("_flashes", "cart_token")


def _seconds() -> float:
    return now_utc().timestamp()


class ContentVersion(Base):
    """One row: incremented by every commit that changes what the public pages show."""

    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class _Store:
    """Rendered pages in a directory shared by the processes of the machine, and the version last read.

    One file per page (named by a digest of its key): its storage time on the
    first line, then the body. Files are written aside and renamed into place,
    so a reader sees a whole page or none. Every ``SWEEP_EVERY`` pages written
    by a process, the files older than the pages' age limit are removed, then
    the oldest ones while the directory holds more than its byte budget.
    """

    SWEEP_EVERY = 500

    def __init__(self, directory: str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.written = 0
        self.version: int | None = None
        self.version_read_at = 0.0

    def _path(self, key: tuple) -> Path:
        return self.directory / hashlib.sha256(repr(key).encode()).hexdigest()

    def get(self, key: tuple, max_age: float) -> bytes | None:
        try:
            stored = self._path(key).read_bytes()
        except OSError:
            return None
        header, _, body = stored.partition(b"\n")
        try:
            fresh = _seconds() - float(header) <= max_age
        except ValueError:
            return None
        return body if fresh else None

    def put(self, key: tuple, body: bytes, max_age: float, max_bytes: int) -> None:
        path = self._path(key)
        aside = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            aside.write_bytes(b"%f\n" % _seconds() + body)
            os.replace(aside, path)
        except OSError:
            log.warning("page not kept in %s", self.directory, exc_info=True)
            return
        with self.lock:
            self.written += 1
            sweep = self.written % self.SWEEP_EVERY == 0
        if sweep:
            self.sweep(max_age, max_bytes)

    def sweep(self, max_age: float, max_bytes: int) -> None:
        entries = []
        for entry in os.scandir(self.directory):
            try:
                entries.append((entry.stat().st_mtime, entry.stat().st_size, entry.path))
            except OSError:
                continue
        oldest_kept = time.time() - max_age
        entries.sort()
        total = sum(size for _, size, _ in entries)
        for mtime, size, path in entries:
            if mtime >= oldest_kept and total <= max_bytes:
                break
            with contextlib.suppress(OSError):
                os.remove(path)
            total -= size

    def clear(self) -> None:
        for entry in os.scandir(self.directory):
            with contextlib.suppress(OSError):
                os.remove(entry.path)
        self.version = None


def _store() -> _Store:
    store = current_app.extensions.get("page_cache")
    if store is None or str(store.directory) != current_app.config["PAGE_CACHE_DIR"]:
        store = current_app.extensions["page_cache"] = _Store(current_app.config["PAGE_CACHE_DIR"])
    return store


def clear() -> None:
    """Forget every kept page (of every process using the directory)."""
    _store().clear()


def content_version() -> int:
    """The content version, read from the database at most once every PAGE_CACHE_CHECK_SECONDS."""
    store = _store()
    now = _seconds()
    if store.version is None or now - store.version_read_at >= current_app.config["PAGE_CACHE_CHECK_SECONDS"]:
        from marketplace.extensions import db

        version = db.session.scalar(sa.select(ContentVersion.version).where(ContentVersion.id == 1))
        store.version, store.version_read_at = int(version or 0), now
    return store.version


def _cacheable() -> bool:
    if request.method != "GET" or current_app.config["PAGE_CACHE_SECONDS"] <= 0:
        return False
    if any(key in session for key in PERSONAL_KEYS):
        return False
    return not current_user.is_authenticated


def cached_page(view):
    """Serve the view's page from the kept pages to anonymous visitors (see the module's docstring)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        config = current_app.config
        key = (config["DATABASE_URL"], request.host, request.full_path, str(get_locale()), content_version())
        store = _store()
        body = store.get(key, config["PAGE_CACHE_SECONDS"])
        if body is not None:
            token = generate_csrf().encode() if _PLACEHOLDER.encode() in body else None
            response = current_app.response_class(
                body.replace(_PLACEHOLDER.encode(), token) if token else body, mimetype="text/html"
            )
            response.headers["X-Page-Cache"] = "hit"
            return response
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and response.mimetype == "text/html" and not response.direct_passthrough:
            body = response.get_data()
            token = g.get("csrf_token")
            store.put(key, body.replace(token.encode(), _PLACEHOLDER.encode()) if token else body,
                      config["PAGE_CACHE_SECONDS"], config["PAGE_CACHE_MAX_BYTES"])
            response.headers["X-Page-Cache"] = "miss"
        return response

    return wrapper


# ---------------------------------------------------------------- the version, kept by every commit


def _public(obj) -> bool:
    return type(obj).__module__.startswith(PUBLIC_MODULES)


@event.listens_for(Session, "after_flush")
def _watch_flush(session: Session, flush_context) -> None:
    if session.info.get(_CHANGED):
        return
    if any(_public(obj) for objects in (session.new, session.dirty, session.deleted) for obj in objects):
        session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _increment(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT: wait for the real commit
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # the last changes are watched too
    if not session.info.pop(_CHANGED, False):
        return
    table = ContentVersion.__table__
    if session.execute(table.update().where(table.c.id == 1).values(version=table.c.version + 1)).rowcount == 0:
        session.execute(table.insert().values(id=1, version=1))
    if has_app_context() and "page_cache" in current_app.extensions:
        current_app.extensions["page_cache"].version = None  # read again at the next request


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_CHANGED, None)
