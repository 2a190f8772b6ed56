"""The buyer's pages: the organisation's tenders, the draft and its lots, criteria
and documents, publication, amendments, cancellation, questions and answers,
and the start of the evaluation."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.catalogue import services as catalogue_services
from marketplace.core.actions import perform
from marketplace.core.clock import now_utc
from marketplace.core.confirm import confirmation_page
from marketplace.core.forms import ConfirmForm
from marketplace.core.pagination import page_arg
from marketplace.core.permissions import requires
from marketplace.procurement.tenders import questions, services
from marketplace.procurement.tenders.forms import (
    AmendmentForm,
    AnswerForm,
    CancelForm,
    CriteriaForm,
    DocumentForm,
    LotsForm,
    TenderForm,
)
from marketplace.procurement.tenders.models import TenderStatus
from marketplace.procurement.tenders.services import TenderNotFound
from marketplace.procurement.tenders.views import (
    REFUSED,
    bp,
    departement_choices,
    evaluation_url,
    form_action,
)
from marketplace.procurement.tenders.workflow import TenderError

BASE = "/compte/professionnels/appels-d-offres"


def _tender(tender_id: int):
    """A tender the current user manages (404 otherwise: others' drafts stay unknown)."""
    try:
        return services.managed_tender(current_user, tender_id)
    except TenderNotFound:
        abort(404)


def _status(method_ok: bool) -> int:
    return 200 if method_ok else 422


def _not_a_draft(tender):
    """A redirect to the tender's page when it is no longer a draft (its content is frozen), else None."""
    if tender.status is TenderStatus.DRAFT:
        return None
    flash(_("Un appel d'offres publié ne se modifie plus : seuls ses délais peuvent être reportés "
            "et des documents ajoutés, par un avis rectificatif."), "warning")
    return redirect(url_for("tenders.manage", tender_id=tender.id))


@bp.get(BASE)
@requires("buyer.space")
def buyer_list():
    status = next((s for s in TenderStatus if s.value == request.args.get("statut")), None)
    return render_template(
        "procurement/tenders/buyer_list.html",
        page=services.tenders_of(current_user, status, page=page_arg(request.args)),
        status=status,
        counts=services.status_counts(current_user),
        statuses=list(TenderStatus),
        organisations=services.organisations_for(current_user),
        now=now_utc(),
    )


def _tender_form(organisations=None, **kwargs) -> TenderForm:
    return TenderForm(
        organisations=organisations,
        categories=catalogue_services.category_choices(),
        departements=departement_choices(),
        **kwargs,
    )


@bp.route(f"{BASE}/nouveau", methods=["GET", "POST"])
@requires("buyer.space")
def new():
    organisations = services.organisations_for(current_user)
    if not organisations:
        flash(_("Vous devez être rattaché à une organisation acheteuse pour publier un appel d'offres."), "error")
        return redirect(url_for("tenders.buyer_list"))
    form = _tender_form(organisations if len(organisations) > 1 else None)
    if request.method == "GET":
        first = organisations[0]
        form.reference.data = services.suggested_reference(first)
        form.departement.data = first.departement_code or ""
    elif form.validate_on_submit():
        organisation = organisations[0]
        if "organisation_id" in form:
            organisation = next((o for o in organisations if o.id == form.organisation_id.data), None)
        tender = form_action(form, lambda: services.create_tender(organisation, current_user, form.to_data()),
                             _("Brouillon enregistré. Ajoutez maintenant les lots et les critères d'attribution."))
        if tender is not REFUSED:
            return redirect(url_for("tenders.lots", tender_id=tender.id))
    return (
        render_template("procurement/tenders/edit.html", form=form, tender=None),
        _status(request.method == "GET"),
    )


@bp.get(f"{BASE}/<int:tender_id>")
@requires("buyer.space")
def manage(tender_id: int):
    tender = _tender(tender_id)
    now = now_utc()
    return render_template(
        "procurement/tenders/manage.html",
        tender=tender,
        now=now,
        display_status=tender.display_status(now),
        problems=services.publication_problems(tender, now) if tender.status is TenderStatus.DRAFT else [],
        unanswered=sum(1 for q in tender.questions if not q.is_answered),
        evaluation_url=evaluation_url(tender),
        form=ConfirmForm(),
    )


def _draft_page(tender_id: int, form, load, save, template: str, success: str, then="tenders.manage"):
    """A page editing one part of a draft: ``load(form, tender)`` on GET, ``save(tender, actor, data)`` on POST,
    then a redirect to ``then`` (an endpoint, or a function of the tender giving one)."""
    tender = _tender(tender_id)
    if (moved := _not_a_draft(tender)) is not None:
        return moved
    if request.method == "GET":
        load(form, tender)
    elif form.validate_on_submit():
        if form_action(form, lambda: save(tender, current_user, form.to_data()), success) is not REFUSED:
            return redirect(url_for(then(tender) if callable(then) else then, tender_id=tender.id))
    return render_template(template, form=form, tender=tender), _status(request.method == "GET")


def _load_rows(rows):
    def load(form, tender):
        form.load(rows(tender))
        form.pad()

    return load


@bp.route(f"{BASE}/<int:tender_id>/modifier", methods=["GET", "POST"])
@requires("buyer.space")
def edit(tender_id: int):
    return _draft_page(tender_id, _tender_form(), lambda form, tender: form.load(tender), services.update_tender,
                       "procurement/tenders/edit.html", _("Les modifications sont enregistrées."))


@bp.route(f"{BASE}/<int:tender_id>/lots", methods=["GET", "POST"])
@requires("buyer.space")
def lots(tender_id: int):
    return _draft_page(
        tender_id, LotsForm(), _load_rows(lambda tender: tender.lots), services.save_lots,
        "procurement/tenders/lots.html", _("Les lots sont enregistrés."),
        then=lambda tender: "tenders.manage" if tender.criteria else "tenders.criteria",
    )


@bp.route(f"{BASE}/<int:tender_id>/criteres", methods=["GET", "POST"])
@requires("buyer.space")
def criteria(tender_id: int):
    return _draft_page(tender_id, CriteriaForm(), _load_rows(lambda tender: tender.criteria), services.save_criteria,
                       "procurement/tenders/criteria.html", _("Les critères d'attribution sont enregistrés."))


@bp.route(f"{BASE}/<int:tender_id>/documents", methods=["GET", "POST"])
@requires("buyer.space")
def documents(tender_id: int):
    tender = _tender(tender_id)
    form = DocumentForm()
    if form.validate_on_submit():
        if form_action(form, lambda: services.add_document(tender, current_user, form.title.data, form.file.data),
                       _("Le document est ajouté au dossier de consultation.")) is not REFUSED:
            return redirect(url_for("tenders.documents", tender_id=tender.id))
    return (
        render_template("procurement/tenders/documents.html", form=form, tender=tender),
        _status(request.method == "GET"),
    )


@bp.route(f"{BASE}/<int:tender_id>/documents/<int:document_id>/supprimer", methods=["GET", "POST"])
@requires("buyer.space")
def delete_document(tender_id: int, document_id: int):
    tender = _tender(tender_id)
    document = next((d for d in tender.documents if d.id == document_id), None)
    if document is None:
        abort(404)
    back = url_for("tenders.documents", tender_id=tender.id)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        perform(lambda: services.remove_document(tender, current_user, document_id), TenderError,
                _("Le document est supprimé."))
        return redirect(back)
    return confirmation_page(
        _("Supprimer le document"),
        _("Le document « %(title)s » sera retiré du dossier de consultation.", title=document.title),
        _("Supprimer le document"),
        back,
    )


@bp.route(f"{BASE}/<int:tender_id>/publier", methods=["GET", "POST"])
@requires("buyer.space")
def publish(tender_id: int):
    tender = _tender(tender_id)
    back = url_for("tenders.manage", tender_id=tender.id)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        if perform(lambda: services.publish(tender, current_user), TenderError,
                   _("L'appel d'offres « %(title)s » est publié.", title=tender.title)):
            return redirect(url_for("tenders.detail", tender_id=tender.id))
        return redirect(back)
    if tender.status is not TenderStatus.DRAFT:
        return redirect(back)
    return render_template(
        "procurement/tenders/publish.html",
        tender=tender,
        problems=services.publication_problems(tender),
        form=ConfirmForm(),
    )


@bp.route(f"{BASE}/<int:tender_id>/avis-rectificatif", methods=["GET", "POST"])
@requires("buyer.space")
def amend(tender_id: int):
    tender = _tender(tender_id)
    form = AmendmentForm()
    if request.method == "GET":
        form.load(tender)
    elif form.validate_on_submit():
        done = form_action(
            form, lambda: services.amend(tender, current_user, form.to_data()),
            lambda amendment: _("L'avis rectificatif n°%(n)s est publié ; les structures ayant commencé une offre "
                                "sont prévenues.", n=amendment.number),
        )
        if done is not REFUSED:
            return redirect(url_for("tenders.manage", tender_id=tender.id))
    return (
        render_template("procurement/tenders/amend.html", form=form, tender=tender, now=now_utc()),
        _status(request.method == "GET"),
    )


@bp.route(f"{BASE}/<int:tender_id>/annuler", methods=["GET", "POST"])
@requires("buyer.space")
def cancel(tender_id: int):
    tender = _tender(tender_id)
    form = CancelForm()
    if form.validate_on_submit():
        if form_action(form, lambda: services.cancel(tender, current_user, form.reason.data),
                       _("L'appel d'offres est annulé.")) is not REFUSED:
            return redirect(url_for("tenders.manage", tender_id=tender.id))
    return (
        render_template("procurement/tenders/cancel.html", form=form, tender=tender),
        _status(request.method == "GET"),
    )


@bp.route(f"{BASE}/<int:tender_id>/supprimer", methods=["GET", "POST"])
@requires("buyer.space")
def delete(tender_id: int):
    tender = _tender(tender_id)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        if perform(lambda: services.delete_draft(tender, current_user), TenderError, _("Le brouillon est supprimé.")):
            return redirect(url_for("tenders.buyer_list"))
        return redirect(url_for("tenders.manage", tender_id=tender_id))
    return confirmation_page(
        _("Supprimer le brouillon"),
        _("Le brouillon « %(title)s », ses lots, ses critères et ses documents seront supprimés. "
          "Cette action est définitive.", title=tender.title),
        _("Supprimer le brouillon"),
        url_for("tenders.manage", tender_id=tender.id),
    )


@bp.get(f"{BASE}/<int:tender_id>/questions")
@requires("buyer.space")
def questions_page(tender_id: int):
    tender = _tender(tender_id)
    return render_template("procurement/tenders/questions.html", tender=tender, forms=_answer_forms(tender))


def _answer_forms(tender) -> dict:
    """One answer form per question, filled with the published answer (to correct it)."""
    return {
        q.id: AnswerForm(prefix=f"q{q.id}", formdata=None, data={"answer": q.answer or ""})
        for q in tender.questions
    }


@bp.post(f"{BASE}/<int:tender_id>/questions/<int:question_id>/repondre")
@requires("buyer.space")
def answer(tender_id: int, question_id: int):
    tender = _tender(tender_id)
    try:
        question = questions.question_for(current_user, tender, question_id)
    except TenderNotFound:
        abort(404)
    form = AnswerForm(prefix=f"q{question.id}")
    if form.validate_on_submit():
        if form_action(form, lambda: questions.answer(question, current_user, form.answer.data),
                       _("La réponse est publiée sur la page de l'appel d'offres.")) is not REFUSED:
            return redirect(url_for("tenders.questions_page", tender_id=tender.id))
    forms = _answer_forms(tender)
    forms[question.id] = form
    return render_template("procurement/tenders/questions.html", tender=tender, forms=forms), 422


@bp.post(f"{BASE}/<int:tender_id>/analyse")
@requires("buyer.space")
def start_evaluation(tender_id: int):
    tender = _tender(tender_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = url_for("tenders.manage", tender_id=tender.id)
    if perform(lambda: services.start_evaluation(tender, current_user), TenderError,
               _("L'analyse des offres est ouverte.")):
        return redirect(evaluation_url(tender) or back)
    return redirect(back)
