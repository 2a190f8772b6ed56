"""Money maths of a vendor part: subtotal, delivery fee, VAT per rate, commission.

The cart page, the checkout and the invoice use these same functions, so the
amounts a consumer sees are the amounts charged and invoiced.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from marketplace.core.money import allocate, percentage, vat_from_gross


@dataclass(frozen=True)
class PricedLine:
    vat_rate_bp: int
    total_cents: int
    delivered: bool = False
    delivery_fee_cents: int = 0


def delivery_fee(lines: Iterable[PricedLine]) -> int:
    """One flat fee per vendor order: the highest fee among its delivered lines."""
    return max((line.delivery_fee_cents for line in lines if line.delivered), default=0)


def vat_breakdown(lines: list[PricedLine], fee_cents: int = 0) -> dict[str, dict[str, int]]:
    """``{rate_bp: {net, vat, gross}}``; the delivery fee follows the rates of the goods it carries.

    The fee is an accessory cost: it is split across the rates in proportion
    to the delivered lines' amounts, with no cent lost.
    """
    gross_by_rate: dict[int, int] = defaultdict(int)
    for line in lines:
        gross_by_rate[line.vat_rate_bp] += line.total_cents
    if fee_cents:
        carried = [line for line in lines if line.delivered] or lines
        weights: dict[int, int] = defaultdict(int)
        for line in carried:
            weights[line.vat_rate_bp] += max(line.total_cents, 1)
        rates = sorted(weights)
        if rates:
            for rate, share in zip(rates, allocate(fee_cents, [weights[r] for r in rates]), strict=True):
                gross_by_rate[rate] += share
        else:
            gross_by_rate[2000] += fee_cents
    result = {}
    for rate in sorted(gross_by_rate, reverse=True):
        net, vat = vat_from_gross(gross_by_rate[rate], rate)
        result[str(rate)] = {"net": net, "vat": vat, "gross": gross_by_rate[rate]}
    return result


def merge_breakdowns(breakdowns: Iterable[dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    merged: dict[str, dict[str, int]] = {}
    for breakdown in breakdowns:
        for rate, item in breakdown.items():
            slot = merged.setdefault(rate, {"net": 0, "vat": 0, "gross": 0})
            for key in slot:
                slot[key] += item[key]
    return dict(sorted(merged.items(), key=lambda kv: -int(kv[0])))


def scaled_breakdown(breakdown: dict[str, dict[str, int]], amount_cents: int) -> dict[str, dict[str, int]]:
    """A part of a document (a partial refund) split across its rates in proportion."""
    rates = list(breakdown)
    total = sum(item["gross"] for item in breakdown.values())
    if not rates or total <= 0 or amount_cents == total:
        return {rate: dict(item) for rate, item in breakdown.items()}
    shares = allocate(amount_cents, [max(breakdown[r]["gross"], 1) for r in rates])
    result = {}
    for rate, gross in zip(rates, shares, strict=True):
        net, vat = vat_from_gross(gross, int(rate))
        result[rate] = {"net": net, "vat": vat, "gross": gross}
    return result


def commission(total_cents: int, commission_bp: int) -> int:
    """The platform's share of a vendor order, rounded half-up to the cent."""
    return percentage(total_cents, commission_bp)
