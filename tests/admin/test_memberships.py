from __future__ import annotations

import html

import sqlalchemy as sa

from marketplace.accounts.models import BuyerMembership
from marketplace.core.audit import events_for
from marketplace.extensions import db
from marketplace.vendors.models import MemberRole, VendorMembership
from tests.factories import (
    BuyerMembershipFactory,
    BuyerOrganisationFactory,
    UserFactory,
    VendorMembershipFactory,
)


def _buyer_memberships(user):
    return list(db.session.scalars(sa.select(BuyerMembership).where(BuyerMembership.user_id == user.id)))


# --------------------------------------------------------------------------- from the user page


def test_a_user_is_added_to_a_buyer_organisation(db, login_as, admin, outbox):
    org = BuyerOrganisationFactory(name="Mairie de Crest")
    user = UserFactory(email="acheteuse@exemple.fr")
    db.session.commit()
    assert login_as(user).get("/compte/professionnels").status_code == 403

    form = login_as(admin).get(f"/admin/utilisateurs/{user.id}/acheteurs/ajouter").text
    response = login_as(admin).post(
        f"/admin/utilisateurs/{user.id}/acheteurs/ajouter",
        data={"organisation_id": str(org.id), "job_title": "Responsable des achats"},
    )

    assert "Mairie de Crest" in form
    assert response.status_code == 302
    [membership] = _buyer_memberships(user)
    assert membership.organisation_id == org.id and membership.job_title == "Responsable des achats"
    [event] = events_for(user)
    assert event.action == "buyer_membership.added" and event.data["organisation_id"] == org.id
    [mail] = outbox("acheteuse@exemple.fr")
    assert "Mairie de Crest" in mail.subject
    assert login_as(user).get("/compte/professionnels").status_code == 200


def test_adding_a_buyer_membership_needs_an_organisation(db, as_admin):
    BuyerOrganisationFactory()
    user = UserFactory()
    db.session.commit()
    url = f"/admin/utilisateurs/{user.id}/acheteurs/ajouter"

    none_chosen = as_admin.post(url, data={"organisation_id": "0"})
    unknown = as_admin.post(url, data={"organisation_id": "999999"})
    garbage = as_admin.post(url, data={"organisation_id": "abc"})

    assert "Choisissez une organisation." in none_chosen.text
    assert "Choisissez une organisation existante." in unknown.text
    assert garbage.status_code == 200
    assert _buyer_memberships(user) == []


def test_the_buyer_form_explains_when_no_organisation_exists(db, as_admin):
    user = UserFactory()
    db.session.commit()

    html = as_admin.get(f"/admin/utilisateurs/{user.id}/acheteurs/ajouter").text

    assert "Aucune organisation acheteuse" in html and "/admin/organisations/nouvelle" in html


def test_a_user_is_not_added_twice_to_the_same_organisation(db, as_admin, outbox):
    membership = BuyerMembershipFactory()
    db.session.commit()

    response = as_admin.post(
        f"/admin/utilisateurs/{membership.user_id}/acheteurs/ajouter",
        data={"organisation_id": str(membership.organisation_id)},
    )

    assert "est déjà membre de" in response.text
    assert len(_buyer_memberships(membership.user)) == 1
    assert outbox() == []


def test_removing_a_buyer_membership_asks_for_confirmation(db, as_admin):
    membership = BuyerMembershipFactory()
    db.session.commit()

    page = as_admin.get(f"/admin/adhesions-acheteurs/{membership.id}/retirer")

    assert page.status_code == 200
    assert "Retirer de l'organisation" in html.unescape(page.text) and 'method="post"' in page.text
    assert f'href="/admin/utilisateurs/{membership.user_id}"' in page.text
    assert len(_buyer_memberships(membership.user)) == 1


def test_a_buyer_membership_is_removed(db, login_as, admin, outbox):
    membership = BuyerMembershipFactory(user__email="ex@exemple.fr", organisation__name="CSE Exemple")
    user = membership.user
    db.session.commit()

    response = login_as(admin).post(f"/admin/adhesions-acheteurs/{membership.id}/retirer")

    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/admin/utilisateurs/{user.id}"
    )
    assert _buyer_memberships(user) == []
    event = events_for(user)[-1]
    assert event.action == "buyer_membership.removed" and event.data["organisation"] == "CSE Exemple"
    assert "CSE Exemple" in outbox("ex@exemple.fr")[-1].subject
    assert login_as(user).get("/compte/professionnels").status_code == 403


def test_unknown_membership_is_404(db, as_admin):
    assert as_admin.get("/admin/adhesions-acheteurs/999999/retirer").status_code == 404
    assert as_admin.post("/admin/adhesions-acheteurs/999999/retirer").status_code == 404
    assert as_admin.post("/admin/adhesions-fournisseurs/999999/retirer").status_code == 404


# --------------------------------------------------------------------------- from the organisation page


def test_a_member_is_added_by_email_from_the_organisation(db, as_admin, outbox):
    org = BuyerOrganisationFactory()
    user = UserFactory(email="Julie.Achat@exemple.fr")
    db.session.commit()

    response = as_admin.post(
        f"/admin/organisations/{org.id}/membres",
        data={"email": "julie.achat@EXEMPLE.fr", "job_title": "Élue"},
    )

    assert response.status_code == 302
    [membership] = _buyer_memberships(user)
    assert membership.organisation_id == org.id and membership.job_title == "Élue"
    html = as_admin.get(f"/admin/organisations/{org.id}").text
    assert "Julie.Achat@exemple.fr" in html and "Élue" in html


def test_an_unknown_email_is_refused_next_to_the_field(db, as_admin):
    org = BuyerOrganisationFactory()
    db.session.commit()

    unknown = as_admin.post(f"/admin/organisations/{org.id}/membres", data={"email": "personne@exemple.fr"})
    invalid = as_admin.post(f"/admin/organisations/{org.id}/membres", data={"email": "pas-une-adresse"})

    assert unknown.status_code == 200
    assert 'id="email-error">Aucun compte n' in unknown.text
    assert "Adresse e-mail invalide." in invalid.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BuyerMembership)) == 0


def test_removing_from_the_organisation_page_returns_there(db, as_admin):
    membership = BuyerMembershipFactory()
    db.session.commit()
    url = f"/admin/adhesions-acheteurs/{membership.id}/retirer?depuis=organisation"

    page = as_admin.get(url)
    response = as_admin.post(url)

    assert f'href="/admin/organisations/{membership.organisation_id}"' in page.text
    assert response.headers["Location"].endswith(f"/admin/organisations/{membership.organisation_id}")


# --------------------------------------------------------------------------- vendor memberships


def test_vendor_memberships_are_shown_and_can_be_removed(db, login_as, admin, outbox):
    membership = VendorMembershipFactory(
        role=MemberRole.STAFF, user__email="equipe@exemple.fr", vendor__name="Scop Bois Vivant"
    )
    VendorMembershipFactory(vendor=membership.vendor)
    user = membership.user
    db.session.commit()
    assert login_as(user).get("/espace-fournisseur").status_code != 403

    page = login_as(admin).get(f"/admin/utilisateurs/{user.id}").text
    confirm = login_as(admin).get(f"/admin/adhesions-fournisseurs/{membership.id}/retirer").text
    response = login_as(admin).post(f"/admin/adhesions-fournisseurs/{membership.id}/retirer")

    assert "Scop Bois Vivant" in page and "Équipe" in page
    assert "Retirer de la structure" in confirm and "seule personne responsable" not in confirm
    assert response.status_code == 302
    assert db.session.scalar(sa.select(VendorMembership).where(VendorMembership.user_id == user.id)) is None
    event = events_for(user)[-1]
    assert (event.action, event.before) == ("vendor_membership.removed", "staff")
    assert "Scop Bois Vivant" in outbox("equipe@exemple.fr")[-1].subject
    assert login_as(user).get("/espace-fournisseur").status_code == 403


def test_removing_the_only_owner_warns_first(db, as_admin):
    membership = VendorMembershipFactory(role=MemberRole.OWNER)
    db.session.commit()

    confirm = as_admin.get(f"/admin/adhesions-fournisseurs/{membership.id}/retirer").text

    assert "seule personne responsable" in confirm
