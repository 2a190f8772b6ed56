"""The ethics committee: analysis grid, reviews, decisions and the dossier thread."""
from __future__ import annotations

import datetime as dt
import enum
from fractions import Fraction

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.clock import now_utc
from marketplace.core.db import Base, str_enum
from marketplace.vendors.models import Application


class Criterion(Base):
    """A criterion of the analysis grid. Never deleted: deactivated, so past reviews keep it."""

    __tablename__ = "criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    weight: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)


class Opinion(enum.Enum):
    FAVORABLE = "favorable"
    RESERVED = "reserved"
    UNFAVORABLE = "unfavorable"

    @property
    def label(self) -> str:
        return str(OPINION_LABELS[self])


OPINION_LABELS = {
    Opinion.FAVORABLE: _l("Favorable"),
    Opinion.RESERVED: _l("Réservé"),
    Opinion.UNFAVORABLE: _l("Défavorable"),
}


class Review(Base):
    """One member's review of one application, or their recusal (conflict of interest)."""

    __tablename__ = "review"
    __table_args__ = (sa.UniqueConstraint("application_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    recused: Mapped[bool] = mapped_column(default=False)
    recusal_reason: Mapped[str | None] = mapped_column(sa.Text)
    opinion: Mapped[Opinion | None] = mapped_column(str_enum(Opinion))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    application: Mapped[Application] = relationship()
    reviewer: Mapped[User] = relationship()
    scores: Mapped[list[ReviewScore]] = relationship(back_populates="review", cascade="all, delete-orphan")

    @property
    def weighted_average(self) -> Fraction | None:
        """Σ weight × score / Σ weight over the review's criteria (out of 3), with the
        weights the criteria had when the review was given."""
        total_weight = total = 0
        for score in self.scores:
            weight = score.weight if score.weight is not None else score.criterion.weight
            total_weight += weight
            total += weight * score.score
        return Fraction(total, total_weight) if total_weight else None


class ReviewScore(Base):
    __tablename__ = "review_score"
    __table_args__ = (
        sa.UniqueConstraint("review_id", "criterion_id"),
        sa.CheckConstraint("score BETWEEN 0 AND 3", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criterion.id"), index=True)
    score: Mapped[int]
    # The criterion's weight when the review was given: later grid changes do not rewrite past reviews.
    weight: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(sa.Text)

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class DecisionOutcome(enum.Enum):
    APPROVED = "approved"
    REJECTED = "rejected"


class Decision(Base):
    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), unique=True
    )
    chair_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    outcome: Mapped[DecisionOutcome] = mapped_column(str_enum(DecisionOutcome))
    motivation: Mapped[str] = mapped_column(sa.Text)
    against_majority_justification: Mapped[str | None] = mapped_column(sa.Text)
    favorable_count: Mapped[int] = mapped_column(default=0)
    reserved_count: Mapped[int] = mapped_column(default=0)
    unfavorable_count: Mapped[int] = mapped_column(default=0)
    weighted_score: Mapped[int | None]  # average weighted score × 100 (0–300)
    decided_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    application: Mapped[Application] = relationship()
    chair: Mapped[User] = relationship()


class DossierMessage(Base):
    """The exchange between the committee and the applicant about one application."""

    __tablename__ = "dossier_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    from_committee: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    author: Mapped[User | None] = relationship()


class LifecycleNotice(Base):
    """A notice the lifecycle job sent once (expiry reminders, overdue charter signatures).

    ``key`` names what the notice was about (e.g. the vendor and the expiry date
    it announced), so that the same notice is never sent twice, even when two
    jobs run at once.
    """

    __tablename__ = "lifecycle_notice"
    __table_args__ = (sa.UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(120))
    vendor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
