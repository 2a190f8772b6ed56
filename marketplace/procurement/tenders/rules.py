"""Who may bid on a reserved contract (marché réservé).

- art. L2113-13 du Code de la commande publique: contracts reserved to the
  structures d'insertion par l'activité économique (SIAE: EI, ACI, ETTI, AI)
  and equivalent structures;
- art. L2113-12: contracts reserved to entreprises adaptées (EA) and
  établissements et services d'aide par le travail (ESAT).
"""
from __future__ import annotations

from marketplace.procurement.tenders.models import Reservation
from marketplace.vendors.models import LegalForm

ELIGIBLE_LEGAL_FORMS: dict[Reservation, frozenset[LegalForm]] = {
    Reservation.SIAE: frozenset(
        {LegalForm.SIAE_EI, LegalForm.SIAE_ACI, LegalForm.SIAE_ETTI, LegalForm.SIAE_AI}
    ),
    Reservation.EA_ESAT: frozenset({LegalForm.EA, LegalForm.ESAT}),
}


def vendor_is_eligible(vendor, reservation: Reservation) -> bool:
    """May ``vendor`` answer a tender (or lot) with this reservation?"""
    if reservation is Reservation.NONE:
        return True
    if vendor is None:
        return False
    return vendor.legal_form in ELIGIBLE_LEGAL_FORMS[reservation]


def vendor_is_eligible_for_lot(vendor, lot) -> bool:
    """May ``vendor`` bid on ``lot`` (the tender's reservation, else the lot's own)?"""
    return vendor_is_eligible(vendor, lot.effective_reservation)
