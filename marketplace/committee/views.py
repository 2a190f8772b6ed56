"""The ethics committee's pages: queue, dossiers, structures; grid and charter administration."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.committee import permissions as perms
from marketplace.committee import services
from marketplace.committee.forms import (
    CharterForm,
    CriterionForm,
    DecisionForm,
    QuestionForm,
    RecusalForm,
    ReinstateForm,
    SuspendForm,
    review_form,
)
from marketplace.committee.models import Criterion
from marketplace.committee.services import CriterionData, NotAllowed
from marketplace.core.forms import ConfirmForm, attach_error
from marketplace.core.pagination import page_arg
from marketplace.core.permissions import requires
from marketplace.extensions import db
from marketplace.vendors.workflow import WorkflowError

bp = Blueprint("committee", __name__, url_prefix="/comite")


@bp.context_processor
def _helpers():
    def score(value, digits: int = 2) -> str:
        if value is None:
            return "—"
        return format_decimal(float(value), format="0." + "0" * digits)

    return {"format_score": score, "tab_labels": services.QUEUE_TAB_LABELS}


# ---------------------------------------------------------------- queue


@bp.get("/")
@requires("committee.read")
def queue():
    result = services.queue(
        current_user,
        tab=request.args.get("tab", "submitted"),
        sort=request.args.get("sort", "oldest"),
        page=page_arg(request.args),
    )
    return render_template("committee/queue.html", q=result, is_member=perms.is_member(current_user))


# ---------------------------------------------------------------- dossier


def _application_or_404(application_id: int):
    application = services.visible_application(application_id, current_user)
    if application is None:
        abort(404)
    return application


def _render_dossier(application, status: int = 200, **forms):
    view = services.dossier(application, current_user)
    if view.can_review and "review_form" not in forms:
        forms["review_form"] = review_form(view.review_criteria, formdata=None)
    if view.can_recuse and "recusal_form" not in forms:
        forms["recusal_form"] = RecusalForm(formdata=None)
    if view.can_ask and "question_form" not in forms:
        forms["question_form"] = QuestionForm(formdata=None)
    if view.can_decide and "decision_form" not in forms:
        forms["decision_form"] = DecisionForm(formdata=None)
    return render_template("committee/dossier.html", d=view, **forms), status


def _back_to(application, anchor: str | None = None):
    return redirect(url_for("committee.dossier", application_id=application.id, _anchor=anchor))


@bp.get("/dossiers/<int:application_id>")
@requires("committee.read")
def dossier(application_id: int):
    return _render_dossier(_application_or_404(application_id))


def _act_on_dossier(application_id: int, allowed, make_form, form_name: str, act, success: str, anchor: str):
    """One committee action posted from a dossier's page.

    403 unless ``allowed(user, application)``; on a refusal the dossier is shown
    again (400) with the message next to the form named ``form_name``.
    """
    application = _application_or_404(application_id)
    if not allowed(current_user, application):
        abort(403)
    form = make_form()
    if form.validate_on_submit():
        try:
            act(application, form)
        except NotAllowed:
            abort(403)
        except WorkflowError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(success, "success")
            return _back_to(application, anchor)
    return _render_dossier(application, 400, **{form_name: form})


@bp.post("/dossiers/<int:application_id>/avis")
@requires("committee.act")
def review(application_id: int):
    return _act_on_dossier(
        application_id,
        perms.can_review,
        lambda: review_form(services.active_criteria()),
        "review_form",
        lambda application, form: services.submit_review(
            application, current_user, form.scores(), form.opinion.data, form.comment.data
        ),
        _("Votre avis est enregistré. Les avis des autres membres vous sont désormais visibles."),
        "avis",
    )


@bp.post("/dossiers/<int:application_id>/conflit-interets")
@requires("committee.act")
def recuse(application_id: int):
    return _act_on_dossier(
        application_id,
        perms.can_recuse,
        RecusalForm,
        "recusal_form",
        lambda application, form: services.recuse(application, current_user, form.reason.data),
        _("Votre conflit d'intérêts est enregistré : vous n'évaluerez pas ce dossier."),
        "avis",
    )


@bp.post("/dossiers/<int:application_id>/question")
@requires("committee.act")
def ask(application_id: int):
    return _act_on_dossier(
        application_id,
        perms.can_ask_question,
        QuestionForm,
        "question_form",
        lambda application, form: services.ask_question(application, current_user, form.question.data),
        _("La question est envoyée à la structure ; le dossier attend sa réponse."),
        "echanges",
    )


@bp.post("/dossiers/<int:application_id>/decision")
@requires("committee.act")
def decide(application_id: int):
    return _act_on_dossier(
        application_id,
        lambda user, application: perms.is_chair(user),
        DecisionForm,
        "decision_form",
        lambda application, form: services.decide(
            application, current_user, form.outcome.data, form.motivation.data, form.justification.data
        ),
        _("La décision est enregistrée et notifiée à la structure."),
        "decision",
    )


# ---------------------------------------------------------------- structures


@bp.get("/structures")
@requires("committee.read")
def structures():
    result = services.structures(status=request.args.get("statut", "all"), page=page_arg(request.args))
    return render_template(
        "committee/structures.html",
        s=result,
        is_member=perms.is_member(current_user),
        filter_labels=services.STRUCTURE_FILTER_LABELS,
    )


def _vendor_or_404(vendor_id: int):
    vendor = services.vendor_for_committee(vendor_id)
    if vendor is None:
        abort(404)
    return vendor


@bp.route("/structures/<int:vendor_id>/suspendre", methods=["GET", "POST"])
@requires("committee.act")
def suspend(vendor_id: int):
    vendor = _vendor_or_404(vendor_id)
    if not perms.can_suspend(current_user, vendor):
        flash(_("Seule une structure agréée peut être suspendue."), "error")
        return redirect(url_for("committee.structures"))
    form = SuspendForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.suspend_vendor(vendor, current_user, form.reason.data)
        except WorkflowError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("La structure « %(name)s » est suspendue.", name=vendor.name), "success")
            return redirect(url_for("committee.structures", statut="suspended"))
    if request.method == "POST":
        status = 400
    return render_template(
        "committee/suspend.html", vendor=vendor, form=form, latest=services.latest_application_of(vendor)
    ), status


@bp.route("/structures/<int:vendor_id>/retablir", methods=["GET", "POST"])
@requires("committee.act")
def reinstate(vendor_id: int):
    vendor = _vendor_or_404(vendor_id)
    if not perms.can_reinstate(current_user, vendor):
        flash(_("Seule une structure suspendue peut être rétablie."), "error")
        return redirect(url_for("committee.structures"))
    form = ReinstateForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.reinstate_vendor(vendor, current_user, form.note.data)
        except WorkflowError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("La suspension de « %(name)s » est levée.", name=vendor.name), "success")
            return redirect(url_for("committee.structures", statut="approved"))
    if request.method == "POST":
        status = 400
    return render_template(
        "committee/reinstate.html", vendor=vendor, form=form, latest=services.latest_application_of(vendor)
    ), status


# ---------------------------------------------------------------- grid administration


@bp.get("/administration/grille")
@requires("admin")
def criteria():
    return render_template("committee/admin_criteria.html", rows=services.criteria_rows())


def _criterion_data(form: CriterionForm) -> CriterionData:
    return CriterionData(
        label=form.label.data or "",
        description=form.description.data or "",
        weight=form.weight.data,
        position=form.position.data,
        active=bool(form.active.data),
    )


@bp.route("/administration/grille/nouveau", methods=["GET", "POST"])
@requires("admin")
def criterion_new():
    form = CriterionForm()
    if form.validate_on_submit():
        try:
            criterion = services.create_criterion(current_user, _criterion_data(form))
        except WorkflowError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Critère « %(label)s » ajouté à la grille.", label=criterion.label), "success")
            return redirect(url_for("committee.criteria"))
    status = 400 if request.method == "POST" else 200
    return render_template("committee/admin_criterion_form.html", form=form, criterion=None), status


def _criterion_or_404(criterion_id: int) -> Criterion:
    criterion = db.session.get(Criterion, criterion_id)
    if criterion is None:
        abort(404)
    return criterion


@bp.route("/administration/grille/<int:criterion_id>", methods=["GET", "POST"])
@requires("admin")
def criterion_edit(criterion_id: int):
    criterion = _criterion_or_404(criterion_id)
    form = CriterionForm(obj=criterion)
    if form.validate_on_submit():
        try:
            services.update_criterion(current_user, criterion, _criterion_data(form))
        except WorkflowError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Critère « %(label)s » mis à jour.", label=criterion.label), "success")
            return redirect(url_for("committee.criteria"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "committee/admin_criterion_form.html",
        form=form,
        criterion=criterion,
        row=services.criterion_row(criterion),
        history=services.criterion_history(criterion),
    ), status


@bp.route("/administration/grille/<int:criterion_id>/supprimer", methods=["GET", "POST"])
@requires("admin")
def criterion_delete(criterion_id: int):
    criterion = _criterion_or_404(criterion_id)
    row = services.criterion_row(criterion)
    form = ConfirmForm()
    if form.validate_on_submit():
        label = criterion.label
        try:
            services.delete_criterion(current_user, criterion)
        except WorkflowError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("committee.criterion_edit", criterion_id=criterion.id))
        db.session.commit()
        flash(_("Critère « %(label)s » supprimé.", label=label), "success")
        return redirect(url_for("committee.criteria"))
    return render_template("committee/admin_criterion_delete.html", criterion=criterion, row=row, form=form)


# ---------------------------------------------------------------- charter administration


@bp.route("/administration/charte", methods=["GET", "POST"])
@requires("admin")
def charter():
    form = CharterForm()
    if request.method == "GET":
        latest = services.current_charter()
        if latest is not None:
            form.title.data = latest.title
            form.body.data = latest.body
    if form.validate_on_submit():
        try:
            version = services.publish_charter(current_user, form.title.data, form.body.data)
        except WorkflowError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "Version %(version)s de la charte publiée : les structures agréées ont été invitées à la signer.",
                    version=version.version,
                ),
                "success",
            )
            return redirect(url_for("committee.charter"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "committee/admin_charter.html",
        form=form,
        versions=services.charter_versions(),
        overdue=services.charter_overdue_vendors(),
    ), status
