"""Saved alert searches: managed by vendor members, e-mailed when a matching tender is published."""
from __future__ import annotations

import pytest

from marketplace.procurement.tenders import services
from marketplace.procurement.tenders.alerts import AlertData, alert_matches, create_alert
from marketplace.procurement.tenders.models import Reservation, TenderAlert
from marketplace.procurement.tenders.workflow import TenderError
from marketplace.vendors.models import LegalForm
from tests.factories import CategoryFactory, VendorMembershipFactory
from tests.factories.tenders import TenderFactory, buyer_of, vendor_member
from tests.procurement.tenders.conftest import text


def _alert(user, vendor, **values):
    return create_alert(user, vendor, AlertData(**values))


def test_a_vendor_member_saves_lists_and_deletes_alerts(client, login_as, db):
    category = CategoryFactory(name="Espaces verts")
    user, vendor = vendor_member()
    db.session.commit()
    login_as(user)
    url = f"/espace-fournisseur/{vendor.id}/appels-d-offres"
    assert "Aucune alerte enregistrée." in text(client.get(url))
    empty = client.post(url, data={"category_id": "0", "departement": "", "keywords": ""})
    assert empty.status_code == 422 and "Choisissez au moins un critère" in text(empty)
    response = client.post(url, data={"category_id": str(category.id), "departement": "38",
                                      "reserved_only": "y", "keywords": "tonte,  débroussaillage"})
    assert response.status_code == 302
    (alert,) = db.session.query(TenderAlert).all()
    assert (alert.user_id, alert.vendor_id, alert.category_id, alert.departement, alert.reserved_only,
            alert.keywords) == (user.id, vendor.id, category.id, "38", True, "tonte, débroussaillage")
    page = text(client.get(url))
    assert "Espaces verts" in page and "Isère (38)" in page and "tonte, débroussaillage" in page
    delete_url = f"{url}/alertes/{alert.id}/supprimer"
    assert "Supprimer l'alerte" in text(client.get(delete_url))
    assert client.post(delete_url).status_code == 302
    assert db.session.query(TenderAlert).count() == 0


def test_nobody_deletes_the_alert_of_another(client, login_as, db):
    owner, vendor = vendor_member()
    alert = _alert(owner, vendor, keywords="nettoyage")
    colleague = VendorMembershipFactory(vendor=vendor).user
    db.session.commit()
    login_as(colleague)
    url = f"/espace-fournisseur/{vendor.id}/appels-d-offres/alertes/{alert.id}/supprimer"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert db.session.get(TenderAlert, alert.id) is not None
    outsider, other_vendor = vendor_member()
    db.session.commit()
    login_as(outsider)
    assert client.get(f"/espace-fournisseur/{vendor.id}/appels-d-offres").status_code == 404


def test_publishing_emails_each_matching_alert_once(client, login_as, db, outbox):
    parent = CategoryFactory(name="Traiteur")
    school = CategoryFactory(name="Restauration scolaire", parent=parent)
    tender = TenderFactory(draft=True, category=school, departement="38",
                           title="Repas bio pour les écoles", object="Repas biologiques et locaux.")
    buyer = buyer_of(tender)
    matching, vendor = vendor_member()
    _alert(matching, vendor, category_id=parent.id)  # a parent category matches its children
    _alert(matching, vendor, keywords="BIOLOGIQUES")  # a second match: still one e-mail
    by_keyword, vendor2 = vendor_member()
    _alert(by_keyword, vendor2, keywords="cantine, repas", departement="38")  # accents and case folded
    other_dep, vendor3 = vendor_member()
    _alert(other_dep, vendor3, departement="69")
    reserved_only, vendor4 = vendor_member()
    _alert(reserved_only, vendor4, reserved_only=True)
    other_words, vendor5 = vendor_member()
    _alert(other_words, vendor5, keywords="nettoyage")
    db.session.commit()
    login_as(buyer)
    client.post(f"/compte/professionnels/appels-d-offres/{tender.id}/publier")
    assert tender.status.value == "published"
    (mail,) = outbox(matching.email)
    assert "Nouvel appel d'offres : Repas bio pour les écoles" == mail.subject
    assert f"/appels-d-offres/{tender.id}" in mail.body
    assert len(outbox(by_keyword.email)) == 1
    for user in (other_dep, reserved_only, other_words):
        assert outbox(user.email) == []


@pytest.mark.parametrize(
    ("legal_form", "reservation", "lot_reservation", "expected"),
    [
        (LegalForm.SIAE_ACI, Reservation.SIAE, Reservation.NONE, True),
        (LegalForm.EA, Reservation.SIAE, Reservation.NONE, False),
        (LegalForm.ESAT, Reservation.EA_ESAT, Reservation.NONE, True),
        (LegalForm.SCOP, Reservation.EA_ESAT, Reservation.NONE, False),
        (LegalForm.SCOP, Reservation.NONE, Reservation.SIAE, True),  # the other lot is open to all
        (LegalForm.ASSOCIATION, Reservation.NONE, Reservation.NONE, True),
    ],
)
def test_alerts_only_announce_tenders_the_structure_may_answer(db, legal_form, reservation, lot_reservation,
                                                               expected):
    user, vendor = vendor_member(legal_form=legal_form)
    alert = _alert(user, vendor, departement="38",
                   reserved_only=reservation.is_reserved or lot_reservation.is_reserved)
    tender = TenderFactory(reservation=reservation)
    tender.lots[0].reservation = lot_reservation
    assert alert_matches(alert, tender) is expected


def test_an_alert_needs_membership(db):
    user, _ = vendor_member()
    _, other_vendor = vendor_member()
    with pytest.raises(TenderError, match="pas membre"):
        _alert(user, other_vendor, keywords="nettoyage")


def test_the_vendor_dashboard_links_to_the_tenders_space(client, login_as, db):
    user, vendor = vendor_member()
    db.session.commit()
    login_as(user)
    assert f"/espace-fournisseur/{vendor.id}/appels-d-offres" in text(client.get("/espace-fournisseur"))


def test_publish_without_alerts_sends_nothing(db, outbox):
    tender = TenderFactory(draft=True)
    services.publish(tender, buyer_of(tender))
    assert outbox() == []


def test_the_alert_email_names_the_reservation_article(db, outbox):
    user, vendor = vendor_member(legal_form=LegalForm.SIAE_EI)
    _alert(user, vendor, reserved_only=True)
    tender = TenderFactory(draft=True, reservation=Reservation.SIAE, title="Entretien des espaces verts")
    services.publish(tender, buyer_of(tender))
    (mail,) = outbox(user.email)
    assert "Marché réservé (article L2113-13 du Code de la commande publique)." in mail.body
    assert tender.buyer_organisation.name in mail.body
