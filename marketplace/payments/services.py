"""Payments through Stripe Connect, with separate charges and transfers.

The consumer pays the platform once per order group (one Checkout Session,
``transfer_group`` = ``group-<id>``). Each vendor is paid its vendor-order
total minus the platform commission by a transfer made when the vendor order
is **completed** (goods handed over or delivered): a cancelled or refunded
part never has to be clawed back from a vendor in the common case, and a
refund after completion reverses the transfer. Vendors whose payouts are not
enabled yet keep their transfers pending; they are made once Stripe reports
``payouts_enabled`` (``account.updated``).

This module and ``webhooks.py`` are the only places that import ``stripe``.
Without ``STRIPE_SECRET_KEY`` stripe-python talks to the local simulator
(``STRIPE_API_BASE``, default http://127.0.0.1:12111) over plain HTTP. Every
call has a short timeout (``STRIPE_TIMEOUT_SECONDS``, 5 s) and is retried at
most ``STRIPE_MAX_NETWORK_RETRIES`` times (1; stripe-python retries
connection errors, timeouts, 409 and 5xx answers, with an idempotency key).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from pathlib import Path

import sqlalchemy as sa
import stripe
from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.errors import DomainError
from marketplace.extensions import db
from marketplace.payments.models import Payment, PaymentStatus, Refund, Transfer, TransferStatus

log = logging.getLogger(__name__)
# stripe-python logs every request at INFO; our own log says what failed.
logging.getLogger("stripe").setLevel(logging.WARNING)

SIMULATOR_API_BASE = "http://127.0.0.1:12111"
SIMULATOR_SECRET_KEY = "sk_test_simulateur_local"  # noqa: S105  (local simulator only)  # nosec B105
SIMULATOR_WEBHOOK_SECRET = "whsec_simulateur_local"  # noqa: S105  (local simulator only)  # nosec B105
SIMULATOR_STATE_FILE = "stripe-simulator.sqlite3"
CHECKOUT_LIFETIME = dt.timedelta(minutes=30)
CURRENCY = "eur"


class PaymentError(DomainError):
    """A payment operation refused for a business reason (French message)."""


class PaymentUnavailable(PaymentError):
    """Stripe (or the simulator) failed, refused or did not answer in time."""

    def __init__(self, message=None) -> None:
        super().__init__(
            message
            or _l(
                "Le service de paiement est momentanément indisponible. Votre panier est conservé : "
                "réessayez dans quelques minutes."
            )
        )


# ------------------------------------------------------------------ client


def uses_simulator(config=None) -> bool:
    config = config or current_app.config
    return not config.get("STRIPE_SECRET_KEY")


def api_base(config=None) -> str | None:
    config = config or current_app.config
    if config.get("STRIPE_API_BASE"):
        return config["STRIPE_API_BASE"].rstrip("/")
    return SIMULATOR_API_BASE if uses_simulator(config) else None


def simulator_state_path(config=None) -> str:
    """The SQLite file where the local Stripe simulator keeps its objects.

    ``STRIPE_SIMULATOR_STATE`` if set; otherwise a file in the instance folder that
    follows the database, so that two databases (the SQLite demo, a PostgreSQL one)
    never share their payments: ``stripe-simulator.sqlite3`` for the default
    database, ``stripe-simulator-<hash of DATABASE_URL>.sqlite3`` for another.
    """
    config = config or current_app.config
    if config.get("STRIPE_SIMULATOR_STATE"):
        return config["STRIPE_SIMULATOR_STATE"]
    instance = Path(current_app.instance_path)
    default_database = f"sqlite:///{instance / 'marketplace.db'}"
    database = config.get("DATABASE_URL") or default_database
    if database == default_database:
        return str(instance / SIMULATOR_STATE_FILE)
    digest = hashlib.sha256(database.encode()).hexdigest()[:12]
    return str(instance / SIMULATOR_STATE_FILE.replace(".sqlite3", f"-{digest}.sqlite3"))


def webhook_secret(config=None) -> str:
    config = config or current_app.config
    if config.get("STRIPE_WEBHOOK_SECRET"):
        return config["STRIPE_WEBHOOK_SECRET"]
    if uses_simulator(config) and config.get("ENV_NAME") != "production":
        return SIMULATOR_WEBHOOK_SECRET
    raise RuntimeError("STRIPE_WEBHOOK_SECRET must be set")


def stripe_client() -> stripe.StripeClient:
    """A StripeClient for the current configuration (cached on the app)."""
    config = current_app.config
    key = config.get("STRIPE_SECRET_KEY") or SIMULATOR_SECRET_KEY
    base = api_base(config)
    timeout = float(config.get("STRIPE_TIMEOUT_SECONDS", 5))
    retries = int(config.get("STRIPE_MAX_NETWORK_RETRIES", 1))
    signature = (key, base, timeout, retries)
    cache = current_app.extensions.setdefault("stripe_clients", {})
    client = cache.get(signature)
    if client is None:
        addresses = {"api": base, "connect": base} if base else None
        client = stripe.StripeClient(
            key,
            base_addresses=addresses,
            http_client=stripe.RequestsClient(timeout=timeout),
            max_network_retries=retries,
        )
        cache[signature] = client
    return client


def _call(action: str, fn, *args, **kwargs):
    """Run a Stripe call; every Stripe failure becomes PaymentUnavailable."""
    try:
        return fn(*args, **kwargs)
    except stripe.StripeError as exc:
        log.warning("stripe %s failed: %s %s", action, type(exc).__name__, getattr(exc, "user_message", exc))
        raise PaymentUnavailable() from exc


# ----------------------------------------------------------------- checkout


def _line_items(order_group) -> list[dict]:
    """One Checkout line per order line plus delivery fees; one line for the total otherwise."""
    items: list[dict] = []
    for vendor_order in getattr(order_group, "vendor_orders", None) or []:
        vendor_name = getattr(getattr(vendor_order, "vendor", None), "name", "")
        for line in vendor_order.lines:
            items.append(_item(f"{line.title} — {vendor_name}" if vendor_name else line.title,
                               line.unit_price_cents, line.quantity))
        if vendor_order.delivery_fee_cents:
            items.append(_item(str(_l("Livraison — %(vendor)s", vendor=vendor_name)), vendor_order.delivery_fee_cents, 1))
    if not items or sum(int(i["price_data"]["unit_amount"]) * i["quantity"] for i in items) != order_group.total_cents:
        items = [_item(str(_l("Commande %(ref)s — Marché Solidaire", ref=order_reference(order_group))), order_group.total_cents, 1)]
    return items


def _item(name: str, unit_amount: int, quantity: int) -> dict:
    return {
        "quantity": quantity,
        "price_data": {"currency": CURRENCY, "unit_amount": unit_amount, "product_data": {"name": name[:250]}},
    }


def order_reference(order_group) -> str:
    """The order group's reference as the consumer knows it."""
    return getattr(order_group, "reference", None) or f"#{order_group.id}"


def transfer_group_for(order_group) -> str:
    return f"group-{order_group.id}"


def _checkout_key(order_group) -> str:
    created = getattr(order_group, "created_at", None)
    stamp = int(created.timestamp()) if created else 0
    return f"checkout-group-{order_group.id}-{stamp}"


def create_checkout_session(order_group, success_url: str, cancel_url: str) -> str:
    """Open one Checkout Session for the whole order group; returns the hosted page URL.

    Raises PaymentUnavailable when Stripe fails or times out (nothing is written then).
    """
    if order_group.total_cents <= 0:
        raise PaymentError(_l("Le montant de la commande doit être positif."))
    existing = db.session.scalar(sa.select(Payment).where(Payment.order_group_id == order_group.id))
    if existing is not None and existing.status == PaymentStatus.OPEN and existing.checkout_url:
        return existing.checkout_url
    if existing is not None:
        raise PaymentError(_l("Cette commande a déjà fait l'objet d'un paiement."))
    expires_at = now_utc() + CHECKOUT_LIFETIME
    metadata = {"order_group_id": str(order_group.id)}
    params = {
        "mode": "payment",
        "currency": CURRENCY,
        "line_items": _line_items(order_group),
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": str(order_group.id),
        "expires_at": int(expires_at.timestamp()),
        "metadata": metadata,
        "payment_intent_data": {"transfer_group": transfer_group_for(order_group), "metadata": metadata},
        "locale": "fr",
    }
    email = getattr(order_group, "contact_email", None)
    if email:
        params["customer_email"] = email
    session = _call(
        "checkout.sessions.create",
        stripe_client().v1.checkout.sessions.create,
        params=params,
        options={"idempotency_key": _checkout_key(order_group)},
    )
    if session.amount_total != order_group.total_cents:
        log.error("checkout session %s amount %s != group %s", session.id, session.amount_total, order_group.total_cents)
        raise PaymentUnavailable()
    payment = Payment(
        order_group_id=order_group.id,
        checkout_session_id=session.id,
        amount_cents=order_group.total_cents,
        currency=CURRENCY,
        status=PaymentStatus.OPEN,
        checkout_url=session.url,
        expires_at=expires_at,
    )
    db.session.add(payment)
    order_group.checkout_session_id = session.id
    db.session.flush()
    record_event(None, order_group, "payment.checkout_opened", data={"checkout_session_id": session.id,
                                                                      "amount_cents": order_group.total_cents})
    return session.url


def payment_for_group(order_group_id: int) -> Payment | None:
    return db.session.scalar(sa.select(Payment).where(Payment.order_group_id == order_group_id))


def payment_for_session(checkout_session_id: str, lock: bool = False) -> Payment | None:
    """The payment of a Checkout Session; ``lock`` takes its row lock (PostgreSQL) and re-reads it."""
    stmt = sa.select(Payment).where(Payment.checkout_session_id == checkout_session_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(stmt)


def expire_checkout_session(order_group) -> str | None:
    """Close an open Checkout Session at Stripe (the consumer gave up, or stock was released).

    Its ``checkout.session.expired`` webhook then cancels the order group.
    Returns the session's id when Stripe had it no longer open (paid or
    expired meanwhile, its webhook not applied yet), None otherwise.
    """
    payment = payment_for_group(order_group.id)
    if payment is None or payment.status != PaymentStatus.OPEN:
        return None
    if _expire_at_stripe(payment.checkout_session_id) is None:
        return payment.checkout_session_id
    return None


def _expire_at_stripe(checkout_session_id: str):
    """Expire the session at Stripe; its new state, or None if it was no longer open there."""
    try:
        return stripe_client().v1.checkout.sessions.expire(
            checkout_session_id, options={"idempotency_key": f"expire-{checkout_session_id}"}
        )
    except stripe.InvalidRequestError as exc:  # already completed or expired at Stripe
        log.info("checkout session %s not expired: %s", checkout_session_id, exc)
        return None
    except stripe.StripeError as exc:
        raise PaymentUnavailable() from exc


def fetch_checkout_session(checkout_session_id: str, close_if_open: bool = False) -> dict:
    """The Checkout Session as Stripe has it now, as a webhook's ``data.object`` (nothing written).

    ``close_if_open``: a session still open at Stripe is expired there first (its expiry time has
    passed here), so that it can no longer be paid once its stock is released; one completed
    meanwhile is read again. Raises PaymentUnavailable when Stripe fails or does not know it.
    """
    retrieve = stripe_client().v1.checkout.sessions.retrieve
    session = _call("checkout.sessions.retrieve", retrieve, checkout_session_id)
    if close_if_open and session.status == "open":
        session = _expire_at_stripe(checkout_session_id) or _call("checkout.sessions.retrieve", retrieve,
                                                                   checkout_session_id)
    return session.to_dict()


# ----------------------------------------------------------------- transfers


def _commission_cents(vendor_order) -> int:
    from marketplace.core.money import percentage

    if getattr(vendor_order, "commission_cents", None) is not None:
        return vendor_order.commission_cents
    return percentage(vendor_order.total_cents, vendor_order.commission_bp)


def transfer_amount(vendor_order) -> int:
    return vendor_order.total_cents - _commission_cents(vendor_order) - (getattr(vendor_order, "refunded_cents", 0) or 0)


def transfer_for(vendor_order) -> None:
    """Pay the vendor its share (total minus commission) once its order is completed.

    Idempotent: one Transfer row per vendor order (unique) and the Stripe
    idempotency key ``transfer-vo-<id>``. Waits (status pending) while the
    vendor has no connected account with payouts enabled; a Stripe failure also
    leaves it pending, to be retried by ``flask payments retry-transfers``.
    """
    status = getattr(vendor_order.status, "value", vendor_order.status)
    if status in {"pending_payment", "cancelled", "refunded"}:
        raise PaymentError(_l("Cette commande n'ouvre pas droit à un versement."))
    transfer = db.session.scalar(sa.select(Transfer).where(Transfer.vendor_order_id == vendor_order.id))
    if transfer is None:
        transfer = Transfer(
            vendor_order_id=vendor_order.id,
            vendor_id=vendor_order.vendor_id,
            amount_cents=transfer_amount(vendor_order),
            status=TransferStatus.PENDING,
            idempotency_key=f"transfer-vo-{vendor_order.id}",
        )
        db.session.add(transfer)
        db.session.flush()
        record_event(None, transfer, "transfer.created", None, TransferStatus.PENDING,
                     data={"vendor_order_id": vendor_order.id, "amount_cents": transfer.amount_cents})
    if transfer.status == TransferStatus.PENDING:
        _execute(transfer, vendor_order)


def _vendor(vendor_id: int):
    from marketplace.vendors.models import Vendor

    return db.session.get(Vendor, vendor_id)


def _execute(transfer: Transfer, vendor_order=None) -> bool:
    """Make a pending transfer if the vendor can receive it. Returns True when paid."""
    vendor = _vendor(transfer.vendor_id)
    if vendor is None or not vendor.stripe_account_id or not vendor.payouts_enabled:
        return False
    if transfer.amount_cents <= 0:
        return False
    if vendor_order is None:
        from marketplace.shop.models import VendorOrder

        vendor_order = db.session.get(VendorOrder, transfer.vendor_order_id)
    try:
        result = stripe_client().v1.transfers.create(
            params={
                "amount": transfer.amount_cents,
                "currency": CURRENCY,
                "destination": vendor.stripe_account_id,
                "transfer_group": f"group-{vendor_order.order_group_id}",
                "metadata": {"vendor_order_id": str(vendor_order.id), "vendor_id": str(vendor.id)},
            },
            options={"idempotency_key": transfer.idempotency_key},
        )
    except stripe.StripeError as exc:
        transfer.last_error = f"{type(exc).__name__}: {getattr(exc, 'user_message', None) or exc}"[:2000]
        log.warning("transfer for vendor order %s failed: %s", transfer.vendor_order_id, transfer.last_error)
        return False
    transfer.stripe_transfer_id = result.id
    transfer.destination_account_id = vendor.stripe_account_id
    transfer.status = TransferStatus.PAID
    transfer.transferred_at = now_utc()
    transfer.last_error = None
    record_event(None, transfer, "transfer.paid", TransferStatus.PENDING, TransferStatus.PAID,
                 data={"stripe_transfer_id": result.id, "amount_cents": transfer.amount_cents})
    db.session.flush()
    return True


def release_pending_transfers(vendor=None) -> int:
    """Make the pending transfers of ``vendor`` (or of every vendor). Returns how many were paid."""
    stmt = sa.select(Transfer).where(Transfer.status == TransferStatus.PENDING).order_by(Transfer.id)
    if vendor is not None:
        stmt = stmt.where(Transfer.vendor_id == vendor.id)
    return sum(1 for transfer in db.session.scalars(stmt).all() if _execute(transfer))


# ------------------------------------------------------------------ refunds


def refund_vendor_order(vendor_order) -> None:
    """Refund this vendor part to the consumer and reverse the vendor's transfer if one was made.

    Idempotent (one Refund per vendor order; Stripe idempotency keys). The
    reversal comes first so that the platform never refunds money it already
    handed over; both calls are replayed safely after a failure. Raises
    PaymentUnavailable if Stripe fails, leaving nothing written. Then calls
    shop.orders.refunded(vendor_order, amount).
    """
    from marketplace.shop import orders

    if db.session.scalar(sa.select(Refund).where(Refund.vendor_order_id == vendor_order.id)) is not None:
        return
    payment = payment_for_group(vendor_order.order_group_id)
    if payment is None or payment.status != PaymentStatus.SUCCEEDED or not payment.payment_intent_id:
        log.info("vendor order %s: nothing was paid, nothing to refund", vendor_order.id)
        return
    amount = vendor_order.total_cents - (getattr(vendor_order, "refunded_cents", 0) or 0)
    if amount <= 0:
        return
    client = stripe_client()
    transfer = db.session.scalar(sa.select(Transfer).where(Transfer.vendor_order_id == vendor_order.id))
    reversal_id = None
    if transfer is not None and transfer.status == TransferStatus.PAID:
        reversal = _call(
            "transfers.reversals.create",
            client.v1.transfers.reversals.create,
            transfer.stripe_transfer_id,
            params={"amount": transfer.amount_cents, "metadata": {"vendor_order_id": str(vendor_order.id)}},
            options={"idempotency_key": f"reversal-vo-{vendor_order.id}"},
        )
        reversal_id = reversal.id
    refund = _call(
        "refunds.create",
        client.v1.refunds.create,
        params={
            "payment_intent": payment.payment_intent_id,
            "amount": amount,
            "reason": "requested_by_customer",
            "metadata": {"vendor_order_id": str(vendor_order.id)},
        },
        options={"idempotency_key": f"refund-vo-{vendor_order.id}"},
    )
    if transfer is not None and transfer.status != TransferStatus.REVERSED:
        before = transfer.status
        transfer.status = TransferStatus.REVERSED
        transfer.reversed_at = now_utc()
        record_event(None, transfer, "transfer.reversed", before, TransferStatus.REVERSED,
                     data={"reversal_id": reversal_id})
    row = Refund(vendor_order_id=vendor_order.id, stripe_refund_id=refund.id, amount_cents=amount,
                 reversal_id=reversal_id, status=refund.status or "succeeded", created_at=now_utc())
    db.session.add(row)
    db.session.flush()
    record_event(None, vendor_order, "payment.refunded", data={"stripe_refund_id": refund.id, "amount_cents": amount,
                                                                "reversal_id": reversal_id})
    orders.refunded(vendor_order, amount)


# --------------------------------------------------------------- onboarding


def start_onboarding(vendor, return_url: str, refresh_url: str) -> str:
    """Create the vendor's Express account on demand and return an onboarding link URL."""
    client = stripe_client()
    if not vendor.stripe_account_id:
        params = {
            "type": "express",
            "country": "FR",
            "capabilities": {"transfers": {"requested": True}},
            "business_profile": {"name": vendor.name},
            "metadata": {"vendor_id": str(vendor.id)},
        }
        if vendor.email:
            params["email"] = vendor.email
        account = _call("accounts.create", client.v1.accounts.create, params=params,
                        options={"idempotency_key": f"account-vendor-{vendor.id}"})
        vendor.stripe_account_id = account.id
        vendor.payouts_enabled = bool(account.payouts_enabled)
        db.session.flush()
        record_event(None, vendor, "payments.account_created", data={"stripe_account_id": account.id})
    link = _call(
        "account_links.create",
        client.v1.account_links.create,
        params={"account": vendor.stripe_account_id, "refresh_url": refresh_url, "return_url": return_url,
                "type": "account_onboarding"},
    )
    return link.url


def fetch_payouts_enabled(vendor) -> bool:
    """Ask Stripe whether the vendor's connected account can receive payouts (no write)."""
    if not vendor.stripe_account_id:
        return False
    account = _call("accounts.retrieve", stripe_client().v1.accounts.retrieve, vendor.stripe_account_id)
    return bool(account.payouts_enabled)


def sync_account(vendor) -> bool:
    """Read the connected account at Stripe and record whether payouts are enabled."""
    return update_payouts(vendor, fetch_payouts_enabled(vendor))


def update_payouts(vendor, payouts_enabled: bool) -> bool:
    """Record the payouts flag; when it turns on, make the vendor's pending transfers."""
    if vendor.payouts_enabled != payouts_enabled:
        record_event(None, vendor, "payments.payouts_enabled" if payouts_enabled else "payments.payouts_disabled",
                     str(vendor.payouts_enabled).lower(), str(payouts_enabled).lower())
        vendor.payouts_enabled = payouts_enabled
        db.session.flush()
    if payouts_enabled:
        release_pending_transfers(vendor)
    return payouts_enabled


# ------------------------------------------------------------ vendor pages


def vendor_payments_overview(vendor) -> dict:
    """What the vendor's payments page shows: account state and transfer totals."""
    rows = db.session.execute(
        sa.select(Transfer.status, sa.func.count(), sa.func.coalesce(sa.func.sum(Transfer.amount_cents), 0))
        .where(Transfer.vendor_id == vendor.id)
        .group_by(Transfer.status)
    ).all()
    totals = {status: {"count": 0, "amount": 0} for status in TransferStatus}
    for status, count, amount in rows:
        totals[status] = {"count": count, "amount": int(amount)}
    return {"vendor": vendor, "totals": totals, "has_account": bool(vendor.stripe_account_id),
            "payouts_enabled": vendor.payouts_enabled}


def vendor_transfers_query(vendor):
    return sa.select(Transfer).where(Transfer.vendor_id == vendor.id).order_by(Transfer.created_at.desc(), Transfer.id.desc())


def onboarding_for(user, vendor, return_url: str, refresh_url: str) -> str:
    """A member asks to set up payouts: checks the rules, then start_onboarding."""
    from marketplace.payments.permissions import can_manage_payouts
    from marketplace.vendors.models import VendorStatus

    if not can_manage_payouts(user, vendor):
        raise PaymentError(_l("Seul le ou la responsable de la structure peut configurer les versements."))
    if vendor.status not in (VendorStatus.APPROVED, VendorStatus.SUSPENDED):
        raise PaymentError(_l("Les versements se configurent une fois la structure agréée."))
    return start_onboarding(vendor, return_url, refresh_url)


def vendor_order_references(vendor_order_ids: list[int]) -> dict[int, str]:
    """Order references to show next to transfers."""
    if not vendor_order_ids:
        return {}
    from marketplace.shop.models import VendorOrder

    rows = db.session.scalars(sa.select(VendorOrder).where(VendorOrder.id.in_(vendor_order_ids))).all()
    return {vo.id: getattr(vo, "reference", f"#{vo.id}") for vo in rows}


def payout_notice(vendor_order) -> str:
    """What the vendor reads once its order is completed: where its share stands."""
    from marketplace.core.money import format_money

    transfer = transfers_by_vendor_order([vendor_order.id]).get(vendor_order.id)
    if transfer is None:
        return str(_l("Commande terminée."))
    amount = format_money(transfer.amount_cents)
    if transfer.status == TransferStatus.PAID:
        return str(_l("Commande terminée : votre part de %(amount)s vous est versée.", amount=amount))
    vendor = _vendor(transfer.vendor_id)
    if vendor is None or not vendor.stripe_account_id or not vendor.payouts_enabled:
        return str(_l("Commande terminée. Votre part de %(amount)s vous sera versée dès que votre compte de "
                      "versement sera actif (Espace fournisseur → Versements).", amount=amount))
    return str(_l("Commande terminée. Le versement de votre part (%(amount)s) n'a pas pu être fait pour le "
                  "moment : il sera relancé.", amount=amount))


def transfers_by_vendor_order(vendor_order_ids) -> dict[int, Transfer]:
    """The transfer of each vendor order that has one (for dashboards and order pages)."""
    ids = list(vendor_order_ids)
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(Transfer).where(Transfer.vendor_order_id.in_(ids))).all()
    return {transfer.vendor_order_id: transfer for transfer in rows}
