"""Demo quote requests in every state, made with the procurement services.

Each request is dated relative to the day of the first run, with the clock set to
each step (creation, quotes, revision, decision, fulfilment), so that its
history, e-mails and the professional order's invoice are consistent. A request
is keyed by its organisation and title: an existing one is left as it is.

- awarded: cleaning of a community hall (Saint-Martin-d'Hères), two quotes, one
  revised; the accepted one became a professional order, completed and invoiced
  (payable by transfer within 30 days);
- open: organic school meals (Département de l'Isère), to all matching
  structures, one quote and one refusal with its reason, a thread;
- open: vegetable baskets for employees (CSE), no answer yet: the demo vendor
  owner can quote;
- closed (deadline passed, to decide): maintenance of a park's green spaces;
- draft: re-used furniture for a break room (Alpitech);
- cancelled: printing of a welcome booklet (CSE);
- expired: refurbished laptops, never decided (Alpitech).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from marketplace.accounts.models import BuyerOrganisation, User
from marketplace.catalogue.models import Category
from marketplace.procurement.quotes import messages, quoting, services
from marketplace.procurement.quotes.models import QuoteRequest, RecipientMode
from marketplace.procurement.quotes.pricing import LineInput
from marketplace.shop import orders
from marketplace.vendors.models import MemberRole, Vendor, VendorStatus
from seeds.base import SeedContext
from seeds.vetting import clock_at, counting

COMMUNE = "commande.publique@saint-martin-dheres.example"
DEPARTEMENT = "olivier.brun@departement-isere.example"
COMPANY = "isabelle.mercier@alpitech.example"
CSE = "cse@papeteries-gresivaudan.example"


@dataclass(frozen=True)
class QuoteSpec:
    vendor: str
    lines: tuple[LineInput, ...]
    lead_time_days: int
    valid_days: int
    comment: str | None = None
    days_after_creation: int = 3
    revision: tuple[LineInput, ...] | None = None  # a second version, two days later


@dataclass(frozen=True)
class RequestSpec:
    buyer: str
    title: str
    need: str
    category: str
    commune: str
    departement: str
    created_days_ago: int
    deadline_days: int  # response deadline, days after creation
    outcome: str  # draft | open | closed | awarded | cancelled | expired
    quantity: int | None = None
    unit: str | None = None
    budget_cents: int | None = None
    mode: RecipientMode = RecipientMode.CHOSEN
    vendors: tuple[str, ...] = ()
    quotes: tuple[QuoteSpec, ...] = ()
    declines: tuple[tuple[str, str], ...] = ()
    thread: tuple[tuple[str, bool, str], ...] = ()  # (vendor, from buyer?, text)
    cancel_reason: str | None = None
    accepted: str | None = None
    extra: dict = field(default_factory=dict)


L = LineInput
REQUESTS: tuple[RequestSpec, ...] = (
    RequestSpec(
        buyer=COMMUNE,
        title="Nettoyage des locaux de la Maison des associations",
        need=(
            "Nettoyage hebdomadaire de la Maison des associations (420 m² : salles d'activité, bureaux, "
            "sanitaires, hall), le lundi matin avant 9 h, de septembre à juin.\n"
            "Produits écolabellisés exigés ; le matériel est fourni par le prestataire. Visite possible sur "
            "rendez-vous. Le devis détaillera le coût par passage et la vitrerie trimestrielle."
        ),
        category="nettoyage",
        commune="Saint-Martin-d'Hères",
        departement="38",
        quantity=40,
        unit="passages",
        budget_cents=680_000,
        created_days_ago=46,
        deadline_days=14,
        outcome="awarded",
        vendors=("coup-de-main-services", "haut-bugey-adapte"),
        quotes=(
            QuoteSpec(
                "coup-de-main-services",
                (L("Nettoyage hebdomadaire (3 h 30 à deux agents)", 40, "passage", 15_400, 2000),
                 L("Vitrerie trimestrielle", 4, "intervention", 18_000, 2000)),
                lead_time_days=10, valid_days=60, days_after_creation=4,
                comment="Équipe de salariés en parcours d'insertion encadrée par une cheffe d'équipe.",
                revision=(L("Nettoyage hebdomadaire (3 h 30 à deux agents)", 40, "passage", 14_600, 2000),
                          L("Vitrerie trimestrielle", 4, "intervention", 17_000, 2000)),
            ),
            QuoteSpec(
                "haut-bugey-adapte",
                (L("Nettoyage hebdomadaire des locaux", 40, "passage", 16_900, 2000),
                 L("Vitrerie trimestrielle", 4, "intervention", 15_500, 2000),
                 L("Frais de déplacement (Oyonnax – Saint-Martin-d'Hères)", 1, "forfait", 48_000, 2000)),
                lead_time_days=21, valid_days=45, days_after_creation=7,
            ),
        ),
        thread=(("coup-de-main-services", True,
                 "Bonjour, pouvez-vous confirmer l'usage de produits écolabellisés ? Merci."),
                ("coup-de-main-services", False,
                 "Bonjour, oui : nous n'utilisons que des produits Ecocert ; la fiche technique sera jointe à notre devis.")),
        accepted="coup-de-main-services",
    ),
    RequestSpec(
        buyer=DEPARTEMENT,
        title="Repas bio pour la restauration scolaire de deux collèges",
        need=(
            "Fourniture de repas en liaison froide pour les collèges Jules-Vallès et Henri-Wallon "
            "(Saint-Martin-d'Hères), 180 repas par jour scolaire.\n"
            "Au moins 50 % de produits bio et locaux, un menu végétarien par semaine, emballages réemployables. "
            "Livraison avant 10 h 30. Le devis portera sur une journée type et précisera la part bio ; le "
            "budget indiqué est celui d'une journée."
        ),
        category="traiteur-restauration",
        commune="Saint-Martin-d'Hères",
        departement="38",
        quantity=180,
        unit="repas",
        budget_cents=80_000,
        created_days_ago=5,
        deadline_days=11,
        outcome="open",
        mode=RecipientMode.MATCHING,
        quotes=(
            QuoteSpec("les-cuisines-partagees",
                      (L("Repas complet bio (entrée, plat, dessert)", 180, "repas", 385, 1000),
                       L("Livraison en liaison froide", 1, "jour", 4_500, 2000)),
                      lead_time_days=15, valid_days=45, days_after_creation=2,
                      comment="62 % de produits bio, légumes des Jardins de la Gresse."),
        ),
        declines=(("les-jardins-de-la-gresse",
                   "Nous produisons des légumes mais ne cuisinons pas : nous pouvons fournir la cuisine retenue."),),
        thread=(("les-cuisines-partagees", False,
                 "Bonjour, les repas du mercredi sont-ils à prévoir ? Nous pouvons adapter le volume."),
                ("les-cuisines-partagees", True, "Bonjour, non : uniquement lundi, mardi, jeudi et vendredi.")),
    ),
    RequestSpec(
        buyer=CSE,
        title="Paniers de légumes bio pour les salariés",
        need=(
            "Le CSE souhaite offrir un panier de légumes bio et locaux à chacun des 85 salariés, livré sur le "
            "site de Villard-Bonnot le jeudi 10 décembre. Paniers de 4 à 5 kg, légumes de saison."
        ),
        category="fruits-legumes",
        commune="Villard-Bonnot",
        departement="38",
        quantity=85,
        unit="paniers",
        created_days_ago=2,
        deadline_days=12,
        outcome="open",
        mode=RecipientMode.MATCHING,
    ),
    RequestSpec(
        buyer=COMMUNE,
        title="Entretien des espaces verts du parc Jo-Blanchon (saison 2026)",
        need=(
            "Tonte, taille des haies et entretien des massifs du parc Jo-Blanchon (1,8 ha) d'avril à octobre : "
            "deux passages par mois, gestion différenciée, aucun produit phytosanitaire."
        ),
        category="espaces-verts",
        commune="Saint-Martin-d'Hères",
        departement="38",
        quantity=14,
        unit="passages",
        created_days_ago=24,
        deadline_days=21,
        outcome="closed",
        vendors=("les-ateliers-du-taillefer", "coup-de-main-services", "haut-bugey-adapte"),
        quotes=(
            QuoteSpec("les-ateliers-du-taillefer",
                      (L("Passage d'entretien (équipe de quatre travailleurs et un moniteur)", 14, "passage",
                         52_000, 2000),),
                      lead_time_days=20, valid_days=60, days_after_creation=6),
            QuoteSpec("haut-bugey-adapte",
                      (L("Entretien des espaces verts", 14, "passage", 49_500, 2000),
                       L("Évacuation des déchets verts", 7, "rotation", 6_500, 2000)),
                      lead_time_days=30, valid_days=40, days_after_creation=9),
        ),
        declines=(("coup-de-main-services", "Nos équipes jardin sont complètes pour la saison."),),
    ),
    RequestSpec(
        buyer=COMPANY,
        title="Mobilier de réemploi pour l'espace de pause",
        need=(
            "Aménagement d'un espace de pause de 35 m² : deux grandes tables, douze chaises, une étagère. "
            "Mobilier de réemploi ou réalisé en bois de récupération, livré et monté à Grenoble."
        ),
        category="mobilier-occasion",
        commune="Grenoble",
        departement="38",
        created_days_ago=1,
        deadline_days=15,
        outcome="draft",
        vendors=("seconde-planche", "la-ressourcerie-des-deux-rives"),
    ),
    RequestSpec(
        buyer=CSE,
        title="Impression du livret d'accueil des salariés",
        need="Impression de 300 livrets d'accueil, 24 pages A5, papier recyclé, reliure piqûre à cheval.",
        category="impression",
        commune="Villard-Bonnot",
        departement="38",
        quantity=300,
        unit="livrets",
        created_days_ago=30,
        deadline_days=15,
        outcome="cancelled",
        vendors=("editions-du-semnoz", "les-entrepreneurs-du-bastion"),
        quotes=(
            QuoteSpec("editions-du-semnoz",
                      (L("Livret 24 pages A5, papier recyclé", 300, "exemplaire", 310, 550),
                       L("Bon à tirer et calage", 1, "forfait", 9_000, 2000)),
                      lead_time_days=12, valid_days=30, days_after_creation=5),
        ),
        cancel_reason="Le livret sera finalement diffusé en version numérique.",
    ),
    RequestSpec(
        buyer=COMPANY,
        title="Ordinateurs portables reconditionnés pour l'équipe support",
        need="Huit ordinateurs portables reconditionnés 14 pouces, 16 Go de mémoire, garantie 2 ans, Linux ou Windows.",
        category="informatique-reconditionnee",
        commune="Grenoble",
        departement="38",
        quantity=8,
        unit="ordinateurs",
        created_days_ago=75,
        deadline_days=10,
        outcome="expired",
        vendors=("lumen-numerique",),
        quotes=(
            QuoteSpec("lumen-numerique",
                      (L("Portable reconditionné 14 pouces, 16 Go, SSD 512 Go", 8, "pièce", 31_500, 2000),
                       L("Installation et effacement certifié de l'ancien parc", 1, "forfait", 24_000, 2000)),
                      lead_time_days=8, valid_days=90, days_after_creation=3),
        ),
    ),
)


def _owner(vendor: Vendor) -> User | None:
    return next((m.user for m in vendor.memberships if m.role is MemberRole.OWNER), None)


def _at(ctx: SeedContext, created: dt.datetime, days: float, hour: int = 10) -> dt.datetime:
    moment = created + dt.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def seed_quotes(ctx: SeedContext) -> None:
    """Quote requests in every state, their quotes, threads and the awarded professional order."""
    with counting(ctx):
        for spec in REQUESTS:
            _seed_request(ctx, spec)


def _seed_request(ctx: SeedContext, spec: RequestSpec) -> None:
    session = ctx.session
    buyer = session.scalar(sa.select(User).where(User.email == spec.buyer))
    if buyer is None or not buyer.buyer_memberships:
        return
    organisation: BuyerOrganisation = buyer.buyer_memberships[0].organisation
    if session.scalar(sa.select(QuoteRequest.id).where(QuoteRequest.organisation_id == organisation.id,
                                                       QuoteRequest.title == spec.title)) is not None:
        return
    category = session.scalar(sa.select(Category).where(Category.slug == spec.category))
    slugs = set(spec.vendors) | {q.vendor for q in spec.quotes} | {d[0] for d in spec.declines}
    vendors = {v.slug: v for v in session.scalars(sa.select(Vendor).where(Vendor.slug.in_(slugs)))}
    if category is None or any(v.status is not VendorStatus.APPROVED for v in vendors.values()):
        return
    created = ctx.days_ago(spec.created_days_ago, hour=9)
    deadline = _at(ctx, created, spec.deadline_days, hour=11)
    data = services.RequestData(
        title=spec.title, need=spec.need, category_id=category.id, delivery_commune=spec.commune,
        delivery_departement_code=spec.departement, response_deadline=deadline, recipient_mode=spec.mode,
        quantity=spec.quantity, unit=spec.unit, budget_cents=spec.budget_cents,
        vendor_ids=[vendors[s].id for s in spec.vendors if s in vendors],
    )
    with clock_at(created):
        request = services.create_request(organisation, buyer, data, publish_now=spec.outcome != "draft")
    if spec.outcome == "draft":
        return
    quotes = {}
    for quote_spec in spec.quotes:
        vendor = vendors.get(quote_spec.vendor)
        if vendor is None or _owner(vendor) is None:
            continue
        sent = _at(ctx, created, quote_spec.days_after_creation, hour=14)
        with clock_at(sent):
            quotes[vendor.slug] = quoting.submit(request, vendor, _owner(vendor), quoting.QuoteData(
                lines=list(quote_spec.lines), valid_until=sent.date() + dt.timedelta(days=quote_spec.valid_days),
                lead_time_days=quote_spec.lead_time_days, comment=quote_spec.comment))
        if quote_spec.revision:
            with clock_at(sent + dt.timedelta(days=2)):
                quoting.revise(quotes[vendor.slug], _owner(vendor), quoting.QuoteData(
                    lines=list(quote_spec.revision),
                    valid_until=sent.date() + dt.timedelta(days=quote_spec.valid_days + 2),
                    lead_time_days=quote_spec.lead_time_days, comment=quote_spec.comment))
    for index, (slug, reason) in enumerate(spec.declines):
        vendor = vendors.get(slug)
        if vendor is not None and _owner(vendor) is not None:
            with clock_at(_at(ctx, created, 1 + index, hour=16)):
                quoting.decline(request, vendor, _owner(vendor), reason)
    for index, (slug, from_buyer, text) in enumerate(spec.thread):
        vendor = vendors.get(slug)
        author = buyer if from_buyer else _owner(vendor)
        with clock_at(_at(ctx, created, 1, hour=9) + dt.timedelta(hours=3 * index + 1)):
            messages.post(request, vendor, author, text, from_buyer=from_buyer)
    _conclude(ctx, spec, request, buyer, quotes, deadline)


def _conclude(ctx, spec: RequestSpec, request, buyer, quotes, deadline: dt.datetime) -> None:
    if spec.outcome in ("closed", "expired", "awarded"):
        with clock_at(deadline + dt.timedelta(minutes=5)):
            services.close(request)
    if spec.outcome == "expired":
        with clock_at(services.decision_deadline(request) + dt.timedelta(hours=1)):
            services.expire(request)
    elif spec.outcome == "cancelled":
        with clock_at(deadline - dt.timedelta(days=2)):
            services.cancel(request, buyer, spec.cancel_reason)
    elif spec.outcome == "awarded" and spec.accepted in quotes:
        quote = quotes[spec.accepted]
        owner = _owner(quote.vendor)
        accepted_at = deadline + dt.timedelta(days=2)
        with clock_at(accepted_at):
            order = quoting.accept(quote, buyer)
        steps = ((orders.mark_preparing, 5), (orders.mark_shipped, 12), (orders.complete, 26))
        for step, days in steps:
            moment = accepted_at + dt.timedelta(days=days)
            if moment >= ctx.now:
                break
            with clock_at(moment):
                step(order, actor=owner)
