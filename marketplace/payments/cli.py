"""Commands: the local Stripe simulator, and retrying transfers left pending."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from marketplace.extensions import db

payments_cli = AppGroup("payments", help="Paiements (Stripe Connect).")


@payments_cli.command("retry-transfers")
def retry_transfers() -> None:
    """Make the transfers still pending (payouts now enabled, or Stripe failed earlier)."""
    from marketplace.payments.services import release_pending_transfers

    paid = release_pending_transfers()
    db.session.commit()
    click.echo(f"transfers made: {paid}")


@click.command("stripe-simulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=None, type=int, help="Port (default: the one in STRIPE_API_BASE, else 12111).")
@click.option("--webhook-url", default=None, help="Where to deliver webhooks (default: PLATFORM_URL/webhooks/stripe).")
@with_appcontext
def stripe_simulator_command(host: str, port: int | None, webhook_url: str | None) -> None:
    """Run the local Stripe-compatible simulator (development only)."""
    from urllib.parse import urlsplit

    from werkzeug.serving import run_simple

    from marketplace.payments import services
    from marketplace.payments.simulator import DEFAULT_PORT, create_simulator_app

    config = current_app.config
    if config["ENV_NAME"] == "production":
        raise click.ClickException("The Stripe simulator refuses to run in production.")
    if port is None:
        port = urlsplit(services.api_base(config) or "").port or DEFAULT_PORT
    webhook_url = webhook_url or config["PLATFORM_URL"].rstrip("/") + "/webhooks/stripe"
    simulator = create_simulator_app(
        webhook_url=webhook_url,
        webhook_secret=services.webhook_secret(config),
        public_url=f"http://{host}:{port}",
    )
    click.echo(f"Stripe simulator on http://{host}:{port}, webhooks to {webhook_url}")
    _expire_sessions_every_minute(simulator)
    run_simple(host, port, simulator, threaded=True, use_reloader=False)


def _expire_sessions_every_minute(simulator) -> None:
    """Like Stripe, expire unpaid Checkout Sessions once their expires_at has passed."""
    import threading

    expire_due = simulator.extensions["stripe_simulator_expire_due"]

    def _loop() -> None:
        while not stop.wait(60):
            expire_due()

    stop = threading.Event()
    threading.Thread(target=_loop, name="stripe-simulator-expiry", daemon=True).start()
