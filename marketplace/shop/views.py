"""The shop blueprint: cart, checkout, the consumer's orders, the vendor's orders,
invoices and credit notes."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_logged_in

from marketplace.core.actions import perform
from marketplace.core.forms import ConfirmForm, attach_error
from marketplace.core.pagination import page_arg
from marketplace.core.permissions import public, requires
from marketplace.core.urls import safe_next
from marketplace.extensions import db
from marketplace.payments import reconcile
from marketplace.payments import services as payments
from marketplace.shop import cart as carts
from marketplace.shop import checkout as checkouts
from marketplace.shop import orders
from marketplace.shop.errors import PaymentPageUnavailable, ShopError
from marketplace.shop.forms import AddToCartForm, CheckoutForm, QuantityForm, VendorCancelForm
from marketplace.shop.models import (
    CreditNote,
    Invoice,
    OrderGroup,
    OrderGroupStatus,
    VendorOrder,
    VendorOrderStatus,
)
from marketplace.shop.permissions import (
    can_manage_vendor_order,
    can_view_fiscal_document,
    can_view_order_group,
    is_consumer_of,
)
from marketplace.vendors.models import Vendor
from marketplace.vendors.permissions import can_manage_vendor

bp = Blueprint("shop", __name__)

CART_TOKEN = "cart_token"  # noqa: S105 (a session key, not a secret)  # nosec B105


# ---------------------------------------------------------------- helpers


def _cart(create: bool = False):
    cart = carts.current_cart(current_user, session.get(CART_TOKEN), create=create)
    if cart is not None and cart.token and not current_user.is_authenticated:
        session[CART_TOKEN] = cart.token
    return cart


def _flash_form_errors(form) -> None:
    flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")


@bp.app_context_processor
def _cart_badge():
    def cart_count() -> int:
        try:
            return carts.count_items(current_user, session.get(CART_TOKEN))
        except Exception:  # the header must render even if the cart cannot be read
            return 0

    return {"cart_count": cart_count}


@user_logged_in.connect
def _merge_cart_at_login(sender, user, **extra):
    token = session.pop(CART_TOKEN, None)
    if token:
        carts.merge_into_user_cart(token, user)
        db.session.commit()


# ---------------------------------------------------------------- cart


@bp.get("/panier")
@public
def cart():
    cart = _cart()
    summary = carts.summarize(cart, current_user if current_user.is_authenticated else None)
    return render_template("shop/cart.html", summary=summary, quantity_form=QuantityForm(), confirm_form=ConfirmForm())


@bp.post("/panier/ajouter")
@public
def add():
    form = AddToCartForm()
    back = safe_next(form.next.data, url_for("shop.cart"))
    if not form.validate():
        _flash_form_errors(form)
        return redirect(back)
    added = perform(
        lambda: carts.add_to_cart(_cart(create=True), form.offer_id.data, form.quantity.data, user=current_user),
        ShopError,
        _("Article ajouté à votre panier."),
    )
    return redirect(url_for("shop.cart") if added and not form.next.data else back)


@bp.post("/panier/ligne/<int:line_id>")
@public
def update_line(line_id: int):
    form = QuantityForm()
    cart = _cart()
    if cart is None:
        abort(404)
    if not form.validate():
        _flash_form_errors(form)
        return redirect(url_for("shop.cart"))
    perform(
        lambda: carts.update_quantity(cart, line_id, form.quantity.data, user=current_user),
        ShopError,
        _("Quantité mise à jour."),
    )
    return redirect(url_for("shop.cart"))


@bp.post("/panier/ligne/<int:line_id>/retirer")
@public
def remove_line(line_id: int):
    form = ConfirmForm()
    cart = _cart()
    if cart is None or not form.validate():
        abort(400)
    perform(lambda: carts.remove_line(cart, line_id), ShopError, _("Article retiré du panier."))
    return redirect(url_for("shop.cart"))


@bp.post("/panier/remise/<int:vendor_id>")
@public
def set_fulfilment(vendor_id: int):
    form = ConfirmForm()
    cart = _cart()
    if cart is None or not form.validate():
        abort(400)
    perform(
        lambda: carts.set_fulfilment(cart, vendor_id, request.form.get("fulfilment")),
        ShopError,
        _("Mode de remise enregistré."),
    )
    return redirect(url_for("shop.cart"))


# ---------------------------------------------------------------- checkout


def _fulfilment_from_form(summary) -> dict[int, str]:
    return {
        part.vendor.id: request.form.get(f"fulfilment-{part.vendor.id}", part.fulfilment.value)
        for part in summary.parts
    }


@bp.route("/commande/validation", methods=["GET", "POST"])
@requires("account")
def checkout():
    cart = _cart()
    summary = carts.summarize(cart, current_user)
    if summary.is_empty:
        flash(_("Votre panier est vide."), "info")
        return redirect(url_for("shop.cart"))
    form = CheckoutForm()
    payment_error = None
    if request.method == "GET":
        form.contact_name.data = current_user.display_name
        form.contact_email.data = current_user.email
        form.contact_phone.data = current_user.phone
        form.postal_code.data = current_user.postal_code
    else:
        chosen = _fulfilment_from_form(summary)
        summary = checkouts.checkout_summary(current_user, cart, chosen)
        if request.form.get("recalculate"):
            return render_template("shop/checkout.html", form=form, summary=summary)
        if form.validate():
            details = checkouts.CheckoutDetails(
                contact_name=form.contact_name.data or "",
                contact_email=form.contact_email.data or "",
                contact_phone=form.contact_phone.data or "",
                address_line=form.address_line.data or "",
                postal_code=form.postal_code.data or "",
                city=form.city.data or "",
                fulfilment=chosen,
            )
            try:
                group, url = checkouts.start_checkout(
                    current_user,
                    cart,
                    details,
                    success_url=url_for("shop.checkout_success", _external=True) + "?session_id={CHECKOUT_SESSION_ID}",
                    cancel_url=url_for("shop.checkout_cancel", _external=True) + "?session_id={CHECKOUT_SESSION_ID}",
                )
            except PaymentPageUnavailable as error:
                # Recorded (order cancelled, stock released); the form itself was right.
                db.session.commit()
                payment_error = str(error.message)
                summary = checkouts.checkout_summary(current_user, _cart(), chosen)
            except ShopError as error:
                db.session.rollback()
                attach_error(form, error)
                summary = checkouts.checkout_summary(current_user, _cart(), chosen)
            else:
                db.session.commit()
                return redirect(url, code=303)
    return render_template("shop/checkout.html", form=form, summary=summary, payment_error=payment_error), (
        422 if request.method == "POST" else 200
    )


def _group_from_session_arg() -> OrderGroup:
    group = checkouts.order_group_for_session(request.args.get("session_id", ""))
    if group is None or not is_consumer_of(current_user, group):
        abort(404)
    return group


@bp.get("/commande/confirmation")
@requires("account")
def checkout_success():
    group = _group_from_session_arg()
    if group.status is OrderGroupStatus.PENDING_PAYMENT:
        # The webhook may be late or lost: ask the payment service, apply what it says.
        reconcile.settle_groups([group])
        db.session.commit()
        group = _group_from_session_arg()
    return render_template("shop/success.html", group=group)


@bp.get("/commande/paiement-abandonne")
@requires("account")
def checkout_cancel():
    group = _group_from_session_arg()
    checkouts.abandon(current_user, group)
    db.session.commit()
    return render_template("shop/cancelled.html", group=group)


# ---------------------------------------------------------------- consumer orders


@bp.get("/mes-commandes")
@requires("account")
def my_orders():
    page = orders.order_groups_of(current_user, page=page_arg(request.args))
    return render_template("shop/my_orders.html", page=page)


def _own_group(group_id: int) -> OrderGroup:
    group = db.session.get(OrderGroup, group_id)
    if group is None or not can_view_order_group(current_user, group):
        abort(404)
    return group


@bp.get("/mes-commandes/<int:group_id>")
@requires("account")
def my_order(group_id: int):
    group = _own_group(group_id)
    return render_template("shop/my_order.html", group=group, cancel_form=ConfirmForm())


@bp.route("/mes-commandes/<int:group_id>/partie/<int:vendor_order_id>/annuler", methods=["GET", "POST"])
@requires("account")
def consumer_cancel(group_id: int, vendor_order_id: int):
    group = _own_group(group_id)
    vendor_order = next((vo for vo in group.vendor_orders if vo.id == vendor_order_id), None)
    if vendor_order is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        perform(
            lambda: orders.cancel_by_consumer(vendor_order, actor=current_user),
            ShopError,
            _("Votre commande auprès de %(vendor)s est annulée ; le remboursement est en cours.",
              vendor=vendor_order.vendor.name),
        )
        return redirect(url_for("shop.my_order", group_id=group.id))
    return render_template("shop/consumer_cancel.html", group=group, vendor_order=vendor_order, form=form)


# ---------------------------------------------------------------- vendor orders


def _managed_vendor(vendor_id: int) -> Vendor:
    vendor = db.session.get(Vendor, vendor_id)
    if vendor is None or not can_manage_vendor(current_user, vendor):
        abort(404)
    return vendor


def _managed_vendor_order(vendor: Vendor, vendor_order_id: int) -> VendorOrder:
    vendor_order = db.session.get(VendorOrder, vendor_order_id)
    if (
        vendor_order is None
        or vendor_order.vendor_id != vendor.id
        or vendor_order.status is VendorOrderStatus.PENDING_PAYMENT
        or not can_manage_vendor_order(current_user, vendor_order)
    ):
        abort(404)
    return vendor_order


def _status_filter() -> VendorOrderStatus | None:
    try:
        return VendorOrderStatus(request.args.get("statut", ""))
    except ValueError:
        return None


@bp.get("/espace-fournisseur/<int:vendor_id>/commandes")
@requires("vendor.manage")
def vendor_orders(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    status = _status_filter()
    page = orders.vendor_orders_of(vendor, status=status, page=page_arg(request.args))
    return render_template(
        "shop/vendor_orders.html",
        vendor=vendor,
        page=page,
        status=status,
        counts=orders.vendor_order_counts(vendor),
        statuses=[s for s in VendorOrderStatus if s is not VendorOrderStatus.PENDING_PAYMENT],
    )


@bp.get("/espace-fournisseur/<int:vendor_id>/commandes/<int:vendor_order_id>")
@requires("vendor.manage")
def vendor_order(vendor_id: int, vendor_order_id: int):
    vendor = _managed_vendor(vendor_id)
    vendor_order = _managed_vendor_order(vendor, vendor_order_id)
    transfer = payments.transfers_by_vendor_order([vendor_order.id]).get(vendor_order.id)
    return render_template("shop/vendor_order.html", vendor=vendor, vendor_order=vendor_order, form=ConfirmForm(),
                           transfer=transfer)


TRANSITIONS = {
    "preparing": (orders.mark_preparing, _l("Commande passée en préparation.")),
    "ready": (orders.mark_ready, _l("Le client est prévenu que sa commande est prête à retirer.")),
    "shipped": (orders.mark_shipped, _l("Le client est prévenu que sa commande est expédiée.")),
    "completed": (orders.complete, None),
}


@bp.post("/espace-fournisseur/<int:vendor_id>/commandes/<int:vendor_order_id>/statut")
@requires("vendor.manage")
def vendor_order_status(vendor_id: int, vendor_order_id: int):
    vendor = _managed_vendor(vendor_id)
    vendor_order = _managed_vendor_order(vendor, vendor_order_id)
    form = ConfirmForm()
    action = TRANSITIONS.get(request.form.get("action", ""))
    if not form.validate() or action is None:
        abort(400)
    transition, message = action
    if transition is orders.complete and vendor_order.is_invoice_order:
        message = _l("Commande terminée : la facture est émise et envoyée à l'acheteur, payable par virement.")
    done = perform(lambda: transition(vendor_order, actor=current_user), ShopError, str(message) if message else None)
    if done and message is None:  # a card order completed: where the vendor's transfer stands
        flash(payments.payout_notice(vendor_order), "success")
    return redirect(url_for("shop.vendor_order", vendor_id=vendor.id, vendor_order_id=vendor_order.id))


@bp.route("/espace-fournisseur/<int:vendor_id>/commandes/<int:vendor_order_id>/annuler", methods=["GET", "POST"])
@requires("vendor.manage")
def vendor_cancel(vendor_id: int, vendor_order_id: int):
    vendor = _managed_vendor(vendor_id)
    vendor_order = _managed_vendor_order(vendor, vendor_order_id)
    form = VendorCancelForm()
    if form.validate_on_submit():
        try:
            orders.cancel_by_vendor(vendor_order, form.reason.data, actor=current_user)
        except ShopError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Commande annulée : le client est remboursé et prévenu, le stock est rétabli."), "success")
            return redirect(url_for("shop.vendor_order", vendor_id=vendor.id, vendor_order_id=vendor_order.id))
    status = 422 if request.method == "POST" else 200
    return render_template("shop/vendor_cancel.html", vendor=vendor, vendor_order=vendor_order, form=form), status


# ---------------------------------------------------------------- invoices


@bp.get("/factures/<int:invoice_id>")
@requires("account")
def invoice(invoice_id: int):
    document = db.session.get(Invoice, invoice_id)
    if document is None or not can_view_fiscal_document(current_user, document.vendor_order):
        abort(404)
    return render_template("shop/invoice.html", document=document, credit_note=False)


@bp.get("/avoirs/<int:credit_note_id>")
@requires("account")
def credit_note(credit_note_id: int):
    document = db.session.get(CreditNote, credit_note_id)
    if document is None or not can_view_fiscal_document(current_user, document.vendor_order):
        abort(404)
    return render_template("shop/invoice.html", document=document, credit_note=True)


# Professional orders (paid on invoice), on the same blueprint.
from marketplace.shop import pro_views  # noqa: E402, F401
