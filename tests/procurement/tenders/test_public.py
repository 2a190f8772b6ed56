"""The public list (filters, pagination) and the tender page."""
from __future__ import annotations

import datetime as dt
import io

import pytest

from marketplace.core.clock import now_utc
from marketplace.procurement.tenders import services
from marketplace.procurement.tenders.models import Reservation, TenderStatus
from tests.factories import BuyerOrganisationFactory, CategoryFactory
from tests.factories.tenders import TenderFactory, buyer_of
from tests.procurement.tenders.conftest import PDF_BYTES, text


def _titles(response) -> list[str]:
    page = text(response)
    return [chunk.split(">", 1)[1].split("</a>", 1)[0]
            for chunk in page.split('class="tender-card-title"><a href=')[1:]]


def _in(days: float):
    return now_utc() + dt.timedelta(days=days)


def test_the_list_shows_open_tenders_by_nearest_deadline(client, db):
    TenderFactory(title="Impression des bulletins", submission_deadline=_in(9))
    TenderFactory(title="Entretien des espaces verts", submission_deadline=_in(3), question_deadline=_in(1))
    TenderFactory(title="Brouillon secret", draft=True)
    TenderFactory(title="Marché clos", status=TenderStatus.CLOSED)
    TenderFactory(title="Échu, pas encore clos", submission_deadline=_in(-1), question_deadline=_in(-2))
    db.session.commit()
    response = client.get("/appels-d-offres")
    assert response.status_code == 200
    assert _titles(response) == ["Entretien des espaces verts", "Impression des bulletins"]
    assert "Clôture dans 3 jours" in text(response)
    past = client.get("/appels-d-offres?afficher=termines")
    assert set(_titles(past)) == {"Marché clos", "Échu, pas encore clos"}
    assert "Brouillon secret" not in text(client.get("/appels-d-offres?afficher=tous"))


def test_filters_category_departement_deadline_and_reserved(client, db):
    food = CategoryFactory(name="Traiteur")
    school = CategoryFactory(name="Restauration scolaire", parent=food)
    TenderFactory(title="Repas bio", category=school, departement="38", submission_deadline=_in(5),
                  question_deadline=_in(2))
    TenderFactory(title="Nettoyage", departement="69", reservation=Reservation.SIAE)
    lot_reserved = TenderFactory(title="Mobilier de réemploi", departement="38")
    lot_reserved.lots[1].reservation = Reservation.EA_ESAT
    db.session.commit()
    assert _titles(client.get(f"/appels-d-offres?categorie={food.id}")) == ["Repas bio"]
    assert sorted(_titles(client.get("/appels-d-offres?departement=38"))) == ["Mobilier de réemploi", "Repas bio"]
    assert _titles(client.get("/appels-d-offres?cloture=7")) == ["Repas bio"]
    assert sorted(_titles(client.get("/appels-d-offres?reserve=1"))) == ["Mobilier de réemploi", "Nettoyage"]
    nothing = client.get("/appels-d-offres?reserve=1&departement=01")
    assert _titles(nothing) == [] and "Aucun appel d'offres ne correspond à ces filtres." in text(nothing)
    # unknown values are ignored rather than failing
    assert len(_titles(client.get("/appels-d-offres?categorie=999999&departement=XX&cloture=2"))) == 3


def test_the_list_paginates_ten_by_ten(client, db):
    for i in range(12):
        TenderFactory(title=f"Appel {i:02d}", submission_deadline=_in(5 + i))
    db.session.commit()
    first = client.get("/appels-d-offres")
    assert _titles(first) == [f"Appel {i:02d}" for i in range(10)]
    assert "Page 1 sur 2" in text(first) and "12 appels d'offres" in text(first)
    assert _titles(client.get("/appels-d-offres?page=2")) == ["Appel 10", "Appel 11"]


def test_the_empty_list_says_so(client, db):
    assert "Aucun appel d'offres n'est ouvert en ce moment." in text(client.get("/appels-d-offres"))


def test_the_tender_page_shows_everything_a_vendor_needs(client, db):
    tender = TenderFactory(
        title="Restauration scolaire bio",
        reservation=Reservation.SIAE,
        social_clause="10 % des heures réservées à l'insertion.",
        question_deadline=dt.datetime(2026, 3, 12, 11, 0, tzinfo=dt.UTC),
        submission_deadline=dt.datetime(2026, 3, 22, 11, 0, tzinfo=dt.UTC),
    )
    services.documents.store(tender, None, "Règlement de la consultation",
                             _upload(PDF_BYTES, "rc.pdf"))
    db.session.commit()
    page = text(client.get(f"/appels-d-offres/{tender.id}"))
    for expected in (
        "Restauration scolaire bio", tender.buyer_organisation.name, "Procédure adaptée (MAPA)",
        "Lot 1 : Écoles", "Lot 2 : Bâtiments administratifs", "Prix", "40 %",
        "Performance sociale et environnementale", "20 %", "article L2113-13 du Code de la commande publique",
        "10 % des heures réservées à l'insertion.", "jeudi 12 mars 2026 à 12:00", "dimanche 22 mars 2026 à 12:00",
        "Clôture dans 20 jours", "Règlement de la consultation", "Réservé SIAE",
    ):
        assert expected in page, expected


def _upload(data, name):
    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.mark.parametrize("status", [s for s in TenderStatus if s is not TenderStatus.DRAFT], ids=lambda s: s.value)
def test_every_public_status_stays_visible_with_its_label(client, db, status):
    tender = TenderFactory(status=status, cancel_reason="Besoin redéfini" if status is TenderStatus.CANCELLED else None,
                           cancelled_at=now_utc() if status is TenderStatus.CANCELLED else None)
    db.session.commit()
    response = client.get(f"/appels-d-offres/{tender.id}")
    assert response.status_code == 200
    assert f'tender-status-{status.value}">{status.label}' in text(response)


def test_a_draft_is_seen_only_by_its_buyer(client, login_as, db):
    draft = TenderFactory(draft=True)
    buyer = buyer_of(draft)
    other_buyer = buyer_of(TenderFactory(buyer_organisation=BuyerOrganisationFactory()))
    db.session.commit()
    assert client.get(f"/appels-d-offres/{draft.id}").status_code == 404
    login_as(other_buyer)
    assert client.get(f"/appels-d-offres/{draft.id}").status_code == 404
    login_as(buyer)
    page = client.get(f"/appels-d-offres/{draft.id}")
    assert page.status_code == 200 and "Brouillon : cette page n'est visible" in text(page)
