"""Where the Stripe simulator keeps its objects: JSON documents in SQLite.

A file (``instance/stripe-simulator.sqlite3`` for ``make run``) keeps every
checkout session, payment, refund, transfer, connected account, event and
idempotent answer across restarts, and lets ``flask seed-demo`` write the
demo's payments from another process. ``:memory:`` (the default of
``SimulatorServer``, used by the tests) forgets everything when it stops.

Reads go to the database every time (no cache), so that an object written by
another process is seen at once. One connection per store, guarded by a
re-entrant lock: the simulator is a development tool serving one developer.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MEMORY = ":memory:"

SCHEMA = """
CREATE TABLE IF NOT EXISTS object (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (kind, id)
);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS event (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    body TEXT NOT NULL
);
"""


class SimulatorStore:
    """Stripe objects by kind and id, idempotent answers and events, in one SQLite database."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = str(path) if path else MEMORY
        if self.path != MEMORY:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self._depth = 0
        self._db = sqlite3.connect(self.path, timeout=15, isolation_level=None, check_same_thread=False)
        if self.path != MEMORY:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    @property
    def persistent(self) -> bool:
        return self.path != MEMORY

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All the writes of one API call, or none of them (re-entrant)."""
        with self.lock:
            if self._depth == 0:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("COMMIT")

    def _execute(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        with self.lock:
            return self._db.execute(sql, params)

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Every row, read while holding the lock (the connection is shared by threads)."""
        with self.lock:
            return self._db.execute(sql, params).fetchall()

    def clear(self) -> None:
        with self.transaction():
            for table in ("object", "idempotency", "event"):
                self._execute(f"DELETE FROM {table}")  # noqa: S608  (constant table names)  # nosec B608

    # ------------------------------------------------------------ objects

    def collection(self, kind: str) -> Collection:
        return Collection(self, kind)

    def get(self, kind: str, object_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT body FROM object WHERE kind = ? AND id = ?", (kind, object_id))
        return json.loads(rows[0][0]) if rows else None

    def put(self, kind: str, object_id: str, obj: dict[str, Any]) -> None:
        self._execute(
            "INSERT INTO object (kind, id, body) VALUES (?, ?, ?) "
            "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
            (kind, object_id, json.dumps(obj)),
        )

    def add(self, kind: str, object_id: str, obj: dict[str, Any]) -> bool:
        """Insert unless an object of that kind and id exists; True when inserted."""
        cursor = self._execute(
            "INSERT INTO object (kind, id, body) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO NOTHING",
            (kind, object_id, json.dumps(obj)),
        )
        return cursor.rowcount == 1

    def delete(self, kind: str, object_id: str) -> bool:
        return self._execute("DELETE FROM object WHERE kind = ? AND id = ?", (kind, object_id)).rowcount == 1

    def ids(self, kind: str) -> list[str]:
        return [row[0] for row in self._rows("SELECT id FROM object WHERE kind = ? ORDER BY seq", (kind,))]

    def all(self, kind: str) -> list[dict[str, Any]]:
        return [json.loads(row[0]) for row in self._rows("SELECT body FROM object WHERE kind = ? ORDER BY seq", (kind,))]

    def count(self, kind: str) -> int:
        return self._rows("SELECT count(*) FROM object WHERE kind = ?", (kind,))[0][0]

    # -------------------------------------------------------- idempotency

    def answer_for(self, key: str) -> tuple[str, int, dict[str, Any]] | None:
        rows = self._rows("SELECT fingerprint, status, body FROM idempotency WHERE key = ?", (key,))
        return (rows[0][0], rows[0][1], json.loads(rows[0][2])) if rows else None

    def remember_answer(self, key: str, fingerprint: str, status: int, body: dict[str, Any]) -> None:
        self._execute("INSERT OR REPLACE INTO idempotency (key, fingerprint, status, body) VALUES (?, ?, ?, ?)",
                      (key, fingerprint, status, json.dumps(body)))

    # ------------------------------------------------------------- events

    def add_event(self, event: dict[str, Any]) -> None:
        self._execute("INSERT INTO event (id, type, body) VALUES (?, ?, ?)", (event["id"], event["type"], json.dumps(event)))

    def events(self, type_: str | None = None) -> list[dict[str, Any]]:
        if type_ is None:
            rows = self._rows("SELECT body FROM event ORDER BY seq")
        else:
            rows = self._rows("SELECT body FROM event WHERE type = ? ORDER BY seq", (type_,))
        return [json.loads(row[0]) for row in rows]


class Collection(MutableMapping):
    """The objects of one kind, as a mapping id → dict. A changed dict must be stored again."""

    def __init__(self, store: SimulatorStore, kind: str) -> None:
        self.store, self.kind = store, kind

    def __getitem__(self, object_id: str) -> dict[str, Any]:
        obj = self.store.get(self.kind, object_id)
        if obj is None:
            raise KeyError(object_id)
        return obj

    def get(self, object_id: str, default=None):
        obj = self.store.get(self.kind, object_id)
        return default if obj is None else obj

    def __setitem__(self, object_id: str, obj: dict[str, Any]) -> None:
        self.store.put(self.kind, object_id, obj)

    def __delitem__(self, object_id: str) -> None:
        if not self.store.delete(self.kind, object_id):
            raise KeyError(object_id)

    def __contains__(self, object_id) -> bool:
        return self.store.get(self.kind, object_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.store.ids(self.kind))

    def __len__(self) -> int:
        return self.store.count(self.kind)

    def values(self) -> list[dict[str, Any]]:  # type: ignore[override]
        return self.store.all(self.kind)

    def save(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Store ``obj`` (a Stripe object with an ``id``) and return it."""
        self.store.put(self.kind, obj["id"], obj)
        return obj

    def add(self, obj: dict[str, Any]) -> bool:
        """Store ``obj`` unless one with its id exists; True when stored."""
        return self.store.add(self.kind, obj["id"], obj)
