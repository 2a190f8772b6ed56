"""Commands: the local Stripe simulator, retrying transfers left pending, reconciling checkouts."""
from __future__ import annotations

from collections import Counter

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


@payments_cli.command("reconcile")
def reconcile_command() -> None:
    """Ask Stripe about the checkouts still unsettled here (lost webhooks) and apply their outcome.

    Safe to run from cron every few minutes: what is already applied is not applied again.
    """
    from marketplace.payments.reconcile import due, settle_due_session

    summary: Counter = Counter()
    for session_id, expired in due():
        summary[settle_due_session(session_id, expired)] += 1
        db.session.commit()
    details = ", ".join(f"{outcome}: {count}" for outcome, count in sorted(summary.items()))
    click.echo(f"checkout sessions checked: {summary.total()}" + (f" ({details})" if details else ""))


@click.command("stripe-simulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=None, type=int, help="Port (default: the one in STRIPE_API_BASE, else 12111).")
@click.option("--webhook-url", default=None, help="Where to deliver webhooks (default: PLATFORM_URL/webhooks/stripe).")
@click.option("--state", "state_path", default=None,
              help="SQLite file of its objects (default: STRIPE_SIMULATOR_STATE, else "
                   "instance/stripe-simulator.sqlite3); ':memory:' forgets them when it stops.")
@click.option("--fault", "faults", multiple=True, metavar="KIND[:COUNT][@[METHOD ]PATH]",
              help="Make API calls fail: 'error' answers 500, 'hang' never answers; for COUNT calls "
                   "(default: all), to the endpoints under PATH (default: any). Repeatable. "
                   "Example: --fault error:2@/v1/checkout/sessions")
@click.option("--hang-seconds", default=30.0, show_default=True, type=float,
              help="How long a 'hang' fault holds a call before answering 500.")
@click.option("--webhook-repeat", default=1, show_default=True, type=click.IntRange(min=1),
              help="Deliver each webhook event this many times.")
@with_appcontext
def stripe_simulator_command(host: str, port: int | None, webhook_url: str | None, state_path: str | None,
                             faults: tuple[str, ...], hang_seconds: float, webhook_repeat: int) -> None:
    """Run the local Stripe-compatible simulator (development only)."""
    from urllib.parse import urlsplit

    from werkzeug.serving import run_simple

    from marketplace.payments import services
    from marketplace.payments.simulator import DEFAULT_PORT, create_simulator_app
    from marketplace.payments.simulator.faults import parse_fault

    config = current_app.config
    if config["ENV_NAME"] == "production":
        raise click.ClickException("The Stripe simulator refuses to run in production.")
    try:
        parsed = [parse_fault(spec, hang_seconds) for spec in faults]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fault") from None
    if port is None:
        port = urlsplit(services.api_base(config) or "").port or DEFAULT_PORT
    webhook_url = webhook_url or config["PLATFORM_URL"].rstrip("/") + "/webhooks/stripe"
    state_path = state_path or services.simulator_state_path()
    simulator = create_simulator_app(
        webhook_url=webhook_url,
        webhook_secret=services.webhook_secret(config),
        public_url=f"http://{host}:{port}",
        state_path=state_path,
        faults=parsed,
        webhook_repeat=webhook_repeat,
    )
    click.echo(f"Stripe simulator on http://{host}:{port}, webhooks to {webhook_url}, objects in {state_path}")
    for fault in parsed:
        click.echo(f"  fault: {fault.kind} on {fault.method or 'any'} {fault.path or '/v1/*'}"
                   f" ({'every call' if fault.remaining is None else f'{fault.remaining} call(s)'})")
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
