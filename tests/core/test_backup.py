"""`flask backup` then `flask restore` into a fresh database: the same orders, the same files."""
from __future__ import annotations

import os
import shutil
from contextlib import ExitStack, contextmanager

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.core.db import Database
from marketplace.extensions import db
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.shop.models import OrderGroup, OrderGroupStatus, VendorOrder, VendorOrderStatus
from tests.factories import (
    OrderGroupFactory,
    OrderLineFactory,
    PaymentFactory,
    UserFactory,
    VendorOrderFactory,
)

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgresql")
DIALECTS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(
        not (ON_POSTGRES and shutil.which("pg_dump") and shutil.which("pg_restore")),
        reason="needs DATABASE_URL=postgresql… and pg_dump / pg_restore",
    )),
]


@pytest.fixture
def databases(tmp_path):
    """``databases(dialect)`` → (source URL, fresh target URL), dropped afterwards."""
    saved_engine = Database.last_engine
    with ExitStack() as stack:

        def _make(dialect):
            if dialect == "sqlite":
                return f"sqlite:///{tmp_path / 'source.db'}", f"sqlite:///{tmp_path / 'target' / 'restored.db'}"
            from tests.pgdb import temporary_database

            server = DATABASE_URL.rsplit("/", 1)[0]
            return (stack.enter_context(temporary_database(server, prefix="ms_backup")),
                    stack.enter_context(temporary_database(server, prefix="ms_restore")))

        yield _make
        for engine in _engines:
            engine.dispose()
    Database.last_engine = saved_engine


_engines: list = []


def _app(url, tmp_path, name):
    app = create_app({
        "ENV_NAME": "testing",
        "DATABASE_URL": url,
        "UPLOAD_DIR": str(tmp_path / name / "uploads"),
        "SEARCH_INDEX_DIR": str(tmp_path / name / "search-index"),
        "SERVER_NAME": "localhost",
    })
    _engines.append(app.extensions["db_engine"])
    return app


@contextmanager
def _session(app):
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()


def _orders(app) -> list[tuple]:
    with _session(app) as session:
        groups = session.execute(
            sa.select(OrderGroup.id, OrderGroup.status, OrderGroup.total_cents, OrderGroup.contact_email)
            .order_by(OrderGroup.id)
        ).all()
        parts = session.execute(
            sa.select(VendorOrder.id, VendorOrder.order_group_id, VendorOrder.status, VendorOrder.total_cents)
            .order_by(VendorOrder.id)
        ).all()
        payments = session.execute(sa.select(Payment.checkout_session_id, Payment.amount_cents, Payment.status)).all()
    return [tuple(r) for r in groups + parts + payments]


def _fill(app) -> None:
    with _session(app) as session:
        db.create_all()
        for i in range(3):
            consumer = UserFactory()
            group = OrderGroupFactory(consumer_id=consumer.id, status=OrderGroupStatus.PAID, total_cents=1300 + i,
                                      contact_email=consumer.email)
            part = VendorOrderFactory(order_group=group, status=VendorOrderStatus.PAID, total_cents=1300 + i)
            OrderLineFactory(vendor_order=part, unit_price_cents=1300 + i)
            PaymentFactory(order_group_id=group.id, amount_cents=1300 + i, status=PaymentStatus.SUCCEEDED)
        session.commit()
    photo = app.config["UPLOAD_DIR"] + "/offers/photo.jpg"
    os.makedirs(os.path.dirname(photo))
    with open(photo, "wb") as f:
        f.write(b"\xff\xd8photo")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_backup_then_restore_into_a_fresh_database(dialect, databases, tmp_path):
    source_url, target_url = databases(dialect)
    source = _app(source_url, tmp_path, "source")
    _fill(source)
    archive = tmp_path / "sauvegarde.tar.gz"

    saved = source.test_cli_runner().invoke(args=["backup", "--output", str(archive)])
    assert saved.exit_code == 0, saved.output
    assert "order_group 3" in saved.output and "1 fichiers déposés" in saved.output

    target = _app(target_url, tmp_path, "target")
    restored = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "Fichiers déposés restaurés : 1" in restored.output
    assert "Index de recherche reconstruit" in restored.output
    orders = _orders(source)
    assert len(orders) == 9
    assert _orders(target) == orders
    with open(target.config["UPLOAD_DIR"] + "/offers/photo.jpg", "rb") as f:
        assert f.read() == b"\xff\xd8photo"

    # The target now holds data: no overwrite without --force.
    refused = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert refused.exit_code == 1
    assert "contient déjà des données" in refused.output and "--force" in refused.output
    forced = target.test_cli_runner().invoke(args=["restore", "--force", "--no-reindex", str(archive)])
    assert forced.exit_code == 0, forced.output
    assert "conservés dans" in forced.output
    assert _orders(target) == orders


def test_restore_refuses_an_archive_from_another_kind_of_database(databases, tmp_path):
    source_url, _target = databases("sqlite")
    source = _app(source_url, tmp_path, "source")
    _fill(source)
    archive = tmp_path / "sauvegarde.tar.gz"
    assert source.test_cli_runner().invoke(args=["backup", "-o", str(archive)]).exit_code == 0
    from marketplace.core import backup

    manifest = backup.read_manifest(archive)
    assert manifest["dialect"] == "sqlite" and manifest["counts"]["order_group"] == 3
    other = tmp_path / "pas-une-sauvegarde.tar.gz"
    other.write_bytes(b"rien")
    answer = source.test_cli_runner().invoke(args=["restore", str(other)])
    assert answer.exit_code == 1 and "pas une sauvegarde lisible" in answer.output
