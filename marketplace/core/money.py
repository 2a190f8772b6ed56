"""Exact money: integer cents (EUR) and VAT rates in basis points."""
from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency

# French VAT rates, in basis points (1 % = 100 bp).
VAT_RATES_BP = (2000, 1000, 550, 210)
BP = 10_000


class MoneyError(ValueError):
    pass


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_amount(text: str | int | float | Decimal) -> int:
    """Parse ``"12,50"``, ``"12.5"`` or ``"1 234,00 €"`` into cents."""
    if isinstance(text, int):
        return text * 100
    raw = str(text).replace("€", "").replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise MoneyError(f"Not an amount: {text!r}") from exc
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise MoneyError("At most two decimals")
    return _round(value * 100)


def cents_to_decimal(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def vat_from_gross(gross_cents: int, rate_bp: int) -> tuple[int, int]:
    """Split a VAT-inclusive amount into (net, vat), rounded half-up on the VAT."""
    net = _round(Decimal(gross_cents) * BP / (BP + rate_bp))
    return net, gross_cents - net


def gross_from_net(net_cents: int, rate_bp: int) -> int:
    """VAT-inclusive amount from a net amount."""
    return net_cents + vat_on_net(net_cents, rate_bp)


def vat_on_net(net_cents: int, rate_bp: int) -> int:
    return _round(Decimal(net_cents) * rate_bp / BP)


def percentage(amount_cents: int, rate_bp: int) -> int:
    """``rate_bp`` basis points of an amount (commission), rounded half-up."""
    return _round(Decimal(amount_cents) * rate_bp / BP)


def allocate(total_cents: int, weights: list[int]) -> list[int]:
    """Split ``total_cents`` proportionally to ``weights`` with no cent lost."""
    if not weights or sum(weights) <= 0:
        raise MoneyError("allocate() needs positive weights")
    total_weight = sum(weights)
    shares = [total_cents * w // total_weight for w in weights]
    remainders = sorted(
        range(len(weights)), key=lambda i: (total_cents * weights[i]) % total_weight, reverse=True
    )
    for i in remainders[: total_cents - sum(shares)]:
        shares[i] += 1
    return shares


def format_money(cents: int | None, locale: str | None = None) -> str:
    """``1250`` → ``12,50 €`` in French, ``€12.50`` in English."""
    if cents is None:
        return ""
    return _formatted(int(cents), str(locale or _current_locale()))


@functools.lru_cache(maxsize=8192)
def _formatted(cents: int, locale: str) -> str:
    return format_currency(cents_to_decimal(cents), "EUR", locale=locale)


def format_rate(rate_bp: int, locale: str | None = None) -> str:
    """``550`` → ``5,5 %`` (French), ``5.5%`` (English)."""
    return _formatted_rate(int(rate_bp), str(locale or _current_locale()))


@functools.lru_cache(maxsize=256)
def _formatted_rate(rate_bp: int, locale: str) -> str:
    from babel import Locale
    from babel.numbers import format_percent

    loc = Locale.parse(locale)
    pattern = loc.percent_formats[None].pattern.replace("#,##0", "#,##0.##", 1)
    return format_percent(Decimal(rate_bp) / BP, format=pattern, locale=loc)


def _current_locale() -> str:
    try:
        from flask_babel import get_locale

        loc = get_locale()
        return str(loc) if loc else "fr"
    except (RuntimeError, ImportError):
        return "fr"
