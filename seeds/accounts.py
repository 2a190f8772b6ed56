"""Demo accounts: the administrator, consumers and professional/public buyers."""

from __future__ import annotations

from marketplace.accounts.models import BuyerKind, BuyerMembership, BuyerOrganisation
from marketplace.core.identifiers import make_siret
from marketplace.core.territories import departement_from_postal_code
from seeds.base import SeedContext

ADMIN = ("admin@marche-solidaire.example", "Anne Vidal")

# email, name, postal code, locale, demo login hint
CONSUMERS = [
    (
        "camille.martin@courriel.example",
        "Camille Martin",
        "38000",
        "fr",
        "Browse and search the approved structures; apply with a structure of your own.",
    ),
    ("julien.petit@courriel.example", "Julien Petit", "38400", "fr", None),
    ("amina.diallo@courriel.example", "Amina Diallo", "69003", "fr", None),
    ("lea.roux@courriel.example", "Léa Roux", "63000", "fr", None),
    (
        "james.whitfield@courriel.example",
        "James Whitfield",
        "74000",
        "en",
        "The same, with the interface in English.",
    ),
]

# A SIREN of a public body starts with 2 (21: commune, 22: département), the
# SIRET base below is the 8 first digits of the SIREN.
BUYERS = [
    {
        "name": "Ville de Saint-Martin-d'Hères",
        "kind": BuyerKind.COMMUNE,
        "siret_base": 21380421,
        "address": "Avenue Ambroise Croizat",
        "postal_code": "38400",
        "commune": "Saint-Martin-d'Hères",
        "payment_term_days": 30,
        "user": (
            "Céline Dumas",
            "commande.publique@saint-martin-dheres.example",
            "Responsable de la commande publique",
        ),
        "login": (
            "Public buyer (commune)",
            "Espace professionnels: the organisation, its SIRET and payment term.",
        ),
    },
    {
        "name": "Département de l'Isère",
        "kind": BuyerKind.DEPARTEMENT,
        "siret_base": 22380001,
        "address": "7 rue Fantin-Latour",
        "postal_code": "38000",
        "commune": "Grenoble",
        "payment_term_days": 30,
        "user": (
            "Olivier Brun",
            "olivier.brun@departement-isere.example",
            "Chargé des achats responsables",
        ),
        "login": (
            "Public buyer (département)",
            "Espace professionnels of the département.",
        ),
    },
    {
        "name": "Alpitech Systèmes",
        "kind": BuyerKind.COMPANY,
        "siret_base": 51234876,
        "address": "12 chemin du Pré Carré",
        "postal_code": "38240",
        "commune": "Meylan",
        "payment_term_days": 45,
        "user": (
            "Isabelle Mercier",
            "isabelle.mercier@alpitech.example",
            "Acheteuse, achats responsables",
        ),
        "login": (
            "Company buyer (entreprise)",
            "Espace professionnels of a company (45-day payment term).",
        ),
    },
    {
        "name": "CSE des Papeteries du Grésivaudan",
        "kind": BuyerKind.WORKS_COUNCIL,
        "siret_base": 78945612,
        "address": "Rue de la Papeterie",
        "postal_code": "38190",
        "commune": "Villard-Bonnot",
        "payment_term_days": 30,
        "user": ("Franck Roussel", "cse@papeteries-gresivaudan.example", "Secrétaire du CSE"),
        "login": ("Works council (CSE)", "Espace professionnels of a works council."),
    },
]


def seed_admin(ctx: SeedContext) -> None:
    email, name = ADMIN
    user = ctx.user(email, name, created_days_ago=500, is_admin=True)
    ctx.login(
        "Administrator",
        user.email,
        "Back office: users, mandates, buyer organisations, audit journal, grid, charter; "
        "Administration → Boîte de test des e-mails.",
    )


def seed_consumers(ctx: SeedContext) -> None:
    rng = ctx.rng("consumers")
    for email, name, postal_code, locale, hint in CONSUMERS:
        user = ctx.user(
            email,
            name,
            created_days_ago=rng.randint(20, 300),
            postal_code=postal_code,
            locale=locale,
        )
        if hint:
            role = "Consumer" if locale == "fr" else "Consumer (English interface)"
            ctx.login(role, user.email, hint)


def seed_buyers(ctx: SeedContext) -> None:
    """Four buyer organisations (commune, département, company, CSE), one buyer each."""
    for spec in BUYERS:
        departement = departement_from_postal_code(spec["postal_code"])
        organisation, _ = ctx.get_or_create(
            BuyerOrganisation,
            {"siret": make_siret(spec["siret_base"])},
            {
                "name": spec["name"],
                "kind": spec["kind"],
                "address": spec["address"],
                "postal_code": spec["postal_code"],
                "commune": spec["commune"],
                "departement_code": departement.code if departement else None,
                "payment_term_days": spec["payment_term_days"],
                "created_at": ctx.days_ago(200),
                "updated_at": ctx.days_ago(200),
            },
        )
        name, email, job_title = spec["user"]
        user = ctx.user(email, name, created_days_ago=200)
        ctx.get_or_create(
            BuyerMembership,
            {"user_id": user.id, "organisation_id": organisation.id},
            {"job_title": job_title, "created_at": ctx.days_ago(200)},
        )
        role, hint = spec["login"]
        ctx.login(role, user.email, hint)
