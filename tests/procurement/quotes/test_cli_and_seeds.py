"""`flask quotes tick` and the demo quote requests."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from marketplace.core import clock
from marketplace.procurement.quotes.models import QuoteRequest, QuoteStatus, RequestStatus
from marketplace.shop.models import PaymentMethod, VendorOrder, VendorOrderStatus
from seeds import demo
from seeds import quotes as seed_quotes
from seeds.base import SeedContext
from tests.procurement.quotes.conftest import open_request

NOW = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)


def test_tick_command_closes_requests_past_their_deadline(world, db, app):
    clock.freeze(NOW)
    request = open_request(world)
    db.session.commit()
    runner = app.test_cli_runner()
    clock.freeze(request.response_deadline - dt.timedelta(minutes=1))
    result = runner.invoke(args=["quotes", "tick"])
    assert result.exit_code == 0 and "closed: 0" in result.output
    clock.freeze(request.response_deadline)
    result = runner.invoke(args=["quotes", "tick"])
    assert result.exit_code == 0 and "closed: 1, expired: 0, quotes_expired: 0" in result.output
    db.session.refresh(request)
    assert request.status is RequestStatus.CLOSED


def test_demo_requests_in_every_state(app, db):
    clock.freeze(NOW)
    ctx = SeedContext(config=current_app.config, now=clock.now_utc())
    assert ("quote requests, quotes and professional orders", seed_quotes.seed_quotes) in demo.STEPS
    for _name, step in demo.STEPS:
        if step is not seed_quotes.seed_quotes and step.__module__ in ("seeds.committee", "seeds.vendors",
                                                                      "seeds.accounts", "seeds.catalogue"):
            step(ctx)
    seed_quotes.seed_quotes(ctx)
    requests = list(db.session.scalars(sa.select(QuoteRequest)))
    assert {r.status for r in requests} == set(RequestStatus)
    quotes = [q for r in requests for q in r.quotes]
    assert any(q.is_revised for q in quotes) and any(q.status is QuoteStatus.DECLINED for q in quotes)
    order = db.session.scalars(sa.select(VendorOrder).where(VendorOrder.payment_method == PaymentMethod.INVOICE)
                               ).one()
    assert order.status is VendorOrderStatus.COMPLETED and order.invoice is not None
    assert order.payment_due_on == order.invoice.issued_at.date() + dt.timedelta(days=30)
    created = sum(ctx.created.values())
    seed_quotes.seed_quotes(SeedContext(config=current_app.config, now=clock.now_utc()))  # idempotent
    assert len(list(db.session.scalars(sa.select(QuoteRequest)))) == len(requests) and created > 0
