"""The vendor's sales dashboard: monthly sales, totals, transfers and the CSV export."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from marketplace.core.clock import freeze
from marketplace.extensions import db as _db
from marketplace.payments.models import Transfer, TransferStatus
from marketplace.shop import dashboard, orders
from marketplace.shop.models import VendorOrderStatus
from tests.factories import UserFactory
from tests.shop.conftest import place_order

UTC = dt.UTC


def _paid_order(consumer, *items, at: dt.datetime, **kwargs):
    freeze(at)
    group = place_order(consumer, *items, **kwargs)
    orders.mark_paid(group, group.total_cents)
    return group


def _part(group, vendor):
    return next(vo for vo in group.vendor_orders if vo.vendor_id == vendor.id)


@pytest.fixture
def sales(db, world):
    """Vendor A: a completed order in January, a refunded one in March (paid at 00:30 Paris on
    1 April), an order being prepared in June. Vendor B: one sale in June. Today: 15 June 2026."""
    jan = _paid_order(world.consumer, (world.jam, 2), at=dt.datetime(2026, 1, 10, 9, tzinfo=UTC))
    part = _part(jan, world.vendor_a)
    orders.mark_preparing(part)
    orders.mark_ready(part)
    orders.complete(part)
    # 31 March 22:30 UTC is already 1 April in Paris (summer time)
    april = _paid_order(world.consumer, (world.honey, 1), at=dt.datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
    cancelled = _part(april, world.vendor_a)
    orders.cancel_by_vendor(cancelled, "Rupture de stock")
    orders.refunded(cancelled, cancelled.total_cents)
    june = _paid_order(world.consumer, (world.jam, 1), (world.soap, 2), at=dt.datetime(2026, 6, 2, 14, tzinfo=UTC))
    orders.mark_preparing(_part(june, world.vendor_a))
    freeze(dt.datetime(2026, 6, 15, 10, tzinfo=UTC))
    db.session.commit()
    return {"jan": _part(jan, world.vendor_a), "april": cancelled, "june": _part(june, world.vendor_a),
            "june_b": _part(june, world.vendor_b)}


def test_monthly_sales_follow_paris_months(db, world, sales):
    months = dashboard.monthly_sales(world.vendor_a.id, dt.date(2026, 6, 15))
    assert [m.start for m in months][0] == dt.date(2025, 7, 1)
    assert [m.start for m in months][-1] == dt.date(2026, 6, 1)
    by_month = {m.start: m.totals for m in months}
    assert by_month[dt.date(2026, 1, 1)].gross_cents == 1300 and by_month[dt.date(2026, 1, 1)].orders == 1
    assert by_month[dt.date(2026, 3, 1)].orders == 0
    assert by_month[dt.date(2026, 4, 1)].gross_cents == 1200
    assert by_month[dt.date(2026, 4, 1)].refunded_cents == 1200
    assert by_month[dt.date(2026, 4, 1)].commission_cents == 0  # nothing is due on a refunded order
    assert by_month[dt.date(2026, 6, 1)].gross_cents == 650  # vendor B's soap is not counted
    assert sum(m.totals.orders for m in months) == 3


def test_dashboard_page_shows_totals_chart_table_and_transfers(db, world, sales, login_as):
    client = login_as(world.owner_a)
    response = client.get(f"/espace-fournisseur/{world.vendor_a.id}/ventes")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    jan, june = sales["jan"], sales["june"]
    gross = jan.total_cents + sales["april"].total_cents + june.total_cents
    commission = jan.commission_cents + june.commission_cents
    net = gross - sales["april"].total_cents - commission
    assert gross == 1300 + 1200 + 650 and commission == 65 + 33
    assert 'data-total="gross">31,50\u00a0€' in html
    assert 'data-total="refunded">12,00\u00a0€' in html
    assert 'data-total="commission">0,98\u00a0€' in html
    assert f'data-total="net">{net // 100},{net % 100:02d}\u00a0€' in html
    assert "<svg" in html and 'role="img"' in html
    assert html.count("<rect ") == 12
    assert "juin 2026" in html and "juillet 2025" in html  # the table alternative
    # vendor A has no payouts: the completed order's transfer waits, with the explanation
    transfer = db.session.scalar(sa.select(Transfer).where(Transfer.vendor_order_id == jan.id))
    assert transfer.status is TransferStatus.PENDING
    assert "Les versements ne sont pas encore activés" in html
    assert "activation de vos versements." in html
    assert "Télécharger le CSV" in html


def test_dashboard_is_linked_from_the_vendor_space(db, world, login_as):
    client = login_as(world.owner_a)
    html = client.get("/espace-fournisseur").get_data(as_text=True)
    assert f"/espace-fournisseur/{world.vendor_a.id}/ventes" in html


def test_empty_dashboard_explains_itself(db, world, login_as):
    client = login_as(world.owner_b)
    html = client.get(f"/espace-fournisseur/{world.vendor_b.id}/ventes").get_data(as_text=True)
    assert "Aucune vente sur les douze derniers mois" in html
    assert 'id="chart-svg-title"' not in html


def _csv(response):
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_csv_export_of_a_period(db, world, sales, login_as):
    client = login_as(world.owner_a)
    response = client.get(f"/espace-fournisseur/{world.vendor_a.id}/ventes/export.csv",
                          query_string={"start": "2026-01-01", "end": "2026-04-01"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == ["Date", "Commande", "Facture", "Statut", "Montant TTC (€)", "Dont TVA (€)",
                       "Remboursé (€)", "Commission (€)", "Net (€)", "Versement"]
    assert len(rows) == 3  # the June order is outside the period
    jan, april = sales["jan"], sales["april"]
    assert rows[1] == ["10/01/2026", jan.reference, jan.invoice.number, "Terminée", "13,00", "0,68", "0,00",
                       "0,65", "12,35", "En attente"]
    assert rows[2][0] == "01/04/2026"  # the Paris day of the payment
    assert rows[2][1:4] == [april.reference, april.invoice.number, "Remboursée"]
    assert rows[2][4:] == ["12,00", "0,63", "12,00", "0,00", "0,00", "Aucun"]


def test_csv_export_lists_only_the_vendors_own_orders(db, world, sales, login_as):
    client = login_as(world.owner_b)
    rows = _csv(client.get(f"/espace-fournisseur/{world.vendor_b.id}/ventes/export.csv",
                           query_string={"start": "2026-01-01", "end": "2026-06-30"}))
    assert [row[1] for row in rows[1:]] == [sales["june_b"].reference]
    assert rows[1][9] == "À la fin de la commande"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-05-01", "end": "2026-04-01"}, "La date de fin doit suivre la date de début."),
        ({"start": "pas une date", "end": "2026-04-01"}, "Date invalide"),
        ({"start": "", "end": "2026-04-01"}, "Indiquez la date de début."),
        ({"start": "2020-01-01", "end": "2026-04-01"}, "La période ne peut dépasser trois ans."),
    ],
)
def test_bad_export_periods_are_refused_next_to_the_fields(db, world, login_as, query, message):
    client = login_as(world.owner_a)
    response = client.get(f"/espace-fournisseur/{world.vendor_a.id}/ventes/export.csv", query_string=query)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="form-errors"' in html


def test_only_the_vendors_members_see_its_sales(db, world, sales, client, login_as):
    url = f"/espace-fournisseur/{world.vendor_a.id}/ventes"
    export = url + "/export.csv?start=2026-01-01&end=2026-06-30"
    login_as(world.owner_b)
    assert client.get(url).status_code == 404
    assert client.get(export).status_code == 404
    login_as(world.consumer)
    assert client.get(url).status_code == 403
    login_as(None)
    assert "/compte/connexion" in client.get(url).headers["Location"]
    login_as(UserFactory(admin=True))
    assert client.get(url).status_code == 200


def test_dashboard_queries_do_not_grow_with_the_orders(db, world, login_as):
    """Sums are made by the database: the number of queries does not depend on the orders."""
    client = login_as(world.owner_b)
    url = f"/espace-fournisseur/{world.vendor_b.id}/ventes"

    def count_queries(path):
        statements = []

        def _count(*args, **kwargs):
            statements.append(1)

        engine = _db.session.get_bind()
        sa.event.listen(engine, "before_cursor_execute", _count)
        try:
            assert client.get(path).status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", _count)
        return len(statements)

    _paid_order(world.consumer, (world.soap, 1), at=dt.datetime(2026, 2, 3, 9, tzinfo=UTC))
    freeze(dt.datetime(2026, 6, 15, 10, tzinfo=UTC))
    db.session.commit()
    count_queries(url)  # warm-up: the first request loads what later ones find cached
    few = count_queries(url), count_queries(url + "/export.csv?start=2026-01-01&end=2026-06-30")
    for month in (2, 3, 4, 5):
        for day in (4, 5, 6):
            _paid_order(world.consumer, (world.soap, 1), at=dt.datetime(2026, month, day, 9, tzinfo=UTC))
    freeze(dt.datetime(2026, 6, 15, 10, tzinfo=UTC))
    db.session.commit()
    count_queries(url)
    many = count_queries(url), count_queries(url + "/export.csv?start=2026-01-01&end=2026-06-30")
    assert many == few


def test_chart_bars_scale_to_the_best_month():
    months = [dashboard.Month(dt.date(2026, m, 1), dashboard.Totals(gross_cents=g)) for m, g in
              ((1, 0), (2, 500), (3, 1000))]
    bars = dashboard.chart_bars(months, width=300, height=100, gap=0)
    assert [b.height for b in bars] == [0, 50, 100]
    assert [b.y for b in bars] == [100, 50, 0]
    assert [b.x for b in bars] == [0, 100, 200]


def test_euros_use_a_decimal_comma():
    assert dashboard.euros(123456) == "1234,56"
    assert dashboard.euros(5) == "0,05"
    assert dashboard.euros(-1250) == "-12,50"


def test_statuses_counted_are_paid_orders_only(db, world):
    freeze(dt.datetime(2026, 6, 1, 9, tzinfo=UTC))
    place_order(world.consumer, (world.jam, 1))  # pending payment: not a sale
    db.session.flush()
    board = dashboard.vendor_dashboard(world.vendor_a, dt.date(2026, 6, 15))
    assert board.totals.orders == 0 and VendorOrderStatus.PENDING_PAYMENT not in board.status_counts
