"""Object rules of the committee: who may see or act on which dossier.

Views use them to answer 404 (a dossier one may not know about) or 403 (one
may see it but not do this); services call them again before acting.
"""
from __future__ import annotations

from marketplace.core.permissions import has_permission
from marketplace.vendors.models import Application, ApplicationStatus, Vendor, VendorStatus

# Statuses in which the committee is working on a dossier.
OPEN_STATUSES = frozenset(
    {ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.INFO_REQUESTED}
)
REVIEWABLE_STATUSES = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW})


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_member(user) -> bool:
    """The user holds a current committee mandate."""
    return _authenticated(user) and user.current_mandate() is not None


def is_chair(user) -> bool:
    """The user chairs the committee (their current mandate is the chair's)."""
    if not _authenticated(user):
        return False
    mandate = user.current_mandate()
    return mandate is not None and mandate.is_chair


def own_review(application: Application, user):
    """The user's review or recusal on this application, if any."""
    from marketplace.committee.models import Review
    from marketplace.extensions import db

    if not _authenticated(user):
        return None
    return db.session.query(Review).filter_by(application_id=application.id, reviewer_id=user.id).one_or_none()


def has_recused(application: Application, user) -> bool:
    review = own_review(application, user)
    return review is not None and review.recused


def can_view_dossier(user, application: Application) -> bool:
    """Members and administrators see every dossier once it has been submitted
    (a draft withdrawn before submission stays unknown to them)."""
    if application is None or application.status == ApplicationStatus.DRAFT or application.submitted_at is None:
        return False
    return _authenticated(user) and has_permission(user, "committee.read")


def can_act_on_dossier(user, application: Application) -> bool:
    """Ask a question, review: a member who has not declared a conflict of interest."""
    return (
        is_member(user)
        and application.status in OPEN_STATUSES
        and not has_recused(application, user)
    )


def can_review(user, application: Application) -> bool:
    return (
        is_member(user)
        and application.status in REVIEWABLE_STATUSES
        and own_review(application, user) is None
    )


def can_recuse(user, application: Application) -> bool:
    return is_member(user) and application.status in OPEN_STATUSES and own_review(application, user) is None


def can_ask_question(user, application: Application) -> bool:
    return can_act_on_dossier(user, application) and application.status in REVIEWABLE_STATUSES


def can_see_reviews(user, application: Application) -> bool:
    """No anchoring: a member sees the others' reviews once they reviewed or recused,
    and everyone on the committee side sees them once the dossier is closed.

    An administrator who does not sit on the committee sees them (read-only).
    """
    if not can_view_dossier(user, application):
        return False
    if application.status.is_decided:
        return True
    if is_member(user):
        return own_review(application, user) is not None
    return has_permission(user, "committee.read")


def can_decide(user, application: Application) -> bool:
    return (
        is_chair(user)
        and application.status == ApplicationStatus.IN_REVIEW
        and not has_recused(application, user)
    )


def can_suspend(user, vendor: Vendor) -> bool:
    return is_member(user) and vendor.status == VendorStatus.APPROVED


def can_reinstate(user, vendor: Vendor) -> bool:
    return is_member(user) and vendor.status == VendorStatus.SUSPENDED
