"""Vendor structures and their dossiers: the applicant's side of vetting.

Services never touch the request: they take users and plain values, raise
WorkflowError (or FieldError, tied to a form field) with French messages,
flush, and leave the commit to the caller.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import CommitteeMandate, User
from marketplace.core.audit import AuditEvent, record_event
from marketplace.core.clock import now_utc
from marketplace.core.identifiers import clean_siret, is_valid_siret
from marketplace.core.territories import departement, departement_from_postal_code, is_eligible
from marketplace.extensions import db
from marketplace.vendors import workflow
from marketplace.vendors.models import (
    Application,
    ApplicationAnswer,
    ApplicationKind,
    ApplicationStatus,
    CharterSignature,
    CharterVersion,
    LegalForm,
    MemberRole,
    Sector,
    Vendor,
    VendorMembership,
    VendorStatus,
)
from marketplace.vendors.permissions import can_manage_vendor
from marketplace.vendors.workflow import EDITABLE_STATUSES, OPEN_STATUSES, WorkflowError

RENEWAL_PROMPT_DAYS = 60


class FieldError(WorkflowError):
    """A refusal tied to one form field (shown next to it)."""

    def __init__(self, field: str, message) -> None:
        super().__init__(message, field)


# ---------------------------------------------------------------- shared queries


def current_charter() -> CharterVersion | None:
    """The charter in force: the highest version already published."""
    return db.session.scalars(
        sa.select(CharterVersion)
        .where(CharterVersion.published_at <= now_utc())
        .order_by(CharterVersion.version.desc())
        .limit(1)
    ).first()


def active_criteria():
    from marketplace.committee.models import Criterion

    return list(
        db.session.scalars(
            sa.select(Criterion).where(Criterion.active.is_(True)).order_by(Criterion.position, Criterion.id)
        )
    )


def _current_mandates_stmt():
    today = now_utc().date()
    return (
        sa.select(CommitteeMandate)
        .join(User, User.id == CommitteeMandate.user_id)
        .where(CommitteeMandate.current_on(today), User.deleted_at.is_(None))
    )


def current_mandates() -> list[CommitteeMandate]:
    """The committee as it sits today, the chair first."""
    return list(
        db.session.scalars(
            _current_mandates_stmt().order_by(
                CommitteeMandate.is_chair.desc(), CommitteeMandate.organisation_name, CommitteeMandate.id
            )
        )
    )


def committee_members() -> list[User]:
    """Users holding a current committee mandate."""
    seen: dict[int, User] = {}
    for mandate in current_mandates():
        seen.setdefault(mandate.user_id, mandate.user)
    return list(seen.values())


def chair() -> User | None:
    for mandate in current_mandates():
        if mandate.is_chair:
            return mandate.user
    return None


# ---------------------------------------------------------------- lookups


def vendor_by_id(vendor_id: int) -> Vendor | None:
    return db.session.get(Vendor, vendor_id)


def applications_of(vendor: Vendor) -> list[Application]:
    return list(
        db.session.scalars(
            sa.select(Application).where(Application.vendor_id == vendor.id).order_by(Application.id.desc())
        )
    )


def latest_application(vendor: Vendor) -> Application | None:
    return db.session.scalars(
        sa.select(Application).where(Application.vendor_id == vendor.id).order_by(Application.id.desc()).limit(1)
    ).first()


def is_editable(application: Application | None) -> bool:
    return application is not None and application.status in EDITABLE_STATUSES


def answers_by_criterion(application: Application) -> dict[int, str]:
    return {a.criterion_id: a.text for a in application.answers}


def thread(application: Application):
    from marketplace.committee.models import DossierMessage

    return list(
        db.session.scalars(
            sa.select(DossierMessage)
            .where(DossierMessage.application_id == application.id)
            .order_by(DossierMessage.created_at, DossierMessage.id)
        )
    )


def history(application: Application) -> list[AuditEvent]:
    """What happened to the dossier: its own events (no committee internals) and the
    charter acceptances made while it was being prepared."""
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            sa.or_(
                sa.and_(
                    AuditEvent.subject_type == Application.__tablename__,
                    AuditEvent.subject_id == application.id,
                ),
                sa.and_(
                    AuditEvent.subject_type == Vendor.__tablename__,
                    AuditEvent.subject_id == application.vendor_id,
                    AuditEvent.action == "sign_charter",
                ),
            )
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [
        event
        for event in events
        if event.subject_type == Application.__tablename__
        or (event.data or {}).get("application_id") == application.id
    ]


def signature_of(vendor: Vendor, charter: CharterVersion | None) -> CharterSignature | None:
    if charter is None:
        return None
    return db.session.scalars(
        sa.select(CharterSignature).where(
            CharterSignature.vendor_id == vendor.id, CharterSignature.charter_version_id == charter.id
        )
    ).first()


# ---------------------------------------------------------------- creating a structure


def slugify(text: str) -> str:
    normalized = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", normalized.lower()).strip("-")
    return slug[:120] or "structure"


def _unique_slug(name: str, exclude_id: int | None = None) -> str:
    base = slugify(name)
    slug, n = base, 1
    while True:
        stmt = sa.select(Vendor.id).where(Vendor.slug == slug)
        if exclude_id is not None:
            stmt = stmt.where(Vendor.id != exclude_id)
        if db.session.scalar(stmt) is None:
            return slug
        n += 1
        slug = f"{base}-{n}"


@dataclass
class IdentityData:
    name: str
    legal_name: str | None = None
    siret: str | None = None
    legal_form: LegalForm | None = None
    esus_agrement: bool = False
    year_founded: int | None = None
    staff_count: int | None = None
    insertion_jobs: int | None = None


def _check_identity(data: IdentityData, vendor: Vendor | None) -> tuple[str, str | None]:
    name = (data.name or "").strip()
    if not name:
        raise FieldError("name", _("Indiquez le nom de la structure."))
    siret = clean_siret(data.siret or "") or None
    if siret is not None:
        if not is_valid_siret(siret):
            raise FieldError("siret", _("Ce numéro SIRET n'est pas valide : vérifiez les 14 chiffres."))
        stmt = sa.select(Vendor.id).where(Vendor.siret == siret)
        if vendor is not None and vendor.id is not None:
            stmt = stmt.where(Vendor.id != vendor.id)
        if db.session.scalar(stmt) is not None:
            raise FieldError("siret", _("Une structure avec ce numéro SIRET est déjà inscrite sur la plateforme."))
    year = now_utc().year
    if data.year_founded is not None and not (1800 <= data.year_founded <= year):
        raise FieldError("year_founded", _("L'année de création doit être comprise entre 1800 et %(year)s.", year=year))
    for field in ("staff_count", "insertion_jobs"):
        value = getattr(data, field)
        if value is not None and value < 0:
            raise FieldError(field, _("Indiquez un nombre positif ou nul."))
    return name, siret


def _apply_identity(vendor: Vendor, data: IdentityData, name: str, siret: str | None) -> None:
    vendor.name = name
    vendor.legal_name = (data.legal_name or "").strip() or None
    vendor.siret = siret
    vendor.legal_form = data.legal_form
    vendor.esus_agrement = bool(data.esus_agrement)
    vendor.year_founded = data.year_founded
    vendor.staff_count = data.staff_count
    vendor.insertion_jobs = data.insertion_jobs


def create_structure(user: User, data: IdentityData) -> Application:
    """A new CANDIDATE structure owned by ``user``, with its draft application."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise WorkflowError(_("Connectez-vous pour créer une structure."))
    name, siret = _check_identity(data, None)
    vendor = Vendor(slug=_unique_slug(name), name=name, status=VendorStatus.CANDIDATE)
    _apply_identity(vendor, data, name, siret)
    vendor.memberships.append(VendorMembership(user=user, role=MemberRole.OWNER))
    db.session.add(vendor)
    db.session.flush()
    application = Application(
        vendor=vendor, kind=ApplicationKind.INITIAL, status=ApplicationStatus.DRAFT, created_by_id=user.id
    )
    db.session.add(application)
    record_event(user, vendor, "create", None, VendorStatus.CANDIDATE, {"name": name})
    record_event(user, application, "create", None, ApplicationStatus.DRAFT)
    db.session.flush()
    return application


def new_application(vendor: Vendor, actor: User) -> Application:
    """A fresh INITIAL draft for a structure that is not approved and has none open,
    prefilled with the answers of its previous application."""
    if not can_manage_vendor(actor, vendor):
        raise WorkflowError(_("Vous ne pouvez pas gérer cette structure."))
    if vendor.status in (VendorStatus.APPROVED, VendorStatus.SUSPENDED):
        raise WorkflowError(_("Cette structure est déjà agréée : utilisez le renouvellement."))
    if workflow.open_application(vendor) is not None:
        raise WorkflowError(_("Une candidature de cette structure est déjà en cours."))
    return workflow.new_draft(vendor, actor, ApplicationKind.INITIAL, latest_application(vendor), "create")


# ---------------------------------------------------------------- editing the dossier


def _editable(application: Application, actor: User) -> None:
    if not can_manage_vendor(actor, application.vendor):
        raise WorkflowError(_("Vous ne pouvez pas modifier le dossier de cette structure."))
    if not is_editable(application):
        raise WorkflowError(
            _(
                "Le dossier n'est plus modifiable : la candidature est « %(status)s ».",
                status=application.status.label,
            )
        )


def _touch(application: Application, actor: User, section: str) -> None:
    application.updated_at = now_utc()
    record_event(actor, application, "edit", None, None, {"section": section})
    db.session.flush()


def save_identity(application: Application, actor: User, data: IdentityData) -> None:
    _editable(application, actor)
    vendor = application.vendor
    name, siret = _check_identity(data, vendor)
    _apply_identity(vendor, data, name, siret)
    if vendor.status != VendorStatus.APPROVED and vendor.slug != slugify(name):
        vendor.slug = _unique_slug(name, exclude_id=vendor.id)
    _touch(application, actor, "identity")


@dataclass
class TerritoryData:
    address: str | None = None
    postal_code: str | None = None
    commune: str | None = None


def territory_problem(postal_code: str | None) -> str | None:
    """Why a postal code is refused (unknown, or outside the served territory), or None."""
    code = (postal_code or "").strip().replace(" ", "")
    if not code:
        return None
    dep = departement_from_postal_code(code)
    if dep is None:
        return _("Code postal inconnu : indiquez les 5 chiffres du code postal.")
    eligible = current_app.config["ELIGIBLE_DEPARTEMENTS"]
    if not is_eligible(dep.code, eligible):
        served = ", ".join(d.label for c in eligible if (d := departement(c)) is not None)
        return _(
            "Cette adresse est dans le département %(dep)s (%(region)s). La plateforme accueille "
            "les structures ancrées sur son territoire : %(served)s.",
            dep=dep.label,
            region=dep.region,
            served=served,
        )
    return None


def save_territory(application: Application, actor: User, data: TerritoryData) -> None:
    _editable(application, actor)
    vendor = application.vendor
    code = (data.postal_code or "").strip().replace(" ", "") or None
    problem = territory_problem(code)
    if problem:
        raise FieldError("postal_code", problem)
    dep = departement_from_postal_code(code) if code else None
    vendor.address = (data.address or "").strip() or None
    vendor.postal_code = code
    vendor.commune = (data.commune or "").strip() or None
    vendor.departement_code = dep.code if dep else None
    vendor.region_code = dep.region_code if dep else None
    _touch(application, actor, "territory")


@dataclass
class ActivityData:
    sectors: list[Sector]
    description: str | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    logo: object | None = None  # a file storage, or None to keep the current logo
    remove_logo: bool = False


def save_activity(application: Application, actor: User, data: ActivityData) -> None:
    from marketplace.vendors.documents import DocumentError, remove_logo, store_logo

    _editable(application, actor)
    vendor = application.vendor
    website = (data.website or "").strip() or None
    if website and not re.match(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", website, re.I):
        raise FieldError("website", _("Indiquez une adresse web complète, commençant par https://"))
    if data.logo is not None:
        try:
            store_logo(vendor, data.logo)
        except DocumentError as exc:
            raise FieldError("logo", exc.message) from exc
    elif data.remove_logo:
        remove_logo(vendor)
    vendor.set_sectors(list(data.sectors))
    vendor.description = (data.description or "").strip() or None
    vendor.website = website
    vendor.email = (data.email or "").strip() or None
    vendor.phone = (data.phone or "").strip() or None
    _touch(application, actor, "activity")


def save_answers(application: Application, actor: User, texts: dict[int, str]) -> None:
    """The applicant's account for each active criterion (others are ignored)."""
    _editable(application, actor)
    active = {c.id for c in active_criteria()}
    existing = {a.criterion_id: a for a in application.answers}
    for criterion_id, text in texts.items():
        if criterion_id not in active:
            continue
        value = (text or "").strip()
        if criterion_id in existing:
            existing[criterion_id].text = value
        else:
            application.answers.append(ApplicationAnswer(criterion_id=criterion_id, text=value))
    _touch(application, actor, "commitments")


def sign_charter(vendor: Vendor, actor: User, charter_id: int | None = None) -> CharterSignature:
    """Record the structure's acceptance of the charter in force (idempotent)."""
    if not can_manage_vendor(actor, vendor):
        raise WorkflowError(_("Vous ne pouvez pas signer la charte au nom de cette structure."))
    charter = current_charter()
    if charter is None:
        raise WorkflowError(_("Aucune charte n'est publiée pour le moment."))
    if charter_id is not None and charter_id != charter.id:
        raise WorkflowError(_("Une nouvelle version de la charte a été publiée entre-temps : relisez-la avant de l'accepter."))
    existing = signature_of(vendor, charter)
    if existing is not None:
        return existing
    signature = CharterSignature(
        vendor_id=vendor.id, charter_version_id=charter.id, signed_by_id=actor.id, signed_at=now_utc()
    )
    db.session.add(signature)
    data = {"version": charter.version}
    application = workflow.open_application(vendor)
    if application is not None:  # the acceptance belongs to the dossier being prepared
        data["application_id"] = application.id
    record_event(actor, vendor, "sign_charter", None, None, data)
    db.session.flush()
    return signature


# ---------------------------------------------------------------- transitions from the applicant


def submit(application: Application, actor: User) -> Application:
    if not can_manage_vendor(actor, application.vendor):
        raise WorkflowError(_("Vous ne pouvez pas déposer la candidature de cette structure."))
    return workflow.submit(application, actor)


def resubmit(application: Application, actor: User, answer: str):
    if not can_manage_vendor(actor, application.vendor):
        raise WorkflowError(_("Vous ne pouvez pas répondre au nom de cette structure."))
    return workflow.resubmit(application, actor, answer)


def withdraw(application: Application, actor: User) -> Application:
    return workflow.withdraw(application, actor)


def start_renewal(vendor: Vendor, actor: User) -> Application:
    if not can_manage_vendor(actor, vendor):
        raise WorkflowError(_("Vous ne pouvez pas gérer cette structure."))
    return workflow.start_renewal(vendor, actor)


# ---------------------------------------------------------------- the dashboard


@dataclass
class DashboardEntry:
    vendor: Vendor
    role: MemberRole | None
    application: Application | None
    renewal_due: bool
    resign_charter: CharterVersion | None
    can_reapply_at: dt.datetime | None
    can_start_new: bool


def dashboard(user: User) -> list[DashboardEntry]:
    charter = current_charter()
    now = now_utc()
    memberships = list(
        db.session.scalars(
            sa.select(VendorMembership)
            .where(VendorMembership.user_id == user.id)
            .options(selectinload(VendorMembership.vendor))
            .order_by(VendorMembership.id)
        )
    )
    entries = []
    for membership in memberships:
        vendor = membership.vendor
        application = latest_application(vendor)
        open_app = application is not None and application.status in OPEN_STATUSES
        renewal_due = (
            vendor.status in (VendorStatus.APPROVED, VendorStatus.EXPIRED)
            and vendor.approval_expires_at is not None
            and vendor.approval_expires_at - now <= dt.timedelta(days=RENEWAL_PROMPT_DAYS)
            and not open_app
        )
        resign = None
        if (
            charter is not None
            and vendor.status in (VendorStatus.APPROVED, VendorStatus.SUSPENDED)
            and signature_of(vendor, charter) is None
        ):
            resign = charter
        entries.append(
            DashboardEntry(
                vendor=vendor,
                role=membership.role,
                application=application,
                renewal_due=renewal_due,
                resign_charter=resign,
                can_reapply_at=workflow.reapply_date(vendor),
                can_start_new=(
                    vendor.status in (VendorStatus.CANDIDATE, VendorStatus.REJECTED) and not open_app
                ),
            )
        )
    return entries


def vendor_by_slug(slug: str) -> Vendor | None:
    if not slug or len(slug) > 140:
        return None
    return db.session.scalars(sa.select(Vendor).where(Vendor.slug == slug)).first()
