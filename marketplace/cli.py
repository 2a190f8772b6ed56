"""Flask commands: seed-demo, create-admin, outbox send, …"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.extensions import db

outbox_cli = AppGroup("outbox", help="E-mail outbox.")


@outbox_cli.command("send")
@click.option("--limit", default=100, show_default=True, help="Messages to deliver at most.")
def outbox_send(limit: int) -> None:
    """Deliver pending e-mails over SMTP (MAIL_SERVER must be set)."""
    from marketplace.core.outbox import send_pending

    if not current_app.config["MAIL_SERVER"]:
        raise click.ClickException("MAIL_SERVER is not set: nothing can be delivered.")
    sent, failed = send_pending(current_app._get_current_object(), limit=limit)
    click.echo(f"sent: {sent}, failed: {failed}")


def init_cli(app) -> None:
    app.cli.add_command(outbox_cli)

    @app.shell_context_processor
    def _shell():
        return {"db": db}
