"""Payments blueprint: the Stripe webhook endpoint and the vendor's payouts pages."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.core import security
from marketplace.core.forms import ConfirmForm
from marketplace.core.pagination import page_arg, paginate
from marketplace.core.permissions import public, requires
from marketplace.extensions import csrf, db
from marketplace.payments import services, webhooks
from marketplace.payments.models import TransferStatus
from marketplace.payments.permissions import can_manage_payouts, can_view_payments

log = logging.getLogger(__name__)
bp = Blueprint("payments", __name__)

# Stripe's hosted pages, where the checkout and payout forms end (after a redirect).
STRIPE_PAGE_ORIGINS = ("https://checkout.stripe.com", "https://connect.stripe.com")


def _payment_page_origins(config) -> list[str | None]:
    """Origins the checkout and onboarding forms redirect to: Stripe's, or the simulator's."""
    return [*STRIPE_PAGE_ORIGINS, security.origin_of(services.api_base(config))]


@bp.record_once
def _allow_payment_pages(state) -> None:
    security.allow_form_action(state.app, _payment_page_origins)


@bp.post("/webhooks/stripe")
@csrf.exempt
@public
def stripe_webhook():
    try:
        outcome = webhooks.handle_webhook(request.get_data(), request.headers.get("Stripe-Signature"))
    except webhooks.WebhookRejected as exc:
        db.session.rollback()
        log.warning("stripe webhook refused: %s", exc)
        return {"error": str(exc)}, 400
    except services.PaymentUnavailable:
        # The compensating call to Stripe failed: nothing is kept, Stripe delivers the event again.
        db.session.rollback()
        log.error("stripe webhook not processed: Stripe unreachable", exc_info=True)
        return {"error": "payment service unavailable, retry later"}, 503
    db.session.commit()
    return {"received": True, "outcome": outcome}, 200


def _vendor_for_payments(vendor_id: int):
    from marketplace.vendors.services import vendor_by_id

    vendor = vendor_by_id(vendor_id)
    if vendor is None or not can_view_payments(current_user, vendor):
        abort(404)
    return vendor


def _stripe_urls(vendor_id: int) -> tuple[str, str]:
    return (
        url_for("payments.onboarding_return", vendor_id=vendor_id, _external=True),
        url_for("payments.onboarding_refresh", vendor_id=vendor_id, _external=True),
    )


@bp.get("/espace-fournisseur/<int:vendor_id>/versements")
@requires("vendor.manage")
def payouts(vendor_id: int):
    vendor = _vendor_for_payments(vendor_id)
    overview = services.vendor_payments_overview(vendor)
    page = paginate(db.session, services.vendor_transfers_query(vendor), page_arg(request.args), per_page=20)
    return render_template(
        "payments/payouts.html",
        vendor=vendor,
        overview=overview,
        page=page,
        references=services.vendor_order_references([t.vendor_order_id for t in page.items]),
        can_manage=can_manage_payouts(current_user, vendor),
        form=ConfirmForm(),
        simulator=services.uses_simulator(),
        statuses=TransferStatus,
    )


@bp.post("/espace-fournisseur/<int:vendor_id>/versements/stripe")
@requires("vendor.manage")
def start_onboarding(vendor_id: int):
    vendor = _vendor_for_payments(vendor_id)
    if not can_manage_payouts(current_user, vendor):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _onboarding_redirect(vendor)


@bp.get("/espace-fournisseur/<int:vendor_id>/versements/stripe/relancer")
@requires("vendor.manage")
def onboarding_refresh(vendor_id: int):
    """Stripe sends the vendor here when an onboarding link expired or was used: a fresh link."""
    vendor = _vendor_for_payments(vendor_id)
    if not can_manage_payouts(current_user, vendor):
        abort(403)
    return _onboarding_redirect(vendor)


def _onboarding_redirect(vendor):
    return_url, refresh_url = _stripe_urls(vendor.id)
    try:
        url = services.onboarding_for(current_user, vendor, return_url, refresh_url)
    except services.PaymentError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("payments.payouts", vendor_id=vendor.id))
    db.session.commit()
    return redirect(url, 303)


@bp.get("/espace-fournisseur/<int:vendor_id>/versements/stripe/retour")
@requires("vendor.manage")
def onboarding_return(vendor_id: int):
    vendor = _vendor_for_payments(vendor_id)
    try:
        enabled = services.fetch_payouts_enabled(vendor)
    except services.PaymentUnavailable:
        flash(_("Stripe ne répond pas pour le moment : l'état de vos versements sera mis à jour automatiquement."), "error")
        return redirect(url_for("payments.payouts", vendor_id=vendor.id))
    # The account.updated webhook may have recorded it meanwhile: write from a fresh read.
    db.session.rollback()
    vendor = _vendor_for_payments(vendor_id)
    services.update_payouts(vendor, enabled)
    db.session.commit()
    if enabled:
        flash(_("Votre compte de versement est actif : vos ventes vous seront reversées à chaque commande terminée."), "success")
    else:
        flash(_("Votre inscription auprès de Stripe n'est pas terminée. Reprenez-la quand vous le souhaitez."))
    return redirect(url_for("payments.payouts", vendor_id=vendor.id))
