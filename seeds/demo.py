"""``flask seed-demo``: the ordered seed steps and the report printed at the end.

To add demo data, write ``seed_<thing>(ctx: SeedContext) -> None`` in the
module of its domain (keyed get-or-create through ``ctx.get_or_create``,
random draws from ``ctx.rng(...)``) and append it to ``STEPS`` after the steps
it depends on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app

from marketplace.core.clock import now_utc
from marketplace.extensions import db
from seeds import (
    accounts,
    bids,
    catalogue,
    committee,
    orders,
    payments,
    quotes,
    tenders,
    vendors,
    vetting,
)
from seeds.base import SeedContext

Step = Callable[[SeedContext], None]

STEPS: list[tuple[str, Step]] = [
    ("analysis grid", committee.seed_criteria),
    ("charter", vendors.seed_charter),
    ("administrator", accounts.seed_admin),
    ("consumers", accounts.seed_consumers),
    ("buyer organisations", accounts.seed_buyers),
    ("vendor structures", vendors.seed_vendors),
    ("committee members", committee.seed_members),
    ("catalogue categories", catalogue.seed_categories),
    ("catalogue offers", catalogue.seed_offers),
    ("dossiers of the approved structures", vetting.seed_approved_dossiers),
    ("candidate structures and their dossiers", vetting.seed_candidates),
    ("orders in every state", orders.seed_orders),
    ("their payments in the local Stripe simulator", payments.seed_simulator),
    ("calls for tenders in every state", tenders.seed_tenders),
    ("bids, groupements, evaluation and award", bids.seed_bids),
    ("quote requests, quotes and professional orders", quotes.seed_quotes),
]


def run_demo(config: Mapping[str, Any] | None = None) -> SeedContext:
    """Run every step in order; flushes, the caller commits once."""
    ctx = SeedContext(config=config if config is not None else current_app.config, now=now_utc())
    for _name, step in STEPS:
        step(ctx)
    db.session.flush()
    return ctx


def format_report(ctx: SeedContext) -> str:
    lines = []
    if ctx.created:
        counts = ", ".join(f"{name} {count}" for name, count in sorted(ctx.created.items()))
        lines.append(f"Demo data loaded: {sum(ctx.created.values())} rows created ({counts}).")
    else:
        lines.append("Demo data already loaded: nothing to create.")
    lines.append("")
    lines.append(f"Demo logins (password for every account: {ctx.config['DEMO_PASSWORD']}):")
    width = max(len(login.role) for login in ctx.logins)
    for login in ctx.logins:
        lines.append(f"  {login.role:<{width}}  {login.email}")
    lines.extend(vetting.report_lines())
    return "\n".join(lines)
