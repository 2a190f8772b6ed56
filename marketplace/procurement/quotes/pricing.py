"""The money of a quote: lines excluding VAT, VAT per rate, totals, in integer cents.

VAT is computed per rate on the sum of the lines' net amounts, as an invoice
does; each line's VAT-inclusive share is then allocated from its rate's total
with no cent lost, so that the professional order and its invoice (which the
shop derives from VAT-inclusive line totals) show exactly the quote's amounts.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from marketplace.core.money import allocate, vat_on_net
from marketplace.procurement.quotes.errors import QuoteError

# French VAT rates, and 0 for structures not liable to VAT (art. 293 B CGI).
VAT_CHOICES_BP = (2000, 1000, 550, 210, 0)
MAX_LINES = 50
MAX_QUANTITY = 1_000_000
MAX_UNIT_PRICE_CENTS = 100_000_000  # one million euros


@dataclass(frozen=True)
class LineInput:
    designation: str
    quantity: int
    unit: str | None
    unit_price_cents: int  # excluding VAT
    vat_rate_bp: int


@dataclass(frozen=True)
class PricedLine:
    line: LineInput
    net_cents: int
    gross_cents: int


@dataclass
class Totals:
    net_cents: int = 0
    vat_cents: int = 0
    total_cents: int = 0
    breakdown: dict[str, dict[str, int]] = field(default_factory=dict)
    lines: list[PricedLine] = field(default_factory=list)


def check_lines(lines: list[LineInput]) -> None:
    """Refuse an empty quote, and lines no invoice could carry."""
    if not lines:
        raise QuoteError(_l("Ajoutez au moins une ligne au devis."), field="lines")
    if len(lines) > MAX_LINES:
        raise QuoteError(_l("Un devis compte au plus %(n)s lignes.", n=MAX_LINES), field="lines")
    for position, line in enumerate(lines, start=1):
        if not line.designation.strip():
            raise QuoteError(_l("Ligne %(n)s : indiquez la désignation.", n=position), field="lines")
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise QuoteError(_l("Ligne %(n)s : la quantité doit être comprise entre 1 et 1 000 000.", n=position),
                             field="lines")
        if not 0 <= line.unit_price_cents <= MAX_UNIT_PRICE_CENTS:
            raise QuoteError(_l("Ligne %(n)s : le prix unitaire n'est pas valide.", n=position), field="lines")
        if line.vat_rate_bp not in VAT_CHOICES_BP:
            raise QuoteError(_l("Ligne %(n)s : choisissez un taux de TVA de la liste.", n=position), field="lines")


def price(lines: list[LineInput]) -> Totals:
    """Net per line, VAT per rate, totals, and each line's VAT-inclusive share."""
    nets = [line.quantity * line.unit_price_cents for line in lines]
    by_rate: dict[int, list[int]] = defaultdict(list)
    for index, line in enumerate(lines):
        by_rate[line.vat_rate_bp].append(index)
    gross = [0] * len(lines)
    breakdown: dict[str, dict[str, int]] = {}
    for rate in sorted(by_rate, reverse=True):
        indexes = by_rate[rate]
        net = sum(nets[i] for i in indexes)
        vat = vat_on_net(net, rate)
        breakdown[str(rate)] = {"net": net, "vat": vat, "gross": net + vat}
        weights = [nets[i] for i in indexes]
        shares = allocate(net + vat, weights) if sum(weights) > 0 else [0] * len(indexes)
        for i, share in zip(indexes, shares, strict=True):
            gross[i] = share
    net_total = sum(item["net"] for item in breakdown.values())
    vat_total = sum(item["vat"] for item in breakdown.values())
    return Totals(
        net_cents=net_total,
        vat_cents=vat_total,
        total_cents=net_total + vat_total,
        breakdown=breakdown,
        lines=[PricedLine(line, nets[i], gross[i]) for i, line in enumerate(lines)],
    )
