"""Administration of the analysis grid (criteria) and of the charter's versions."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import User
from marketplace.committee.models import Criterion, ReviewScore
from marketplace.committee.services.common import CommitteeError, format_long_date
from marketplace.core.audit import AuditEvent, record_event
from marketplace.core.clock import now_utc
from marketplace.core.outbox import email_user
from marketplace.core.urls import external_url
from marketplace.extensions import db
from marketplace.vendors.models import (
    CharterSignature,
    CharterVersion,
    MemberRole,
    Vendor,
    VendorStatus,
)
from marketplace.vendors.services import current_charter


@dataclass
class CriterionRow:
    criterion: Criterion
    scores: int
    answers: int

    @property
    def deletable(self) -> bool:
        return self.scores == 0 and self.answers == 0


def criteria_rows() -> list[CriterionRow]:
    from marketplace.vendors.models import ApplicationAnswer

    scores = dict(
        db.session.execute(
            sa.select(ReviewScore.criterion_id, sa.func.count()).group_by(ReviewScore.criterion_id)
        ).all()
    )
    answers = dict(
        db.session.execute(
            sa.select(ApplicationAnswer.criterion_id, sa.func.count()).group_by(ApplicationAnswer.criterion_id)
        ).all()
    )
    criteria = db.session.scalars(
        sa.select(Criterion).order_by(Criterion.active.desc(), Criterion.position, Criterion.id)
    ).all()
    return [CriterionRow(c, scores.get(c.id, 0), answers.get(c.id, 0)) for c in criteria]


def criterion_row(criterion: Criterion) -> CriterionRow:
    from marketplace.vendors.models import ApplicationAnswer

    scores = db.session.scalar(
        sa.select(sa.func.count()).select_from(ReviewScore).where(ReviewScore.criterion_id == criterion.id)
    )
    answers = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ApplicationAnswer)
        .where(ApplicationAnswer.criterion_id == criterion.id)
    )
    return CriterionRow(criterion, scores or 0, answers or 0)


def criterion_history(criterion: Criterion) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.subject_type == Criterion.__tablename__, AuditEvent.subject_id == criterion.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )


def _code_for(label: str) -> str:
    normalized = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9]+", "-", normalized.lower()).strip("-")[:32] or "critere"
    code, n = base, 1
    while db.session.scalar(sa.select(sa.func.count()).select_from(Criterion).where(Criterion.code == code)):
        n += 1
        code = f"{base}-{n}"
    return code


@dataclass
class CriterionData:
    label: str
    description: str = ""
    weight: int = 1
    position: int = 0
    active: bool = True


def _check_criterion(data: CriterionData) -> CriterionData:
    label = (data.label or "").strip()
    if not label:
        raise CommitteeError(_("Le libellé du critère est obligatoire."), field="label")
    if len(label) > 200:
        raise CommitteeError(_("Le libellé ne doit pas dépasser 200 caractères."), field="label")
    try:
        weight = int(data.weight)
    except (TypeError, ValueError):
        weight = 0
    if not 1 <= weight <= 10:
        raise CommitteeError(_("La pondération doit être un nombre entier entre 1 et 10."), field="weight")
    try:
        position = int(data.position)
    except (TypeError, ValueError):
        raise CommitteeError(_("La position doit être un nombre entier."), field="position") from None
    if not 0 <= position <= 10_000:
        raise CommitteeError(_("La position doit être comprise entre 0 et 10 000."), field="position")
    return CriterionData(
        label=label,
        description=(data.description or "").strip(),
        weight=weight,
        position=position,
        active=bool(data.active),
    )


def create_criterion(admin, data: CriterionData) -> Criterion:
    clean = _check_criterion(data)
    criterion = Criterion(
        code=_code_for(clean.label),
        label=clean.label,
        description=clean.description,
        weight=clean.weight,
        position=clean.position,
        active=clean.active,
    )
    db.session.add(criterion)
    db.session.flush()
    record_event(
        admin,
        criterion,
        "criterion.create",
        after="active" if criterion.active else "inactive",
        data={"label": criterion.label, "weight": criterion.weight, "position": criterion.position},
    )
    db.session.flush()
    return criterion


def update_criterion(admin, criterion: Criterion, data: CriterionData) -> Criterion:
    """Edit a criterion; past reviews keep their scores (and the weights they were given with)."""
    clean = _check_criterion(data)
    changes = {}
    for name in ("label", "description", "weight", "position", "active"):
        old, new = getattr(criterion, name), getattr(clean, name)
        if old != new:
            changes[name] = [old, new]
            setattr(criterion, name, new)
    if changes:
        before = after = None
        if "active" in changes:
            before = "active" if changes["active"][0] else "inactive"
            after = "active" if changes["active"][1] else "inactive"
        record_event(admin, criterion, "criterion.update", before, after, {"changes": changes})
    db.session.flush()
    return criterion


def delete_criterion(admin, criterion: Criterion) -> None:
    """Only a criterion nobody has used yet may be deleted; otherwise deactivate it."""
    row = criterion_row(criterion)
    if not row.deletable:
        raise CommitteeError(
            _(
                "Ce critère a déjà servi (%(scores)s, %(answers)s) : désactivez-le plutôt que de le supprimer, l'historique des évaluations est conservé.",
                scores=ngettext("%(num)d note", "%(num)d notes", row.scores),
                answers=ngettext("%(num)d réponse", "%(num)d réponses", row.answers),
            )
        )
    record_event(admin, criterion, "criterion.delete", data={"label": criterion.label, "code": criterion.code})
    db.session.delete(criterion)
    db.session.flush()


# ---------------------------------------------------------------- charter administration


@dataclass
class CharterRow:
    charter: CharterVersion
    signatures: int


def charter_versions() -> list[CharterRow]:
    counts = dict(
        db.session.execute(
            sa.select(CharterSignature.charter_version_id, sa.func.count()).group_by(
                CharterSignature.charter_version_id
            )
        ).all()
    )
    versions = db.session.scalars(sa.select(CharterVersion).order_by(CharterVersion.version.desc())).all()
    return [CharterRow(v, counts.get(v.id, 0)) for v in versions]


def _owners(vendor: Vendor) -> list[User]:
    owners = [m.user for m in vendor.memberships if m.role == MemberRole.OWNER and m.user is not None]
    return owners or [m.user for m in vendor.memberships if m.user is not None]


def publish_charter(admin, title: str, body: str) -> CharterVersion:
    """Publish a new charter version: every approved structure must re-sign it within
    CHARTER_RESIGN_DAYS days; their owners are told by e-mail."""
    clean_title = (title or "").strip()
    clean_body = (body or "").strip()
    if not clean_title:
        raise CommitteeError(_("Le titre de la charte est obligatoire."), field="title")
    if len(clean_title) > 200:
        raise CommitteeError(_("Le titre ne doit pas dépasser 200 caractères."), field="title")
    if not clean_body:
        raise CommitteeError(_("Le texte de la charte est obligatoire."), field="body")
    now = now_utc()
    last = db.session.scalar(sa.select(sa.func.max(CharterVersion.version))) or 0
    deadline = now + dt.timedelta(days=int(current_app.config["CHARTER_RESIGN_DAYS"]))
    charter = CharterVersion(
        version=last + 1, title=clean_title, body=clean_body, published_at=now, resign_deadline=deadline
    )
    if not db.insert_unique(charter):
        raise CommitteeError(_("Une autre version de la charte vient d'être publiée : rechargez la page."))
    vendors = db.session.scalars(
        sa.select(Vendor)
        .where(Vendor.status == VendorStatus.APPROVED)
        .options(selectinload(Vendor.memberships))
        .order_by(Vendor.id)
    ).all()
    for vendor in vendors:
        sign_url = external_url("vendors.edit_charter", vendor_id=vendor.id, retour="espace")
        for owner in _owners(vendor):
            email_user(
                owner,
                _l("Nouvelle version de la charte à signer avant le %(date)s", date=format_long_date(deadline)),
                "committee_charter_new",
                vendor=vendor,
                charter=charter,
                deadline=deadline,
                sign_url=sign_url,
            )
    record_event(
        admin,
        charter,
        "charter.publish",
        after=str(charter.version),
        data={"title": clean_title, "resign_deadline": deadline.isoformat(), "structures": len(vendors)},
    )
    db.session.flush()
    return charter


def charter_overdue_vendors(now: dt.datetime | None = None) -> list[Vendor]:
    """Approved structures that have not signed the charter in force by its re-sign deadline."""
    now = now or now_utc()
    charter = current_charter()
    if charter is None or charter.resign_deadline is None or charter.resign_deadline > now:
        return []
    signed = sa.select(CharterSignature.vendor_id).where(CharterSignature.charter_version_id == charter.id)
    return list(
        db.session.scalars(
            sa.select(Vendor)
            .where(Vendor.status == VendorStatus.APPROVED, Vendor.id.not_in(signed))
            .order_by(Vendor.name, Vendor.id)
        )
    )
