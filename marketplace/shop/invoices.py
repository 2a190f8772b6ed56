"""Invoices and credit notes, numbered per vendor without gaps.

A number is taken by incrementing the vendor's ``invoice_sequence`` row for the
kind and year in the same transaction as the document: the UPDATE locks the
row until commit, so concurrent issuers wait for each other, and a rolled-back
transaction gives its number back. Numbers look like ``F-2026-000012`` and
``AV-2026-000003``.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.core.clock import now_utc
from marketplace.extensions import db
from marketplace.shop import pricing
from marketplace.shop.models import CreditNote, DocumentKind, Invoice, InvoiceSequence, VendorOrder
from marketplace.shop.pricing import PricedLine

PREFIXES = {DocumentKind.INVOICE: "F", DocumentKind.CREDIT_NOTE: "AV"}
_seq = InvoiceSequence.__table__


def next_number(vendor_id: int, kind: DocumentKind, year: int) -> int:
    """Allocate the next number of the vendor's sequence (row-locked until commit)."""
    session = db.session
    stmt = (
        _seq.update()
        .where(_seq.c.vendor_id == vendor_id, _seq.c.kind == kind.value, _seq.c.year == year)
        .values(last_number=_seq.c.last_number + 1)
        .returning(_seq.c.last_number)
    )
    number = session.execute(stmt).scalar_one_or_none()
    if number is None:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            insert(_seq)
            .values(vendor_id=vendor_id, kind=kind.value, year=year, last_number=0)
            .on_conflict_do_nothing()
        )
        number = session.execute(stmt).scalar_one()
    return number


def format_number(kind: DocumentKind, year: int, number: int) -> str:
    return f"{PREFIXES[kind]}-{year}-{number:06d}"


def vat_breakdown(vendor_order: VendorOrder) -> dict[str, dict[str, int]]:
    """Net, VAT and gross per rate of a vendor order, its delivery fee included."""
    return pricing.vat_breakdown(
        [PricedLine(line.vat_rate_bp, line.total_cents, line.delivered) for line in vendor_order.lines],
        vendor_order.delivery_fee_cents,
    )


def _seller(vendor) -> dict:
    address = ", ".join(p for p in [vendor.address, " ".join(p for p in [vendor.postal_code, vendor.commune] if p)] if p)
    return {
        "name": vendor.name,
        "legal_name": vendor.legal_name or vendor.name,
        "legal_form": vendor.legal_form.value if vendor.legal_form else None,
        "siret": vendor.siret,
        "address": address,
        "email": vendor.email,
        "phone": vendor.phone,
    }


def _buyer(vendor_order: VendorOrder) -> dict:
    if vendor_order.order_group is None:
        from marketplace.shop.pro_orders import buyer_identity

        return buyer_identity(vendor_order)
    group = vendor_order.order_group
    return {
        "name": group.contact_name,
        "email": group.contact_email,
        "address": ", ".join(
            p for p in [group.address_line, " ".join(p for p in [group.postal_code, group.city] if p)] if p
        ),
    }


def _numbered_document(vendor_order: VendorOrder, kind: DocumentKind, breakdown: dict, total_cents: int) -> dict:
    """The fields an invoice and a credit note share: the next number of the vendor's
    series for this year, the amounts, and the parties as they are today."""
    now = now_utc()
    number = next_number(vendor_order.vendor_id, kind, now.year)
    return {
        "vendor_id": vendor_order.vendor_id,
        "vendor_order": vendor_order,
        "number": format_number(kind, now.year, number),
        "sequence": number,
        "year": now.year,
        "issued_at": now,
        "net_cents": sum(item["net"] for item in breakdown.values()),
        "vat_cents": sum(item["vat"] for item in breakdown.values()),
        "total_cents": total_cents,
        "seller": _seller(vendor_order.vendor),
        "buyer": _buyer(vendor_order),
        "vat_breakdown": breakdown,
    }


def issue_invoice(vendor_order: VendorOrder) -> Invoice:
    """The vendor order's invoice (one per vendor order; issuing twice returns the first)."""
    if vendor_order.invoice is not None:
        return vendor_order.invoice
    breakdown = vat_breakdown(vendor_order)
    invoice = Invoice(
        **_numbered_document(vendor_order, DocumentKind.INVOICE, breakdown, vendor_order.total_cents)
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice


def issue_credit_note(vendor_order: VendorOrder, amount_cents: int, reason: str | None = None) -> CreditNote:
    """A credit note (avoir) for ``amount_cents`` of the vendor order's invoice."""
    if amount_cents <= 0:
        raise ValueError("a credit note needs a positive amount")
    invoice = vendor_order.invoice or issue_invoice(vendor_order)
    breakdown = pricing.scaled_breakdown(invoice.vat_breakdown, amount_cents)
    note = CreditNote(
        **_numbered_document(vendor_order, DocumentKind.CREDIT_NOTE, breakdown, amount_cents),
        invoice=invoice,
        reason=reason,
    )
    db.session.add(note)
    db.session.flush()
    return note


def invoices_of(vendor_id: int, year: int | None = None) -> list[Invoice]:
    stmt = sa.select(Invoice).where(Invoice.vendor_id == vendor_id)
    if year is not None:
        stmt = stmt.where(Invoice.year == year)
    return list(db.session.scalars(stmt.order_by(Invoice.year, Invoice.sequence)))
