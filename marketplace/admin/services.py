"""Back-office services: platform roles (administrators, committee mandates)
and memberships of buyer organisations and vendor structures.

Buyer organisations live in ``organisations.py``, the read-only screens
(dashboard, outbox, audit log) in ``queries.py``. Services never touch the
request: they flush, the caller commits.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zlib
from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from marketplace.accounts.auth import hash_password
from marketplace.accounts.models import (
    BuyerMembership,
    BuyerOrganisation,
    CommitteeMandate,
    User,
)
from marketplace.accounts.services import password_problem
from marketplace.admin import permissions as rules
from marketplace.core.audit import AuditEvent, events_for, record_event
from marketplace.core.clock import now_utc, today_utc
from marketplace.core.errors import DomainError
from marketplace.core.outbox import email_user
from marketplace.core.pagination import Page, paginate
from marketplace.core.permissions import Role
from marketplace.core.urls import external_url
from marketplace.extensions import db
from marketplace.vendors.models import MemberRole, VendorMembership

PER_PAGE = 25


class AdminError(DomainError):
    """A refused back-office action, with a French message for the user.

    ``field`` names the form field the message belongs to, if any.
    """


class NotFound(AdminError):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("Élément introuvable."))


def get_object(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound()
    return obj


def serialise(key: str) -> None:
    """Serialise concurrent checks-then-writes on ``key`` (PostgreSQL advisory lock).

    SQLite already serialises writers, so nothing is needed there.
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(key.encode())})


def _platform() -> str:
    return current_app.config["PLATFORM_NAME"]


def _period(start: dt.date, end: dt.date | None) -> str:
    if end is None:
        return _("à partir du %(start)s, sans date de fin", start=format_date(start, "long"))
    return _("du %(start)s au %(end)s", start=format_date(start, "long"), end=format_date(end, "long"))


# --------------------------------------------------------------------------- users


USER_ROLE_FILTERS = (Role.CONSUMER, Role.VENDOR, Role.BUYER, Role.COMMITTEE, Role.ADMIN)


def search_users(query: str = "", role: Role | None = None, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """Users matching ``query`` (e-mail or name) and holding ``role``, newest first."""
    stmt = sa.select(User).options(
        selectinload(User.vendor_memberships),
        selectinload(User.buyer_memberships),
        selectinload(User.committee_mandates),
    )
    query = (query or "").strip()
    if query:
        stmt = stmt.where(
            sa.or_(
                User.email.icontains(query, autoescape=True),
                User.display_name.icontains(query, autoescape=True),
            )
        )
    if role == Role.VENDOR:
        stmt = stmt.where(sa.exists().where(VendorMembership.user_id == User.id))
    elif role == Role.BUYER:
        stmt = stmt.where(sa.exists().where(BuyerMembership.user_id == User.id))
    elif role == Role.COMMITTEE:
        stmt = stmt.where(
            sa.exists().where(CommitteeMandate.user_id == User.id, CommitteeMandate.current_on(today_utc()))
        )
    elif role == Role.ADMIN:
        stmt = stmt.where(User.is_admin.is_(True))
    stmt = stmt.order_by(User.created_at.desc(), User.id.desc())
    return paginate(db.session, stmt, page, per_page)


@dataclass
class MandateRow:
    mandate: CommitteeMandate
    status: str
    can_end: bool


@dataclass
class UserOverview:
    user: User
    roles: set[Role]
    mandates: list[MandateRow]
    buyer_memberships: list[BuyerMembership]
    vendor_memberships: list[VendorMembership]
    events: list[AuditEvent]
    actor_emails: dict[int, str]
    can_grant_admin: bool
    can_revoke_admin: bool
    is_self: bool


def recent_events(subject, limit: int = 20) -> list[AuditEvent]:
    return list(reversed(events_for(subject)))[:limit]


def actor_emails(events: list[AuditEvent]) -> dict[int, str]:
    actor_ids = {event.actor_id for event in events if event.actor_id}
    if not actor_ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.email).where(User.id.in_(actor_ids))).all())


def _active_admin_ids() -> list[int]:
    return list(
        db.session.scalars(sa.select(User.id).where(User.is_admin.is_(True), User.deleted_at.is_(None)))
    )


def get_user(user_id: int) -> User:
    return get_object(User, user_id)


def user_overview(actor: User, user_id: int) -> UserOverview:
    user = get_object(User, user_id)
    today = today_utc()
    mandates = sorted(user.committee_mandates, key=lambda m: (m.starts_on, m.id), reverse=True)
    events = recent_events(user)
    return UserOverview(
        user=user,
        roles=user.compute_roles(),
        mandates=[
            MandateRow(m, rules.mandate_status(m, today), rules.can_end_mandate(m, today)) for m in mandates
        ],
        buyer_memberships=sorted(user.buyer_memberships, key=lambda m: m.organisation.name.lower()),
        vendor_memberships=sorted(user.vendor_memberships, key=lambda m: m.vendor.name.lower()),
        events=events,
        actor_emails=actor_emails(events),
        can_grant_admin=rules.can_grant_admin(user),
        can_revoke_admin=rules.can_revoke_admin(actor, user, _active_admin_ids()),
        is_self=rules.is_self(actor, user),
    )


def grant_admin(actor: User | None, user_id: int) -> User:
    user = get_object(User, user_id)
    if user.is_admin:
        raise AdminError(_("Cette personne est déjà administratrice."))
    if user.deleted_at is not None:
        raise AdminError(_("Ce compte est supprimé : il ne peut pas devenir administrateur."))
    if user.verified_at is None:
        raise AdminError(
            _(
                "Cette personne n'a pas encore confirmé son adresse e-mail : elle ne peut pas devenir administratrice."
            )
        )
    user.is_admin = True
    record_event(actor, user, "admin.granted", after=Role.ADMIN, data={"email": user.email})
    email_user(
        user,
        _("Vous êtes administrateur de %(platform)s", platform=_platform()),
        "admin/admin_granted",
        link=external_url("admin.index"),
    )
    db.session.flush()
    return user


def revoke_admin(actor: User, user_id: int) -> User:
    serialise("platform-admins")
    user = get_object(User, user_id)
    if not user.is_admin:
        raise AdminError(_("Cette personne n'est pas administratrice."))
    if rules.is_self(actor, user):
        raise AdminError(
            _(
                "Vous ne pouvez pas retirer vos propres droits d'administrateur : demandez-le à un autre administrateur."
            )
        )
    if not rules.can_revoke_admin(actor, user, _active_admin_ids()):
        raise AdminError(
            _(
                "C'est le dernier administrateur de la plateforme : nommez-en un autre avant de retirer ses droits."
            )
        )
    user.is_admin = False
    record_event(actor, user, "admin.revoked", before=Role.ADMIN, data={"email": user.email})
    email_user(user, _("Vos droits d'administrateur ont été retirés"), "admin/admin_revoked")
    db.session.flush()
    return user


# --------------------------------------------------------------------------- committee mandates


def add_mandate(
    actor: User | None,
    user_id: int,
    organisation_name: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    is_chair: bool = False,
    is_vendor_representative: bool = False,
) -> CommitteeMandate:
    """Appoint a committee member. At any date the committee has at most one
    chair and one vendor representative, and a person holds one mandate."""
    user = get_object(User, user_id)
    organisation_name = (organisation_name or "").strip()
    today = today_utc()
    if user.deleted_at is not None:
        raise AdminError(_("Ce compte est supprimé : il ne peut pas recevoir de mandat."))
    if not organisation_name:
        raise AdminError(_("Indiquez l'organisation représentée."), field="organisation_name")
    if starts_on is None:
        raise AdminError(_("Indiquez la date de début du mandat."), field="starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise AdminError(_("La fin du mandat doit suivre son début."), field="ends_on")
    if ends_on is not None and ends_on < today:
        raise AdminError(_("La fin du mandat ne peut pas être dans le passé."), field="ends_on")

    serialise("committee-mandates")
    for other in user.committee_mandates:
        if rules.periods_overlap(starts_on, ends_on, other.starts_on, other.ends_on):
            raise AdminError(
                _(
                    "Cette personne a déjà un mandat sur cette période (%(period)s).",
                    period=_period(other.starts_on, other.ends_on),
                ),
                field="starts_on",
            )
    for flag, attribute, message in (
        (
            is_chair,
            CommitteeMandate.is_chair,
            _(
                "%(name)s préside déjà le comité sur cette période (mandat %(period)s). "
                "Terminez ce mandat avant de nommer une autre présidence."
            ),
        ),
        (
            is_vendor_representative,
            CommitteeMandate.is_vendor_representative,
            _(
                "%(name)s représente déjà les fournisseurs sur cette période (mandat %(period)s). "
                "Terminez ce mandat avant de nommer un autre représentant."
            ),
        ),
    ):
        if not flag:
            continue
        holders = db.session.scalars(
            sa.select(CommitteeMandate)
            .join(User, User.id == CommitteeMandate.user_id)
            .where(attribute.is_(True), CommitteeMandate.user_id != user.id, User.deleted_at.is_(None))
        )
        for other in holders:
            if rules.periods_overlap(starts_on, ends_on, other.starts_on, other.ends_on):
                raise AdminError(
                    message % {"name": other.user.name, "period": _period(other.starts_on, other.ends_on)},
                    field="is_chair"
                    if attribute is CommitteeMandate.is_chair
                    else "is_vendor_representative",
                )

    mandate = CommitteeMandate(
        user=user,
        organisation_name=organisation_name[:200],
        starts_on=starts_on,
        ends_on=ends_on,
        is_chair=bool(is_chair),
        is_vendor_representative=bool(is_vendor_representative),
    )
    db.session.add(mandate)
    db.session.flush()
    record_event(
        actor,
        user,
        "committee_mandate.added",
        after=rules.mandate_status(mandate, today),
        data={
            "mandate_id": mandate.id,
            "organisation": mandate.organisation_name,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat() if ends_on else None,
            "is_chair": mandate.is_chair,
            "is_vendor_representative": mandate.is_vendor_representative,
        },
    )
    email_user(
        user,
        _("Votre mandat au comité d'éthique"),
        "admin/mandate_added",
        mandate=mandate,
        link=external_url("committee.queue"),
    )
    return mandate


def get_mandate(user_id: int, mandate_id: int) -> CommitteeMandate:
    mandate = get_object(CommitteeMandate, mandate_id)
    if mandate.user_id != user_id:
        raise NotFound()
    return mandate


def end_mandate(actor: User | None, user_id: int, mandate_id: int) -> CommitteeMandate:
    """End a mandate now: it stops being current today (ends_on = yesterday)."""
    mandate = get_mandate(user_id, mandate_id)
    today = today_utc()
    if not rules.can_end_mandate(mandate, today):
        raise AdminError(_("Ce mandat est déjà terminé."))
    before = rules.mandate_status(mandate, today)
    previous_end = mandate.ends_on
    mandate.ends_on = today - dt.timedelta(days=1)
    record_event(
        actor,
        mandate.user,
        "committee_mandate.ended",
        before=before,
        after="over",
        data={
            "mandate_id": mandate.id,
            "organisation": mandate.organisation_name,
            "previous_ends_on": previous_end.isoformat() if previous_end else None,
            "ends_on": mandate.ends_on.isoformat(),
        },
    )
    email_user(
        mandate.user, _("Fin de votre mandat au comité d'éthique"), "admin/mandate_ended", mandate=mandate
    )
    db.session.flush()
    return mandate


# --------------------------------------------------------------------------- buyer memberships


def buyer_organisation_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(BuyerOrganisation.id, BuyerOrganisation.name).order_by(
            sa.func.lower(BuyerOrganisation.name), BuyerOrganisation.id
        )
    )
    return [(row.id, row.name) for row in rows]


def _add_buyer_membership(
    actor: User | None, user: User, organisation: BuyerOrganisation, job_title: str | None, field: str
) -> BuyerMembership:
    if user.deleted_at is not None:
        raise AdminError(
            _("Ce compte est supprimé : il ne peut pas rejoindre une organisation."), field=field
        )
    serialise(f"buyer-membership-{user.id}")
    exists = db.session.scalar(
        sa.select(BuyerMembership.id).where(
            BuyerMembership.user_id == user.id, BuyerMembership.organisation_id == organisation.id
        )
    )
    if exists:
        raise AdminError(
            _("%(user)s est déjà membre de %(org)s.", user=user.email, org=organisation.name), field=field
        )
    job_title = (job_title or "").strip()[:120] or None
    membership = BuyerMembership(user=user, organisation=organisation, job_title=job_title)
    db.session.add(membership)
    db.session.flush()
    record_event(
        actor,
        user,
        "buyer_membership.added",
        after=Role.BUYER,
        data={
            "membership_id": membership.id,
            "organisation_id": organisation.id,
            "organisation": organisation.name,
            "job_title": job_title,
        },
    )
    email_user(
        user,
        _("Vous êtes membre de %(org)s sur %(platform)s", org=organisation.name, platform=_platform()),
        "admin/buyer_membership_added",
        organisation=organisation,
        job_title=job_title,
        link=external_url("accounts.buyer_space"),
    )
    return membership


def add_buyer_membership(
    actor: User | None, user_id: int, organisation_id: int | None, job_title: str | None = None
) -> BuyerMembership:
    user = get_object(User, user_id)
    organisation = db.session.get(BuyerOrganisation, organisation_id) if organisation_id else None
    if organisation is None:
        raise AdminError(_("Choisissez une organisation existante."), field="organisation_id")
    return _add_buyer_membership(actor, user, organisation, job_title, field="organisation_id")


def add_member_by_email(
    actor: User | None, organisation_id: int, email: str, job_title: str | None = None
) -> BuyerMembership:
    organisation = get_object(BuyerOrganisation, organisation_id)
    address = (email or "").strip()
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == address.lower()))
    if user is None:
        raise AdminError(
            _(
                "Aucun compte n'utilise l'adresse %(email)s : la personne doit d'abord créer son compte.",
                email=address,
            ),
            field="email",
        )
    return _add_buyer_membership(actor, user, organisation, job_title, field="email")


def get_buyer_membership(membership_id: int) -> BuyerMembership:
    return get_object(BuyerMembership, membership_id)


def remove_buyer_membership(actor: User | None, membership_id: int) -> BuyerMembership:
    membership = get_object(BuyerMembership, membership_id)
    user, organisation = membership.user, membership.organisation
    record_event(
        actor,
        user,
        "buyer_membership.removed",
        before=Role.BUYER,
        data={
            "membership_id": membership.id,
            "organisation_id": organisation.id,
            "organisation": organisation.name,
            "job_title": membership.job_title,
        },
    )
    email_user(
        user,
        _("Vous n'êtes plus membre de %(org)s sur %(platform)s", org=organisation.name, platform=_platform()),
        "admin/buyer_membership_removed",
        organisation=organisation,
    )
    db.session.delete(membership)
    db.session.flush()
    db.session.expire(user, ["buyer_memberships"])
    db.session.expire(organisation, ["memberships"])
    return membership


# --------------------------------------------------------------------------- vendor memberships


def get_vendor_membership(membership_id: int) -> VendorMembership:
    return get_object(VendorMembership, membership_id)


def is_last_vendor_owner(membership: VendorMembership) -> bool:
    """Removing this membership would leave the structure without an owner."""
    if membership.role != MemberRole.OWNER:
        return False
    return not any(
        m.role == MemberRole.OWNER and m.id != membership.id for m in membership.vendor.memberships
    )


def remove_vendor_membership(actor: User | None, membership_id: int) -> VendorMembership:
    membership = get_object(VendorMembership, membership_id)
    user, vendor = membership.user, membership.vendor
    record_event(
        actor,
        user,
        "vendor_membership.removed",
        before=membership.role,
        data={
            "membership_id": membership.id,
            "vendor_id": vendor.id,
            "vendor": vendor.name,
            "role": membership.role.value,
            "was_last_owner": is_last_vendor_owner(membership),
        },
    )
    email_user(
        user,
        _("Vous n'êtes plus membre de %(vendor)s sur %(platform)s", vendor=vendor.name, platform=_platform()),
        "admin/vendor_membership_removed",
        vendor=vendor,
    )
    db.session.delete(membership)
    db.session.flush()
    db.session.expire(user, ["vendor_memberships"])
    db.session.expire(vendor, ["memberships"])
    return membership


# --------------------------------------------------------------------------- command line


def create_admin(email: str, password: str | None = None) -> tuple[User, str]:
    """Create a verified administrator, or promote an existing account.

    Returns ``(user, outcome)`` with outcome ``created``, ``promoted``,
    ``updated`` (an administrator whose password was replaced) or
    ``unchanged``. A given password replaces the existing one and signs the
    account out everywhere.
    """
    try:
        address = validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise AdminError(_("Adresse e-mail invalide : %(email)s", email=email), field="email") from None
    if password is not None:
        problem = password_problem(password, address)
        if problem:
            raise AdminError(problem, field="password")

    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == address))
    if user is None:
        if password is None:
            raise AdminError(_("Un mot de passe est nécessaire pour créer le compte."), field="password")
        user = User(
            email=address, password_hash=hash_password(password), verified_at=now_utc(), is_admin=True
        )
        db.session.add(user)
        db.session.flush()
        record_event(None, user, "user.created", data={"via": "cli", "email": address})
        record_event(None, user, "admin.granted", after=Role.ADMIN, data={"via": "cli", "email": address})
        return user, "created"

    if user.deleted_at is not None:
        raise AdminError(_("Ce compte est supprimé : il ne peut pas devenir administrateur."))
    outcome = "unchanged"
    if password is not None:
        user.password_hash = hash_password(password)
        user.session_token = secrets.token_hex(16)
        record_event(None, user, "user.password_set", data={"via": "cli"})
        outcome = "updated"
    if user.verified_at is None:
        user.verified_at = now_utc()
        record_event(None, user, "user.verified", data={"via": "cli"})
        outcome = "updated"
    if not user.is_admin:
        user.is_admin = True
        record_event(None, user, "admin.granted", after=Role.ADMIN, data={"via": "cli", "email": user.email})
        email_user(
            user,
            _("Vous êtes administrateur de %(platform)s", platform=_platform()),
            "admin/admin_granted",
            link=external_url("admin.index"),
        )
        outcome = "promoted"
    db.session.flush()
    return user, outcome
