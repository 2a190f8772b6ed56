"""Bids and groupements: one function per transition.

A bid answers one lot. Its lead vendor (the mandataire) creates it, alone or
for a groupement (conjoint: each member's share of the work and of the price
stated; solidaire: every member answers for the whole), invites other approved
vendors, and submits it once every member has accepted. Bids:
DRAFT → SUBMITTED → WITHDRAWN, SUBMITTED | WITHDRAWN → DRAFT (taken back into
preparation); members: INVITED → ACCEPTED | DECLINED.

Everything that changes a bid is refused once the submission deadline has
passed, judged by the clock (``clock.now_utc()``), never by the tender's
status. For a reserved lot every vendor of the bid must have an eligible legal
form (``tenders.rules.vendor_is_eligible``), checked at invitation, at
acceptance and at submission.

Functions refuse with a BidError (French message), write an audit event,
queue their e-mails in the outbox, flush and never commit.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.money import format_money
from marketplace.core.outbox import email_user, queue_email
from marketplace.core.urls import external_url
from marketplace.extensions import db
from marketplace.procurement.bids.errors import BidError, DeadlinePassed
from marketplace.procurement.bids.models import (
    Bid,
    BidMember,
    BidMode,
    BidStatus,
    InvitationStatus,
    MemberRole,
)
from marketplace.procurement.bids.permissions import (
    acts_for,
    can_answer_invitation,
    can_manage_bid,
)
from marketplace.procurement.tenders.models import Lot, LotStatus, Tender, TenderStatus
from marketplace.procurement.tenders.rules import vendor_is_eligible
from marketplace.vendors.models import Vendor, VendorStatus

S = BidStatus
ACTIVE_STATUSES = (S.DRAFT, S.SUBMITTED)
OPEN_TENDER_STATUSES = (TenderStatus.PUBLISHED, TenderStatus.CLOSED, TenderStatus.UNDER_EVALUATION)
MAX_TEXT = 20_000


# ---------------------------------------------------------------- e-mails


def vendor_recipients(vendor: Vendor) -> list:
    return [m.user for m in vendor.memberships if m.user is not None and m.user.deleted_at is None]


def email_vendor(vendor: Vendor, subject, template: str, **context) -> None:
    """E-mail every member of a structure (its public address if it has none)."""
    recipients = vendor_recipients(vendor)
    for user in recipients:
        email_user(user, subject, f"bids/{template}", vendor=vendor, **context)
    if not recipients and vendor.email:
        queue_email(vendor.email, subject, f"bids/{template}", vendor=vendor, user=None, **context)


def bid_url(bid: Bid, vendor: Vendor) -> str:
    return external_url("bids.bid", vendor_id=vendor.id, bid_id=bid.id)


def _email_members(bid: Bid, subject, template: str, *, only_accepted: bool = True, **context) -> None:
    members = bid.accepted_members if only_accepted else bid.active_members
    for member in members:
        email_vendor(member.vendor, subject, template, bid=bid, url=bid_url(bid, member.vendor), **context)


# ---------------------------------------------------------------- guards


def _refuse_unless(condition: bool, message) -> None:
    if not condition:
        raise BidError(message)


def ensure_accepts_bids(lot: Lot) -> None:
    """Refuse once the deadline has passed (by the clock), or if the tender or lot is not open."""
    tender = lot.tender
    now = now_utc()
    if tender.deadline_passed(now):
        raise DeadlinePassed(
            _l(
                "La date limite de remise des offres est passée : les offres de cet appel d'offres "
                "ne peuvent plus être créées, modifiées, déposées ni retirées."
            )
        )
    # Closing is the clock's business (a closed tender's deadline has passed); the status
    # only refuses drafts, cancelled and decided tenders.
    if tender.status not in OPEN_TENDER_STATUSES:
        raise BidError(
            _l("Cet appel d'offres n'accepte pas d'offres (il est « %(status)s »).", status=tender.status.label)
        )
    if lot.status is not LotStatus.OPEN:
        raise BidError(_l("Ce lot n'accepte plus d'offres."))


def open_for_changes(bid: Bid, now: dt.datetime) -> bool:
    """May the bid still be edited, its groupement changed, submitted or withdrawn (what pages offer)?"""
    return bid.tender.accepts_bids(now) and bid.lot.status is LotStatus.OPEN


def ensure_approved(vendor: Vendor) -> None:
    if vendor.status is not VendorStatus.APPROVED:
        raise BidError(
            _l(
                "%(vendor)s n'est pas une structure agréée (%(status)s) : elle ne peut pas répondre aux appels d'offres.",
                vendor=vendor.name,
                status=vendor.status.label,
            )
        )


def eligibility_problem(vendor: Vendor, lot: Lot) -> str | None:
    """A French sentence naming ``vendor`` if its legal form may not answer this reserved lot."""
    reservation = lot.effective_reservation
    if vendor_is_eligible(vendor, reservation):
        return None
    form = vendor.legal_form.label if vendor.legal_form else str(_l("non renseigné"))
    return str(
        _l(
            "%(vendor)s ne peut pas répondre à ce lot : il est réservé (%(reservation)s, art. %(article)s du "
            "Code de la commande publique) et son statut juridique (%(form)s) n'y est pas éligible.",
            vendor=vendor.name,
            reservation=reservation.label,
            article=reservation.article,
            form=form,
        )
    )


def ensure_eligible(vendor: Vendor, lot: Lot) -> None:
    problem = eligibility_problem(vendor, lot)
    if problem:
        raise BidError(problem)


def require_status(bid: Bid, allowed: tuple[BidStatus, ...], action) -> None:
    if bid.status not in allowed:
        raise BidError(
            _l(
                "Action impossible : %(action)s n'est pas possible pour une offre « %(status)s ».",
                action=str(action),
                status=bid.status.label,
            )
        )


def require_lead(bid: Bid, actor) -> None:
    if not can_manage_bid(actor, bid):
        raise BidError(_l("Seul le mandataire de l'offre peut faire cela."))


def clean_text(text: str | None) -> str:
    return (text or "").strip()[:MAX_TEXT]


# ---------------------------------------------------------------- one bid per vendor and lot


def active_bid_of(vendor: Vendor, lot: Lot, exclude: Bid | None = None) -> Bid | None:
    """The bid (draft or submitted) in which ``vendor`` is the lead or an accepted member."""
    stmt = (
        sa.select(Bid)
        .join(BidMember, BidMember.bid_id == Bid.id)
        .where(
            Bid.lot_id == lot.id,
            Bid.status.in_(ACTIVE_STATUSES),
            BidMember.vendor_id == vendor.id,
            BidMember.status == InvitationStatus.ACCEPTED,
        )
    )
    if exclude is not None and exclude.id is not None:
        stmt = stmt.where(Bid.id != exclude.id)
    return db.session.scalars(stmt.order_by(Bid.id).limit(1)).first()


def _ensure_free(vendor: Vendor, lot: Lot, exclude: Bid | None = None) -> None:
    other = active_bid_of(vendor, lot, exclude)
    if other is not None:
        raise BidError(
            _l(
                "%(vendor)s participe déjà à une autre offre sur ce lot : une structure ne peut être que dans "
                "une seule offre par lot, seule ou en groupement.",
                vendor=vendor.name,
            )
        )


def bid_led_by(vendor: Vendor, lot: Lot) -> Bid | None:
    return db.session.scalars(
        sa.select(Bid).where(Bid.lot_id == lot.id, Bid.lead_vendor_id == vendor.id)
    ).first()


# ---------------------------------------------------------------- creating and editing


def create_bid(lot: Lot, vendor: Vendor, actor, mode: BidMode = BidMode.ALONE) -> Bid:
    """Start a bid on ``lot`` led by ``vendor``; a vendor's withdrawn bid is taken back instead."""
    _refuse_unless(acts_for(actor, vendor), _l("Vous n'êtes pas membre de cette structure."))
    ensure_accepts_bids(lot)
    ensure_approved(vendor)
    ensure_eligible(vendor, lot)
    existing = bid_led_by(vendor, lot)
    if existing is not None:
        if existing.status is S.WITHDRAWN:
            return reopen(existing, actor)
        raise BidError(_l("%(vendor)s a déjà une offre sur ce lot.", vendor=vendor.name))
    _ensure_free(vendor, lot)
    now = now_utc()
    bid = Bid(
        tender_id=lot.tender_id, lot=lot, lead_vendor=vendor, created_by_id=actor.id, mode=mode, status=S.DRAFT
    )
    bid.members.append(
        BidMember(
            vendor=vendor,
            role=MemberRole.LEAD,
            status=InvitationStatus.ACCEPTED,
            invited_by_id=actor.id,
            invited_at=now,
            responded_by_id=actor.id,
            responded_at=now,
        )
    )
    if not db.insert_unique(bid):
        raise BidError(_l("%(vendor)s a déjà une offre sur ce lot.", vendor=vendor.name))
    record_event(actor, bid, "bid.created", None, S.DRAFT, {"lot_id": lot.id, "mode": mode.value})
    db.session.flush()
    return bid


@dataclass
class BidContent:
    price_cents: int | None
    technical_memo: str = ""
    social_commitments: str = ""
    environmental_commitments: str = ""
    # conjoint groupement: member id → (share of the work, amount in cents)
    shares: dict[int, tuple[str, int | None]] = field(default_factory=dict)


def update_content(bid: Bid, actor, content: BidContent) -> Bid:
    """Save the price, memo, commitments and (conjoint) shares.

    A submitted bid stays submitted only if it still meets every submission
    rule; otherwise the change is refused (nothing is written).
    """
    require_lead(bid, actor)
    ensure_accepts_bids(bid.lot)
    require_status(bid, ACTIVE_STATUSES, _l("la modification"))
    if content.price_cents is not None and content.price_cents <= 0:
        raise BidError(_l("Le prix doit être supérieur à zéro."), field="price")
    bid.price_cents = content.price_cents
    bid.technical_memo = clean_text(content.technical_memo)
    bid.social_commitments = clean_text(content.social_commitments)
    bid.environmental_commitments = clean_text(content.environmental_commitments)
    if bid.mode is BidMode.CONJOINT:
        _apply_shares(bid, content.shares)
    if bid.status is S.SUBMITTED:
        _check_submittable(bid)
    record_event(actor, bid, "bid.updated", bid.status, bid.status, {"price_cents": bid.price_cents})
    if bid.status is S.SUBMITTED:
        _email_members(
            bid, _l("Offre modifiée : %(ref)s, lot %(lot)s", ref=bid.tender.reference, lot=bid.lot.number),
            "bid_updated", actor_name=actor.name,
        )
    db.session.flush()
    return bid


def _apply_shares(bid: Bid, shares: dict[int, tuple[str, int | None]]) -> None:
    for member in bid.active_members:
        if member.id not in shares:
            continue
        text, amount = shares[member.id]
        if amount is not None and amount < 0:
            raise BidError(_l("Le montant d'une part ne peut pas être négatif."))
        member.work_share = clean_text(text)
        member.amount_cents = amount


def set_mode(bid: Bid, actor, mode: BidMode) -> Bid:
    """Alone, conjoint or solidaire, while the bid is in preparation."""
    require_lead(bid, actor)
    ensure_accepts_bids(bid.lot)
    require_status(bid, (S.DRAFT,), _l("le changement de forme"))
    if mode is BidMode.ALONE and any(m.role is MemberRole.MEMBER for m in bid.active_members):
        raise BidError(
            _l("Retirez d'abord les cotraitants du groupement pour répondre seul."), field="mode"
        )
    if mode is bid.mode:
        return bid
    before = bid.mode
    bid.mode = mode
    if mode is not BidMode.CONJOINT:
        for member in bid.members:
            member.amount_cents = None
    record_event(actor, bid, "bid.mode_changed", before, mode)
    db.session.flush()
    return bid


# ---------------------------------------------------------------- the groupement


def invite(bid: Bid, actor, vendor: Vendor) -> BidMember:
    """Invite an approved vendor into the groupement (the bid is in preparation)."""
    require_lead(bid, actor)
    ensure_accepts_bids(bid.lot)
    require_status(bid, (S.DRAFT,), _l("l'invitation d'un cotraitant"))
    if not bid.mode.is_groupement:
        raise BidError(_l("Choisissez d'abord un groupement conjoint ou solidaire pour inviter des cotraitants."))
    if vendor.id == bid.lead_vendor_id:
        raise BidError(_l("Le mandataire fait déjà partie de l'offre."))
    ensure_approved(vendor)
    ensure_eligible(vendor, bid.lot)
    _ensure_free(vendor, bid.lot, exclude=bid)
    now = now_utc()
    member = next((m for m in bid.members if m.vendor_id == vendor.id), None)
    if member is not None and member.status is not InvitationStatus.DECLINED:
        raise BidError(_l("%(vendor)s est déjà invitée dans ce groupement.", vendor=vendor.name))
    if member is None:
        member = BidMember(vendor=vendor, role=MemberRole.MEMBER)
        bid.members.append(member)
    member.status = InvitationStatus.INVITED
    member.invited_by_id = actor.id
    member.invited_at = now
    member.responded_at = None
    member.responded_by_id = None
    db.session.flush()
    record_event(actor, bid, "bid.member_invited", None, InvitationStatus.INVITED, {"vendor_id": vendor.id})
    email_vendor(
        vendor,
        _l("Invitation à un groupement : %(ref)s, lot %(lot)s", ref=bid.tender.reference, lot=bid.lot.number),
        "invitation",
        bid=bid,
        lead=bid.lead_vendor,
        url=bid_url(bid, vendor),
    )
    db.session.flush()
    return member


def remove_member(member: BidMember, actor) -> None:
    """The lead takes a co-contractor (or a pending invitation) out of the groupement."""
    bid = member.bid
    require_lead(bid, actor)
    ensure_accepts_bids(bid.lot)
    require_status(bid, (S.DRAFT,), _l("le retrait d'un cotraitant"))
    if member.role is MemberRole.LEAD:
        raise BidError(_l("Le mandataire ne peut pas être retiré de son offre."))
    vendor = member.vendor
    record_event(actor, bid, "bid.member_removed", member.status, None, {"vendor_id": vendor.id})
    bid.members.remove(member)
    db.session.delete(member)
    db.session.flush()
    email_vendor(
        vendor,
        _l("Groupement : %(ref)s, lot %(lot)s", ref=bid.tender.reference, lot=bid.lot.number),
        "member_removed",
        bid=bid,
        lead=bid.lead_vendor,
    )
    db.session.flush()


def _answer(member: BidMember, actor, to: InvitationStatus) -> BidMember:
    bid = member.bid
    if not can_answer_invitation(actor, member):
        raise BidError(_l("Vous n'êtes pas membre de la structure invitée."))
    ensure_accepts_bids(bid.lot)
    if member.status is not InvitationStatus.INVITED:
        raise BidError(_l("Cette invitation a déjà reçu une réponse (%(status)s).", status=member.status.label))
    require_status(bid, (S.DRAFT,), _l("la réponse à l'invitation"))
    if to is InvitationStatus.ACCEPTED:
        ensure_approved(member.vendor)
        ensure_eligible(member.vendor, bid.lot)
        _ensure_free(member.vendor, bid.lot, exclude=bid)
    before = member.status
    member.status = to
    member.responded_at = now_utc()
    member.responded_by_id = actor.id
    action = "bid.invitation_accepted" if to is InvitationStatus.ACCEPTED else "bid.invitation_declined"
    record_event(actor, bid, action, before, to, {"vendor_id": member.vendor_id})
    email_vendor(
        bid.lead_vendor,
        _l(
            "%(vendor)s a %(answer)s votre invitation (%(ref)s, lot %(lot)s)",
            vendor=member.vendor.name,
            answer=_l("accepté") if to is InvitationStatus.ACCEPTED else _l("décliné"),
            ref=bid.tender.reference,
            lot=bid.lot.number,
        ),
        "invitation_answered",
        bid=bid,
        member=member,
        accepted=to is InvitationStatus.ACCEPTED,
        url=bid_url(bid, bid.lead_vendor),
    )
    db.session.flush()
    return member


def accept_invitation(member: BidMember, actor) -> BidMember:
    return _answer(member, actor, InvitationStatus.ACCEPTED)


def decline_invitation(member: BidMember, actor) -> BidMember:
    return _answer(member, actor, InvitationStatus.DECLINED)


# ---------------------------------------------------------------- submission


def submission_problems(bid: Bid) -> list[str]:
    """Every reason the bid cannot be submitted yet, one French sentence each (empty: ready)."""
    problems: list[str] = []
    if not bid.price_cents:
        problems.append(str(_l("Indiquez le prix de l'offre (HT).")))
    if not bid.technical_memo.strip():
        problems.append(str(_l("Rédigez le mémoire technique.")))
    pending = [m.vendor.name for m in bid.members if m.status is InvitationStatus.INVITED]
    if pending:
        problems.append(
            str(_l("Chaque membre du groupement doit accepter l'invitation ; en attente : %(names)s.",
                   names=", ".join(pending)))
        )
    others = [m for m in bid.accepted_members if m.role is MemberRole.MEMBER]
    if bid.mode.is_groupement and not others and not pending:
        problems.append(str(_l("Un groupement compte au moins un cotraitant qui a accepté l'invitation.")))
    if bid.mode is BidMode.ALONE and others:
        problems.append(str(_l("Une offre présentée seule n'a pas de cotraitant.")))
    for member in bid.accepted_members:
        if member.vendor.status is not VendorStatus.APPROVED:
            problems.append(str(_l("%(vendor)s n'est plus une structure agréée.", vendor=member.vendor.name)))
        problem = eligibility_problem(member.vendor, bid.lot)
        if problem:
            problems.append(problem)
    if bid.mode is BidMode.CONJOINT:
        problems.extend(_share_problems(bid))
    return problems


def _share_problems(bid: Bid) -> list[str]:
    problems = []
    members = bid.accepted_members
    for member in members:
        if not member.work_share.strip():
            problems.append(str(_l("Décrivez la part des prestations de %(vendor)s.", vendor=member.vendor.name)))
        if member.amount_cents is None:
            problems.append(str(_l("Indiquez le montant de la part de %(vendor)s.", vendor=member.vendor.name)))
    if bid.price_cents and all(m.amount_cents is not None for m in members):
        total = sum(m.amount_cents or 0 for m in members)
        if total != bid.price_cents:
            problems.append(
                str(
                    _l(
                        "Groupement conjoint : la somme des parts (%(total)s) doit être égale au prix de l'offre "
                        "(%(price)s) ; écart de %(gap)s.",
                        total=format_money(total),
                        price=format_money(bid.price_cents),
                        gap=format_money(abs(bid.price_cents - total)),
                    )
                )
            )
    return problems


def _check_submittable(bid: Bid) -> None:
    problems = submission_problems(bid)
    if problems:
        raise BidError(" ".join(problems))
    for member in bid.accepted_members:
        _ensure_free(member.vendor, bid.lot, exclude=bid)


def submit(bid: Bid, actor) -> Bid:
    """Deposit the bid: sealed from now on; every member receives a receipt."""
    require_lead(bid, actor)
    ensure_accepts_bids(bid.lot)
    require_status(bid, (S.DRAFT,), _l("le dépôt"))
    _check_submittable(bid)
    before = bid.status
    bid.status = S.SUBMITTED
    bid.submitted_at = now_utc()
    bid.withdrawn_at = None
    record_event(actor, bid, "bid.submitted", before, S.SUBMITTED, {"price_cents": bid.price_cents})
    _email_members(
        bid, _l("Accusé de réception de votre offre : %(ref)s, lot %(lot)s", ref=bid.tender.reference,
                lot=bid.lot.number),
        "receipt",
    )
    db.session.flush()
    return bid


def withdraw(bid: Bid, actor) -> Bid:
    """Withdraw the bid before the deadline; it can be taken back into preparation."""
    require_lead(bid, actor)
    ensure_accepts_bids(bid.lot)
    require_status(bid, ACTIVE_STATUSES, _l("le retrait"))
    before = bid.status
    bid.status = S.WITHDRAWN
    bid.withdrawn_at = now_utc()
    record_event(actor, bid, "bid.withdrawn", before, S.WITHDRAWN)
    _email_members(
        bid, _l("Offre retirée : %(ref)s, lot %(lot)s", ref=bid.tender.reference, lot=bid.lot.number),
        "withdrawn", actor_name=actor.name,
    )
    db.session.flush()
    return bid


def reopen(bid: Bid, actor) -> Bid:
    """Take a submitted or withdrawn bid back into preparation (to change the groupement)."""
    require_lead(bid, actor)
    ensure_accepts_bids(bid.lot)
    require_status(bid, (S.SUBMITTED, S.WITHDRAWN), _l("la reprise en préparation"))
    if bid.status is S.WITHDRAWN:
        _ensure_free(bid.lead_vendor, bid.lot, exclude=bid)
        for member in bid.members:
            if member.role is MemberRole.MEMBER and member.status is InvitationStatus.ACCEPTED \
                    and active_bid_of(member.vendor, bid.lot, exclude=bid) is not None:
                member.status = InvitationStatus.INVITED
                member.responded_at = None
    before = bid.status
    bid.status = S.DRAFT
    bid.submitted_at = None
    bid.withdrawn_at = None
    record_event(actor, bid, "bid.reopened", before, S.DRAFT)
    if before is S.SUBMITTED:
        _email_members(
            bid, _l("Offre reprise en préparation : %(ref)s, lot %(lot)s", ref=bid.tender.reference,
                    lot=bid.lot.number),
            "reopened", actor_name=actor.name,
        )
    db.session.flush()
    return bid


# ---------------------------------------------------------------- queries


def vendors_with_started_bids(tender: Tender) -> list[Vendor]:
    """Every vendor that is a member (lead, invited or accepted) of a non-withdrawn bid on
    ``tender``: they are told when its documents or deadlines change."""
    return list(
        db.session.scalars(
            sa.select(Vendor)
            .join(BidMember, BidMember.vendor_id == Vendor.id)
            .join(Bid, Bid.id == BidMember.bid_id)
            .where(
                Bid.tender_id == tender.id,
                Bid.status.in_(ACTIVE_STATUSES),
                BidMember.status != InvitationStatus.DECLINED,
            )
            .distinct()
            .order_by(Vendor.name)
        )
    )
