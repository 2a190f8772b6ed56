"""Who may answer a reserved contract (art. L2113-12 and L2113-13 CCP)."""
from __future__ import annotations

import pytest

from marketplace.procurement.tenders.models import Reservation
from marketplace.procurement.tenders.rules import (
    ELIGIBLE_LEGAL_FORMS,
    vendor_is_eligible,
    vendor_is_eligible_for_lot,
)
from marketplace.vendors.models import LegalForm
from tests.factories import VendorFactory
from tests.factories.tenders import TenderFactory

SIAE = {LegalForm.SIAE_EI, LegalForm.SIAE_ACI, LegalForm.SIAE_ETTI, LegalForm.SIAE_AI}
DISABILITY = {LegalForm.EA, LegalForm.ESAT}


@pytest.mark.parametrize("legal_form", [*LegalForm, None], ids=lambda f: getattr(f, "value", "none"))
def test_each_legal_form_against_each_reservation(db, legal_form):
    vendor = VendorFactory(legal_form=legal_form)
    assert vendor_is_eligible(vendor, Reservation.NONE)
    assert vendor_is_eligible(vendor, Reservation.SIAE) is (legal_form in SIAE)
    assert vendor_is_eligible(vendor, Reservation.EA_ESAT) is (legal_form in DISABILITY)


def test_the_table_matches_the_legal_forms():
    assert ELIGIBLE_LEGAL_FORMS[Reservation.SIAE] == {f for f in LegalForm if f.is_siae}
    assert ELIGIBLE_LEGAL_FORMS[Reservation.EA_ESAT] == {f for f in LegalForm if f.is_disability}
    assert vendor_is_eligible(None, Reservation.NONE) and not vendor_is_eligible(None, Reservation.SIAE)


def test_a_lot_follows_the_tender_reservation_before_its_own(db):
    ea = VendorFactory(legal_form=LegalForm.EA)
    tender = TenderFactory()
    open_lot, reserved_lot = tender.lots
    reserved_lot.reservation = Reservation.EA_ESAT
    assert vendor_is_eligible_for_lot(ea, open_lot) and vendor_is_eligible_for_lot(ea, reserved_lot)
    scop = VendorFactory(legal_form=LegalForm.SCOP)
    assert vendor_is_eligible_for_lot(scop, open_lot) and not vendor_is_eligible_for_lot(scop, reserved_lot)
    tender.reservation = Reservation.SIAE
    assert open_lot.effective_reservation is Reservation.SIAE is reserved_lot.effective_reservation
    assert not vendor_is_eligible_for_lot(ea, reserved_lot)
    assert tender.is_reserved and tender.reservation_articles == ["L2113-12", "L2113-13"]


def test_the_tender_page_tells_each_structure_whether_it_may_answer(client, login_as, db):
    from tests.factories.tenders import vendor_member
    from tests.procurement.tenders.conftest import text

    tender = TenderFactory(reservation=Reservation.SIAE)
    user, vendor = vendor_member(legal_form=LegalForm.SCOP, name="Lames Vives")
    db.session.commit()
    login_as(user)
    page = text(client.get(f"/appels-d-offres/{tender.id}"))
    assert "Lames Vives n'est pas éligible à ce marché réservé" in page
    vendor.legal_form = LegalForm.SIAE_EI
    db.session.commit()
    assert "Lames Vives peut répondre à tous les lots." in text(client.get(f"/appels-d-offres/{tender.id}"))
