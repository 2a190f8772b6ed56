"""Stock reservations: the only place where an offer's stock changes.

Units are taken when checkout starts, with one conditional UPDATE per offer
(``stock = stock - q WHERE stock >= q``), after locking the offers' rows in id
order (``SELECT … FOR NO KEY UPDATE`` on PostgreSQL — it does not conflict with
the key-share locks that foreign keys of order lines take — and a no-op on
SQLite, where writers are serialised by the database lock). Callers lock before
writing rows that reference the offers, so no lock is ever upgraded. Two buyers can therefore never take more
units than exist. Units come back when the checkout expires, fails or is
cancelled, and when a paid vendor order is cancelled.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.catalogue.models import Offer
from marketplace.core.clock import now_utc
from marketplace.extensions import db
from marketplace.shop.errors import StockError
from marketplace.shop.models import OrderGroup, StockReservation

_offer_table = Offer.__table__


def lock_offers(offer_ids) -> dict[int, int | None]:
    """Lock the offers' rows (id order, against deadlocks) and return their current stock."""
    ids = sorted(set(offer_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(_offer_table.c.id, _offer_table.c.stock)
        .where(_offer_table.c.id.in_(ids))
        .order_by(_offer_table.c.id)
        .with_for_update(key_share=True)
    ).all()
    return {row.id: row.stock for row in rows}


def _expire_cached(offer_id: int) -> None:
    session = db.session
    offer = session.identity_map.get(session.identity_key(Offer, offer_id))
    if offer is not None:
        session.expire(offer, ["stock"])


def take_stock(offer_id: int, quantity: int, title: str = "") -> bool:
    """Take ``quantity`` units atomically; False for an unlimited offer (nothing to take).

    Raises StockError when fewer units are left.
    """
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    result = db.session.execute(
        _offer_table.update()
        .where(
            _offer_table.c.id == offer_id,
            _offer_table.c.stock.is_not(None),
            _offer_table.c.stock >= quantity,
        )
        .values(stock=_offer_table.c.stock - quantity)
    )
    _expire_cached(offer_id)
    if result.rowcount == 1:
        return True
    left = db.session.execute(sa.select(_offer_table.c.stock).where(_offer_table.c.id == offer_id)).scalar_one_or_none()
    if left is None and db.session.execute(
        sa.select(sa.func.count()).select_from(_offer_table).where(_offer_table.c.id == offer_id)
    ).scalar_one():
        return False  # unlimited stock
    raise StockError(
        _l(
            "Il ne reste que %(left)s exemplaire(s) de « %(title)s » : réduisez la quantité.",
            left=left or 0,
            title=title,
        )
        if left
        else _l("« %(title)s » n'est plus en stock.", title=title),
        offer_id=offer_id,
    )


def give_back_stock(offer_id: int | None, quantity: int) -> None:
    """Put units back (no effect on an unlimited or deleted offer)."""
    if offer_id is None or quantity <= 0:
        return
    db.session.execute(
        _offer_table.update()
        .where(_offer_table.c.id == offer_id, _offer_table.c.stock.is_not(None))
        .values(stock=_offer_table.c.stock + quantity)
    )
    _expire_cached(offer_id)


def reserve(order_group: OrderGroup, items: list[tuple[int, int, str]], expires_at: dt.datetime) -> list[StockReservation]:
    """Reserve ``(offer_id, quantity, title)`` items for a checkout, all or nothing.

    A StockError leaves the caller to roll back: nothing is kept half-reserved
    because the caller's transaction is abandoned.
    """
    wanted: dict[int, tuple[int, str]] = {}
    for offer_id, quantity, title in items:
        qty, _title = wanted.get(offer_id, (0, title))
        wanted[offer_id] = (qty + quantity, title)
    lock_offers(wanted)
    reservations = []
    for offer_id in sorted(wanted):
        quantity, title = wanted[offer_id]
        if take_stock(offer_id, quantity, title):
            reservation = StockReservation(
                offer_id=offer_id, quantity=quantity, expires_at=expires_at, created_at=now_utc()
            )
            order_group.reservations.append(reservation)
            reservations.append(reservation)
    db.session.flush()
    return reservations


def release(order_group: OrderGroup) -> int:
    """Give back the units of every open reservation of the group; returns the units released."""
    now = now_utc()
    released = 0
    open_rows = [r for r in order_group.reservations if r.is_open]
    lock_offers(r.offer_id for r in open_rows)
    for reservation in open_rows:
        give_back_stock(reservation.offer_id, reservation.quantity)
        reservation.released_at = now
        released += reservation.quantity
    db.session.flush()
    return released


def consume(order_group: OrderGroup) -> None:
    """The payment went through: the reserved units are sold for good."""
    now = now_utc()
    for reservation in order_group.reservations:
        if reservation.is_open:
            reservation.consumed_at = now
    db.session.flush()


def expired_groups(now: dt.datetime | None = None) -> list[OrderGroup]:
    """Order groups holding open reservations past their expiry."""
    now = now or now_utc()
    return list(
        db.session.scalars(
            sa.select(OrderGroup)
            .where(
                OrderGroup.id.in_(
                    sa.select(StockReservation.order_group_id).where(
                        StockReservation.released_at.is_(None),
                        StockReservation.consumed_at.is_(None),
                        StockReservation.expires_at < now,
                    )
                )
            )
            .order_by(OrderGroup.id)
        )
    )


def release_expired(now: dt.datetime | None = None) -> int:
    """Cancel unpaid checkouts whose reservations have expired and give their units back.

    A checkout may have been paid although its webhook never arrived: the payment service is
    asked first (and closes a session still open), and applies what it says. A paid one is
    marked paid, its units sold; one it cannot settle (unreachable, payment still processing)
    keeps its units until a later run. Returns the number of order groups released.
    """
    from marketplace.payments import reconcile
    from marketplace.shop.models import OrderGroupStatus
    from marketplace.shop.orders import expire_checkout

    unpaid = [group for group in expired_groups(now) if group.status is OrderGroupStatus.PENDING_PAYMENT]
    settled = reconcile.settle_groups(unpaid, close_if_open=True)
    count = sum(1 for outcome in settled.values() if outcome == "expired")
    for group in expired_groups(now):
        if group.status is OrderGroupStatus.PENDING_PAYMENT:
            if group.id in settled:
                continue
            expire_checkout(group)
        else:
            release(group)
        count += 1
    return count
