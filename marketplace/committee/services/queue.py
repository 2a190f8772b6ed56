"""The committee's queue of applications, by tab and age."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from marketplace.committee.models import Review
from marketplace.committee.services.common import quorum
from marketplace.core.pagination import Page, paginate
from marketplace.extensions import db
from marketplace.vendors.models import Application, ApplicationStatus

QUEUE_TABS: dict[str, tuple[ApplicationStatus, ...]] = {
    "submitted": (ApplicationStatus.SUBMITTED,),
    "in_review": (ApplicationStatus.IN_REVIEW,),
    "info_requested": (ApplicationStatus.INFO_REQUESTED,),
    "decided": (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN),
}
QUEUE_TAB_LABELS = {
    "submitted": _l("Déposées"),
    "in_review": _l("En cours d'examen"),
    "info_requested": _l("Informations demandées"),
    "decided": _l("Décidées"),
}
QUEUE_SORTS = ("oldest", "newest")


@dataclass
class QueueRow:
    application: Application
    reviews: int
    recusals: int
    own_review: Review | None


@dataclass
class Queue:
    tab: str
    sort: str
    counts: dict[str, int]
    page: Page
    rows: list[QueueRow]
    quorum: int


def queue(user, tab: str = "submitted", sort: str = "oldest", page: int = 1, per_page: int = 20) -> Queue:
    """One tab of the committee's queue, sorted by age (submission date), with counts per tab."""
    if tab not in QUEUE_TABS:
        tab = "submitted"
    if sort not in QUEUE_SORTS:
        sort = "oldest"
    by_status = dict(
        db.session.execute(
            sa.select(Application.status, sa.func.count())
            .where(Application.status != ApplicationStatus.DRAFT, Application.submitted_at.is_not(None))
            .group_by(Application.status)
        ).all()
    )
    counts = {name: sum(by_status.get(s, 0) for s in statuses) for name, statuses in QUEUE_TABS.items()}
    order = Application.submitted_at.asc() if sort == "oldest" else Application.submitted_at.desc()
    stmt = (
        sa.select(Application)
        .where(Application.status.in_(QUEUE_TABS[tab]), Application.submitted_at.is_not(None))
        .options(selectinload(Application.vendor))
        .order_by(order, Application.id)
    )
    result = paginate(db.session, stmt, page=page, per_page=per_page)
    ids = [a.id for a in result.items]
    reviews: dict[int, list[Review]] = {i: [] for i in ids}
    if ids:
        for review in db.session.scalars(sa.select(Review).where(Review.application_id.in_(ids))):
            reviews[review.application_id].append(review)
    user_id = getattr(user, "id", None)
    rows = [
        QueueRow(
            application=a,
            reviews=sum(1 for r in reviews[a.id] if not r.recused),
            recusals=sum(1 for r in reviews[a.id] if r.recused),
            own_review=next((r for r in reviews[a.id] if r.reviewer_id == user_id), None),
        )
        for a in result.items
    ]
    return Queue(tab=tab, sort=sort, counts=counts, page=result, rows=rows, quorum=quorum())
