from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.admin import services
from marketplace.core.audit import AuditEvent, events_for
from tests.factories import (
    BuyerMembershipFactory,
    CommitteeMandateFactory,
    UserFactory,
    VendorMembershipFactory,
)


def test_users_are_listed_newest_first_with_their_roles(db, as_admin, frozen):
    older = UserFactory(email="ancien@exemple.fr", created_at=frozen - dt.timedelta(days=10))
    buyer = BuyerMembershipFactory(user__email="acheteuse@exemple.fr").user
    db.session.commit()

    html = as_admin.get("/admin/utilisateurs").text

    assert html.index("acheteuse@exemple.fr") < html.index("ancien@exemple.fr")
    assert f'href="/admin/utilisateurs/{buyer.id}"' in html
    assert f'href="/admin/utilisateurs/{older.id}"' in html
    assert "Acheteur professionnel" in html


def test_users_can_be_searched_by_email_or_name(db, as_admin):
    UserFactory(email="lea.martin@exemple.fr", display_name="Léa Martin")
    UserFactory(email="paul@exemple.fr", display_name="Paul Durand")
    db.session.commit()

    by_name = as_admin.get("/admin/utilisateurs?q=durand").text
    by_email = as_admin.get("/admin/utilisateurs?q=LEA.MARTIN").text
    nobody = as_admin.get("/admin/utilisateurs?q=%25").text

    assert "paul@exemple.fr" in by_name and "lea.martin@exemple.fr" not in by_name
    assert "lea.martin@exemple.fr" in by_email and "paul@exemple.fr" not in by_email
    assert "Aucun compte ne correspond" in nobody


@pytest.mark.parametrize(
    ("role", "expected"),
    [("vendor", "vendeur"), ("buyer", "acheteur"), ("committee", "comite"), ("admin", "admin@")],
)
def test_users_can_be_filtered_by_role(db, as_admin, frozen, role, expected):
    VendorMembershipFactory(user__email="vendeur@exemple.fr")
    BuyerMembershipFactory(user__email="acheteur@exemple.fr")
    CommitteeMandateFactory(user__email="comite@exemple.fr")
    CommitteeMandateFactory(
        user__email="ancien-comite@exemple.fr",
        starts_on=frozen.date() - dt.timedelta(days=800),
        ends_on=frozen.date() - dt.timedelta(days=5),
    )
    UserFactory(email="simple@exemple.fr")
    db.session.commit()

    html = as_admin.get(f"/admin/utilisateurs?role={role}").text

    listed = {
        e for e in ("vendeur", "acheteur", "comite", "ancien-comite", "simple", "admin@") if f">{e}" in html
    }
    assert listed == {expected}


def test_unknown_role_filter_and_bad_page_are_ignored(db, as_admin):
    response = as_admin.get("/admin/utilisateurs?role=pirate&page=abc")

    assert response.status_code == 200
    assert "admin@exemple.fr" in response.text


def test_users_list_is_paginated(db, as_admin):
    UserFactory.create_batch(30)
    db.session.commit()

    first = as_admin.get("/admin/utilisateurs").text
    second = as_admin.get("/admin/utilisateurs?page=2").text

    assert "Page 1 sur 2" in first and 'rel="next"' in first
    assert "Page 2 sur 2" in second
    assert first.count('href="/admin/utilisateurs/') == 25
    assert second.count('href="/admin/utilisateurs/') == 6


def test_user_page_shows_every_role_held(db, as_admin):
    user = UserFactory(email="multi@exemple.fr")
    VendorMembershipFactory(user=user, vendor__name="Scop Les Fourneaux")
    BuyerMembershipFactory(user=user, organisation__name="Mairie de Voiron", job_title="Acheteuse")
    CommitteeMandateFactory(user=user, organisation_name="Réseau Cocagne", is_chair=True)
    db.session.commit()

    html = as_admin.get(f"/admin/utilisateurs/{user.id}").text

    for text in (
        "Fournisseur",
        "Acheteur professionnel",
        "Membre du comité d'éthique",
        "Scop Les Fourneaux",
        "Mairie de Voiron",
        "Acheteuse",
        "Réseau Cocagne",
        "Présidence",
        "En cours",
    ):
        assert text in html, text


def test_unknown_user_is_404(db, as_admin):
    assert as_admin.get("/admin/utilisateurs/999999").status_code == 404


def test_admin_rights_can_be_granted(app, db, as_admin, admin, outbox):
    user = UserFactory(email="nouvelle@exemple.fr")
    db.session.commit()

    response = as_admin.post(f"/admin/utilisateurs/{user.id}/administrateur")

    assert response.status_code == 302
    db.session.refresh(user)
    assert user.is_admin
    [event] = [e for e in events_for(user) if e.action == "admin.granted"]
    assert event.actor_id == admin.id and event.after == "admin"
    [mail] = outbox("nouvelle@exemple.fr")
    assert "administrateur" in mail.subject
    assert f"{app.config['PLATFORM_URL']}/admin/" in mail.links
    history = as_admin.get(f"/admin/utilisateurs/{user.id}").text
    assert "<code>admin.granted</code>" in history and "par admin@exemple.fr" in history


def test_admin_rights_are_refused_to_an_unverified_account(db, as_admin):
    user = UserFactory(unverified=True)
    db.session.commit()

    response = as_admin.post(f"/admin/utilisateurs/{user.id}/administrateur", follow_redirects=True)

    assert "pas encore confirmé son adresse e-mail" in response.text
    db.session.refresh(user)
    assert not user.is_admin
    assert not [e for e in events_for(user) if e.action == "admin.granted"]


def test_revoking_admin_rights_asks_for_confirmation_first(db, as_admin):
    other = UserFactory(admin=True, email="autre-admin@exemple.fr")
    db.session.commit()

    page = as_admin.get(f"/admin/utilisateurs/{other.id}/administrateur/retirer")

    assert page.status_code == 200
    assert "Retirer les droits" in page.text and 'method="post"' in page.text
    db.session.refresh(other)
    assert other.is_admin


def test_admin_rights_can_be_revoked(db, as_admin, admin, outbox):
    other = UserFactory(admin=True, email="autre-admin@exemple.fr")
    db.session.commit()

    response = as_admin.post(f"/admin/utilisateurs/{other.id}/administrateur/retirer")

    assert response.status_code == 302
    db.session.refresh(other)
    assert not other.is_admin
    [event] = [e for e in events_for(other) if e.action == "admin.revoked"]
    assert event.actor_id == admin.id and event.before == "admin"
    assert len(outbox("autre-admin@exemple.fr")) == 1


def test_an_administrator_cannot_revoke_themselves(db, as_admin, admin):
    UserFactory(admin=True)
    db.session.commit()

    page = as_admin.get(f"/admin/utilisateurs/{admin.id}").text
    response = as_admin.post(f"/admin/utilisateurs/{admin.id}/administrateur/retirer", follow_redirects=True)

    assert "Vous ne pouvez pas retirer vos propres droits" in page
    assert "Vous ne pouvez pas retirer vos propres droits" in response.text
    db.session.refresh(admin)
    assert admin.is_admin
    assert not db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "admin.revoked")).all()


def test_the_last_administrator_cannot_be_revoked(app, db, admin):
    with app.test_request_context():
        with pytest.raises(services.AdminError, match="dernier administrateur"):
            services.revoke_admin(None, admin.id)
    db.session.refresh(admin)
    assert admin.is_admin


def test_deleted_administrators_do_not_count_as_remaining(app, db, admin, frozen):
    UserFactory(admin=True, deleted_at=frozen)
    db.session.commit()

    with app.test_request_context():
        with pytest.raises(services.AdminError, match="dernier administrateur"):
            services.revoke_admin(None, admin.id)


def test_a_revoked_administrator_loses_access(db, client, login_as, admin):
    other = UserFactory(admin=True)
    db.session.commit()
    login_as(admin).post(f"/admin/utilisateurs/{other.id}/administrateur/retirer")

    assert login_as(other).get("/admin/").status_code == 403
    assert db.session.get(User, other.id).is_admin is False


def test_revocation_forms_carry_a_csrf_token(csrf_app, db, as_admin):
    from tests.conftest import csrf_token_from

    other = UserFactory(admin=True)
    db.session.commit()
    url = f"/admin/utilisateurs/{other.id}/administrateur/retirer"

    forged = as_admin.post(url)
    token = csrf_token_from(as_admin.get(url).text)
    genuine = as_admin.post(url, data={"csrf_token": token})

    assert forged.status_code == 400
    assert genuine.status_code == 302
    db.session.refresh(other)
    assert not other.is_admin
