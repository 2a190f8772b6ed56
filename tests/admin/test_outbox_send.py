"""``flask outbox send``: delivery over real SMTP, retries with back-off, failure."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from marketplace.core.clock import advance, now_utc
from marketplace.core.outbox import OutboxStatus
from tests.admin.smtp_server import SMTPServer
from tests.factories import OutboxMessageFactory


@pytest.fixture
def smtp(app, monkeypatch):
    with SMTPServer() as server:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
        monkeypatch.setitem(app.config, "MAIL_USE_SSL", False)
        monkeypatch.setitem(app.config, "MAIL_USERNAME", None)
        monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
        yield server


def _send(app):
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_pending_messages_are_delivered_over_smtp(app, db, smtp, frozen):
    first = OutboxMessageFactory(
        to_address="lea@exemple.fr",
        subject="Confirmez votre adresse",
        body="Bonjour Léa,\nhttp://localhost/x\n",
    )
    second = OutboxMessageFactory(to_address="paul@exemple.fr", subject="Votre commande à Crest")
    already = OutboxMessageFactory(status=OutboxStatus.SENT)
    db.session.commit()

    assert _send(app) == "sent: 2, failed: 0"

    assert [r.rcpt_to for r in smtp.received] == [["lea@exemple.fr"], ["paul@exemple.fr"]]
    message = smtp.received[0].message
    assert message["To"] == "lea@exemple.fr"
    assert message["Subject"] == "Confirmez votre adresse"
    assert "Marché Solidaire" in message["From"]
    assert "Bonjour Léa," in message.get_content()
    assert smtp.received[1].message["Subject"] == "Votre commande à Crest"
    for row in (first, second):
        db.session.refresh(row)
        assert (row.status, row.attempts, row.sent_at, row.last_error) == (OutboxStatus.SENT, 1, frozen, None)
    db.session.refresh(already)
    assert already.attempts == 0
    # nothing is delivered twice
    assert _send(app) == "sent: 0, failed: 0"
    assert len(smtp.received) == 2


def test_a_refused_message_is_retried_with_back_off_then_marked_failed(app, db, smtp, frozen, as_admin):
    message = OutboxMessageFactory(to_address="lea@exemple.fr")
    db.session.commit()
    smtp.reject_with("451 4.3.0 Reessayez plus tard")

    assert _send(app) == "sent: 0, failed: 1"
    db.session.refresh(message)
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1)
    assert message.next_attempt_at == frozen + dt.timedelta(minutes=2)
    assert "451" in message.last_error

    # not due yet: left alone
    advance(dt.timedelta(minutes=1, seconds=59))
    assert _send(app) == "sent: 0, failed: 0"
    db.session.refresh(message)
    assert message.attempts == 1

    advance(dt.timedelta(seconds=1))
    assert _send(app) == "sent: 0, failed: 1"
    db.session.refresh(message)
    assert message.attempts == 2
    assert message.next_attempt_at == now_utc() + dt.timedelta(minutes=4)

    advance(dt.timedelta(minutes=4))
    assert _send(app) == "sent: 0, failed: 1"
    db.session.refresh(message)
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, 3)

    # a failed message is never tried again, even once the relay is back
    smtp.reject_with(None)
    advance(dt.timedelta(days=1))
    assert _send(app) == "sent: 0, failed: 0"
    assert smtp.received == []
    page = as_admin.get(f"/admin/boite-mail/{message.id}").text
    assert "badge-failed" in page and "SMTPSenderRefused: (451" in page


def test_a_message_goes_out_once_the_relay_recovers(app, db, smtp, frozen):
    message = OutboxMessageFactory(to_address="lea@exemple.fr")
    db.session.commit()
    smtp.reject_with("421 4.7.0 Service occupe")
    assert _send(app) == "sent: 0, failed: 1"

    smtp.reject_with(None)
    advance(dt.timedelta(minutes=2))

    assert _send(app) == "sent: 1, failed: 0"
    db.session.refresh(message)
    assert (message.status, message.attempts, message.last_error) == (OutboxStatus.SENT, 2, None)
    assert [r.rcpt_to for r in smtp.received] == [["lea@exemple.fr"]]


def test_an_unreachable_server_counts_as_a_failed_attempt(app, db, monkeypatch, frozen):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    message = OutboxMessageFactory()
    db.session.commit()

    assert _send(app) == "sent: 0, failed: 1"
    db.session.refresh(message)
    assert message.status == OutboxStatus.PENDING and "ConnectionRefusedError" in message.last_error


def test_the_command_refuses_to_run_without_a_mail_server(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    message = OutboxMessageFactory()
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["outbox", "send"])

    assert result.exit_code == 1 and "MAIL_SERVER" in result.output
    db.session.refresh(message)
    assert message.attempts == 0


def test_the_limit_option_caps_one_run(app, db, smtp):
    OutboxMessageFactory.create_batch(3)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["outbox", "send", "--limit", "2"])

    assert result.output.strip() == "sent: 2, failed: 0"
    assert _send(app) == "sent: 1, failed: 0"
