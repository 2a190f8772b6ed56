"""The cart: lines grouped by vendor, fulfilment choice per vendor, totals.

A signed-in user has one cart (``cart.user_id``); an anonymous visitor's cart
is found by a random token kept in the session, and merged into the user's
cart at login. Prices are always read from the offers, never from a form.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from marketplace.catalogue.models import Offer
from marketplace.catalogue.permissions import is_own_offer
from marketplace.catalogue.services import BUYABLE_OFFER, OfferUnavailable, get_buyable_offer
from marketplace.extensions import db
from marketplace.shop import pricing
from marketplace.shop.errors import CartError
from marketplace.shop.models import Cart, CartLine, Fulfilment
from marketplace.shop.pricing import PricedLine

MAX_QUANTITY = 99


# ---------------------------------------------------------------- summary


@dataclass
class CartItem:
    offer: Offer
    quantity: int
    line_id: int | None = None
    problem: str | None = None

    @property
    def unit_price_cents(self) -> int:
        return self.offer.price_cents

    @property
    def total_cents(self) -> int:
        return self.offer.price_cents * self.quantity

    @property
    def max_quantity(self) -> int:
        if self.offer.stock is None:
            return MAX_QUANTITY
        return max(min(self.offer.stock, MAX_QUANTITY), 1)


@dataclass
class VendorPart:
    vendor: object
    items: list[CartItem]
    options: list[Fulfilment]
    fulfilment: Fulfilment
    subtotal_cents: int = 0
    delivery_fee_cents: int = 0
    total_cents: int = 0
    vat_breakdown: dict = field(default_factory=dict)
    problem: str | None = None

    @property
    def vat_cents(self) -> int:
        return sum(item["vat"] for item in self.vat_breakdown.values())

    @property
    def pickup_hours(self) -> list[str]:
        return list(dict.fromkeys(i.offer.pickup_hours for i in self.items if i.offer.pickup and i.offer.pickup_hours))

    @property
    def delivery_fee_if_delivered(self) -> int:
        return pricing.delivery_fee(
            PricedLine(i.offer.vat_rate_bp, i.total_cents, i.offer.delivery, i.offer.delivery_fee_cents)
            for i in self.items
        )


@dataclass
class CartSummary:
    parts: list[VendorPart]

    @property
    def is_empty(self) -> bool:
        return not self.parts

    @property
    def item_count(self) -> int:
        return sum(item.quantity for part in self.parts for item in part.items)

    @property
    def total_cents(self) -> int:
        return sum(part.total_cents for part in self.parts)

    @property
    def delivery_fees_cents(self) -> int:
        return sum(part.delivery_fee_cents for part in self.parts)

    @property
    def subtotal_cents(self) -> int:
        return sum(part.subtotal_cents for part in self.parts)

    @property
    def vat_breakdown(self) -> dict:
        return pricing.merge_breakdowns(part.vat_breakdown for part in self.parts)

    @property
    def vat_cents(self) -> int:
        return sum(part.vat_cents for part in self.parts)

    @property
    def problems(self) -> list[str]:
        found = [part.problem for part in self.parts if part.problem]
        found += [item.problem for part in self.parts for item in part.items if item.problem]
        return found

    @property
    def has_problems(self) -> bool:
        return bool(self.problems)


def fulfilment_options(offers: list[Offer]) -> list[Fulfilment]:
    """What every line of a vendor part allows; lines with neither (services) do not constrain."""
    constraining = [o for o in offers if o.pickup or o.delivery]
    options = []
    if all(o.pickup for o in constraining):
        options.append(Fulfilment.PICKUP)
    if constraining and all(o.delivery for o in constraining):
        options.append(Fulfilment.DELIVERY)
    return options


def price_part(vendor, items: list[CartItem], wanted: Fulfilment | None) -> VendorPart:
    """Price one vendor's part for a fulfilment choice (the first allowed one by default)."""
    options = fulfilment_options([item.offer for item in items])
    problem = None
    if not options:
        problem = str(
            _l(
                "Chez %(vendor)s, certains articles sont en retrait seulement et d'autres en livraison seulement : "
                "passez-les en deux commandes.",
                vendor=vendor.name,
            )
        )
        fulfilment = Fulfilment.PICKUP
    elif wanted in options:
        fulfilment = wanted
    else:
        fulfilment = options[0]
    delivered = fulfilment is Fulfilment.DELIVERY
    priced = [
        PricedLine(
            item.offer.vat_rate_bp,
            item.total_cents,
            delivered and item.offer.delivery,
            item.offer.delivery_fee_cents or 0,
        )
        for item in items
    ]
    fee = pricing.delivery_fee(priced) if delivered else 0
    subtotal = sum(item.total_cents for item in items)
    return VendorPart(
        vendor=vendor,
        items=items,
        options=options,
        fulfilment=fulfilment,
        subtotal_cents=subtotal,
        delivery_fee_cents=fee,
        total_cents=subtotal + fee,
        vat_breakdown=pricing.vat_breakdown(priced, fee),
        problem=problem,
    )


def summarize(cart: Cart | None, user=None) -> CartSummary:
    """The cart as the consumer sees it, with a problem noted on each line that cannot be bought."""
    if cart is None or not cart.lines:
        return CartSummary(parts=[])
    by_vendor: dict[int, list[CartItem]] = {}
    vendors = {}
    for line in cart.lines:
        offer = line.offer
        problem = item_problem(offer, line.quantity, user)
        by_vendor.setdefault(offer.vendor_id, []).append(
            CartItem(offer=offer, quantity=line.quantity, line_id=line.id, problem=problem)
        )
        vendors[offer.vendor_id] = offer.vendor
    choices = cart.fulfilment_choices or {}
    parts = []
    for vendor_id, items in by_vendor.items():
        wanted = _parse_fulfilment(choices.get(str(vendor_id)))
        parts.append(price_part(vendors[vendor_id], items, wanted))
    parts.sort(key=lambda p: p.vendor.name.lower())
    return CartSummary(parts=parts)


def item_problem(offer: Offer, quantity: int, user=None) -> str | None:
    try:
        get_buyable_offer(offer.id)
    except OfferUnavailable as error:
        return str(error.message)
    if user is not None and is_own_offer(user, offer):
        return str(_l("« %(title)s » est proposé par votre structure : vous ne pouvez pas l'acheter.", title=offer.title))
    if offer.stock is not None and quantity > offer.stock:
        if offer.stock <= 0:
            return str(_l("« %(title)s » n'est plus en stock.", title=offer.title))
        return str(
            _l(
                "Il ne reste que %(left)s exemplaire(s) de « %(title)s » : réduisez la quantité.",
                left=offer.stock,
                title=offer.title,
            )
        )
    return None


def _parse_fulfilment(value) -> Fulfilment | None:
    try:
        return Fulfilment(value)
    except ValueError:
        return None


# ---------------------------------------------------------------- finding carts


# A cart comes with its lines and their offers (two statements).
WITH_LINES = selectinload(Cart.lines).joinedload(CartLine.offer).options(*BUYABLE_OFFER)


def cart_for_user(user, create: bool = False) -> Cart | None:
    cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == user.id).options(WITH_LINES))
    if cart is None and create:
        cart = Cart(user_id=user.id, fulfilment_choices={})
        db.session.add(cart)
        db.session.flush()
    return cart


def cart_for_token(token: str | None) -> Cart | None:
    if not token:
        return None
    return db.session.scalar(sa.select(Cart).where(Cart.token == token, Cart.user_id.is_(None)).options(WITH_LINES))


def current_cart(user, token: str | None, create: bool = False) -> Cart | None:
    """The user's cart, or the anonymous cart of ``token`` (a new one when ``create``)."""
    if user is not None and getattr(user, "is_authenticated", False):
        return cart_for_user(user, create=create)
    cart = cart_for_token(token)
    if cart is None and create:
        cart = Cart(token=secrets.token_urlsafe(32), fulfilment_choices={})
        db.session.add(cart)
        db.session.flush()
    return cart


def count_items(user, token: str | None) -> int:
    """The number of items in the current cart (the header's badge), in one statement."""
    stmt = sa.select(sa.func.coalesce(sa.func.sum(CartLine.quantity), 0)).join(Cart, CartLine.cart_id == Cart.id)
    if user is not None and getattr(user, "is_authenticated", False):
        stmt = stmt.where(Cart.user_id == user.id)
    elif token:
        stmt = stmt.where(Cart.token == token, Cart.user_id.is_(None))
    else:
        return 0
    return int(db.session.scalar(stmt) or 0)


# ---------------------------------------------------------------- changing the cart


def _check_quantity(quantity) -> int:
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise CartError(_l("Indiquez une quantité entière."), field="quantity") from None
    if quantity < 1:
        raise CartError(_l("La quantité doit être d'au moins 1."), field="quantity")
    if quantity > MAX_QUANTITY:
        raise CartError(_l("Au plus %(max)s unités par article.", max=MAX_QUANTITY), field="quantity")
    return quantity


def _check_buyable(offer_id, quantity: int, user) -> Offer:
    try:
        offer = get_buyable_offer(offer_id)
    except OfferUnavailable as error:
        raise CartError(error.message) from None
    if user is not None and getattr(user, "is_authenticated", False) and is_own_offer(user, offer):
        raise CartError(_l("Vous ne pouvez pas acheter une offre de votre propre structure."))
    if offer.stock is not None and quantity > offer.stock:
        if offer.stock <= 0:
            raise CartError(_l("« %(title)s » n'est plus en stock.", title=offer.title), field="quantity")
        raise CartError(
            _l("Il ne reste que %(left)s exemplaire(s) de « %(title)s ».", left=offer.stock, title=offer.title),
            field="quantity",
        )
    return offer


def add_to_cart(cart: Cart, offer_id, quantity=1, user=None) -> CartLine:
    """Add units of an offer (added to the line already there); price and stock read from the offer."""
    quantity = _check_quantity(quantity)
    line = next((line for line in cart.lines if str(line.offer_id) == str(offer_id)), None)
    wanted = quantity + (line.quantity if line else 0)
    if wanted > MAX_QUANTITY:
        raise CartError(_l("Au plus %(max)s unités par article.", max=MAX_QUANTITY), field="quantity")
    offer = _check_buyable(offer_id, wanted, user)
    if line is None:
        line = CartLine(offer_id=offer.id, quantity=quantity)
        cart.lines.append(line)
    else:
        line.quantity = wanted
    db.session.flush()
    return line


def _line(cart: Cart, line_id) -> CartLine:
    line = next((line for line in cart.lines if str(line.id) == str(line_id)), None)
    if line is None:
        raise CartError(_l("Cet article n'est plus dans votre panier."))
    return line


def update_quantity(cart: Cart, line_id, quantity, user=None) -> CartLine:
    quantity = _check_quantity(quantity)
    line = _line(cart, line_id)
    _check_buyable(line.offer_id, quantity, user)
    line.quantity = quantity
    db.session.flush()
    return line


def remove_line(cart: Cart, line_id) -> None:
    line = _line(cart, line_id)
    cart.lines.remove(line)
    db.session.flush()


def set_fulfilment(cart: Cart, vendor_id, value) -> None:
    fulfilment = _parse_fulfilment(value)
    if fulfilment is None:
        raise CartError(_l("Choisissez le retrait ou la livraison."), field="fulfilment")
    offers = [line.offer for line in cart.lines if str(line.offer.vendor_id) == str(vendor_id)]
    if not offers:
        raise CartError(_l("Cette structure n'a plus d'article dans votre panier."))
    if fulfilment not in fulfilment_options(offers):
        raise CartError(_l("Ce mode de remise n'est pas proposé pour ces articles."), field="fulfilment")
    choices = dict(cart.fulfilment_choices or {})
    choices[str(offers[0].vendor_id)] = fulfilment.value
    cart.fulfilment_choices = choices
    db.session.flush()


def clear(cart: Cart, offer_ids: set[int] | None = None) -> None:
    """Empty the cart, or remove only the lines of ``offer_ids`` (what was just bought)."""
    for line in list(cart.lines):
        if offer_ids is None or line.offer_id in offer_ids:
            cart.lines.remove(line)
    db.session.flush()


def merge_into_user_cart(token: str | None, user) -> Cart | None:
    """At login: the anonymous cart's lines join the user's cart (quantities added), then it goes."""
    anonymous = cart_for_token(token)
    if anonymous is None:
        return cart_for_user(user)
    cart = cart_for_user(user, create=True)
    existing = {line.offer_id: line for line in cart.lines}
    for line in anonymous.lines:
        if line.offer.vendor and is_own_offer(user, line.offer):
            continue
        if line.offer_id in existing:
            merged = existing[line.offer_id].quantity + line.quantity
            existing[line.offer_id].quantity = min(merged, MAX_QUANTITY)
        else:
            cart.lines.append(CartLine(offer_id=line.offer_id, quantity=line.quantity))
    choices = dict(cart.fulfilment_choices or {})
    choices.update(anonymous.fulfilment_choices or {})
    cart.fulfilment_choices = choices
    db.session.delete(anonymous)
    db.session.flush()
    return cart
