"""Database layer: declarative base, UTC-aware datetime type, the session.

We keep a small session holder of our own instead of Flask-SQLAlchemy so that
tests can bind the session to an outer transaction, and so that the same
session serves web requests, CLI commands and scripts.
"""
from __future__ import annotations

import datetime as dt
import enum
import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy import MetaData, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    scoped_session,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime. Naive datetimes are refused on write.

    SQLite stores no offset, so values are normalised to UTC on the way in and
    marked UTC on the way out; PostgreSQL uses ``timestamptz``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"UTCDateTime expects a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("Naive datetime refused: use marketplace.core.clock.now_utc()")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime()}


def str_enum(enum_cls: type[enum.Enum], length: int = 32) -> sa.Enum:
    """Store an enum by its value as a plain string with a CHECK-free column.

    Native ENUM types make migrations painful; a VARCHAR keeps them simple.
    """
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=lambda: _now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=lambda: _now(), onupdate=lambda: _now())


def _now() -> dt.datetime:
    from marketplace.core.clock import now_utc

    return now_utc()


def _app_ctx_id() -> int:
    from flask.globals import app_ctx

    try:
        return id(app_ctx._get_current_object())
    except RuntimeError:  # outside an app context: scripts, threads
        import threading

        return threading.get_ident()


class _Session(Session):
    """Uses the engine of the current app unless bound explicitly (tests bind a connection)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is not None:
            return bind
        if self.bind is not None:
            return self.bind
        return _current_engine()


def _current_engine() -> sa.Engine:
    from flask import current_app, has_app_context

    if has_app_context() and "db_engine" in current_app.extensions:
        return current_app.extensions["db_engine"]
    if Database.last_engine is None:
        raise RuntimeError("Database not initialised: call create_app() first")
    return Database.last_engine


class Database:
    """Holds the scoped session; each app has its own engine."""

    Model = Base
    metadata = Base.metadata
    last_engine: sa.Engine | None = None

    def __init__(self) -> None:
        self.session: scoped_session[Session] = scoped_session(
            sessionmaker(class_=_Session, expire_on_commit=False), scopefunc=_app_ctx_id
        )

    def init_app(self, app) -> None:
        url = app.config["DATABASE_URL"]
        options: dict[str, Any] = {"pool_pre_ping": True, "echo": app.config.get("DATABASE_ECHO", False)}
        if url.startswith("sqlite"):
            options["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            options.update(pool_size=10, max_overflow=10, pool_recycle=1800)
        engine = sa.create_engine(url, **options)
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)
        app.extensions["db_engine"] = engine
        app.extensions["database"] = self
        Database.last_engine = engine

        @app.teardown_appcontext
        def _remove_session(exc: BaseException | None) -> None:
            try:
                self.session.remove()
            except sa.exc.DBAPIError:
                # The server closed the connection (a restart): the answer is already
                # made; drop the session and its connection, the pool reconnects.
                log.warning("session closed on a lost database connection", exc_info=True)
                self.session.registry.clear()

    @property
    def engine(self) -> sa.Engine:
        return _current_engine()

    def insert_unique(self, obj) -> bool:
        """Add ``obj`` and flush it in a savepoint; False, with nothing kept, when a
        constraint refuses it (the same row written meanwhile: a double submission,
        another worker). The caller turns False into its refusal."""
        try:
            with self.session.begin_nested():
                self.session.add(obj)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def create_all(self) -> None:
        self.metadata.create_all(self.engine)

    def drop_all(self) -> None:
        self.metadata.drop_all(self.engine)


def _configure_sqlite(engine: sa.Engine) -> None:
    """Foreign keys on, WAL, and real transactions with SAVEPOINT support."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN")
