"""Backups: the database and the uploaded files in one archive, and their restoration.

An archive is a ``.tar.gz`` holding ``manifest.json`` (date, database kind,
migration revision, row counts), the database (``database.sqlite3``, made
with SQLite's online backup API, or ``database.pgdump``, made by
``pg_dump -Fc``) and ``uploads/`` (a copy of UPLOAD_DIR). The search index is
not saved: it is rebuilt from the database after a restore.

A restore refuses to replace a database that holds data unless told to
(``force``). On PostgreSQL it runs ``pg_restore --clean --if-exists`` in a
single transaction: it either replaces everything or nothing.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404 (pg_dump/pg_restore with fixed arguments, no shell)
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from marketplace.core.clock import now_utc

FORMAT_VERSION = 1
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
UPLOADS = "uploads"
MANIFEST = "manifest.json"
# Tables counted in the manifest and checked after a restore.
COUNTED_TABLES = (
    "user", "vendor", "offer", "order_group", "vendor_order", "order_line",
    "payment", "transfer", "refund", "stripe_event", "invoice", "credit_note",
    "decision", "tender", "bid", "lot_decision", "audit_event",
)


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why (in French)."""


class DatabaseNotEmpty(BackupError):
    """The target database holds data and ``force`` was not given."""


@dataclass
class BackupReport:
    path: Path
    dialect: str
    counts: dict[str, int]
    upload_files: int
    size: int


@dataclass
class RestoreReport:
    dialect: str
    counts: dict[str, int]
    expected: dict[str, int]
    upload_files: int
    uploads_moved_to: Path | None = None
    mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)


# ---------------------------------------------------------------- helpers


def _engine(app) -> sa.Engine:
    return app.extensions["db_engine"]


def _libpq_url(engine: sa.Engine) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment that carries it."""
    url = engine.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
        url = url.set(password=None)
    return url.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} est introuvable : installez les outils clients de PostgreSQL.")
    return path


def table_counts(engine: sa.Engine) -> dict[str, int]:
    """Rows of the counted tables that exist."""
    existing = set(sa.inspect(engine).get_table_names())
    counts = {}
    with engine.connect() as conn:
        for name in COUNTED_TABLES:
            if name in existing:
                counts[name] = conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
    return counts


def holds_data(engine: sa.Engine) -> bool:
    """True if any table of the application has a row."""
    from marketplace.core.db import Base

    existing = set(sa.inspect(engine).get_table_names())
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in existing and conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                return True
    return False


def _revision(engine: sa.Engine) -> str | None:
    if "alembic_version" not in sa.inspect(engine).get_table_names():
        return None
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def default_backup_path(app) -> Path:
    stamp = now_utc().strftime("%Y%m%d-%H%M%S")
    return Path(app.instance_path) / "backups" / f"marche-solidaire-{stamp}.tar.gz"


def _count_files(path: Path) -> int:
    return sum(1 for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


# ---------------------------------------------------------------- backup


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database, live or not (online backup API);
    replaces what ``target`` held."""
    origin = sqlite3.connect(source)
    destination = sqlite3.connect(target)
    try:
        with destination:
            origin.backup(destination)
    finally:
        destination.close()
        origin.close()


def _dump_postgres(engine: sa.Engine, target: Path) -> None:
    url, env = _libpq_url(engine)
    result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)  # nosec B603
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), url],
        env=env, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump a échoué : {result.stderr.strip()}")


def create_backup(app, destination: Path | None = None) -> BackupReport:
    """Write an archive of the database and of UPLOAD_DIR; returns what it holds."""
    engine = _engine(app)
    dialect = engine.dialect.name
    if dialect == "sqlite" and engine.url.database in (None, "", ":memory:"):
        raise BackupError("Une base SQLite en mémoire ne peut pas être sauvegardée.")
    if dialect not in ("sqlite", "postgresql"):
        raise BackupError(f"Base de données non prise en charge : {dialect}.")
    destination = Path(destination or default_backup_path(app))
    destination.parent.mkdir(parents=True, exist_ok=True)
    uploads = Path(app.config["UPLOAD_DIR"])
    with tempfile.TemporaryDirectory(prefix="backup-", dir=destination.parent) as work:
        work_dir = Path(work)
        counts = table_counts(engine)
        if dialect == "sqlite":
            database = work_dir / SQLITE_FILE
            _copy_sqlite(Path(engine.url.database), database)
        else:
            database = work_dir / PG_FILE
            _dump_postgres(engine, database)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": now_utc().isoformat(),
            "dialect": dialect,
            "revision": _revision(engine),
            "counts": counts,
            "uploads": _count_files(uploads),
        }
        (work_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        partial = destination.with_name(destination.name + ".partiel")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work_dir / MANIFEST, arcname=MANIFEST)
            archive.add(database, arcname=database.name)
            if uploads.is_dir():
                archive.add(uploads, arcname=UPLOADS)
        partial.replace(destination)  # a finished archive or none at all
    return BackupReport(destination, dialect, counts, manifest["uploads"], destination.stat().st_size)


# ---------------------------------------------------------------- restore


def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(member.read().decode("utf-8"))
    except (OSError, KeyError, tarfile.TarError, ValueError) as error:
        raise BackupError(f"{archive} n'est pas une sauvegarde lisible : {error}") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Format de sauvegarde inconnu : {manifest.get('format')!r}.")
    return manifest


def _restore_postgres(engine: sa.Engine, source: Path) -> None:
    engine.dispose()  # our own pooled connections would block DROP TABLE
    url, env = _libpq_url(engine)
    result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)  # nosec B603
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", "--exit-on-error", "--dbname", url, str(source)],
        env=env, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore a échoué (rien n'a été modifié) : {result.stderr.strip()}")


def _restore_uploads(app, extracted: Path) -> tuple[int, Path | None]:
    """Put the archive's files in UPLOAD_DIR; files already there are moved aside, not deleted."""
    uploads = Path(app.config["UPLOAD_DIR"])
    moved = None
    if uploads.exists() and any(uploads.iterdir()):
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        moved = uploads.with_name(f"{uploads.name}.avant-restauration-{stamp}")
        uploads.rename(moved)
    elif uploads.exists():
        uploads.rmdir()
    uploads.parent.mkdir(parents=True, exist_ok=True)
    if extracted.is_dir():
        shutil.copytree(extracted, uploads)
    else:
        uploads.mkdir()
    return _count_files(uploads), moved


def restore_backup(app, archive: Path, force: bool = False) -> RestoreReport:
    """Replace the database and UPLOAD_DIR by the archive's. Refuses to replace a
    database that holds data unless ``force``."""
    archive = Path(archive)
    manifest = read_manifest(archive)
    engine = _engine(app)
    dialect = engine.dialect.name
    if manifest["dialect"] != dialect:
        raise BackupError(
            f"Cette sauvegarde vient d'une base {manifest['dialect']} ; la base configurée est {dialect}."
        )
    if dialect == "sqlite":
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    if not force and holds_data(engine):
        raise DatabaseNotEmpty(f"La base {engine.url.render_as_string(hide_password=True)} contient déjà des données.")
    with tempfile.TemporaryDirectory(prefix="restore-") as work:
        work_dir = Path(work)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work_dir, filter="data")  # refuses absolute paths, "..", links outside
        if dialect == "sqlite":
            engine.dispose()
            _copy_sqlite(work_dir / SQLITE_FILE, Path(engine.url.database))
        else:
            _restore_postgres(engine, work_dir / PG_FILE)
        files, moved = _restore_uploads(app, work_dir / UPLOADS)
    counts = table_counts(engine)
    expected = manifest.get("counts", {})
    mismatches = {k: (v, counts.get(k, 0)) for k, v in expected.items() if counts.get(k, 0) != v}
    return RestoreReport(dialect, counts, expected, files, moved, mismatches)
