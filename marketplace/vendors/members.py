"""The team of a structure: invitations by e-mail, staff removal."""
from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import User
from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.outbox import queue_email
from marketplace.core.urls import external_url
from marketplace.extensions import db
from marketplace.vendors.models import MemberRole, Vendor, VendorInvitation, VendorMembership
from marketplace.vendors.permissions import can_manage_members
from marketplace.vendors.workflow import WorkflowError

INVITATION_DAYS = 14


def members(vendor: Vendor) -> list[VendorMembership]:
    return sorted(vendor.memberships, key=lambda m: (m.role != MemberRole.OWNER, m.created_at, m.id))


def pending_invitations(vendor: Vendor) -> list[VendorInvitation]:
    return list(
        db.session.scalars(
            sa.select(VendorInvitation)
            .where(
                VendorInvitation.vendor_id == vendor.id,
                VendorInvitation.accepted_at.is_(None),
                VendorInvitation.expires_at > now_utc(),
            )
            .order_by(VendorInvitation.created_at)
        )
    )


def invite(vendor: Vendor, actor: User, email: str) -> VendorInvitation:
    """Invite ``email`` to join as staff; the link is valid INVITATION_DAYS days."""
    from marketplace.vendors.services import FieldError

    if not can_manage_members(actor, vendor):
        raise WorkflowError(_("Seul le responsable de la structure peut inviter des membres."))
    address = (email or "").strip().lower()
    if not address or "@" not in address:
        raise FieldError("email", _("Indiquez une adresse e-mail valide."))
    if any(m.user.email.lower() == address for m in vendor.memberships):
        raise FieldError("email", _("Cette personne fait déjà partie de l'équipe."))
    if any(inv.email == address for inv in pending_invitations(vendor)):
        raise FieldError("email", _("Une invitation est déjà en attente pour cette adresse."))
    invitation = VendorInvitation(
        vendor_id=vendor.id,
        email=address,
        token=secrets.token_urlsafe(32),
        invited_by_id=actor.id,
        created_at=now_utc(),
        expires_at=now_utc() + dt.timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    record_event(actor, vendor, "invite", None, None, {"email": address, "invitation_id": invitation.id})
    queue_email(
        address,
        _l("Invitation à rejoindre %(vendor)s", vendor=vendor.name),
        "vendor_invitation",
        invitation=invitation,
        vendor=vendor,
        inviter_name=actor.name,
        accept_url=external_url("vendors.invitation", token=invitation.token),
    )
    db.session.flush()
    return invitation


def invitation_by_token(token: str) -> VendorInvitation | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalars(sa.select(VendorInvitation).where(VendorInvitation.token == token)).first()


def invitation_problem(invitation: VendorInvitation | None) -> str | None:
    if invitation is None:
        return _("Cette invitation n'existe pas ou a été annulée.")
    if invitation.accepted_at is not None:
        return _("Cette invitation a déjà été acceptée.")
    if invitation.expires_at <= now_utc():
        return _("Cette invitation a expiré : demandez au responsable de la structure de vous en envoyer une nouvelle.")
    return None


def accept(invitation: VendorInvitation | None, user: User) -> VendorMembership:
    """The invited person (signed in with the invited address) joins as staff."""
    problem = invitation_problem(invitation)
    if problem:
        raise WorkflowError(problem)
    if user.email.strip().lower() != invitation.email:
        raise WorkflowError(
            _(
                "Cette invitation a été envoyée à une autre adresse e-mail. Connectez-vous avec le compte de %(email)s.",
                email=invitation.email,
            )
        )
    vendor = invitation.vendor
    existing = next((m for m in vendor.memberships if m.user_id == user.id), None)
    invitation.accepted_at = now_utc()
    invitation.accepted_by_id = user.id
    if existing is not None:
        db.session.flush()
        return existing
    membership = VendorMembership(user=user, vendor=vendor, role=MemberRole.STAFF, created_at=now_utc())
    db.session.add(membership)
    db.session.flush()
    record_event(user, vendor, "join", None, MemberRole.STAFF, {"invitation_id": invitation.id})
    db.session.flush()
    return membership


def cancel_invitation(invitation: VendorInvitation, actor: User) -> None:
    if not can_manage_members(actor, invitation.vendor):
        raise WorkflowError(_("Seul le responsable de la structure peut annuler une invitation."))
    if invitation.accepted_at is not None:
        raise WorkflowError(_("Cette invitation a déjà été acceptée."))
    record_event(actor, invitation.vendor, "cancel_invitation", None, None, {"email": invitation.email})
    db.session.delete(invitation)
    db.session.flush()


def remove_member(membership: VendorMembership, actor: User) -> None:
    """The owner removes a staff member (owners are not removed here)."""
    vendor = membership.vendor
    if not can_manage_members(actor, vendor):
        raise WorkflowError(_("Seul le responsable de la structure peut retirer un membre."))
    if membership.role == MemberRole.OWNER:
        raise WorkflowError(_("Le responsable de la structure ne peut pas être retiré."))
    user = membership.user
    record_event(actor, vendor, "remove_member", MemberRole.STAFF, None, {"user_id": membership.user_id})
    db.session.delete(membership)
    db.session.flush()
    db.session.expire(vendor, ["memberships"])
    if user is not None:
        db.session.expire(user, ["vendor_memberships"])
