"""The vendor's sales dashboard: sales by month, totals, transfers, CSV export.

A sale is a vendor order that was paid (``paid_at`` set), counted in the
month of its payment, in Europe/Paris time. Gross is the amount paid by
consumers (VAT included, delivery included); refunds are shown apart;
the commission is due only on what was not refunded; net is what the vendor
receives: gross − refunds − commission. All sums are made by the database,
in integer cents. A professional order paid on invoice counts once the vendor
has recorded the buyer's bank transfer (its ``paid_at``).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import now_utc
from marketplace.core.money import cents_to_decimal
from marketplace.extensions import db
from marketplace.shop.errors import ShopError
from marketplace.shop.models import (
    Invoice,
    PaymentMethod,
    VendorOrder,
    VendorOrderStatus,
    order_reference,
)

PARIS = ZoneInfo("Europe/Paris")
MONTHS = 12
MAX_EXPORT_DAYS = 366 * 3

V = VendorOrderStatus


class DashboardError(ShopError):
    """A refused dashboard request (a bad export period), with a French message."""


# ---------------------------------------------------------------- periods


def paris_day_start(day: dt.date) -> dt.datetime:
    """The UTC instant at which ``day`` begins in Paris."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=PARIS).astimezone(dt.UTC)


def month_starts(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The first days of the last ``count`` months (oldest first), the current month included,
    followed by the first day of next month (the end bound)."""
    year, month = today.year, today.month
    firsts = []
    for _ in range(count):
        firsts.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    firsts.reverse()
    last = firsts[-1]
    firsts.append(dt.date(last.year + 1, 1, 1) if last.month == 12 else dt.date(last.year, last.month + 1, 1))
    return firsts


def paris_today() -> dt.date:
    return now_utc().astimezone(PARIS).date()


# ---------------------------------------------------------------- amounts


def _paid_sales(vendor_id: int):
    return sa.and_(VendorOrder.vendor_id == vendor_id, VendorOrder.paid_at.is_not(None))


def _commission_due():
    """The commission stays due on orders not refunded in full (nothing is due on a refunded order)."""
    return sa.case(
        (VendorOrder.refunded_cents >= VendorOrder.total_cents, 0),
        (VendorOrder.status == V.CANCELLED, 0),
        else_=VendorOrder.commission_cents,
    )


def _sums():
    gross = sa.func.coalesce(sa.func.sum(VendorOrder.total_cents), 0)
    vat = sa.func.coalesce(sa.func.sum(VendorOrder.vat_cents), 0)
    refunded = sa.func.coalesce(sa.func.sum(VendorOrder.refunded_cents), 0)
    commission = sa.func.coalesce(sa.func.sum(_commission_due()), 0)
    return gross, vat, refunded, commission, sa.func.count(VendorOrder.id)


@dataclass
class Totals:
    gross_cents: int = 0
    vat_cents: int = 0
    refunded_cents: int = 0
    commission_cents: int = 0
    orders: int = 0

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.refunded_cents - self.commission_cents

    @classmethod
    def from_row(cls, row) -> Totals:
        gross, vat, refunded, commission, count = row
        return cls(int(gross or 0), int(vat or 0), int(refunded or 0), int(commission or 0), int(count or 0))


@dataclass
class Month:
    start: dt.date
    totals: Totals


@dataclass
class TransferLine:
    status: object  # payments TransferStatus, or None for "no transfer yet"
    count: int
    amount_cents: int


@dataclass
class Dashboard:
    vendor: object
    months: list[Month]
    totals: Totals
    transfers: list[TransferLine]
    awaiting_transfer: TransferLine  # sales in progress: transfer made when the order is completed
    payouts_enabled: bool
    period_start: dt.date
    period_end: dt.date  # inclusive
    status_counts: dict = field(default_factory=dict)

    @property
    def max_gross_cents(self) -> int:
        return max((m.totals.gross_cents for m in self.months), default=0)

    @property
    def has_sales(self) -> bool:
        return self.totals.orders > 0


def monthly_sales(vendor_id: int, today: dt.date | None = None, count: int = MONTHS) -> list[Month]:
    """Sales of the last ``count`` months (Paris months), one aggregated query."""
    firsts = month_starts(today or paris_today(), count)
    bounds = [paris_day_start(day) for day in firsts]
    bucket = sa.case(
        *[
            (sa.and_(VendorOrder.paid_at >= bounds[i], VendorOrder.paid_at < bounds[i + 1]), i)
            for i in range(count)
        ],
        else_=-1,
    ).label("bucket")
    rows = db.session.execute(
        sa.select(bucket, *_sums())
        .where(_paid_sales(vendor_id), VendorOrder.paid_at >= bounds[0], VendorOrder.paid_at < bounds[-1])
        .group_by(bucket)
    ).all()
    by_bucket = {row[0]: Totals.from_row(row[1:]) for row in rows}
    return [Month(firsts[i], by_bucket.get(i, Totals())) for i in range(count)]


def _transfer_lines(vendor_id: int, start: dt.datetime, end: dt.datetime) -> tuple[list[TransferLine], TransferLine]:
    from marketplace.payments.models import Transfer, TransferStatus

    rows = db.session.execute(
        sa.select(Transfer.status, sa.func.count(Transfer.id), sa.func.coalesce(sa.func.sum(Transfer.amount_cents), 0))
        .join(VendorOrder, VendorOrder.id == Transfer.vendor_order_id)
        .where(_paid_sales(vendor_id), VendorOrder.paid_at >= start, VendorOrder.paid_at < end)
        .group_by(Transfer.status)
    ).all()
    found = {status: TransferLine(status, int(count), int(amount)) for status, count, amount in rows}
    lines = [found.get(status, TransferLine(status, 0, 0)) for status in TransferStatus]
    # Paid parts still being fulfilled: their transfer is made at completion.
    in_progress = db.session.execute(
        sa.select(
            sa.func.count(VendorOrder.id),
            sa.func.coalesce(sa.func.sum(VendorOrder.total_cents - VendorOrder.commission_cents - VendorOrder.refunded_cents), 0),
        )
        .outerjoin(Transfer, Transfer.vendor_order_id == VendorOrder.id)
        .where(
            _paid_sales(vendor_id),
            VendorOrder.paid_at >= start,
            VendorOrder.paid_at < end,
            Transfer.id.is_(None),
            VendorOrder.status.in_((V.PAID, V.PREPARING, V.READY_FOR_PICKUP, V.SHIPPED)),
        )
    ).one()
    return lines, TransferLine(None, int(in_progress[0]), int(in_progress[1]))


def vendor_dashboard(vendor, today: dt.date | None = None) -> Dashboard:
    """Everything the dashboard shows, for the last twelve months."""
    today = today or paris_today()
    months = monthly_sales(vendor.id, today)
    start = paris_day_start(months[0].start)
    end = paris_day_start(today + dt.timedelta(days=1))
    totals = Totals.from_row(
        db.session.execute(
            sa.select(*_sums()).where(_paid_sales(vendor.id), VendorOrder.paid_at >= start, VendorOrder.paid_at < end)
        ).one()
    )
    transfers, awaiting = _transfer_lines(vendor.id, start, end)
    counts = dict(
        db.session.execute(
            sa.select(VendorOrder.status, sa.func.count(VendorOrder.id))
            .where(_paid_sales(vendor.id), VendorOrder.paid_at >= start, VendorOrder.paid_at < end)
            .group_by(VendorOrder.status)
        ).all()
    )
    return Dashboard(
        vendor=vendor,
        months=months,
        totals=totals,
        transfers=transfers,
        awaiting_transfer=awaiting,
        payouts_enabled=bool(vendor.payouts_enabled),
        period_start=months[0].start,
        period_end=today,
        status_counts=counts,
    )


# ---------------------------------------------------------------- chart


@dataclass
class Bar:
    month: Month
    x: float
    y: float
    width: float
    height: float


def chart_bars(months: list[Month], width: int = 720, height: int = 220, gap: int = 8) -> list[Bar]:
    """Bar geometry for the inline SVG chart (gross amount per month)."""
    top = max((m.totals.gross_cents for m in months), default=0) or 1
    slot = width / max(len(months), 1)
    bars = []
    for i, month in enumerate(months):
        h = round(height * month.totals.gross_cents / top, 1)
        bars.append(Bar(month, round(i * slot + gap / 2, 1), round(height - h, 1), round(slot - gap, 1), h))
    return bars


# ---------------------------------------------------------------- CSV export


def default_export_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or paris_today()
    return today.replace(day=1), today


def check_period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    if start is None or end is None:
        raise DashboardError(_l("Indiquez les deux dates de la période."), field="start" if start is None else "end")
    if end < start:
        raise DashboardError(_l("La date de fin doit suivre la date de début."), field="end")
    if (end - start).days > MAX_EXPORT_DAYS:
        raise DashboardError(_l("La période ne peut dépasser trois ans."), field="end")
    return start, end


def export_rows(vendor_id: int, start: dt.date, end: dt.date):
    """Vendor orders paid between ``start`` and ``end`` (Paris days, inclusive), with their
    invoice number and transfer status, in one query."""
    from marketplace.payments.models import Transfer

    return db.session.execute(
        sa.select(
            VendorOrder.id,
            VendorOrder.order_group_id,
            VendorOrder.paid_at,
            VendorOrder.status,
            VendorOrder.total_cents,
            VendorOrder.vat_cents,
            VendorOrder.refunded_cents,
            _commission_due().label("commission_cents"),
            Invoice.number,
            Transfer.status,
            VendorOrder.payment_method,
        )
        .outerjoin(Invoice, Invoice.vendor_order_id == VendorOrder.id)
        .outerjoin(Transfer, Transfer.vendor_order_id == VendorOrder.id)
        .where(
            _paid_sales(vendor_id),
            VendorOrder.paid_at >= paris_day_start(start),
            VendorOrder.paid_at < paris_day_start(end + dt.timedelta(days=1)),
        )
        .order_by(VendorOrder.paid_at, VendorOrder.id)
    ).all()


def euros(cents: int) -> str:
    """``123456`` → ``1234,56`` (French decimal comma, no thousands separator, for spreadsheets)."""
    return str(cents_to_decimal(int(cents))).replace(".", ",")


CSV_HEADER = (
    _l("Date"),
    _l("Commande"),
    _l("Facture"),
    _l("Statut"),
    _l("Montant TTC (€)"),
    _l("Dont TVA (€)"),
    _l("Remboursé (€)"),
    _l("Commission (€)"),
    _l("Net (€)"),
    _l("Versement"),
)


def sales_csv(vendor, start: dt.date | None, end: dt.date | None) -> str:
    """The French CSV of a period: ';' separated, amounts in euros with a decimal comma,
    UTF-8 with a byte order mark (so that spreadsheets read the accents)."""
    start, end = check_period(start, end)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(title) for title in CSV_HEADER])
    for row in export_rows(vendor.id, start, end):
        (vo_id, group_id, paid_at, status, total, vat, refunded, commission, invoice_number, transfer_status,
         payment_method) = row
        paid_at = paid_at if paid_at.tzinfo else paid_at.replace(tzinfo=dt.UTC)
        if payment_method is PaymentMethod.INVOICE:
            transfer = str(_l("Virement du client (sur facture)"))
        elif transfer_status is not None:
            transfer = transfer_status.label
        elif status in (V.CANCELLED, V.REFUNDED):
            transfer = str(_l("Aucun"))
        else:
            transfer = str(_l("À la fin de la commande"))
        writer.writerow(
            [
                paid_at.astimezone(PARIS).strftime("%d/%m/%Y"),
                order_reference(group_id, vo_id),
                invoice_number or "",
                status.label,
                euros(total),
                euros(vat),
                euros(refunded),
                euros(commission),
                euros(total - refunded - commission),
                transfer,
            ]
        )
    return out.getvalue()


def export_filename(vendor, start: dt.date, end: dt.date) -> str:
    return f"ventes-{vendor.slug or vendor.id}-{start.isoformat()}-{end.isoformat()}.csv"
