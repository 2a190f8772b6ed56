"""Run a command against a fresh, uniquely named PostgreSQL database.

    python tests/pgdb.py postgresql+psycopg://postgres@127.0.0.1:5432 -- pytest -q

Creates the database, runs the command with DATABASE_URL pointing to it,
drops the database, and exits with the command's status.
"""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def temporary_database(server_url: str, prefix: str = "ms_test"):
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"{server_url.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server_url.rstrip('/')}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") != 1:
        print(__doc__, file=sys.stderr)
        return 2
    server_url, command = argv[0], argv[2:]
    with temporary_database(server_url) as url:
        print(f"PostgreSQL test database: {url.rsplit('/', 1)[1]}", flush=True)
        return subprocess.call(command, env={**os.environ, "DATABASE_URL": url})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
