"""The analysis grid (grille d'analyse) and the ethics committee (comité d'éthique)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from marketplace.accounts.models import CommitteeMandate
from marketplace.committee.models import Criterion
from marketplace.vendors.models import MemberRole, Vendor, VendorMembership
from seeds.base import SeedContext

# (code, label, description, weight)
CRITERIA = [
    (
        "utilite_sociale",
        "Utilité sociale",
        "Le projet répond à un besoin social ou territorial identifié : accès de tous à des biens "
        "et des services de qualité, soutien à des publics fragiles, lien social. On regarde la "
        "finalité inscrite dans les statuts et ce que la structure fait réellement.",
        3,
    ),
    (
        "gouvernance",
        "Gouvernance démocratique",
        "Les décisions sont prises collectivement (une personne, une voix, ou des collèges qui "
        "associent salariés, usagers et partenaires). Les instances se réunissent et leurs "
        "décisions sont connues.",
        2,
    ),
    (
        "lucrativite_limitee",
        "Lucrativité limitée",
        "Les excédents sont majoritairement réinvestis dans le projet ; la rémunération du capital "
        "est encadrée et l'écart des salaires reste raisonnable.",
        2,
    ),
    (
        "ancrage_territorial",
        "Ancrage territorial",
        "Fournisseurs, partenaires et emplois du territoire régional sont privilégiés ; la "
        "structure participe aux réseaux locaux et à la vie de son bassin.",
        2,
    ),
    (
        "environnement",
        "Engagement environnemental",
        "Circuits courts, sobriété énergétique, réemploi, écoconception, réduction des emballages "
        "et des déchets : la structure mesure ses impacts et se fixe des objectifs de progrès.",
        2,
    ),
    (
        "emploi_insertion",
        "Qualité de l'emploi et insertion",
        "Conditions de travail, formation, dialogue social, part des contrats durables ; accueil "
        "et accompagnement de personnes éloignées de l'emploi ou en situation de handicap.",
        2,
    ),
    (
        "transparence_cooperation",
        "Transparence et coopération",
        "Information loyale des clients sur les prix, l'origine et les labels ; coopération avec "
        "les autres structures de l'ESS (groupements, mutualisations, partage de savoir-faire).",
        1,
    ),
]

# Members of the committee: the organisation each one represents, the chair, the
# vendor representative (also staff of that vendor) and the demo logins shown.
MEMBERS = [
    {
        "name": "Martine Reynaud",
        "email": "martine.reynaud@ess-sud-isere.example",
        "organisation": "Réseau ESS du Sud-Isère",
        "chair": True,
        "login": (
            "Committee chair (présidente du comité)",
            "Comité d'éthique: dossier queue, decisions, approved structures (suspend, reinstate).",
        ),
    },
    {
        "name": "Karim Belkacem",
        "email": "karim.belkacem@insertion-dauphine.example",
        "organisation": "Fédération dauphinoise des structures d'insertion",
        "login": (
            "Committee member (comité d'éthique)",
            "Review a submitted dossier against the grid: scores, opinion (avis), or recusal.",
        ),
    },
    {
        "name": "Hélène Faure",
        "email": "helene.faure@echirolles.example",
        "organisation": "Ville d'Échirolles",
    },
    {
        "name": "Jean-Paul Morel",
        "email": "jean-paul.morel@conso-solidaires-isere.example",
        "organisation": "Association des consommateurs solidaires de l'Isère",
    },
    {
        "name": "Sophie Lacroix",
        "email": "sophie.lacroix@finance-solidaire-dauphine.example",
        "organisation": "Collectif pour une finance solidaire en Dauphiné",
    },
    {
        "name": "Thomas Girard",
        "email": "thomas.girard@alpes-nature-citoyenne.example",
        "organisation": "Alpes Nature Citoyenne",
    },
    {
        "name": "Nadia Chabert",
        "email": "nadia.chabert@les-charpentiers-du-vercors.example",
        "organisation": "Les Charpentiers du Vercors",
        "vendor_slug": "les-charpentiers-du-vercors",
        "login": (
            "Committee member, vendor representative",
            "Also staff of a vendor: declare the conflict of interest on its dossiers.",
        ),
    },
]
MANDATE_YEARS = 3


def seed_criteria(ctx: SeedContext) -> None:
    for position, (code, label, description, weight) in enumerate(CRITERIA, start=1):
        ctx.get_or_create(
            Criterion,
            {"code": code},
            {
                "label": label,
                "description": description,
                "weight": weight,
                "position": position,
                "active": True,
                "created_at": ctx.days_ago(420),
                "updated_at": ctx.days_ago(420),
            },
        )


def seed_members(ctx: SeedContext) -> None:
    """Seven members with current mandates, exactly one chair, one vendor representative."""
    starts_on = ctx.today - dt.timedelta(days=540)
    ends_on = starts_on + dt.timedelta(days=365 * MANDATE_YEARS)
    for member in MEMBERS:
        vendor_slug = member.get("vendor_slug")
        user = ctx.user(member["email"], member["name"], created_days_ago=560)
        ctx.get_or_create(
            CommitteeMandate,
            {"user_id": user.id},
            {
                "organisation_name": member["organisation"],
                "is_chair": member.get("chair", False),
                "is_vendor_representative": vendor_slug is not None,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "created_at": ctx.days_ago(245),
            },
        )
        if vendor_slug is not None:
            vendor = ctx.session.scalar(sa.select(Vendor).filter_by(slug=vendor_slug))
            if vendor is not None:
                ctx.get_or_create(
                    VendorMembership,
                    {"user_id": user.id, "vendor_id": vendor.id},
                    {"role": MemberRole.STAFF, "created_at": ctx.days_ago(300)},
                )
        if "login" in member:
            role, hint = member["login"]
            ctx.login(role, user.email, hint)
