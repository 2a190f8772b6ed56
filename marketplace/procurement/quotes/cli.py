"""`flask quotes tick`: the deadline job of quote requests (run it from cron, e.g. hourly).
Pages and services never wait for it: each one checks the deadlines against the clock itself."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from marketplace.extensions import db

quotes_cli = AppGroup("quotes", help="Demandes de devis : échéances.")


@quotes_cli.command("tick")
def tick() -> None:
    """Close requests past their response deadline, expire undecided requests and quotes past their validity."""
    from marketplace.procurement.quotes.services import tick as run_tick

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            counts = run_tick()
        except Exception:
            db.session.rollback()
            raise
        db.session.commit()
    click.echo(", ".join(f"{name}: {count}" for name, count in counts.items()))
