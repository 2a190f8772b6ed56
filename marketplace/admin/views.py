"""Back-office screens: dashboard, users and their roles, buyer organisations,
development mailbox and audit log. Administrators only."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.admin import forms, queries, services
from marketplace.admin import organisations as buyer_orgs
from marketplace.admin.services import AdminError, NotFound
from marketplace.core.clock import today_utc
from marketplace.core.confirm import confirmation_page
from marketplace.core.errors import render_error
from marketplace.core.forms import ConfirmForm, attach_error
from marketplace.core.outbox import LINK_RE
from marketplace.core.pagination import page_arg
from marketplace.core.permissions import requires
from marketplace.extensions import db
from marketplace.vendors.models import MEMBER_ROLE_LABELS, VENDOR_STATUS_LABELS

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.context_processor
def _labels():
    return {
        "vendor_status_labels": VENDOR_STATUS_LABELS,
        "member_role_labels": MEMBER_ROLE_LABELS,
        "outbox_status_labels": forms.OUTBOX_STATUS_LABELS,
        "mandate_status_labels": forms.MANDATE_STATUS_LABELS,
        "show_mailbox": current_app.config.get("SHOW_DEV_MAILBOX", False),
    }


@bp.errorhandler(NotFound)
def _not_found(error: NotFound):
    return render_error(404)


def _attach(form, error: AdminError) -> None:
    """Undo the refused action and show its message next to its field (or above the form)."""
    db.session.rollback()
    attach_error(form, error)


def _refused(error: AdminError, endpoint: str, **values):
    db.session.rollback()
    flash(error.message, "error")
    return redirect(url_for(endpoint, **values))


# --------------------------------------------------------------------------- dashboard


@bp.get("/")
@requires("admin")
def index():
    return render_template("admin/index.html", stats=queries.dashboard())


# --------------------------------------------------------------------------- users


@bp.get("/utilisateurs")
@requires("admin")
def users():
    form = forms.UserFilterForm(request.args)
    form.validate()
    page = services.search_users(form.q.data or "", form.selected_role(), page_arg(request.args))
    return render_template("admin/users.html", form=form, page=page)


@bp.get("/utilisateurs/<int:user_id>")
@requires("admin")
def user(user_id: int):
    overview = services.user_overview(current_user, user_id)
    return render_template("admin/user.html", o=overview, form=ConfirmForm(), today=today_utc())


@bp.post("/utilisateurs/<int:user_id>/administrateur")
@requires("admin")
def grant_admin(user_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        target = services.grant_admin(current_user, user_id)
    except NotFound:
        raise
    except AdminError as error:
        return _refused(error, "admin.user", user_id=user_id)
    db.session.commit()
    flash(_("%(email)s est désormais administrateur.", email=target.email), "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/utilisateurs/<int:user_id>/administrateur/retirer", methods=["GET", "POST"])
@requires("admin")
def revoke_admin(user_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            target = services.revoke_admin(current_user, user_id)
        except NotFound:
            raise
        except AdminError as error:
            return _refused(error, "admin.user", user_id=user_id)
        db.session.commit()
        flash(_("Les droits d'administrateur de %(email)s ont été retirés.", email=target.email), "success")
        return redirect(url_for("admin.user", user_id=user_id))
    target = services.get_user(user_id)
    return confirmation_page(
        _("Retirer les droits d'administrateur"),
        _(
            "%(email)s n'aura plus accès à l'administration de la plateforme. Ses autres rôles sont conservés.",
            email=target.email,
        ),
        _("Retirer les droits"),
        url_for("admin.user", user_id=user_id),
    )


@bp.route("/utilisateurs/<int:user_id>/mandats/nouveau", methods=["GET", "POST"])
@requires("admin")
def add_mandate(user_id: int):
    target = services.get_user(user_id)
    form = forms.MandateForm()
    if request.method == "GET":
        form.starts_on.data = today_utc()
    if form.validate_on_submit():
        try:
            services.add_mandate(
                current_user,
                user_id,
                form.organisation_name.data,
                form.starts_on.data,
                form.ends_on.data,
                form.is_chair.data,
                form.is_vendor_representative.data,
            )
        except NotFound:
            raise
        except AdminError as error:
            _attach(form, error)
        else:
            db.session.commit()
            flash(_("Le mandat de %(email)s est enregistré.", email=target.email), "success")
            return redirect(url_for("admin.user", user_id=user_id))
    return render_template("admin/mandate_form.html", target=target, form=form)


@bp.route("/utilisateurs/<int:user_id>/mandats/<int:mandate_id>/terminer", methods=["GET", "POST"])
@requires("admin")
def end_mandate(user_id: int, mandate_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.end_mandate(current_user, user_id, mandate_id)
        except NotFound:
            raise
        except AdminError as error:
            return _refused(error, "admin.user", user_id=user_id)
        db.session.commit()
        flash(_("Le mandat est terminé."), "success")
        return redirect(url_for("admin.user", user_id=user_id))
    mandate = services.get_mandate(user_id, mandate_id)
    return confirmation_page(
        _("Terminer un mandat"),
        _(
            "Le mandat de %(email)s (%(organisation)s) prendra fin aujourd'hui : "
            "cette personne n'aura plus accès aux dossiers du comité.",
            email=mandate.user.email,
            organisation=mandate.organisation_name,
        ),
        _("Terminer le mandat"),
        url_for("admin.user", user_id=user_id),
    )


@bp.route("/utilisateurs/<int:user_id>/acheteurs/ajouter", methods=["GET", "POST"])
@requires("admin")
def add_buyer_membership(user_id: int):
    target = services.get_user(user_id)
    form = forms.BuyerMembershipForm()
    form.set_choices(services.buyer_organisation_choices())
    if form.validate_on_submit():
        try:
            membership = services.add_buyer_membership(
                current_user, user_id, form.organisation_id.data, form.job_title.data
            )
        except NotFound:
            raise
        except AdminError as error:
            _attach(form, error)
        else:
            db.session.commit()
            flash(
                _("%(email)s est membre de %(org)s.", email=target.email, org=membership.organisation.name),
                "success",
            )
            return redirect(url_for("admin.user", user_id=user_id))
    return render_template("admin/buyer_membership_form.html", target=target, form=form)


def _membership_return(membership_user_id: int, organisation_id: int | None) -> str:
    if request.args.get("depuis") == "organisation" and organisation_id:
        return url_for("admin.organisation", organisation_id=organisation_id)
    return url_for("admin.user", user_id=membership_user_id)


@bp.route("/adhesions-acheteurs/<int:membership_id>/retirer", methods=["GET", "POST"])
@requires("admin")
def remove_buyer_membership(membership_id: int):
    membership = services.get_buyer_membership(membership_id)
    back = _membership_return(membership.user_id, membership.organisation_id)
    email, organisation = membership.user.email, membership.organisation.name
    form = ConfirmForm()
    if form.validate_on_submit():
        services.remove_buyer_membership(current_user, membership_id)
        db.session.commit()
        flash(_("%(email)s n'est plus membre de %(org)s.", email=email, org=organisation), "success")
        return redirect(back)
    return confirmation_page(
        _("Retirer un membre d'une organisation"),
        _(
            "%(email)s ne pourra plus agir au nom de %(org)s (demandes de devis, appels d'offres).",
            email=email,
            org=organisation,
        ),
        _("Retirer de l'organisation"),
        back,
    )


@bp.route("/adhesions-fournisseurs/<int:membership_id>/retirer", methods=["GET", "POST"])
@requires("admin")
def remove_vendor_membership(membership_id: int):
    membership = services.get_vendor_membership(membership_id)
    user_id, email, vendor = membership.user_id, membership.user.email, membership.vendor.name
    back = url_for("admin.user", user_id=user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.remove_vendor_membership(current_user, membership_id)
        db.session.commit()
        flash(_("%(email)s n'est plus membre de %(vendor)s.", email=email, vendor=vendor), "success")
        return redirect(back)
    notice = None
    if services.is_last_vendor_owner(membership):
        notice = _(
            "C'est la seule personne responsable de cette structure : plus personne ne pourra la gérer."
        )
    return confirmation_page(
        _("Retirer un membre d'une structure"),
        _("%(email)s ne pourra plus gérer %(vendor)s.", email=email, vendor=vendor),
        _("Retirer de la structure"),
        back,
        notice=notice,
    )


# --------------------------------------------------------------------------- buyer organisations


@bp.get("/organisations")
@requires("admin")
def organisations():
    form = forms.OrganisationFilterForm(request.args)
    form.validate()
    page = buyer_orgs.list_organisations(form.q.data or "", page_arg(request.args))
    return render_template("admin/organisations.html", form=form, page=page)


def _organisation_data(form: forms.OrganisationForm) -> buyer_orgs.OrganisationData:
    return buyer_orgs.OrganisationData(
        name=form.name.data,
        kind=form.selected_kind(),
        siret=form.siret.data,
        address=form.address.data,
        postal_code=form.postal_code.data,
        commune=form.commune.data,
        payment_term_days=form.payment_term_days.data,
    )


@bp.route("/organisations/nouvelle", methods=["GET", "POST"])
@requires("admin")
def organisation_new():
    form = forms.OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = buyer_orgs.create_organisation(current_user, _organisation_data(form))
        except AdminError as error:
            _attach(form, error)
        else:
            db.session.commit()
            flash(_("L'organisation %(name)s est créée.", name=organisation.name), "success")
            return redirect(url_for("admin.organisation", organisation_id=organisation.id))
    return render_template("admin/organisation_form.html", form=form, organisation=None)


@bp.get("/organisations/<int:organisation_id>")
@requires("admin")
def organisation(organisation_id: int):
    overview = buyer_orgs.organisation_overview(organisation_id)
    return render_template("admin/organisation.html", o=overview, form=forms.AddMemberForm())


@bp.route("/organisations/<int:organisation_id>/modifier", methods=["GET", "POST"])
@requires("admin")
def organisation_edit(organisation_id: int):
    organisation = buyer_orgs.get_organisation(organisation_id)
    form = forms.OrganisationForm(obj=organisation if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = organisation.kind.value
    if form.validate_on_submit():
        try:
            buyer_orgs.update_organisation(current_user, organisation_id, _organisation_data(form))
        except NotFound:
            raise
        except AdminError as error:
            _attach(form, error)
        else:
            db.session.commit()
            flash(_("Les modifications sont enregistrées."), "success")
            return redirect(url_for("admin.organisation", organisation_id=organisation_id))
    return render_template("admin/organisation_form.html", form=form, organisation=organisation)


@bp.post("/organisations/<int:organisation_id>/membres")
@requires("admin")
def organisation_add_member(organisation_id: int):
    form = forms.AddMemberForm()
    if form.validate_on_submit():
        try:
            membership = services.add_member_by_email(
                current_user, organisation_id, form.email.data, form.job_title.data
            )
        except NotFound:
            raise
        except AdminError as error:
            _attach(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "%(email)s est membre de %(org)s.",
                    email=membership.user.email,
                    org=membership.organisation.name,
                ),
                "success",
            )
            return redirect(url_for("admin.organisation", organisation_id=organisation_id))
    overview = buyer_orgs.organisation_overview(organisation_id)
    return render_template("admin/organisation.html", o=overview, form=form)


# --------------------------------------------------------------------------- development mailbox


def _require_mailbox() -> None:
    if not current_app.config.get("SHOW_DEV_MAILBOX"):
        abort(404)


@bp.get("/boite-mail")
@requires("admin")
def mailbox():
    _require_mailbox()
    form = forms.OutboxFilterForm(request.args)
    form.validate()
    page = queries.list_outbox(form.to.data or "", form.selected_status(), page_arg(request.args))
    return render_template("admin/mailbox.html", form=form, page=page)


def _body_segments(body: str) -> list[tuple[str, bool]]:
    """The body cut into (text, is_link) pieces, so that links can be followed."""
    segments: list[tuple[str, bool]] = []
    position = 0
    for match in LINK_RE.finditer(body):
        if match.start() > position:
            segments.append((body[position : match.start()], False))
        segments.append((match.group(0), True))
        position = match.end()
    if position < len(body):
        segments.append((body[position:], False))
    return segments


@bp.get("/boite-mail/<int:message_id>")
@requires("admin")
def mailbox_message(message_id: int):
    _require_mailbox()
    message = queries.get_outbox_message(message_id)
    return render_template(
        "admin/mailbox_message.html", message=message, segments=_body_segments(message.body)
    )


# --------------------------------------------------------------------------- audit log


@bp.get("/journal")
@requires("admin")
def audit():
    form = forms.AuditFilterForm(request.args)
    form.set_subject_types(queries.audit_subject_types())
    form.validate()
    result = queries.list_audit_events(
        form.selected_subject_type(), form.action.data or "", form.actor.data or "", page_arg(request.args)
    )
    return render_template("admin/audit.html", form=form, page=result.page, actor_emails=result.actor_emails)
