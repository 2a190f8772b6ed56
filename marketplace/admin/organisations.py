"""Buyer organisations (collectivités, entreprises, CSE…): list, create, edit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.models import BuyerKind, BuyerMembership, BuyerOrganisation, User
from marketplace.admin.services import (
    PER_PAGE,
    AdminError,
    actor_emails,
    get_object,
    recent_events,
    serialise,
)
from marketplace.core.audit import AuditEvent, record_event
from marketplace.core.identifiers import clean_siret, is_valid_siret
from marketplace.core.pagination import Page, paginate
from marketplace.core.territories import departement, departement_from_postal_code
from marketplace.extensions import db

PUBLIC_PAYMENT_TERM_DAYS = 30
PRIVATE_PAYMENT_TERM_DAYS = 60
MAX_PAYMENT_TERM_DAYS = 120


@dataclass
class OrganisationData:
    name: str
    kind: BuyerKind
    siret: str
    postal_code: str
    address: str | None = None
    commune: str | None = None
    payment_term_days: int | None = None


def default_payment_term(kind: BuyerKind) -> int:
    """30 days for public buyers (délai global de paiement), 60 otherwise."""
    return PUBLIC_PAYMENT_TERM_DAYS if kind.is_public else PRIVATE_PAYMENT_TERM_DAYS


def list_organisations(query: str = "", page: int = 1, per_page: int = PER_PAGE) -> Page:
    member_count = (
        sa.select(sa.func.count(BuyerMembership.id))
        .where(BuyerMembership.organisation_id == BuyerOrganisation.id)
        .correlate(BuyerOrganisation)
        .scalar_subquery()
    )
    stmt = sa.select(BuyerOrganisation)
    query = (query or "").strip()
    if query:
        digits = clean_siret(query)
        conditions = [
            BuyerOrganisation.name.icontains(query, autoescape=True),
            BuyerOrganisation.commune.icontains(query, autoescape=True),
        ]
        if digits.isdigit():
            conditions.append(BuyerOrganisation.siret.startswith(digits, autoescape=True))
        stmt = stmt.where(sa.or_(*conditions))
    stmt = stmt.order_by(sa.func.lower(BuyerOrganisation.name), BuyerOrganisation.id)
    result = paginate(db.session, stmt, page, per_page)
    if result.items:
        counts = dict(
            db.session.execute(
                sa.select(BuyerOrganisation.id, member_count).where(
                    BuyerOrganisation.id.in_([o.id for o in result.items])
                )
            ).all()
        )
        for organisation in result.items:
            organisation.member_count = counts.get(organisation.id, 0)
    return result


def get_organisation(organisation_id: int) -> BuyerOrganisation:
    return get_object(BuyerOrganisation, organisation_id)


@dataclass
class OrganisationOverview:
    organisation: BuyerOrganisation
    members: list[BuyerMembership]
    events: list[AuditEvent]
    actor_emails: dict[int, str]
    departement_label: str | None


def organisation_overview(organisation_id: int) -> OrganisationOverview:
    organisation = get_object(BuyerOrganisation, organisation_id)
    members = sorted(organisation.memberships, key=lambda m: m.user.email.lower())
    dep = departement(organisation.departement_code)
    events = recent_events(organisation)
    return OrganisationOverview(
        organisation, members, events, actor_emails(events), dep.label if dep else None
    )


def _validated(data: OrganisationData, organisation_id: int | None) -> dict[str, Any]:
    name = (data.name or "").strip()
    if not name:
        raise AdminError(_("Indiquez le nom de l'organisation."), field="name")
    if not isinstance(data.kind, BuyerKind):
        raise AdminError(_("Choisissez un type d'organisation."), field="kind")
    siret = clean_siret(data.siret)
    if not is_valid_siret(siret):
        raise AdminError(
            _(
                "Ce numéro SIRET n'est pas valide : il compte 14 chiffres et sa clé de contrôle doit être juste."
            ),
            field="siret",
        )
    duplicate = db.session.scalar(
        sa.select(BuyerOrganisation).where(
            BuyerOrganisation.siret == siret, BuyerOrganisation.id != (organisation_id or 0)
        )
    )
    if duplicate is not None:
        raise AdminError(
            _("Une organisation utilise déjà ce numéro SIRET : %(name)s.", name=duplicate.name), field="siret"
        )
    postal_code = (data.postal_code or "").strip().replace(" ", "")
    found = departement_from_postal_code(postal_code)
    if found is None:
        raise AdminError(
            _("Code postal inconnu : saisissez 5 chiffres, par exemple 69001."), field="postal_code"
        )
    term = data.payment_term_days
    if term is None:
        term = default_payment_term(data.kind)
    if not 0 <= term <= MAX_PAYMENT_TERM_DAYS:
        raise AdminError(
            _("Le délai de paiement doit être compris entre 0 et %(max)s jours.", max=MAX_PAYMENT_TERM_DAYS),
            field="payment_term_days",
        )
    return {
        "name": name[:200],
        "kind": data.kind,
        "siret": siret,
        "address": (data.address or "").strip()[:300] or None,
        "postal_code": postal_code,
        "commune": (data.commune or "").strip()[:120] or None,
        "departement_code": found.code,
        "payment_term_days": term,
    }


def _audit_value(value: Any) -> Any:
    return getattr(value, "value", value)


def create_organisation(actor: User | None, data: OrganisationData) -> BuyerOrganisation:
    serialise("buyer-organisations")
    values = _validated(data, None)
    organisation = BuyerOrganisation(**values)
    db.session.add(organisation)
    db.session.flush()
    record_event(
        actor,
        organisation,
        "buyer_organisation.created",
        data={key: _audit_value(value) for key, value in values.items()},
    )
    return organisation


def update_organisation(
    actor: User | None, organisation_id: int, data: OrganisationData
) -> BuyerOrganisation:
    serialise("buyer-organisations")
    organisation = get_object(BuyerOrganisation, organisation_id)
    values = _validated(data, organisation.id)
    changes = {}
    for key, value in values.items():
        old = getattr(organisation, key)
        if old != value:
            changes[key] = [_audit_value(old), _audit_value(value)]
            setattr(organisation, key, value)
    if changes:
        db.session.flush()
        record_event(actor, organisation, "buyer_organisation.updated", data={"changes": changes})
    return organisation
