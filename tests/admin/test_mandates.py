from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from marketplace.accounts.models import CommitteeMandate
from marketplace.core.audit import events_for
from marketplace.core.clock import advance
from marketplace.extensions import db
from tests.factories import CommitteeMandateFactory, UserFactory


def _form(**overrides):
    data = {
        "organisation_name": "Réseau des Ressourceries",
        "starts_on": "2026-03-16",
        "ends_on": "2028-03-15",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _mandates(user):
    return list(db.session.scalars(sa.select(CommitteeMandate).where(CommitteeMandate.user_id == user.id)))


def test_the_mandate_form_starts_today(db, as_admin, frozen):
    user = UserFactory()
    db.session.commit()

    html = as_admin.get(f"/admin/utilisateurs/{user.id}/mandats/nouveau").text

    assert 'value="2026-03-16"' in html
    assert "Présidence du comité" in html and "Représentant des fournisseurs" in html


def test_a_mandate_makes_a_committee_member(db, client, login_as, admin, frozen, outbox):
    user = UserFactory(email="membre@exemple.fr")
    db.session.commit()
    assert login_as(user).get("/comite/").status_code == 403

    response = login_as(admin).post(
        f"/admin/utilisateurs/{user.id}/mandats/nouveau", data=_form(is_chair="y")
    )

    assert response.status_code == 302
    [mandate] = _mandates(user)
    assert mandate.organisation_name == "Réseau des Ressourceries"
    assert mandate.starts_on == dt.date(2026, 3, 16) and mandate.ends_on == dt.date(2028, 3, 15)
    assert mandate.is_chair and not mandate.is_vendor_representative
    [event] = events_for(user)
    assert event.action == "committee_mandate.added" and event.actor_id == admin.id
    assert event.data["mandate_id"] == mandate.id and event.data["is_chair"] is True
    [mail] = outbox("membre@exemple.fr")
    assert "Réseau des Ressourceries" in mail.body and "présidence" in mail.body
    assert login_as(user).get("/comite/").status_code == 200


def test_a_second_current_chair_is_refused(db, as_admin, frozen, outbox):
    CommitteeMandateFactory(is_chair=True, user__display_name="Claire Présidente")
    user = UserFactory()
    db.session.commit()

    response = as_admin.post(f"/admin/utilisateurs/{user.id}/mandats/nouveau", data=_form(is_chair="y"))

    assert response.status_code == 200
    assert "Claire Présidente préside déjà le comité" in response.text
    assert 'id="is_chair-error"' in response.text
    assert _mandates(user) == []
    assert events_for(user) == []
    assert outbox() == []


def test_a_second_vendor_representative_is_refused(db, as_admin, frozen):
    CommitteeMandateFactory(is_vendor_representative=True, user__display_name="Victor Fournisseur")
    user = UserFactory()
    db.session.commit()

    response = as_admin.post(
        f"/admin/utilisateurs/{user.id}/mandats/nouveau", data=_form(is_vendor_representative="y")
    )

    assert "Victor Fournisseur représente déjà les fournisseurs" in response.text
    assert _mandates(user) == []


def test_a_chair_may_be_appointed_for_after_the_current_one(db, as_admin, frozen):
    CommitteeMandateFactory(is_chair=True, starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2026, 6, 30))
    user = UserFactory()
    db.session.commit()

    refused = as_admin.post(
        f"/admin/utilisateurs/{user.id}/mandats/nouveau", data=_form(is_chair="y", starts_on="2026-06-30")
    )
    accepted = as_admin.post(
        f"/admin/utilisateurs/{user.id}/mandats/nouveau", data=_form(is_chair="y", starts_on="2026-07-01")
    )

    assert refused.status_code == 200 and "préside déjà" in refused.text
    assert accepted.status_code == 302
    [mandate] = _mandates(user)
    assert mandate.starts_on == dt.date(2026, 7, 1)


def test_an_open_ended_chair_blocks_every_later_chair(db, as_admin, frozen):
    CommitteeMandateFactory(is_chair=True, ends_on=None)
    user = UserFactory()
    db.session.commit()

    response = as_admin.post(
        f"/admin/utilisateurs/{user.id}/mandats/nouveau",
        data=_form(is_chair="y", starts_on="2030-01-01", ends_on=None),
    )

    assert "préside déjà" in response.text and "sans date de fin" in response.text


def test_a_person_holds_one_mandate_at_a_time(db, as_admin, frozen):
    existing = CommitteeMandateFactory()
    db.session.commit()

    response = as_admin.post(f"/admin/utilisateurs/{existing.user_id}/mandats/nouveau", data=_form())

    assert "a déjà un mandat sur cette période" in response.text
    assert len(_mandates(existing.user)) == 1


def test_mandate_dates_are_validated(db, as_admin, frozen):
    user = UserFactory()
    db.session.commit()
    url = f"/admin/utilisateurs/{user.id}/mandats/nouveau"

    reversed_dates = as_admin.post(url, data=_form(starts_on="2027-01-01", ends_on="2026-12-31"))
    bad_date = as_admin.post(url, data=_form(starts_on="31/02/2026"))
    french = as_admin.post(url, data=_form(starts_on="17/03/2026", ends_on=None))
    missing = as_admin.post(url, data=_form(organisation_name="", starts_on=None))
    past = as_admin.post(url, data=_form(starts_on="2024-01-01", ends_on="2025-01-01"))

    assert (
        reversed_dates.status_code == 200 and "La fin du mandat doit suivre son début." in reversed_dates.text
    )
    assert bad_date.status_code == 200 and "Date invalide" in bad_date.text
    assert 'id="organisation_name-error">Indiquez l\'organisation représentée.' in missing.text
    assert "Indiquez la date de début." in missing.text
    assert "ne peut pas être dans le passé" in past.text
    assert french.status_code == 302
    [mandate] = _mandates(user)
    assert mandate.starts_on == dt.date(2026, 3, 17) and mandate.ends_on is None


def test_ending_a_mandate_asks_for_confirmation(db, as_admin, frozen):
    mandate = CommitteeMandateFactory()
    db.session.commit()

    page = as_admin.get(f"/admin/utilisateurs/{mandate.user_id}/mandats/{mandate.id}/terminer")

    assert page.status_code == 200 and "Terminer le mandat" in page.text
    db.session.refresh(mandate)
    assert mandate.ends_on == dt.date(2026, 3, 16) + dt.timedelta(days=700)


def test_ending_a_mandate_removes_the_committee_role_today(db, login_as, admin, frozen, outbox):
    mandate = CommitteeMandateFactory(is_chair=True, user__email="membre@exemple.fr")
    member = mandate.user
    db.session.commit()
    assert login_as(member).get("/comite/").status_code == 200

    response = login_as(admin).post(f"/admin/utilisateurs/{member.id}/mandats/{mandate.id}/terminer")

    assert response.status_code == 302
    db.session.refresh(mandate)
    assert mandate.ends_on == dt.date(2026, 3, 15)
    event = events_for(member)[-1]
    assert (event.action, event.before, event.after) == ("committee_mandate.ended", "current", "over")
    assert outbox("membre@exemple.fr")[-1].subject == "Fin de votre mandat au comité d'éthique"
    assert login_as(member).get("/comite/").status_code == 403
    # the chair is free again
    successor = UserFactory()
    db.session.commit()
    accepted = login_as(admin).post(
        f"/admin/utilisateurs/{successor.id}/mandats/nouveau", data=_form(is_chair="y")
    )
    assert accepted.status_code == 302


def test_an_ended_mandate_cannot_be_ended_again(db, as_admin, frozen):
    mandate = CommitteeMandateFactory()
    db.session.commit()
    url = f"/admin/utilisateurs/{mandate.user_id}/mandats/{mandate.id}/terminer"
    as_admin.post(url)
    advance(dt.timedelta(days=3))

    response = as_admin.post(url, follow_redirects=True)

    assert "Ce mandat est déjà terminé." in response.text
    assert [e.action for e in events_for(mandate.user)].count("committee_mandate.ended") == 1


def test_a_mandate_of_another_user_is_404(db, as_admin, frozen):
    mandate = CommitteeMandateFactory()
    other = UserFactory()
    db.session.commit()

    assert as_admin.get(f"/admin/utilisateurs/{other.id}/mandats/{mandate.id}/terminer").status_code == 404
    assert as_admin.post(f"/admin/utilisateurs/{other.id}/mandats/{mandate.id}/terminer").status_code == 404
    assert as_admin.get("/admin/utilisateurs/999999/mandats/nouveau").status_code == 404


def test_an_upcoming_chair_can_be_cancelled_and_replaced(db, as_admin, frozen):
    upcoming = CommitteeMandateFactory(
        is_chair=True, starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2028, 8, 31)
    )
    user = UserFactory()
    db.session.commit()
    url = f"/admin/utilisateurs/{user.id}/mandats/nouveau"
    refused = as_admin.post(url, data=_form(is_chair="y", starts_on="2026-10-01"))

    as_admin.post(f"/admin/utilisateurs/{upcoming.user_id}/mandats/{upcoming.id}/terminer")
    accepted = as_admin.post(url, data=_form(is_chair="y", starts_on="2026-10-01"))

    assert "préside déjà" in refused.text
    assert accepted.status_code == 302
    db.session.refresh(upcoming)
    assert not upcoming.is_current(dt.date(2026, 10, 1))
    page = as_admin.get(f"/admin/utilisateurs/{upcoming.user_id}").text
    assert "Terminé" in page and "/terminer" not in page


def test_a_deleted_account_neither_blocks_nor_receives_a_mandate(db, as_admin, frozen):
    CommitteeMandateFactory(is_chair=True, user__deleted_at=frozen)
    deleted = UserFactory(deleted_at=frozen)
    user = UserFactory()
    db.session.commit()

    refused = as_admin.post(f"/admin/utilisateurs/{deleted.id}/mandats/nouveau", data=_form())
    accepted = as_admin.post(f"/admin/utilisateurs/{user.id}/mandats/nouveau", data=_form(is_chair="y"))

    assert "Ce compte est supprimé" in refused.text and _mandates(deleted) == []
    assert accepted.status_code == 302
