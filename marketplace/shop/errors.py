"""Errors of the shop, with a French message meant for the user."""
from __future__ import annotations

from marketplace.core.errors import DomainError


class ShopError(DomainError):
    """A refused action; ``message`` is user-facing, ``field`` names the form field concerned."""


class CartError(ShopError):
    pass


class CheckoutError(ShopError):
    pass


class OrderError(ShopError):
    pass


class StockError(CheckoutError):
    """Not enough units left for a line."""

    def __init__(self, message, offer_id: int | None = None):
        super().__init__(message)
        self.offer_id = offer_id


class PaymentPageUnavailable(CheckoutError):
    """The payment page could not be opened; the order was cancelled and its stock released."""
