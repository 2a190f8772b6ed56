"""Bids on lots, groupement members, partner notices and join offers, scores, lot
decisions (award or unsuccessful), rejection letters and award notices."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.clock import now_utc
from marketplace.core.db import Base, TimestampMixin, str_enum

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.procurement.tenders.models import AwardCriterion, Lot, Tender
    from marketplace.vendors.models import Vendor


# ---------------------------------------------------------------- enums


class BidMode(enum.Enum):
    ALONE = "alone"
    CONJOINT = "conjoint"
    SOLIDAIRE = "solidaire"

    @property
    def label(self) -> str:
        return str(BID_MODE_LABELS[self])

    @property
    def is_groupement(self) -> bool:
        return self is not BidMode.ALONE


BID_MODE_LABELS = {
    BidMode.ALONE: _l("Seule"),
    BidMode.CONJOINT: _l("Groupement conjoint"),
    BidMode.SOLIDAIRE: _l("Groupement solidaire"),
}


class BidStatus(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return str(BID_STATUS_LABELS[self])


BID_STATUS_LABELS = {
    BidStatus.DRAFT: _l("En préparation"),
    BidStatus.SUBMITTED: _l("Déposée"),
    BidStatus.WITHDRAWN: _l("Retirée"),
}


class MemberRole(enum.Enum):
    LEAD = "lead"
    MEMBER = "member"

    @property
    def label(self) -> str:
        return str(MEMBER_ROLE_LABELS[self])


MEMBER_ROLE_LABELS = {
    MemberRole.LEAD: _l("Mandataire"),
    MemberRole.MEMBER: _l("Cotraitant"),
}


class InvitationStatus(enum.Enum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return str(INVITATION_STATUS_LABELS[self])


INVITATION_STATUS_LABELS = {
    InvitationStatus.INVITED: _l("Invitation en attente"),
    InvitationStatus.ACCEPTED: _l("A accepté"),
    InvitationStatus.DECLINED: _l("A décliné"),
}


class NoticeStatus(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(NOTICE_STATUS_LABELS[self])


NOTICE_STATUS_LABELS = {
    NoticeStatus.OPEN: _l("Ouverte"),
    NoticeStatus.CLOSED: _l("Close"),
}


class JoinOfferStatus(enum.Enum):
    PENDING = "pending"
    INVITED = "invited"

    @property
    def label(self) -> str:
        return str(JOIN_OFFER_STATUS_LABELS[self])


JOIN_OFFER_STATUS_LABELS = {
    JoinOfferStatus.PENDING: _l("En attente"),
    JoinOfferStatus.INVITED: _l("Invitée dans l'offre"),
}


class LotOutcome(enum.Enum):
    AWARDED = "awarded"
    UNSUCCESSFUL = "unsuccessful"

    @property
    def label(self) -> str:
        return str(LOT_OUTCOME_LABELS[self])


LOT_OUTCOME_LABELS = {
    LotOutcome.AWARDED: _l("Attribué"),
    LotOutcome.UNSUCCESSFUL: _l("Déclaré infructueux"),
}


# ---------------------------------------------------------------- bids


class Bid(TimestampMixin, Base):
    """One answer to one lot, by a vendor alone or by a groupement led by its mandataire.

    Its content (price, memo, commitments, members) is sealed: see
    ``permissions.can_read_bid``.
    """

    __tablename__ = "bid"
    __table_args__ = (
        sa.UniqueConstraint("lot_id", "lead_vendor_id"),
        sa.CheckConstraint("price_cents IS NULL OR price_cents > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(sa.ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("tender_lot.id", ondelete="CASCADE"), index=True)
    lead_vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    mode: Mapped[BidMode] = mapped_column(str_enum(BidMode), default=BidMode.ALONE)
    status: Mapped[BidStatus] = mapped_column(str_enum(BidStatus), default=BidStatus.DRAFT, index=True)
    price_cents: Mapped[int | None]  # HT
    technical_memo: Mapped[str] = mapped_column(sa.Text, default="")
    social_commitments: Mapped[str] = mapped_column(sa.Text, default="")
    environmental_commitments: Mapped[str] = mapped_column(sa.Text, default="")
    # The technical memo as a file, stored privately (UPLOAD_DIR/bids) and served by a view.
    memo_file_name: Mapped[str | None] = mapped_column(sa.String(255))
    memo_storage_name: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    memo_content_type: Mapped[str | None] = mapped_column(sa.String(60))
    memo_size: Mapped[int | None]
    memo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    submitted_at: Mapped[dt.datetime | None]
    withdrawn_at: Mapped[dt.datetime | None]
    # Set by the buyer at evaluation: None until judged.
    admissible: Mapped[bool | None]
    inadmissible_reason: Mapped[str | None] = mapped_column(sa.Text)

    tender: Mapped[Tender] = relationship()
    lot: Mapped[Lot] = relationship()
    lead_vendor: Mapped[Vendor] = relationship()
    members: Mapped[list[BidMember]] = relationship(
        back_populates="bid", cascade="all, delete-orphan", order_by="BidMember.id"
    )
    scores: Mapped[list[BidScore]] = relationship(
        back_populates="bid", cascade="all, delete-orphan", order_by="BidScore.id"
    )

    @property
    def active_members(self) -> list[BidMember]:
        """The lead and every member not having declined."""
        return [m for m in self.members if m.status is not InvitationStatus.DECLINED]

    @property
    def accepted_members(self) -> list[BidMember]:
        return [m for m in self.members if m.status is InvitationStatus.ACCEPTED]

    @property
    def display_name(self) -> str:
        """The lead's name, with its co-contractors for a groupement."""
        others = [m.vendor.name for m in self.accepted_members if m.role is MemberRole.MEMBER]
        if not others:
            return self.lead_vendor.name
        return str(
            _l("Groupement %(lead)s (mandataire), %(others)s", lead=self.lead_vendor.name, others=", ".join(others))
        )

    def __repr__(self) -> str:
        return f"<Bid {self.id} lot={self.lot_id} lead={self.lead_vendor_id} {self.status.value}>"


class BidMember(Base):
    """A vendor of the bid: the lead (mandataire) or an invited co-contractor."""

    __tablename__ = "bid_member"
    __table_args__ = (
        sa.UniqueConstraint("bid_id", "vendor_id"),
        sa.CheckConstraint("amount_cents IS NULL OR amount_cents >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="RESTRICT"), index=True)
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole), default=MemberRole.MEMBER)
    status: Mapped[InvitationStatus] = mapped_column(
        str_enum(InvitationStatus), default=InvitationStatus.INVITED, index=True
    )
    # Conjoint groupement: each member's part of the work and of the price (HT).
    work_share: Mapped[str] = mapped_column(sa.Text, default="")
    amount_cents: Mapped[int | None]
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    invited_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    responded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    responded_at: Mapped[dt.datetime | None]

    bid: Mapped[Bid] = relationship(back_populates="members")
    vendor: Mapped[Vendor] = relationship()

    def __repr__(self) -> str:
        return f"<BidMember bid={self.bid_id} vendor={self.vendor_id} {self.role.value} {self.status.value}>"


# ---------------------------------------------------------------- partner finding


class PartnerNotice(Base):
    """« Cherche partenaire(s) »: a vendor's public call, to other vendors, for a lot."""

    __tablename__ = "partner_notice"
    __table_args__ = (sa.UniqueConstraint("lot_id", "vendor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(sa.ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("tender_lot.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    brings: Mapped[str] = mapped_column(sa.Text)
    needs: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[NoticeStatus] = mapped_column(str_enum(NoticeStatus), default=NoticeStatus.OPEN, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    closed_at: Mapped[dt.datetime | None]

    tender: Mapped[Tender] = relationship()
    lot: Mapped[Lot] = relationship()
    vendor: Mapped[Vendor] = relationship()
    offers: Mapped[list[JoinOffer]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="JoinOffer.id"
    )


class JoinOffer(Base):
    """Another vendor's offer to join the notice author's groupement."""

    __tablename__ = "partner_join_offer"
    __table_args__ = (sa.UniqueConstraint("notice_id", "vendor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("partner_notice.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[JoinOfferStatus] = mapped_column(
        str_enum(JoinOfferStatus), default=JoinOfferStatus.PENDING
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    invited_at: Mapped[dt.datetime | None]

    notice: Mapped[PartnerNotice] = relationship(back_populates="offers")
    vendor: Mapped[Vendor] = relationship()


# ---------------------------------------------------------------- evaluation


class BidScore(Base):
    """The buyer's mark of a bid on one non-price criterion, in hundredths of a point.

    The price criterion is never entered: it is computed from the admissible
    prices (see ``evaluation.price_points``).
    """

    __tablename__ = "bid_score"
    __table_args__ = (
        sa.UniqueConstraint("bid_id", "criterion_id"),
        sa.CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("tender_criterion.id", ondelete="CASCADE"), index=True)
    points: Mapped[int]  # hundredths of a point: 1250 = 12.50
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    scored_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    scored_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    bid: Mapped[Bid] = relationship(back_populates="scores")
    criterion: Mapped[AwardCriterion] = relationship()


class LotDecision(Base):
    """The award of a lot, or its declaration as unsuccessful (infructueux), with the
    ranking as it stood (a snapshot: letters and notices quote it)."""

    __tablename__ = "lot_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("tender_lot.id", ondelete="CASCADE"), unique=True)
    tender_id: Mapped[int] = mapped_column(sa.ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[LotOutcome] = mapped_column(str_enum(LotOutcome))
    winning_bid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bid.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    ranking: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    lot: Mapped[Lot] = relationship()
    winning_bid: Mapped[Bid | None] = relationship()
    decided_by: Mapped[User | None] = relationship()


class RejectionLetter(Base):
    """The letter to an unsuccessful bidder (lettre de rejet): its scores, the winner's
    name and scores, the reasons; kept as data and shown in the vendor space."""

    __tablename__ = "rejection_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bid.id", ondelete="CASCADE"), unique=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("lot_decision.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    sent_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    bid: Mapped[Bid] = relationship()
    decision: Mapped[LotDecision] = relationship()


class AwardNotice(Base):
    """The public award notice (avis d'attribution) of a tender whose lots are all decided."""

    __tablename__ = "award_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(sa.ForeignKey("tender.id", ondelete="CASCADE"), unique=True)
    published_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    tender: Mapped[Tender] = relationship()
