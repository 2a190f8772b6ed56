from __future__ import annotations

import datetime as dt

from marketplace.core.outbox import OutboxStatus
from tests.factories import OutboxMessageFactory


def test_the_mailbox_lists_messages_newest_first_with_status_badges(db, as_admin, frozen):
    OutboxMessageFactory(
        to_address="ancien@exemple.fr", subject="Ancien", created_at=frozen - dt.timedelta(hours=2)
    )
    OutboxMessageFactory(
        to_address="recent@exemple.fr", subject="Récent", status=OutboxStatus.FAILED, attempts=5
    )
    db.session.commit()

    html = as_admin.get("/admin/boite-mail").text

    assert html.index("Récent") < html.index("Ancien")
    assert '<span class="badge badge-failed">Échec</span>' in html
    assert '<span class="badge badge-pending">En attente</span>' in html


def test_the_mailbox_filters_by_recipient_and_status(db, as_admin):
    OutboxMessageFactory(to_address="lea@exemple.fr", subject="Pour Léa")
    OutboxMessageFactory(to_address="paul@exemple.fr", subject="Pour Paul", status=OutboxStatus.SENT)
    db.session.commit()

    lea = as_admin.get("/admin/boite-mail?to=LEA@").text
    sent = as_admin.get("/admin/boite-mail?status=sent").text
    nobody = as_admin.get("/admin/boite-mail?to=personne").text
    bad_status = as_admin.get("/admin/boite-mail?status=pirate&page=-3")

    assert "Pour Léa" in lea and "Pour Paul" not in lea
    assert "Pour Paul" in sent and "Pour Léa" not in sent
    assert "Aucun e-mail ne correspond" in nobody
    assert bad_status.status_code == 200 and "Pour Léa" in bad_status.text


def test_the_mailbox_is_paginated_and_has_an_empty_state(db, as_admin):
    empty = as_admin.get("/admin/boite-mail").text
    OutboxMessageFactory.create_batch(27)
    db.session.commit()

    second = as_admin.get("/admin/boite-mail?page=2").text

    assert "Aucun e-mail pour l'instant" in empty
    assert "Page 2 sur 2" in second and second.count('href="/admin/boite-mail/') == 2


def test_a_message_shows_its_body_with_clickable_links(db, as_admin):
    message = OutboxMessageFactory(
        subject="Confirmez votre adresse",
        body="Bonjour <Léa>,\nConfirmez ici : http://localhost/compte/verifier/abc?x=1&y=2\nMerci.\n",
    )
    db.session.commit()

    html = as_admin.get(f"/admin/boite-mail/{message.id}").text

    assert '<a href="http://localhost/compte/verifier/abc?x=1&amp;y=2">' in html
    assert "Bonjour &lt;Léa&gt;," in html
    assert "Confirmez votre adresse" in html


def test_a_tester_can_follow_a_link_from_the_mailbox(db, as_admin):
    message = OutboxMessageFactory(body="Ouvrez http://localhost/admin/journal pour voir.")
    db.session.commit()

    [link] = message.links
    page = as_admin.get(f"/admin/boite-mail/{message.id}").text
    followed = as_admin.get(link)

    assert f'href="{link}"' in page
    assert followed.status_code == 200 and "Journal des actions" in followed.text


def test_unknown_message_is_404(db, as_admin):
    assert as_admin.get("/admin/boite-mail/999999").status_code == 404


def test_the_mailbox_is_404_and_hidden_when_disabled(app, db, as_admin, monkeypatch):
    message = OutboxMessageFactory()
    db.session.commit()
    monkeypatch.setitem(app.config, "SHOW_DEV_MAILBOX", False)

    assert as_admin.get("/admin/boite-mail").status_code == 404
    assert as_admin.get(f"/admin/boite-mail/{message.id}").status_code == 404
    assert "/admin/boite-mail" not in as_admin.get("/").text
    assert "/admin/boite-mail" not in as_admin.get("/admin/utilisateurs").text


def test_the_account_menu_links_to_the_mailbox_when_enabled(db, as_admin):
    assert 'href="/admin/boite-mail"' in as_admin.get("/").text
