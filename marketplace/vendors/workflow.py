"""The vetting state machine: one function per transition.

Applications: DRAFT → SUBMITTED → IN_REVIEW ⇄ INFO_REQUESTED → APPROVED | REJECTED,
and WITHDRAWN from any open state. Vendors: CANDIDATE → APPROVED ⇄ SUSPENDED,
APPROVED → EXPIRED, CANDIDATE → REJECTED.

Every function refuses illegal moves with a WorkflowError (French message for
the user), writes an audit event, queues its e-mails in the outbox, flushes and
never commits: the caller (request, CLI command) owns the transaction.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.errors import DomainError
from marketplace.core.outbox import email_user
from marketplace.core.urls import external_url
from marketplace.extensions import db
from marketplace.vendors.models import (
    Application,
    ApplicationAnswer,
    ApplicationKind,
    ApplicationStatus,
    CharterSignature,
    DocumentKind,
    Vendor,
    VendorStatus,
)

OPEN_STATUSES = frozenset(
    {
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.IN_REVIEW,
        ApplicationStatus.INFO_REQUESTED,
    }
)
# What the applicant may edit: a draft, or a dossier the committee asked to complete.
EDITABLE_STATUSES = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.INFO_REQUESTED})


class WorkflowError(DomainError):
    """An illegal move; ``str(error)`` is a French message for the user, translated at once."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(str(message), field)


class IncompleteApplication(WorkflowError):
    """The dossier lacks pieces; ``missing`` lists them, one French sentence each."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(_("Le dossier est incomplet."))
        self.missing = list(missing)


class UnverifiedEmail(WorkflowError):
    """The person submitting has not confirmed their e-mail address yet."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Confirmez d'abord votre adresse e-mail : une candidature ne peut être déposée que depuis "
                "un compte dont l'adresse est vérifiée. Ouvrez le lien de confirmation reçu par e-mail, "
                "ou demandez-en un nouveau."
            )
        )


# ---------------------------------------------------------------- helpers


def _cfg(name: str) -> int:
    return int(current_app.config[name])


def _members(vendor: Vendor) -> list:
    return [m.user for m in vendor.memberships if m.user is not None]


def _email_members(vendor: Vendor, subject, template: str, **context) -> None:
    for user in _members(vendor):
        email_user(user, subject, template, vendor=vendor, **context)


def _email_committee(subject, template: str, exclude=None, **context) -> None:
    from marketplace.vendors.services import committee_members

    for member in committee_members():
        if exclude is not None and member.id == getattr(exclude, "id", None):
            continue
        email_user(member, subject, template, **context)


def _links(application: Application) -> dict[str, str]:
    return {
        "dossier_url": external_url("vendors.application", vendor_id=application.vendor_id),
        "committee_url": external_url("committee.dossier", application_id=application.id),
    }


def _require(application: Application, allowed: set[ApplicationStatus] | frozenset, action) -> None:
    if application.status not in allowed:
        raise WorkflowError(
            _(
                "Action impossible : %(action)s n'est pas possible pour une candidature « %(status)s ».",
                action=str(action),
                status=application.status.label,
            )
        )


def _required_text(value: str | None, message) -> str:
    text = (value or "").strip()
    if not text:
        raise WorkflowError(message)
    return text


def _move(application: Application, actor, action: str, to: ApplicationStatus, data: dict | None = None) -> None:
    before = application.status
    application.status = to
    record_event(actor, application, action, before, to, data)


def _set_vendor_status(vendor: Vendor, actor, action: str, to: VendorStatus, data: dict | None = None) -> None:
    before = vendor.status
    if before == to:
        return
    vendor.status = to
    record_event(actor, vendor, action, before, to, data)
    from marketplace.search import indexing

    indexing.vendor_changed(vendor)


def last_rejection(vendor: Vendor) -> Application | None:
    return db.session.scalars(
        sa.select(Application)
        .where(Application.vendor_id == vendor.id, Application.status == ApplicationStatus.REJECTED)
        .order_by(Application.decided_at.desc(), Application.id.desc())
        .limit(1)
    ).first()


def reapply_date(vendor: Vendor) -> dt.datetime | None:
    """The moment from which a new application may be submitted, or None if no delay applies."""
    rejected = last_rejection(vendor)
    if rejected is None or rejected.decided_at is None:
        return None
    until = rejected.decided_at + dt.timedelta(days=_cfg("REAPPLY_DELAY_DAYS"))
    return until if until > now_utc() else None


def open_application(vendor: Vendor, exclude: Application | None = None) -> Application | None:
    stmt = sa.select(Application).where(
        Application.vendor_id == vendor.id, Application.status.in_(OPEN_STATUSES)
    )
    if exclude is not None and exclude.id is not None:
        stmt = stmt.where(Application.id != exclude.id)
    return db.session.scalars(stmt.order_by(Application.id.desc()).limit(1)).first()


# ---------------------------------------------------------------- completeness


def missing_items(application: Application) -> list[str]:
    """Every piece the dossier still lacks, one French sentence each (empty: complete)."""
    from marketplace.core.identifiers import is_valid_siret
    from marketplace.core.territories import departement_from_postal_code, is_eligible
    from marketplace.vendors.services import active_criteria, current_charter

    vendor = application.vendor
    missing: list[str] = []

    # Identity
    if not (vendor.name or "").strip():
        missing.append(_("Identité : le nom de la structure est manquant."))
    if not (vendor.legal_name or "").strip():
        missing.append(_("Identité : la raison sociale est manquante."))
    if not vendor.siret or not is_valid_siret(vendor.siret):
        missing.append(_("Identité : le numéro SIRET est manquant ou invalide."))
    if vendor.legal_form is None:
        missing.append(_("Identité : le statut juridique est manquant."))
    if vendor.year_founded is None:
        missing.append(_("Identité : l'année de création est manquante."))
    if vendor.staff_count is None:
        missing.append(_("Identité : le nombre de salariés est manquant."))

    # Territory
    if not (vendor.address or "").strip():
        missing.append(_("Territoire : l'adresse est manquante."))
    if not (vendor.commune or "").strip():
        missing.append(_("Territoire : la commune est manquante."))
    dep = departement_from_postal_code(vendor.postal_code or "")
    if dep is None:
        missing.append(_("Territoire : le code postal est manquant ou invalide."))
    elif not is_eligible(dep.code, current_app.config["ELIGIBLE_DEPARTEMENTS"]):
        missing.append(
            _(
                "Territoire : l'adresse est dans le département %(dep)s, hors du territoire servi par la plateforme.",
                dep=dep.label,
            )
        )

    # Activity
    if not vendor.sectors:
        missing.append(_("Activité : choisissez au moins un secteur."))
    if not (vendor.description or "").strip():
        missing.append(_("Activité : la présentation de l'activité est manquante."))

    # Commitments: one answer per active criterion of the grid
    answers = {a.criterion_id: (a.text or "").strip() for a in application.answers}
    for criterion in active_criteria():
        if not answers.get(criterion.id):
            missing.append(_("Engagements : répondez au critère « %(label)s ».", label=criterion.label))

    # Documents
    kinds = {d.kind for d in application.documents}
    if DocumentKind.STATUTES not in kinds:
        missing.append(_("Documents : les statuts de la structure sont manquants."))
    if DocumentKind.REGISTRATION not in kinds:
        missing.append(_("Documents : le justificatif d'immatriculation (extrait Kbis, avis de situation SIRENE ou récépissé de déclaration) est manquant."))

    # Charter
    charter = current_charter()
    if charter is None:
        missing.append(_("Charte : aucune charte n'est publiée pour le moment ; la candidature ne peut pas être déposée."))
    elif not has_signed(vendor, charter):
        missing.append(
            _("Charte : acceptez la charte en vigueur (version %(version)s).", version=charter.version)
        )
    return missing


def has_signed(vendor: Vendor, charter) -> bool:
    if charter is None or vendor.id is None:
        return False
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CharterSignature)
            .where(CharterSignature.vendor_id == vendor.id, CharterSignature.charter_version_id == charter.id)
        )
        or 0
    ) > 0


# ---------------------------------------------------------------- application transitions


def submit(application: Application, actor) -> Application:
    """DRAFT → SUBMITTED, by a person whose e-mail address is verified, once the dossier
    is complete and past any re-apply delay; notifies the committee."""
    _require(application, {ApplicationStatus.DRAFT}, _l("le dépôt"))
    if not getattr(actor, "is_verified", False):
        raise UnverifiedEmail()
    vendor = application.vendor
    if vendor.status == VendorStatus.SUSPENDED:
        raise WorkflowError(_("La structure est suspendue : elle ne peut pas déposer de candidature pour le moment."))
    other = open_application(vendor, exclude=application)
    if other is not None:
        raise WorkflowError(_("Une autre candidature de cette structure est déjà en cours."))
    until = reapply_date(vendor)
    if until is not None:
        from flask_babel import format_date

        raise WorkflowError(
            _(
                "Votre précédente candidature a été refusée : une nouvelle candidature pourra être déposée à partir du %(date)s.",
                date=format_date(until, "long"),
            )
        )
    missing = missing_items(application)
    if missing:
        raise IncompleteApplication(missing)
    application.submitted_at = now_utc()
    _move(application, actor, "submit", ApplicationStatus.SUBMITTED, {"kind": application.kind.value})
    links = _links(application)
    _email_members(
        vendor,
        _l("Votre candidature a bien été déposée"),
        "vetting_submitted_applicant",
        application=application,
        **links,
    )
    _email_committee(
        _l("Nouvelle candidature à examiner : %(name)s", name=vendor.name),
        "vetting_submitted_committee",
        application=application,
        vendor=vendor,
        **links,
    )
    db.session.flush()
    return application


def start_review(application: Application, actor) -> Application:
    """SUBMITTED → IN_REVIEW (a committee member takes the dossier)."""
    _require(application, {ApplicationStatus.SUBMITTED}, _l("l'ouverture de l'examen"))
    _move(application, actor, "start_review", ApplicationStatus.IN_REVIEW)
    db.session.flush()
    return application


def request_info(application: Application, actor, question: str):
    """SUBMITTED|IN_REVIEW → INFO_REQUESTED; the question goes to the thread and to the structure."""
    from marketplace.committee.models import DossierMessage

    _require(
        application,
        {ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW},
        _l("la demande d'informations"),
    )
    text = _required_text(question, _("Écrivez la question posée à la structure."))
    message = DossierMessage(
        application_id=application.id,
        author_id=getattr(actor, "id", None),
        from_committee=True,
        body=text,
        created_at=now_utc(),
    )
    db.session.add(message)
    _move(application, actor, "request_info", ApplicationStatus.INFO_REQUESTED)
    _email_members(
        application.vendor,
        _l("Le comité d'éthique vous demande des informations"),
        "vetting_info_requested",
        application=application,
        question=text,
        **_links(application),
    )
    db.session.flush()
    return message


def resubmit(application: Application, actor, answer: str):
    """INFO_REQUESTED → IN_REVIEW with the applicant's answer; notifies the committee."""
    from marketplace.committee.models import DossierMessage

    _require(application, {ApplicationStatus.INFO_REQUESTED}, _l("le renvoi du dossier"))
    text = _required_text(answer, _("Écrivez votre réponse au comité avant de renvoyer le dossier."))
    missing = missing_items(application)
    if missing:
        raise IncompleteApplication(missing)
    message = DossierMessage(
        application_id=application.id,
        author_id=getattr(actor, "id", None),
        from_committee=False,
        body=text,
        created_at=now_utc(),
    )
    db.session.add(message)
    _move(application, actor, "resubmit", ApplicationStatus.IN_REVIEW)
    _email_committee(
        _l("Réponse de %(name)s à la demande d'informations", name=application.vendor.name),
        "vetting_resubmitted",
        application=application,
        vendor=application.vendor,
        answer=text,
        **_links(application),
    )
    db.session.flush()
    return message


def approve(application: Application, actor, motivation: str) -> Application:
    """IN_REVIEW → APPROVED; the structure is approved for APPROVAL_VALIDITY_DAYS."""
    _require(application, {ApplicationStatus.IN_REVIEW}, _l("l'agrément"))
    text = _required_text(motivation, _("La motivation de la décision est obligatoire."))
    now = now_utc()
    vendor = application.vendor
    validity = dt.timedelta(days=_cfg("APPROVAL_VALIDITY_DAYS"))
    start = now
    if (
        application.kind == ApplicationKind.RENEWAL
        and vendor.approval_expires_at is not None
        and vendor.approval_expires_at > now
        and vendor.status in (VendorStatus.APPROVED, VendorStatus.SUSPENDED)
    ):
        # An early renewal does not shorten the running approval.
        start = vendor.approval_expires_at
    application.decided_at = now
    _move(application, actor, "approve", ApplicationStatus.APPROVED)
    vendor.approved_at = now
    vendor.approval_expires_at = start + validity
    if vendor.status != VendorStatus.SUSPENDED:
        _set_vendor_status(
            vendor, actor, "approve", VendorStatus.APPROVED, {"application_id": application.id}
        )
    _email_members(
        vendor,
        _l("Votre structure est agréée par le comité d'éthique"),
        "vetting_approved",
        application=application,
        motivation=text,
        **_links(application),
    )
    db.session.flush()
    return application


def reject(application: Application, actor, motivation: str) -> Application:
    """IN_REVIEW → REJECTED; a new application is possible after REAPPLY_DELAY_DAYS."""
    _require(application, {ApplicationStatus.IN_REVIEW}, _l("le refus"))
    text = _required_text(motivation, _("La motivation de la décision est obligatoire."))
    now = now_utc()
    vendor = application.vendor
    application.decided_at = now
    _move(application, actor, "reject", ApplicationStatus.REJECTED)
    data = {"application_id": application.id}
    if application.kind == ApplicationKind.RENEWAL:
        if vendor.status in (VendorStatus.APPROVED, VendorStatus.SUSPENDED):
            _set_vendor_status(vendor, actor, "expire", VendorStatus.EXPIRED, data)
    elif vendor.status in (VendorStatus.CANDIDATE, VendorStatus.EXPIRED, VendorStatus.REJECTED):
        _set_vendor_status(vendor, actor, "reject", VendorStatus.REJECTED, data)
    _email_members(
        vendor,
        _l("Décision du comité d'éthique sur votre candidature"),
        "vetting_rejected",
        application=application,
        motivation=text,
        reapply_at=now + dt.timedelta(days=_cfg("REAPPLY_DELAY_DAYS")),
        **_links(application),
    )
    db.session.flush()
    return application


def withdraw(application: Application, actor) -> Application:
    """The applicant withdraws an open application."""
    from marketplace.vendors.permissions import can_manage_vendor

    _require(application, OPEN_STATUSES, _l("le retrait"))
    if not can_manage_vendor(actor, application.vendor):
        raise WorkflowError(_("Seuls les membres de la structure peuvent retirer sa candidature."))
    was_submitted = application.status != ApplicationStatus.DRAFT
    application.decided_at = now_utc()
    _move(application, actor, "withdraw", ApplicationStatus.WITHDRAWN)
    if was_submitted:
        _email_committee(
            _l("Candidature retirée : %(name)s", name=application.vendor.name),
            "vetting_withdrawn",
            application=application,
            vendor=application.vendor,
            **_links(application),
        )
    db.session.flush()
    return application


# ---------------------------------------------------------------- vendor transitions


def suspend(vendor: Vendor, actor, reason: str) -> Vendor:
    """APPROVED → SUSPENDED: offers leave the catalogue; orders already placed are fulfilled."""
    if vendor.status != VendorStatus.APPROVED:
        raise WorkflowError(_("Seule une structure agréée peut être suspendue."))
    text = _required_text(reason, _("Le motif de la suspension est obligatoire."))
    vendor.suspended_reason = text
    _set_vendor_status(vendor, actor, "suspend", VendorStatus.SUSPENDED, {"reason": text})
    _email_members(vendor, _l("Votre structure est suspendue"), "vetting_suspended", reason=text)
    db.session.flush()
    return vendor


def reinstate(vendor: Vendor, actor, note: str | None = None) -> Vendor:
    """SUSPENDED → APPROVED, while the approval is still running."""
    if vendor.status != VendorStatus.SUSPENDED:
        raise WorkflowError(_("Seule une structure suspendue peut être rétablie."))
    if vendor.approval_expires_at is not None and vendor.approval_expires_at <= now_utc():
        raise WorkflowError(
            _("L'agrément de la structure a expiré pendant la suspension : une nouvelle candidature est nécessaire.")
        )
    text = (note or "").strip()
    vendor.suspended_reason = None
    _set_vendor_status(vendor, actor, "reinstate", VendorStatus.APPROVED, {"note": text} if text else None)
    _email_members(vendor, _l("La suspension de votre structure est levée"), "vetting_reinstated", note=text)
    db.session.flush()
    return vendor


def expire(vendor: Vendor, actor=None) -> Vendor:
    """APPROVED → EXPIRED once approval_expires_at has passed."""
    if vendor.status != VendorStatus.APPROVED:
        raise WorkflowError(_("Seul l'agrément d'une structure agréée peut expirer."))
    if vendor.approval_expires_at is None or vendor.approval_expires_at > now_utc():
        raise WorkflowError(_("L'agrément de cette structure n'est pas encore arrivé à échéance."))
    _set_vendor_status(
        vendor, actor, "expire", VendorStatus.EXPIRED, {"expired_on": vendor.approval_expires_at.isoformat()}
    )
    _email_members(
        vendor,
        _l("L'agrément de votre structure a expiré"),
        "vetting_expired",
        dashboard_url=external_url("vendors.dashboard"),
    )
    db.session.flush()
    return vendor


def last_approved_application(vendor: Vendor) -> Application | None:
    return db.session.scalars(
        sa.select(Application)
        .where(Application.vendor_id == vendor.id, Application.status == ApplicationStatus.APPROVED)
        .order_by(Application.decided_at.desc(), Application.id.desc())
        .limit(1)
    ).first()


def start_renewal(vendor: Vendor, actor) -> Application:
    """A RENEWAL draft prefilled from the last approved application (answers and documents),
    or a blank one for a structure approved without an application on the platform."""
    if vendor.status not in (VendorStatus.APPROVED, VendorStatus.EXPIRED):
        raise WorkflowError(_("Seule une structure agréée (ou dont l'agrément a expiré) peut demander un renouvellement."))
    if open_application(vendor) is not None:
        raise WorkflowError(_("Une candidature de cette structure est déjà en cours."))
    return new_draft(vendor, actor, ApplicationKind.RENEWAL, last_approved_application(vendor), "start_renewal")


def new_draft(
    vendor: Vendor, actor, kind: ApplicationKind, previous: Application | None, action: str
) -> Application:
    """A DRAFT application of ``kind``, prefilled with the answers and documents of ``previous``."""
    application = Application(
        vendor=vendor,
        kind=kind,
        status=ApplicationStatus.DRAFT,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(application)
    if previous is not None:
        for answer in previous.answers:
            application.answers.append(ApplicationAnswer(criterion_id=answer.criterion_id, text=answer.text))
    db.session.flush()
    if previous is not None:
        from marketplace.vendors.documents import copy_documents

        copy_documents(previous, application, actor)
    record_event(
        actor,
        application,
        action,
        None,
        ApplicationStatus.DRAFT,
        {"from_application_id": previous.id} if previous is not None else None,
    )
    db.session.flush()
    return application
