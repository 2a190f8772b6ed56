"""`flask vetting tick`: the committee's daily lifecycle job (run it from cron)."""
from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from marketplace.core import clock
from marketplace.extensions import db

vetting_cli = AppGroup("vetting", help="Vetting of vendor structures by the ethics committee.")


@vetting_cli.command("tick")
@click.option(
    "--now",
    "now_text",
    default=None,
    metavar="ISO-DATETIME",
    help="Run as if it were this moment (UTC if no offset is given); defaults to the current time.",
)
def tick(now_text: str | None) -> None:
    """Expiry reminders (30 and 7 days before), expiries, and overdue charter signatures."""
    from marketplace.committee.services import run_daily

    now = None
    if now_text:
        try:
            now = dt.datetime.fromisoformat(now_text)
        except ValueError:
            raise click.BadParameter("expected an ISO 8601 date-time, e.g. 2026-03-01T06:00:00+00:00") from None
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.UTC)
    if now is not None:
        clock.freeze(now)
    try:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            try:
                report = run_daily(now)
            except Exception:
                db.session.rollback()
                raise
            db.session.commit()
    finally:
        if now is not None:
            clock.unfreeze()
    click.echo(report.summary())
