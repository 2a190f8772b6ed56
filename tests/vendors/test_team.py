"""The owner invites staff by e-mail; the invited person accepts; the owner removes staff."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.core.clock import advance, freeze
from marketplace.vendors.models import MemberRole, VendorInvitation, VendorMembership
from tests.factories import (
    UserFactory,
    VendorFactory,
    VendorInvitationFactory,
    VendorMembershipFactory,
)

T0 = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def team(db, client, login_as):
    owner = UserFactory()
    vendor = VendorFactory()
    VendorMembershipFactory(user=owner, vendor=vendor, role=MemberRole.OWNER)
    db.session.commit()
    login_as(owner)
    return vendor, owner


def _invite(client, vendor, email):
    return client.post(f"/espace-fournisseur/{vendor.id}/equipe/inviter", data={"email": email})


def test_owner_invites_by_email(team, client, db, outbox):
    freeze(T0)
    vendor, _owner = team
    response = _invite(client, vendor, "Camille@Exemple.fr")
    assert response.status_code == 302
    invitation = db.session.scalars(sa.select(VendorInvitation)).one()
    assert invitation.email == "camille@exemple.fr"
    assert len(invitation.token) >= 32
    assert invitation.expires_at == T0 + dt.timedelta(days=14)
    [mail] = outbox(to="camille@exemple.fr")
    assert vendor.name in mail.subject
    assert any(link.endswith(f"/invitation/{invitation.token}") for link in mail.links)
    page = client.get(f"/espace-fournisseur/{vendor.id}/equipe").get_data(as_text=True)
    assert "camille@exemple.fr" in page


def test_invalid_or_duplicate_invitation_refused(team, client, db):
    vendor, owner = team
    assert _invite(client, vendor, "pas-une-adresse").status_code == 422
    assert _invite(client, vendor, owner.email).status_code == 422
    assert _invite(client, vendor, "a@exemple.fr").status_code == 302
    response = _invite(client, vendor, "a@exemple.fr")
    assert response.status_code == 422
    assert "déjà en attente" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VendorInvitation)) == 1


def test_staff_cannot_invite(db, client, login_as):
    vendor = VendorFactory()
    staff = VendorMembershipFactory(vendor=vendor, role=MemberRole.STAFF).user
    db.session.commit()
    login_as(staff)
    assert _invite(client, vendor, "x@exemple.fr").status_code == 403
    assert client.get(f"/espace-fournisseur/{vendor.id}/equipe").status_code == 200


def test_invited_person_signs_in_and_joins_as_staff(db, client, login_as):
    invitation = VendorInvitationFactory(email="dominique@exemple.fr")
    user = UserFactory(email="dominique@exemple.fr")
    db.session.commit()
    # anonymous: the page explains and links to sign in / sign up, coming back here
    page = client.get(f"/invitation/{invitation.token}").get_data(as_text=True)
    assert invitation.vendor.name in page
    assert "/compte/connexion?next=" in page and "/compte/inscription?next=" in page
    response = client.post(f"/invitation/{invitation.token}/accepter")
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]

    login_as(user)
    assert client.post(f"/invitation/{invitation.token}/accepter").status_code == 302
    membership = db.session.scalars(sa.select(VendorMembership).where(VendorMembership.user_id == user.id)).one()
    assert (membership.vendor_id, membership.role) == (invitation.vendor_id, MemberRole.STAFF)
    assert invitation.accepted_at is not None and invitation.accepted_by_id == user.id
    assert client.get("/espace-fournisseur").status_code == 200
    # a used invitation cannot be reused
    other = UserFactory(email="dominique2@exemple.fr")
    db.session.commit()
    login_as(other)
    client.post(f"/invitation/{invitation.token}/accepter")
    assert db.session.scalars(sa.select(VendorMembership).where(VendorMembership.user_id == other.id)).all() == []


def test_invitation_for_another_address_refused(db, client, login_as):
    invitation = VendorInvitationFactory(email="dominique@exemple.fr")
    intruder = UserFactory(email="intrus@exemple.fr")
    db.session.commit()
    login_as(intruder)
    response = client.post(f"/invitation/{invitation.token}/accepter", follow_redirects=True)
    assert "autre adresse e-mail" in response.get_data(as_text=True)
    assert invitation.accepted_at is None
    assert intruder.vendor_memberships == []


def test_expired_invitation_refused(db, client, login_as):
    freeze(T0)
    invitation = VendorInvitationFactory(email="tardif@exemple.fr")
    user = UserFactory(email="tardif@exemple.fr")
    db.session.commit()
    advance(dt.timedelta(days=14, seconds=1))
    login_as(user)
    response = client.post(f"/invitation/{invitation.token}/accepter", follow_redirects=True)
    assert "a expiré" in response.get_data(as_text=True)
    assert user.vendor_memberships == []


def test_unknown_token_is_404(client, db):
    assert client.get("/invitation/nimporte-quoi").status_code == 404


def test_owner_removes_staff_with_confirmation(team, client, db):
    vendor, _owner = team
    staff = VendorMembershipFactory(vendor=vendor, role=MemberRole.STAFF)
    db.session.commit()
    url = f"/espace-fournisseur/{vendor.id}/equipe/{staff.id}/retirer"
    assert "Oui, retirer" in client.get(url).get_data(as_text=True)
    assert client.post(url).status_code == 302
    assert db.session.get(VendorMembership, staff.id) is None


def test_owner_cannot_be_removed(team, client, db):
    vendor, owner = team
    membership = vendor.memberships[0]
    client.post(f"/espace-fournisseur/{vendor.id}/equipe/{membership.id}/retirer")
    assert db.session.get(VendorMembership, membership.id) is not None


def test_cancel_invitation(team, client, db):
    vendor, _owner = team
    _invite(client, vendor, "b@exemple.fr")
    invitation = db.session.scalars(sa.select(VendorInvitation)).one()
    assert client.post(f"/espace-fournisseur/{vendor.id}/equipe/invitations/{invitation.id}/annuler").status_code == 302
    assert db.session.scalars(sa.select(VendorInvitation)).all() == []
