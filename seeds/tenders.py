"""Demo calls for tenders, in every state, written through the tenders' own services.

Each tender is created, filled, published, questioned, closed, opened for
evaluation or cancelled with the clock set to the moment it happened, so that
dates, audit events and e-mails (alerts, questions, closing) stay consistent.
Deadlines are relative to the day the demo is loaded. A tender is keyed by
its organisation and reference: a second run leaves it as it is.

Awarded and unsuccessful outcomes need bids: the bids' demo data takes some of
these tenders further (DI-2026-0031 is awarded there); AO-2026-011 stays closed.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from marketplace.accounts.models import BuyerMembership, BuyerOrganisation, User
from marketplace.catalogue.models import Category
from marketplace.extensions import db
from marketplace.procurement.tenders import alerts, questions, services
from marketplace.procurement.tenders.models import (
    CriterionKind,
    Procedure,
    Reservation,
    Tender,
    TenderAlert,
)
from marketplace.procurement.tenders.services import CriterionData, LotData, TenderData
from marketplace.vendors.models import MemberRole, Vendor
from seeds.base import SeedContext
from seeds.vetting import clock_at, counting
from seeds.vetting_documents import demo_pdf

DAY = dt.timedelta(days=1)
PRICE, OTHER = CriterionKind.PRICE, CriterionKind.OTHER
STANDARD_CRITERIA = (
    ("Prix", PRICE, 40),
    ("Valeur technique", OTHER, 40),
    ("Performance sociale et environnementale", OTHER, 20),
)

# The demo buyer organisations (seeds/accounts.py), by name.
SMH = "Ville de Saint-Martin-d'Hères"
ISERE = "Département de l'Isère"
ALPITECH = "Alpitech Systèmes"
CSE = "CSE des Papeteries du Grésivaudan"


@dataclass(frozen=True)
class Spec:
    buyer: str
    reference: str
    title: str
    object: str
    category: str
    lots: tuple[tuple[str, str, int | None, Reservation], ...]
    published_days_ago: int | None  # None: a draft
    submission_in_days: float  # relative to today; negative: already passed
    question_days_before: int = 8
    state: str = "published"  # draft, published, closed, under_evaluation, cancelled
    procedure: Procedure = Procedure.ADAPTED
    reservation: Reservation = Reservation.NONE
    social_clause: str | None = None
    criteria: tuple[tuple[str, CriterionKind, int], ...] = STANDARD_CRITERIA
    documents: tuple[str, ...] = ("Règlement de la consultation", "Cahier des clauses techniques particulières")
    qa: tuple[tuple[str, str, str | None], ...] = ()  # (vendor slug, question, answer)
    departement: str = "38"
    cancel_reason: str | None = None
    amendment: str | None = None


N = Reservation.NONE

SPECS: tuple[Spec, ...] = (
    Spec(
        buyer=SMH,
        reference="AO-2026-014",
        title="Restauration scolaire bio et locale des écoles de la ville",
        object=(
            "Fourniture et livraison en liaison froide des repas des onze écoles maternelles et "
            "élémentaires de la ville (environ 1 850 repas par jour scolaire), du 1er septembre 2026 au "
            "31 août 2027, reconductible deux fois un an.\n\n"
            "- au moins 50 % de produits durables et de qualité, dont 30 % issus de l'agriculture biologique ;\n"
            "- un menu végétarien par semaine au minimum ;\n"
            "- des fruits et légumes de saison, cultivés à moins de 150 km pour les deux tiers ;\n"
            "- des contenants réutilisables (inox ou verre) repris par le titulaire."
        ),
        category="traiteur-restauration",
        procedure=Procedure.OPEN,
        lots=(
            ("Repas des écoles maternelles et élémentaires",
             "Déjeuners en liaison froide, livrés avant 9 h 30 dans les offices des écoles.", 68_000_000, N),
            ("Goûters et collations des accueils périscolaires",
             "Goûters des accueils du soir (environ 420 par jour) : fruits frais, laitages, pain de boulanger.",
             9_500_000, N),
        ),
        published_days_ago=12,
        submission_in_days=24,
        question_days_before=10,
        social_clause=(
            "Le titulaire réserve au moins 5 % des heures travaillées à l'exécution du marché à des "
            "personnes éloignées de l'emploi, accompagnées par le facilitateur de la clause sociale de la "
            "Métropole."
        ),
        qa=(
            ("les-cuisines-partagees",
             "Les offices des écoles disposent-ils tous d'une cellule de remise en température ?",
             "Oui, les onze offices sont équipés de fours mixtes ; la liste du matériel figure en annexe 3 du "
             "CCTP."),
            ("le-panier-des-cimes",
             "Un groupement de producteurs peut-il répondre au seul lot 2 ?",
             "Oui. Les lots sont attribués séparément et les groupements conjoints ou solidaires sont admis, "
             "avec un mandataire."),
            ("les-paysans-du-dome",
             "La part de produits locaux sera-t-elle vérifiée sur factures ou sur déclaration ?",
             None),
        ),
    ),
    Spec(
        buyer=ISERE,
        reference="DI-2026-0042",
        title="Entretien des espaces verts des collèges du Grésivaudan et du Voironnais",
        object=(
            "Entretien courant des espaces verts de quatorze collèges : tonte, débroussaillage, taille des "
            "haies, ramassage des feuilles, désherbage sans produit phytosanitaire (gestion différenciée). "
            "Marché d'un an reconductible trois fois."
        ),
        category="espaces-verts",
        lots=(
            ("Secteur Grésivaudan (8 collèges)",
             "Tonte, débroussaillage et taille, y compris l'évacuation des déchets verts vers une plateforme "
             "de compostage.", 14_200_000, N),
            ("Secteur Voironnais (6 collèges) — lot réservé",
             "Mêmes prestations. Lot réservé aux structures d'insertion par l'activité économique.",
             9_800_000, Reservation.SIAE),
        ),
        published_days_ago=9,
        submission_in_days=16,
        social_clause="Pour le lot 1, 8 % des heures travaillées sont réservées à des personnes en insertion.",
        criteria=(
            ("Prix", PRICE, 40),
            ("Valeur technique (méthodologie, matériel, gestion différenciée)", OTHER, 35),
            ("Performance sociale (accompagnement et formation des salariés)", OTHER, 25),
        ),
        qa=(
            ("les-jardins-de-la-gresse",
             "Le matériel de tonte peut-il être entreposé sur place dans les collèges ?",
             "Un local est mis à disposition dans six collèges sur quatorze ; ailleurs, le titulaire apporte "
             "son matériel à chaque passage."),
        ),
    ),
    Spec(
        buyer=SMH,
        reference="AO-2026-017",
        title="Nettoyage des locaux administratifs et sportifs",
        object=(
            "Nettoyage quotidien de l'hôtel de ville et des locaux annexes, et nettoyage hebdomadaire de "
            "trois gymnases, avec des produits écolabellisés et des méthodes économes en eau. Marché réservé "
            "aux entreprises adaptées et aux ESAT."
        ),
        category="nettoyage",
        reservation=Reservation.EA_ESAT,
        lots=(
            ("Hôtel de ville et locaux annexes", "4 200 m² de bureaux, passage du lundi au vendredi de 6 h à 8 h.",
             11_000_000, N),
            ("Gymnases municipaux", "Trois gymnases et leurs vestiaires, passage le lundi et le jeudi.",
             4_600_000, N),
        ),
        published_days_ago=5,
        submission_in_days=30,
        question_days_before=12,
        amendment=(
            "Ajout du plan des locaux et report de la date limite de remise des offres d'une semaine, "
            "à la demande de plusieurs candidats."
        ),
    ),
    Spec(
        buyer=SMH,
        reference="AO-2026-009",
        title="Paniers de fruits et légumes bio pour les crèches municipales",
        object=(
            "Livraison hebdomadaire de fruits et légumes issus de l'agriculture biologique pour les cinq "
            "crèches municipales (environ 320 enfants), de saison et cultivés en Auvergne-Rhône-Alpes."
        ),
        category="fruits-legumes",
        lots=(("Paniers hebdomadaires", "Livraison le mardi matin avant 8 h, paniers consignés.",
               3_800_000, N),),
        published_days_ago=20,
        submission_in_days=2,
        question_days_before=5,
        documents=("Règlement de la consultation",),
        qa=(
            ("le-panier-des-cimes",
             "Les quantités peuvent-elles varier d'une semaine à l'autre selon la saison ?",
             "Oui, dans une fourchette de plus ou moins 20 % autour des quantités du bordereau des prix."),
        ),
    ),
    Spec(
        buyer=ISERE,
        reference="DI-2026-0031",
        title="Impression des supports de communication sur papier recyclé",
        object=(
            "Impression des magazines, dépliants et affiches du Département sur papier recyclé certifié, "
            "avec des encres végétales, et livraison sur les sites du Département."
        ),
        category="impression",
        lots=(
            ("Magazine départemental", "Six numéros par an, 48 pages, 560 000 exemplaires.", 21_000_000, N),
            ("Dépliants et affiches", "Environ 80 commandes par an, de 500 à 20 000 exemplaires.", 6_500_000, N),
        ),
        published_days_ago=40,
        submission_in_days=-4,
        state="closed",
    ),
    Spec(
        buyer=SMH,
        reference="AO-2026-011",
        title="Entretien et réparation des vélos de service de la ville",
        object=(
            "Entretien préventif deux fois par an et réparations à la demande des 48 vélos et vélos à "
            "assistance électrique des services municipaux, avec prise en charge et restitution sur site."
        ),
        category="reparation-velo",
        lots=(("Entretien et réparations", "Forfait d'entretien par vélo et bordereau de prix des réparations.",
               1_900_000, N),),
        published_days_ago=26,
        submission_in_days=-1,
        state="closed",
        documents=("Règlement de la consultation",),
    ),
    Spec(
        buyer=ALPITECH,
        reference="ALP-AO-2026-03",
        title="Mobilier de réemploi pour l'aménagement du nouveau siège",
        object=(
            "Fourniture et installation de mobilier de bureau de réemploi (bureaux, sièges, rangements, "
            "tables de réunion) pour 140 postes de travail, remis en état et garanti deux ans."
        ),
        category="mobilier-occasion",
        lots=(
            ("Postes de travail", "140 bureaux et sièges ergonomiques reconditionnés.", 8_400_000, N),
            ("Salles de réunion et espaces de pause", "Tables, chaises et rangements ; coloris au choix.",
             3_200_000, N),
        ),
        published_days_ago=45,
        submission_in_days=-15,
        state="under_evaluation",
        criteria=(
            ("Prix", PRICE, 30),
            ("Qualité et garantie du mobilier", OTHER, 40),
            ("Part de réemploi et impact environnemental", OTHER, 30),
        ),
    ),
    Spec(
        buyer=CSE,
        reference="CSE-2026-02",
        title="Séjour solidaire pour les salariés et leurs familles",
        object="Organisation d'un séjour de quatre jours en Drôme pour 60 personnes, hébergement et activités "
               "auprès de structures de l'économie sociale et solidaire.",
        category="voyages-solidaires",
        lots=(("Séjour de quatre jours", "Transport en car, hébergement en gîtes, activités.", 4_500_000, N),),
        published_days_ago=30,
        submission_in_days=6,
        state="cancelled",
        cancel_reason="Le séjour est reporté à l'an prochain : le budget des activités sociales a été réaffecté.",
    ),
    Spec(
        buyer=CSE,
        reference="CSE-2026-05",
        title="Colis de fin d'année en produits équitables et locaux",
        object=(
            "Composition et livraison de 450 colis gourmands pour les salariés : produits du commerce "
            "équitable et de producteurs de la région, emballages réutilisables."
        ),
        category="epicerie-sucree",
        lots=(("Colis gourmands", "Trois compositions au choix, livraison sur le site de Villard-Bonnot.",
               2_700_000, N),),
        published_days_ago=None,
        submission_in_days=45,
        state="draft",
        documents=(),
    ),
)

# A demo vendor's saved searches: (vendor slug, category slug, département, reserved only, keywords).
ALERTS = (
    ("le-panier-des-cimes", "alimentation", "38", False, None),
    ("les-jardins-de-la-gresse", "espaces-verts", None, True, None),
    ("alp-adapt-logistique", None, "38", False, "nettoyage, conditionnement"),
)


def _organisation(name: str) -> BuyerOrganisation | None:
    return db.session.scalar(sa.select(BuyerOrganisation).where(BuyerOrganisation.name == name))


def _buyer(organisation: BuyerOrganisation) -> User | None:
    return db.session.scalar(
        sa.select(User).join(BuyerMembership, BuyerMembership.user_id == User.id)
        .where(BuyerMembership.organisation_id == organisation.id).order_by(BuyerMembership.id).limit(1)
    )


def _category_id(slug: str | None) -> int | None:
    if slug is None:
        return None
    return db.session.scalar(sa.select(Category.id).where(Category.slug == slug))


def _vendor_and_owner(slug: str) -> tuple[Vendor, User] | tuple[None, None]:
    vendor = db.session.scalar(sa.select(Vendor).where(Vendor.slug == slug))
    if vendor is None:
        return None, None
    owners = [m.user for m in vendor.memberships if m.role is MemberRole.OWNER]
    return (vendor, owners[0]) if owners else (None, None)


def _pdf(spec: Spec, title: str, organisation: BuyerOrganisation) -> FileStorage:
    lines = [
        f"{organisation.name}",
        f"Appel d'offres {spec.reference} : {spec.title}",
        "",
        "Document de démonstration de la plateforme Marché Solidaire.",
        "Il ne constitue pas une pièce de marché réelle.",
    ]
    name = title.lower().replace(" ", "-").replace("'", "")[:50]
    return FileStorage(stream=io.BytesIO(demo_pdf(title, lines)), filename=f"{name}.pdf")


def seed_tender_alerts(ctx: SeedContext) -> None:
    """Alerts saved by demo vendors before the tenders were published (so that they are e-mailed)."""
    with counting(ctx):
        for slug, category_slug, departement, reserved_only, keywords in ALERTS:
            vendor, owner = _vendor_and_owner(slug)
            if vendor is None:
                continue
            exists = ctx.session.scalar(
                sa.select(TenderAlert.id).where(TenderAlert.vendor_id == vendor.id, TenderAlert.user_id == owner.id)
            )
            if exists is not None:
                continue
            with clock_at(ctx.now - 60 * DAY):
                alerts.create_alert(owner, vendor, alerts.AlertData(
                    category_id=_category_id(category_slug), departement=departement,
                    reserved_only=reserved_only, keywords=keywords,
                ))


def seed_tenders(ctx: SeedContext) -> None:
    """The demo buyers' calls for tenders, in every state before the award."""
    seed_tender_alerts(ctx)
    with counting(ctx):
        for spec in SPECS:
            organisation = _organisation(spec.buyer)
            buyer = _buyer(organisation) if organisation is not None else None
            if buyer is None:
                continue
            exists = ctx.session.scalar(
                sa.select(Tender.id).where(Tender.buyer_organisation_id == organisation.id,
                                           Tender.reference == spec.reference)
            )
            if exists is None:
                _tender(ctx, spec, organisation, buyer)


def _moment(ctx: SeedContext, days: float, hour: int = 10) -> dt.datetime:
    """``days`` from today at ``hour``:00 UTC (negative: in the past)."""
    base = ctx.now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + dt.timedelta(days=days)


def _tender(ctx: SeedContext, spec: Spec, organisation: BuyerOrganisation, buyer: User) -> Tender:
    submission = _moment(ctx, spec.submission_in_days, hour=11)
    question = submission - spec.question_days_before * DAY
    created = _moment(ctx, -(spec.published_days_ago or 3) - 6, hour=8)
    with clock_at(created):
        tender = services.create_tender(organisation, buyer, TenderData(
            reference=spec.reference, title=spec.title, object=spec.object, procedure=spec.procedure,
            question_deadline=question, submission_deadline=submission, category_id=_category_id(spec.category),
            departement=spec.departement, reservation=spec.reservation, social_clause=spec.social_clause,
        ))
        services.save_lots(tender, buyer, [LotData(title, text, amount, reservation)
                                           for title, text, amount, reservation in spec.lots])
        services.save_criteria(tender, buyer, [CriterionData(name, weight, kind)
                                               for name, kind, weight in spec.criteria])
        for title in spec.documents:
            services.add_document(tender, buyer, title, _pdf(spec, title, organisation))
    if spec.published_days_ago is None:
        return tender
    with clock_at(_moment(ctx, -spec.published_days_ago, hour=9)):
        services.publish(tender, buyer)
    _questions(ctx, spec, tender, buyer)
    if spec.amendment:
        with clock_at(_moment(ctx, -1, hour=14)):
            services.amend(tender, buyer, services.AmendmentData(
                note=spec.amendment, question_deadline=tender.question_deadline + 7 * DAY,
                submission_deadline=tender.submission_deadline + 7 * DAY, document_title="Plan des locaux",
                document=_pdf(spec, "Plan des locaux", organisation),
            ))
    if spec.state in ("closed", "under_evaluation"):
        with clock_at(submission + dt.timedelta(minutes=5)):
            services.close(tender)
    if spec.state == "under_evaluation":
        with clock_at(submission + 2 * DAY):
            services.start_evaluation(tender, buyer)
    if spec.state == "cancelled":
        with clock_at(_moment(ctx, -3, hour=15)):
            services.cancel(tender, buyer, spec.cancel_reason or "")
    return tender


def _questions(ctx: SeedContext, spec: Spec, tender: Tender, buyer: User) -> None:
    published = tender.published_at
    for index, (slug, body, answer) in enumerate(spec.qa):
        vendor, owner = _vendor_and_owner(slug)
        if vendor is None:
            continue
        asked_at = min(published + (index + 1) * DAY, tender.question_deadline - dt.timedelta(hours=2),
                       ctx.now - dt.timedelta(hours=3))
        with clock_at(asked_at):
            question = questions.ask(tender, owner, vendor, body)
        if answer:
            with clock_at(min(asked_at + DAY, ctx.now - dt.timedelta(hours=1))):
                questions.answer(question, buyer, answer)
