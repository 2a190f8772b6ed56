"""Professional orders (paid on invoice): the buyer organisation's pages, and the
vendor's record of the buyer's bank transfer. Registered on the shop blueprint."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.services import buyer_organisations_of
from marketplace.core.actions import perform
from marketplace.core.forms import ConfirmForm
from marketplace.core.pagination import page_arg
from marketplace.core.permissions import requires
from marketplace.extensions import db
from marketplace.shop import pro_orders
from marketplace.shop.errors import ShopError
from marketplace.shop.models import VendorOrder
from marketplace.shop.permissions import can_view_pro_order
from marketplace.shop.views import _managed_vendor, _managed_vendor_order, bp


@bp.get("/compte/professionnels/commandes")
@requires("buyer.space")
def pro_orders_list():
    organisations = buyer_organisations_of(current_user)
    page = pro_orders.pro_orders_of([o.id for o in organisations], page=page_arg(request.args))
    return render_template("shop/pro_orders.html", page=page, organisations=organisations)


@bp.get("/compte/professionnels/commandes/<int:vendor_order_id>")
@requires("buyer.space")
def pro_order(vendor_order_id: int):
    vendor_order = db.session.get(VendorOrder, vendor_order_id)
    if vendor_order is None or not can_view_pro_order(current_user, vendor_order):
        abort(404)
    return render_template("shop/pro_order.html", vendor_order=vendor_order)


@bp.post("/espace-fournisseur/<int:vendor_id>/commandes/<int:vendor_order_id>/paiement-recu")
@requires("vendor.manage")
def record_pro_payment(vendor_id: int, vendor_order_id: int):
    vendor = _managed_vendor(vendor_id)
    vendor_order = _managed_vendor_order(vendor, vendor_order_id)
    if not ConfirmForm().validate():
        abort(400)
    perform(
        lambda: pro_orders.record_payment(vendor_order, actor=current_user),
        ShopError,
        _("Paiement enregistré : l'acheteur est prévenu."),
    )
    return redirect(url_for("shop.vendor_order", vendor_id=vendor.id, vendor_order_id=vendor_order.id))
