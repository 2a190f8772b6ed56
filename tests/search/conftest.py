"""Fixtures of the search behaviour tests: a small catalogue indexed by the backend under test."""
from __future__ import annotations

import os

import pytest

from marketplace.catalogue.models import Channels, Label, OfferKind
from marketplace.search import service
from marketplace.vendors.models import LegalForm, Sector, VendorStatus
from tests.factories import CategoryFactory, OfferFactory, VendorFactory

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgresql")
BACKENDS = [
    "whoosh",
    pytest.param(
        "postgres",
        marks=pytest.mark.skipif(not ON_POSTGRES, reason="the PostgreSQL backend needs DATABASE_URL=postgresql"),
    ),
]


@pytest.fixture(params=BACKENDS)
def backend_name(request, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", request.param)
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(tmp_path / "index"))
    app.extensions.pop("search_backend", None)
    yield request.param
    app.extensions.pop("search_backend", None)


@pytest.fixture
def whoosh_only(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", "whoosh")
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(tmp_path / "index"))
    app.extensions.pop("search_backend", None)
    yield tmp_path / "index"
    app.extensions.pop("search_backend", None)


def _offer(labels=(), **kwargs):
    offer = OfferFactory(**kwargs)
    offer.set_labels(list(labels))
    return offer


def make_catalogue(db) -> dict:
    """A small catalogue: visible offers, hidden ones, approved and unapproved structures."""
    epicerie = CategoryFactory(name="Épicerie", slug="epicerie")
    confitures = CategoryFactory(name="Confitures et miels", slug="confitures", parent=epicerie)
    traiteur = CategoryFactory(name="Traiteur et restauration", slug="traiteur")
    velo = CategoryFactory(name="Vélos", slug="velos")
    vercors = VendorFactory(
        name="Panier du Vercors", slug="panier-du-vercors", commune="Villard-de-Lans", departement_code="38",
        legal_form=LegalForm.ASSOCIATION, description="Épicerie solidaire : produits locaux et vrac.",
    )
    vercors.set_sectors([Sector.ALIMENTATION])
    toques = VendorFactory(
        name="Les Toques Solidaires", slug="les-toques-solidaires", commune="Lyon", departement_code="69",
        legal_form=LegalForm.SIAE_EI, description="Traiteur d'insertion : repas pour vos événements à Lyon.",
    )
    toques.set_sectors([Sector.INSERTION])
    cycles = VendorFactory(
        name="Atelier Vélo Pour Tous", slug="atelier-velo", commune="Grenoble", departement_code="38",
        legal_form=LegalForm.SIAE_ACI, description="Réparation et vente de vélos reconditionnés.",
    )
    candidate = VendorFactory(name="Vélo Candidat", slug="velo-candidat", candidate=True)
    suspended = VendorFactory(name="Vélo Suspendu", slug="velo-suspendu", status=VendorStatus.SUSPENDED)
    offers = {
        "framboise": _offer(
            vendor=vercors, category=confitures, title="Confiture de framboises épicées",
            description_text="Framboises du Vercors cuites au chaudron, une pointe de piment d'Espelette.",
            price_cents=650, labels=[Label.BIO, Label.LOCAL],
        ),
        "abricot": _offer(
            vendor=vercors, category=confitures, title="Confiture d'abricots",
            description_text="Abricots de la Drôme, sucre <b>roux</b> & amour.",
            price_cents=550, labels=[Label.LOCAL],
        ),
        "miel": _offer(
            vendor=vercors, category=confitures, title="Miel de montagne",
            description_text="Miel toutes fleurs récolté à Villard-de-Lans.", price_cents=1200,
            labels=[Label.BIO],
        ),
        "buffet": _offer(
            vendor=toques, category=traiteur, kind=OfferKind.SERVICE, title="Buffet traiteur pour séminaire",
            description_text="Un traiteur d'insertion pour vos repas d'entreprise, produits de saison.",
            price_cents=2500, stock=None, channels=Channels.B2B, labels=[Label.INSERTION],
        ),
        "revision": _offer(
            vendor=cycles, category=velo, kind=OfferKind.SERVICE, title="Révision complète de vélo",
            description_text="Réglage des freins et des vitesses, graissage de la chaîne.",
            price_cents=4500, stock=None, channels=Channels.BOTH, labels=[Label.REEMPLOI, Label.INSERTION],
        ),
        "velo": _offer(
            vendor=cycles, category=velo, title="Vélo de ville reconditionné",
            description_text="Un vélo révisé par nos salariés en insertion.", price_cents=18000,
            labels=[Label.REEMPLOI],
        ),
        "draft": _offer(vendor=vercors, category=confitures, title="Confiture de myrtilles", draft=True),
        "of_candidate": _offer(vendor=candidate, category=velo, title="Vélo cargo candidat"),
        "of_suspended": _offer(vendor=suspended, category=velo, title="Vélo pliant suspendu"),
    }
    db.session.commit()
    return {"vendors": {"vercors": vercors, "toques": toques, "cycles": cycles, "candidate": candidate,
                        "suspended": suspended}, "offers": offers, "categories": {"epicerie": epicerie}}


@pytest.fixture
def catalogue(app, db, backend_name):
    data = make_catalogue(db)
    service.reindex()
    return data


@pytest.fixture
def whoosh_catalogue(app, db, whoosh_only):
    data = make_catalogue(db)
    service.reindex()
    return data
