"""Demo bids, groupements, partner notices, evaluation and award, written through the bids'
own services with the clock set to the moment each step happened.

- DI-2026-0042 (published): a conjoint groupement of two SIAE on the lot reserved to
  them (sealed: the buyer sees one bid), and a « cherche partenaire(s) » notice with
  an offer to join, waiting for the author's one-click invitation;
- AO-2026-014 (published): a groupement in preparation, its invitation pending;
- ALP-AO-2026-03 (under evaluation): five bids, one of them a solidaire groupement;
  lot 1 fully scored and ready to award, lot 2 partly scored;
- DI-2026-0031 (closed by the tenders' data): opened, scored, lot 1 awarded to a
  conjoint groupement (its competitor gets its rejection letter), lot 2 declared
  unsuccessful: the tender is awarded and its award notice published.

A bid is keyed by its lot and lead vendor, a notice by its lot and vendor, a
decision by its lot: a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from marketplace.accounts.models import BuyerMembership, User
from marketplace.procurement.bids import evaluation, partners, services
from marketplace.procurement.bids.models import Bid, BidMode, LotDecision, PartnerNotice
from marketplace.procurement.bids.models import MemberRole as BidRole
from marketplace.procurement.tenders import services as tender_services
from marketplace.procurement.tenders.models import CriterionKind, Tender, TenderStatus
from marketplace.vendors.models import MemberRole, Vendor
from seeds.base import SeedContext
from seeds.vetting import clock_at, counting

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class BidSpec:
    lot: int
    lead: str
    price_eur: int
    mode: BidMode = BidMode.ALONE
    members: tuple[str, ...] = ()
    shares: tuple[tuple[str, int], ...] = ()  # conjoint: (work, euros) per vendor, lead first
    memo: str = ""
    social: str = ""
    environmental: str = ""
    submit: bool = True
    accept: bool = True
    # Marks of the non-price criteria, in the order of the tender's criteria (None: not scored).
    marks: tuple[int, ...] | None = None


@dataclass(frozen=True)
class TenderBids:
    reference: str
    bids: tuple[BidSpec, ...]
    awards: tuple[tuple[int, str], ...] = ()  # (lot number, lead slug of the winner)
    unsuccessful: tuple[tuple[int, str], ...] = ()  # (lot number, reason)
    notices: tuple[tuple[int, str, str, str, tuple[tuple[str, str], ...]], ...] = field(default=())


SPECS: tuple[TenderBids, ...] = (
    TenderBids(
        reference="DI-2026-0042",
        bids=(
            BidSpec(
                lot=2, lead="les-jardins-de-la-gresse", price_eur=94_600, mode=BidMode.CONJOINT,
                members=("la-ressourcerie-des-deux-rives",),
                shares=(("Tonte, débroussaillage, taille des haies et désherbage manuel des six collèges.", 71_200),
                        ("Ramassage des feuilles, évacuation et valorisation des déchets verts en compost.", 23_400)),
                memo="Deux équipes de quatre salariés en parcours d'insertion, encadrées par un encadrant technique "
                     "paysagiste ; passages planifiés avec chaque gestionnaire de collège ; gestion différenciée "
                     "sans produit phytosanitaire.",
                social="12 000 heures d'insertion par an, un parcours de formation certifiante (CQP ouvrier du "
                       "paysage) pour chaque salarié.",
                environmental="Matériel électrique sur batterie, déchets verts compostés sur la plateforme de "
                              "Moirans, aucun produit phytosanitaire.",
            ),
        ),
        notices=(
            (1, "copeaux-du-trieves",
             "Un broyeur de branches et une filière de valorisation du bois en plaquettes de chauffage.",
             "Une structure d'entretien des espaces verts pour la tonte et la taille des huit collèges.",
             (("coup-de-main-services",
               "Nos équipes interviennent déjà pour l'entretien des espaces verts de trois communes du "
               "Grésivaudan ; nous pouvons prendre la tonte et le ramassage des feuilles."),)),
        ),
    ),
    TenderBids(
        reference="AO-2026-014",
        bids=(
            BidSpec(
                lot=1, lead="les-cuisines-partagees", price_eur=0, mode=BidMode.CONJOINT,
                members=("le-panier-des-cimes",), submit=False, accept=False,
                memo="Cuisine centrale en insertion à Grenoble, légumerie approvisionnée par des producteurs "
                     "du Trièves et du Grésivaudan.",
            ),
        ),
    ),
    TenderBids(
        reference="ALP-AO-2026-03",
        bids=(
            BidSpec(lot=1, lead="seconde-planche", price_eur=72_000, mode=BidMode.SOLIDAIRE,
                    members=("lames-vives",),
                    memo="Bureaux et sièges de réemploi collectés auprès d'entreprises de la région, remis en "
                         "état dans notre atelier de Valence ; garantie deux ans, pièces détachées stockées.",
                    social="Six postes en insertion mobilisés sur le chantier de remise en état.",
                    environmental="92 % du mobilier issu du réemploi, livraison en une tournée groupée.",
                    marks=(34, 27)),
            BidSpec(lot=1, lead="haut-bugey-adapte", price_eur=79_500,
                    memo="Sièges ergonomiques reconditionnés par notre atelier, bureaux neufs en bois local.",
                    social="Entreprise adaptée : 80 % de travailleurs en situation de handicap.",
                    environmental="60 % de réemploi.", marks=(30, 18)),
            BidSpec(lot=1, lead="la-ressourcerie-des-deux-rives", price_eur=68_900,
                    memo="Mobilier issu de nos collectes, remis en état, sans garantie au-delà d'un an.",
                    social="Chantier d'insertion : quatre salariés en parcours.",
                    environmental="100 % de réemploi.", marks=(22, 29)),
            BidSpec(lot=2, lead="le-bocal-voyageur", price_eur=29_800,
                    memo="Tables et chaises de brasserie de réemploi, rangements en bois de récupération.",
                    marks=(31, 26)),
            BidSpec(lot=2, lead="fil-a-fil", price_eur=31_200,
                    memo="Assises retapissées avec des textiles de réemploi, tables reconditionnées."),
        ),
    ),
    TenderBids(
        reference="DI-2026-0031",
        bids=(
            BidSpec(lot=1, lead="les-ateliers-du-taillefer", price_eur=205_000, mode=BidMode.CONJOINT,
                    members=("lumen-numerique",),
                    shares=(("Impression, façonnage et mise sous film compostable des six numéros.", 187_000),
                            ("Préparation des fichiers, épreuves numériques et suivi de fabrication.", 18_000)),
                    memo="Presse offset de l'ESAT équipée pour le papier recyclé ; calage et contrôle qualité "
                         "par un chef d'atelier ; épreuves numériques validées en 48 heures.",
                    social="L'impression mobilise quatorze travailleurs de l'ESAT, formés au façonnage.",
                    environmental="Papier recyclé certifié Ange bleu, encres végétales, livraisons mutualisées.",
                    marks=(36, 18)),
            BidSpec(lot=1, lead="editions-du-semnoz", price_eur=198_000,
                    memo="Impression sous-traitée à une imprimerie labellisée Imprim'Vert ; suivi éditorial "
                         "par notre coopérative.",
                    social="SCOP de huit salariés associés.", environmental="Papier recyclé, encres végétales.",
                    marks=(28, 12)),
            BidSpec(lot=2, lead="la-cabane-a-sons", price_eur=9_800,
                    memo="Impression numérique en petites séries sur papier recyclé.",
                    marks=(25, 14)),
        ),
        awards=((1, "les-ateliers-du-taillefer"),),
        unsuccessful=((2, "La seule offre reçue dépasse de 50 % le budget alloué au lot ; le lot sera relancé "
                          "avec un bordereau des prix révisé."),),
    ),
)


# ---------------------------------------------------------------- look-ups


def _tender(reference: str) -> Tender | None:
    return sql_first(sa.select(Tender).where(Tender.reference == reference))


def sql_first(stmt):
    from marketplace.extensions import db

    return db.session.scalars(stmt.limit(1)).first()


def _vendor(slug: str) -> Vendor | None:
    return sql_first(sa.select(Vendor).where(Vendor.slug == slug))


def _owner(vendor: Vendor) -> User | None:
    owners = [m.user for m in vendor.memberships if m.role is MemberRole.OWNER]
    return owners[0] if owners else None


def _buyer(tender: Tender) -> User | None:
    return sql_first(
        sa.select(User).join(BuyerMembership, BuyerMembership.user_id == User.id)
        .where(BuyerMembership.organisation_id == tender.buyer_organisation_id).order_by(BuyerMembership.id)
    )


def _lot(tender: Tender, number: int):
    return next(lot for lot in tender.lots if lot.number == number)


# ---------------------------------------------------------------- the steps


def seed_bids(ctx: SeedContext) -> None:
    with counting(ctx):
        for spec in SPECS:
            tender = _tender(spec.reference)
            if tender is None or tender.published_at is None:
                continue
            _notices(ctx, tender, spec)
            created = [bid for bid_spec in spec.bids if (bid := _bid(ctx, tender, bid_spec)) is not None]
            if created or spec.awards or spec.unsuccessful:
                _evaluate(ctx, tender, spec)
    ctx.login("Vendor owner, groupement lead (mandataire)", "contact@les-jardins-de-la-gresse.example",
              "Réponses aux appels d'offres: the conjoint groupement bid on the reserved lot of DI-2026-0042.")


def _moment(tender: Tender, days_after_publication: float) -> dt.datetime:
    """A moment after publication, always before the submission deadline."""
    moment = tender.published_at + dt.timedelta(days=days_after_publication)
    return min(moment, tender.submission_deadline - dt.timedelta(hours=2))


def _notices(ctx: SeedContext, tender: Tender, spec: TenderBids) -> None:
    for number, slug, brings, needs, offers in spec.notices:
        vendor = _vendor(slug)
        lot = _lot(tender, number)
        if vendor is None or _owner(vendor) is None:
            continue
        exists = sql_first(sa.select(PartnerNotice).where(PartnerNotice.lot_id == lot.id,
                                                          PartnerNotice.vendor_id == vendor.id))
        if exists is not None:
            continue
        with clock_at(min(_moment(tender, 1), ctx.now - DAY)):
            notice = partners.publish_notice(lot, vendor, _owner(vendor), brings, needs)
        for offer_slug, message in offers:
            offerer = _vendor(offer_slug)
            if offerer is None or _owner(offerer) is None:
                continue
            with clock_at(min(_moment(tender, 2), ctx.now - dt.timedelta(hours=6))):
                partners.offer_to_join(notice, offerer, _owner(offerer), message)


def _bid(ctx: SeedContext, tender: Tender, spec: BidSpec) -> Bid | None:
    lead = _vendor(spec.lead)
    lot = _lot(tender, spec.lot)
    if lead is None or _owner(lead) is None or services.bid_led_by(lead, lot) is not None:
        return None
    owner = _owner(lead)
    start = min(_moment(tender, 3), ctx.now - DAY)
    with clock_at(start):
        bid = services.create_bid(lot, lead, owner, spec.mode)
        for slug in spec.members:
            member_vendor = _vendor(slug)
            if member_vendor is not None:
                services.invite(bid, owner, member_vendor)
    if spec.accept:
        with clock_at(start + dt.timedelta(hours=20)):
            for member in bid.members:
                if member.role is BidRole.LEAD:
                    continue
                member_owner = _owner(member.vendor)
                if member_owner is not None:
                    services.accept_invitation(member, member_owner)
    if not spec.price_eur:
        with clock_at(start + dt.timedelta(hours=1)):
            services.update_content(bid, owner, services.BidContent(
                price_cents=None, technical_memo=spec.memo, social_commitments=spec.social,
                environmental_commitments=spec.environmental,
            ))
        return bid
    shares = {}
    for member, (work, euros) in zip(bid.members, spec.shares, strict=False):
        shares[member.id] = (work, euros * 100)
    with clock_at(start + 2 * DAY):
        services.update_content(bid, owner, services.BidContent(
            price_cents=spec.price_eur * 100, technical_memo=spec.memo, social_commitments=spec.social,
            environmental_commitments=spec.environmental, shares=shares,
        ))
        if spec.submit:
            services.submit(bid, owner)
    return bid


def _evaluate(ctx: SeedContext, tender: Tender, spec: TenderBids) -> None:
    if not tender.deadline_passed(ctx.now) or tender.status.is_final:
        return
    buyer = _buyer(tender)
    if buyer is None:
        return
    opened = tender.submission_deadline + DAY
    if tender.status in (TenderStatus.PUBLISHED, TenderStatus.CLOSED):
        with clock_at(opened):
            tender_services.start_evaluation(tender, buyer)
    if tender.status is not TenderStatus.UNDER_EVALUATION:
        return
    criteria = [c for c in tender.criteria if c.kind is CriterionKind.OTHER]
    with clock_at(min(opened + DAY, ctx.now - dt.timedelta(hours=3))):
        for bid_spec in spec.bids:
            bid = services.bid_led_by(_vendor(bid_spec.lead), _lot(tender, bid_spec.lot))
            if bid is None or bid_spec.marks is None or bid.scores:
                continue
            evaluation.score_bid(bid, buyer, {
                criterion.id: (min(mark, criterion.weight) * 100, _comment(mark, criterion.weight))
                for criterion, mark in zip(criteria, bid_spec.marks, strict=False)
            })
    with clock_at(min(opened + 2 * DAY, ctx.now - dt.timedelta(hours=2))):
        for number, winner_slug in spec.awards:
            lot = _lot(tender, number)
            if sql_first(sa.select(LotDecision).where(LotDecision.lot_id == lot.id)) is not None:
                continue
            winner = services.bid_led_by(_vendor(winner_slug), lot)
            evaluation.award_lot(lot, buyer, winner, "Meilleur rapport qualité-prix au regard des trois critères.")
        for number, reason in spec.unsuccessful:
            lot = _lot(tender, number)
            if sql_first(sa.select(LotDecision).where(LotDecision.lot_id == lot.id)) is None:
                evaluation.declare_unsuccessful(lot, buyer, reason)


def _comment(mark: int, weight: int) -> str:
    ratio = mark / weight if weight else 0
    if ratio >= 0.85:
        return "Réponse complète et précise, au-delà des attentes du cahier des charges."
    if ratio >= 0.65:
        return "Réponse solide ; quelques points restent à préciser."
    return "Réponse partielle : les moyens proposés sont peu détaillés."
