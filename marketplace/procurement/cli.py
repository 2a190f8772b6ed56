"""`flask procurement tick`: the procurement jobs driven by the clock (run it from cron,
every few minutes). Pages and services never wait for it: each one checks the
deadlines against the clock itself."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from marketplace.extensions import db

procurement_cli = AppGroup("procurement", help="Quote requests and calls for tenders.")


@procurement_cli.command("tick")
def tick() -> None:
    """Close the calls for tenders whose submission deadline has passed (and e-mail their buyers)."""
    from marketplace.procurement.tenders.clock_job import run_tick

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            report = run_tick()
        except Exception:
            db.session.rollback()
            raise
        db.session.commit()
    click.echo(report.summary())
