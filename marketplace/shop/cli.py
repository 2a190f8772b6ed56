"""``flask shop …`` commands."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.extensions import db

shop_cli = AppGroup("shop", help="Boutique : réservations de stock.")


@shop_cli.command("release-expired")
def release_expired_command() -> None:
    """Cancel unpaid checkouts whose reservations have expired and put their stock back."""
    from marketplace.shop.reservations import release_expired

    count = release_expired()
    db.session.commit()
    click.echo(f"released: {count}")
