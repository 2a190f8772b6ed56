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

A kept page is served before the application handles the request (``_KeptPages``,
a WSGI middleware) when the visitor's session already holds a CSRF token and
nothing that makes a page personal, and no remember-me cookie could sign them
in: the same page under the same key, with the same headers, without loading
a user, a session or a language for a page that is already written. In every
other case, and at the least doubt, the request goes to the application.

Parts shared by many pages (a category's newest offers, a structure's
commitments, the category tree) are kept by each process under the same
rules with ``remembered``: as plain values or rendered HTML, never as rows
of a database session, so signed-in users' pages use them too.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, g, has_app_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
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

    def known_version(self, check_seconds: float) -> int | None:
        """The content version last read, unless it was read ``check_seconds`` ago or more."""
        if self.version is None or _seconds() - self.version_read_at >= check_seconds:
            return None
        return self.version

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
    """Forget every kept page (of every process using the directory) and what this process remembers."""
    _store().clear()
    current_app.extensions.pop("page_memo", None)


def content_version() -> int:
    """The content version, read from the database at most once every PAGE_CACHE_CHECK_SECONDS."""
    store = _store()
    version = store.known_version(current_app.config["PAGE_CACHE_CHECK_SECONDS"])
    if version is None:
        from marketplace.extensions import db

        version = int(db.session.scalar(sa.select(ContentVersion.version).where(ContentVersion.id == 1)) or 0)
        store.version, store.version_read_at = version, _seconds()
    return version


class _Memo:
    """Values kept by one process: (name, key) -> (content version, time stored, value), the least used dropped first."""

    MAX_ENTRIES = 4096

    def __init__(self) -> None:
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, version: int, max_age: float):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] != version or _seconds() - entry[1] > max_age:
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key: tuple, version: int, value) -> None:
        with self.lock:
            self.entries[key] = (version, _seconds(), value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.MAX_ENTRIES:
                self.entries.popitem(last=False)


def remembered(name: str, key, compute):
    """``compute()``, kept by this process while the public content is unchanged.

    For a part shown on public pages: the value is computed again after a
    change of the content version or after PAGE_CACHE_SECONDS (never kept when
    that is 0). It must be a plain value (text, numbers, tuples, Markup), not
    rows of a database session.
    """
    from marketplace.extensions import db

    max_age = current_app.config["PAGE_CACHE_SECONDS"]
    changes = db.session
    if max_age <= 0 or changes.info.get(_CHANGED) or changes.new or changes.dirty or changes.deleted:
        return compute()  # nothing kept from a transaction that changes things
    memo = current_app.extensions.setdefault("page_memo", _Memo())
    full_key, version = (name, key), content_version()
    entry = memo.get(full_key, version, max_age)
    if entry is not None:
        return entry[2]
    value = compute()
    memo.put(full_key, version, value)
    return value


def _key(config, request, locale: str, version: int) -> tuple:
    """What a kept page is kept under (the same before the app and in ``cached_page``)."""
    return (config["DATABASE_URL"], request.host, request.full_path, locale, version)


def _with_token(body: bytes, token) -> bytes:
    """The kept page with the visitor's CSRF token (``token()``) in its forms."""
    placeholder = _PLACEHOLDER.encode()
    return body.replace(placeholder, token().encode()) if placeholder in body else body


def _cacheable() -> bool:
    if request.method != "GET" or current_app.config["PAGE_CACHE_SECONDS"] <= 0:
        return False
    if any(key in session for key in PERSONAL_KEYS):
        return False
    return not current_user.is_authenticated


def _csrf_field(config) -> str:
    return config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


class _KeptPages:
    """Serves a kept page to a visitor who is not signed in before the app handles the request."""

    CSRF_SALT = "wtf-csrf-token"  # as Flask-WTF signs the session's token

    def __init__(self, app, wsgi_app) -> None:
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET" and self.app.config["PAGE_CACHE_SECONDS"] > 0:
            kept = self._kept(self.app.request_class(environ))
            if kept is not None:
                start_response("200 OK", kept[0])
                return [kept[1]]
        return self.wsgi_app(environ, start_response)

    def _visitor(self, request) -> dict | None:
        """The session of a visitor who is not signed in and has a CSRF token, else None."""
        app, config = self.app, self.app.config
        cookie = request.cookies.get(config["SESSION_COOKIE_NAME"])
        if not cookie or config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
            return None
        serializer = app.session_interface.get_signing_serializer(app)
        try:
            data = serializer.loads(cookie, max_age=int(app.permanent_session_lifetime.total_seconds()))
        except BadSignature:
            return None
        if "_user_id" in data or any(key in data for key in PERSONAL_KEYS):
            return None
        return data if data.get(_csrf_field(config)) else None

    def _kept(self, request) -> tuple[list[tuple[str, str]], bytes] | None:
        from marketplace import locale_of
        from marketplace.core.security import headers_for

        config = self.app.config
        session_data = self._visitor(request)
        store = self.app.extensions.get("page_cache")
        if session_data is None or store is None or str(store.directory) != config["PAGE_CACHE_DIR"]:
            return None
        version = store.known_version(config["PAGE_CACHE_CHECK_SECONDS"])
        if version is None:
            try:
                with self.app.app_context():
                    version = content_version()
            except sa.exc.SQLAlchemyError:
                return None  # the database is away: the app answers with its error page
        body = store.get(_key(config, request, locale_of(config, session_data), version), config["PAGE_CACHE_SECONDS"])
        if body is None:
            return None
        secret = config.get("WTF_CSRF_SECRET_KEY") or self.app.secret_key
        body = _with_token(body, lambda: URLSafeTimedSerializer(secret, salt=self.CSRF_SALT).dumps(
            session_data[_csrf_field(config)]))
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                   ("X-Page-Cache", "hit"), ("Vary", "Cookie"),
                   *headers_for(self.app, request.is_secure).items()]
        return headers, body


def init_app(app) -> None:
    app.wsgi_app = _KeptPages(app, app.wsgi_app)


def cached_page(view):
    """Serve the view's page from the kept pages to anonymous visitors (see the module's docstring)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        config = current_app.config
        key = _key(config, request, str(get_locale()), content_version())
        store = _store()
        body = store.get(key, config["PAGE_CACHE_SECONDS"])
        if body is not None:
            response = current_app.response_class(_with_token(body, generate_csrf), mimetype="text/html")
            response.headers["X-Page-Cache"] = "hit"
            return response
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and response.mimetype == "text/html" and not response.direct_passthrough:
            body = response.get_data()
            token = g.get(_csrf_field(config))
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
