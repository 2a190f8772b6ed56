"""Flask commands: seed-demo, create-admin, outbox send, …"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

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


@click.command("create-admin")
@click.argument("email")
@click.option("--password", default=None, help="Mot de passe (demandé sans écho s'il manque).")
@with_appcontext
def create_admin_command(email: str, password: str | None) -> None:
    """Create a verified administrator, or promote an existing account."""
    from flask_babel import force_locale

    from marketplace.admin.services import AdminError, create_admin

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            try:
                user, outcome = create_admin(email, password)
            except AdminError as error:
                if error.field != "password" or password is not None:
                    raise
                db.session.rollback()
                password = click.prompt(
                    "Mot de passe", hide_input=True, confirmation_prompt="Confirmez le mot de passe"
                )
                user, outcome = create_admin(email, password)
        except AdminError as error:
            db.session.rollback()
            raise click.ClickException(str(error.message)) from None
        db.session.commit()
    messages = {
        "created": "Administrateur créé : {email}",
        "promoted": "Compte existant promu administrateur : {email}",
        "updated": "Administrateur mis à jour : {email}",
        "unchanged": "{email} est déjà administrateur : rien à faire.",
    }
    click.echo(messages[outcome].format(email=user.email))


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo data (idempotent: a second run creates and changes nothing)."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(
            "seed-demo refuses to run in production: demo accounts share a known password."
        )
    from seeds.demo import format_report, run_demo

    ctx = run_demo(current_app.config)
    db.session.commit()
    click.echo(format_report(ctx))


def init_cli(app) -> None:
    from marketplace.committee.cli import vetting_cli

    app.cli.add_command(outbox_cli)
    app.cli.add_command(vetting_cli)
    app.cli.add_command(seed_demo_command)

    from marketplace.shop.cli import shop_cli

    app.cli.add_command(shop_cli)

    from marketplace.payments.cli import payments_cli, stripe_simulator_command

    app.cli.add_command(payments_cli)
    app.cli.add_command(stripe_simulator_command)
    app.cli.add_command(create_admin_command)

    from marketplace.search.cli import search_cli

    app.cli.add_command(search_cli)

    from marketplace.procurement.cli import procurement_cli

    app.cli.add_command(procurement_cli)

    from marketplace.procurement.quotes.cli import quotes_cli

    app.cli.add_command(quotes_cli)

    from marketplace.core.backup_cli import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

    @app.shell_context_processor
    def _shell():
        return {"db": db}
