"""The team of a structure: members, invitations."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.core.confirm import confirmation_page
from marketplace.core.forms import ConfirmForm, attach_error
from marketplace.core.permissions import public, requires
from marketplace.extensions import db
from marketplace.vendors import members
from marketplace.vendors.forms import InviteForm
from marketplace.vendors.models import VendorInvitation, VendorMembership
from marketplace.vendors.permissions import can_manage_members
from marketplace.vendors.services import FieldError
from marketplace.vendors.views import _managed_vendor, bp
from marketplace.vendors.workflow import WorkflowError

# ---------------------------------------------------------------- the team


@bp.get("/espace-fournisseur/<int:vendor_id>/equipe")
@requires("vendor.manage")
def team(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    return _render_team(vendor, InviteForm())


def _render_team(vendor, form, status=200):
    return render_template(
        "vendors/team.html",
        vendor=vendor,
        members=members.members(vendor),
        invitations=members.pending_invitations(vendor),
        can_manage=can_manage_members(current_user, vendor),
        form=form,
        confirm=ConfirmForm(),
    ), status


@bp.post("/espace-fournisseur/<int:vendor_id>/equipe/inviter")
@requires("vendor.manage")
def invite(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    if not can_manage_members(current_user, vendor):
        abort(403)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            members.invite(vendor, current_user, form.email.data)
        except FieldError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Invitation envoyée à %(email)s.", email=form.email.data.strip().lower()), "success")
            return redirect(url_for("vendors.team", vendor_id=vendor.id))
    return _render_team(vendor, form, status=422)


@bp.post("/espace-fournisseur/<int:vendor_id>/equipe/invitations/<int:invitation_id>/annuler")
@requires("vendor.manage")
def cancel_invitation(vendor_id: int, invitation_id: int):
    vendor = _managed_vendor(vendor_id)
    invitation = db.session.get(VendorInvitation, invitation_id)
    if invitation is None or invitation.vendor_id != vendor.id:
        abort(404)
    if not can_manage_members(current_user, vendor):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        members.cancel_invitation(invitation, current_user)
    except WorkflowError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Invitation annulée."), "success")
    return redirect(url_for("vendors.team", vendor_id=vendor.id))


@bp.route("/espace-fournisseur/<int:vendor_id>/equipe/<int:membership_id>/retirer", methods=["GET", "POST"])
@requires("vendor.manage")
def remove_member(vendor_id: int, membership_id: int):
    vendor = _managed_vendor(vendor_id)
    membership = db.session.get(VendorMembership, membership_id)
    if membership is None or membership.vendor_id != vendor.id:
        abort(404)
    if not can_manage_members(current_user, vendor):
        abort(403)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            members.remove_member(membership, current_user)
        except WorkflowError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Membre retiré de l'équipe."), "success")
        return redirect(url_for("vendors.team", vendor_id=vendor.id))
    return confirmation_page(
        _("Retirer un membre"),
        _(
            "Cette personne n'aura plus accès à l'espace de %(vendor)s. Vous pourrez l'inviter à nouveau plus tard.",
            vendor=vendor.name,
        ),
        _("Oui, retirer"),
        url_for("vendors.team", vendor_id=vendor.id),
        heading=_("Retirer %(name)s de l'équipe ?", name=membership.user.name),
    )


@bp.get("/invitation/<token>")
@public
def invitation(token: str):
    invitation = members.invitation_by_token(token)
    problem = members.invitation_problem(invitation)
    return render_template(
        "vendors/invitation.html", invitation=invitation, problem=problem, token=token, form=ConfirmForm()
    ), (404 if invitation is None else 200)


@bp.post("/invitation/<token>/accepter")
@requires("vendor.apply")
def accept_invitation(token: str):
    invitation = members.invitation_by_token(token)
    if invitation is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        membership = members.accept(invitation, current_user)
    except WorkflowError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("vendors.invitation", token=token))
    db.session.commit()
    flash(_("Vous faites maintenant partie de l'équipe de %(vendor)s.", vendor=membership.vendor.name), "success")
    return redirect(url_for("vendors.dashboard"))
