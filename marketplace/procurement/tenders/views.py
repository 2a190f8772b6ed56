"""The tenders blueprint: the public list and pages of calls for tenders, the
documents, vendors' questions and alerts. The buyer's pages are in buyer_views,
on the same blueprint."""
from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_date, format_decimal, format_time, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.routing import BuildError

from marketplace.catalogue import markup
from marketplace.catalogue import services as catalogue_services
from marketplace.core import territories
from marketplace.core.clock import now_utc
from marketplace.core.confirm import confirmation_page
from marketplace.core.forms import ConfirmForm, attach_error
from marketplace.core.page_cache import cached_page
from marketplace.core.pagination import page_arg
from marketplace.core.permissions import public, requires
from marketplace.extensions import db
from marketplace.procurement.tenders import alerts, browse, questions, services
from marketplace.procurement.tenders.forms import AlertForm, QuestionForm
from marketplace.procurement.tenders.models import Tender, TenderStatus
from marketplace.procurement.tenders.permissions import can_manage_tender
from marketplace.procurement.tenders.rules import vendor_is_eligible_for_lot
from marketplace.procurement.tenders.services import TenderNotFound
from marketplace.procurement.tenders.workflow import TenderError
from marketplace.vendors import services as vendor_services
from marketplace.vendors.permissions import can_manage_vendor

bp = Blueprint("tenders", __name__)

SOON = dt.timedelta(days=3)


# ---------------------------------------------------------------- template helpers


@bp.app_template_filter("tender_text")
def tender_text(text: str | None) -> Markup:
    """A buyer's text (object, lot, clause, answer): paragraphs and a small Markdown subset, sanitised."""
    return Markup(markup.render(text))  # noqa: S704 - markup.render sanitises with nh3  # nosec B704


@bp.app_template_filter("deadline")
def deadline(value: dt.datetime | None) -> str:
    """« lundi 16 mars 2026 à 12:00 », in Paris time."""
    if value is None:
        return ""
    return _("%(date)s à %(time)s", date=format_date(value, "full"), time=format_time(value, "short"))


@bp.app_template_filter("file_size")
def file_size(size: int) -> str:
    """« 12 Ko », « 1,4 Mo »."""
    if size < 1024 * 1024:
        return _("%(n)s Ko", n=max(1, round(size / 1024)))
    return _("%(n)s Mo", n=format_decimal(round(size / (1024 * 1024), 1)))


@bp.app_template_filter("closing_in")
def closing_in(tender: Tender) -> str:
    """« Clôture dans 5 jours », « Clôture dans 3 heures », or the reason it is closed."""
    now = now_utc()
    if tender.status is not TenderStatus.PUBLISHED:
        return tender.status.label
    left = tender.submission_deadline - now
    if left.total_seconds() <= 0:
        return _("Remise des offres close")
    if left >= dt.timedelta(days=2):
        return ngettext("Clôture dans %(num)d jour", "Clôture dans %(num)d jours", left.days)
    hours = max(1, int(left.total_seconds() // 3600))
    return ngettext("Clôture dans %(num)d heure", "Clôture dans %(num)d heures", hours)


@bp.app_template_filter("closing_soon")
def closing_soon(tender: Tender) -> bool:
    return tender.accepts_bids(now_utc()) and tender.submission_deadline - now_utc() <= SOON


def departement_choices() -> list[tuple[str, str]]:
    return territories.choices(current_app.config["ELIGIBLE_DEPARTEMENTS"])


def evaluation_url(tender: Tender) -> str | None:
    """The bids' evaluation screen of the tender, once that screen exists."""
    try:
        return url_for("bids.evaluation", tender_id=tender.id)
    except BuildError:
        return None


REFUSED = object()


def form_action(form, action, success):
    """One service call for a validated form, as the request's unit of work.

    Gone through: commit, flash ``success`` (a string, or a function of the
    result) and return the result. Refused: roll back, show the refusal next to
    its field and return REFUSED.
    """
    try:
        result = action()
    except TenderError as error:
        db.session.rollback()
        attach_error(form, error)
        return REFUSED
    db.session.commit()
    flash(success(result) if callable(success) else success, "success")
    return result


def _my_vendors() -> list:
    if not current_user.is_authenticated:
        return []
    return sorted((m.vendor for m in current_user.vendor_memberships), key=lambda v: v.name.lower())


# ---------------------------------------------------------------- public pages


@bp.get("/appels-d-offres")
@public
@cached_page
def index():
    filters = browse.TenderFilters.parse(request.args)
    page = browse.public_tenders(filters, page=page_arg(request.args))
    return render_template(
        "procurement/tenders/index.html",
        page=page,
        filters=filters,
        categories=catalogue_services.category_choices(),
        departements=departement_choices(),
        windows=browse.DEADLINE_WINDOWS,
        now=now_utc(),
    )


def _detail(tender: Tender, question_form: QuestionForm | None = None, status: int = 200):
    now = now_utc()
    vendors = [v for v in _my_vendors() if v.is_public]
    eligibility = {
        vendor.id: [lot.number for lot in tender.lots if vendor_is_eligible_for_lot(vendor, lot)]
        for vendor in vendors
    }
    if question_form is None and vendors and tender.accepts_questions(now):
        question_form = QuestionForm(vendors=vendors)
    return (
        render_template(
            "procurement/tenders/detail.html",
            tender=tender,
            now=now,
            display_status=tender.display_status(now),
            answered=questions.public_questions(tender),
            manageable=can_manage_tender(current_user, tender),
            vendors=vendors,
            eligibility=eligibility,
            question_form=question_form if tender.accepts_questions(now) else None,
        ),
        status,
    )


@bp.get("/appels-d-offres/<int:tender_id>")
@public
def detail(tender_id: int):
    try:
        tender = services.visible_tender(current_user, tender_id)
    except TenderNotFound:
        abort(404)
    return _detail(tender)


@bp.get("/appels-d-offres/<int:tender_id>/documents/<int:document_id>")
@public
def document(tender_id: int, document_id: int):
    try:
        doc, path = services.document_for(current_user, tender_id, document_id)
    except TenderNotFound:
        abort(404)
    response = send_file(
        path, mimetype=doc.content_type, as_attachment=True, download_name=doc.original_name, conditional=True
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/appels-d-offres/<int:tender_id>/questions")
@requires("vendor.manage")
def ask(tender_id: int):
    try:
        tender = services.visible_tender(current_user, tender_id)
    except TenderNotFound:
        abort(404)
    vendors = [v for v in _my_vendors() if v.is_public]
    form = QuestionForm(vendors=vendors)
    if form.validate_on_submit():
        vendor = next((v for v in vendors if v.id == form.vendor_id.data), None)

        def _ask():
            if vendor is None:
                raise TenderError(_("Choisissez une structure agréée dont vous êtes membre."), field="vendor_id")
            return questions.ask(tender, current_user, vendor, form.body.data)

        done = form_action(form, _ask, _("Votre question est transmise à l'acheteur. Sa réponse sera publiée "
                                         "sur cette page, sans mentionner votre structure."))
        if done is not REFUSED:
            return redirect(url_for("tenders.detail", tender_id=tender.id, _anchor="questions"))
    if not tender.accepts_questions(now_utc()):
        flash(_("La date limite des questions est passée : plus aucune question n'est acceptée."), "error")
        return redirect(url_for("tenders.detail", tender_id=tender.id))
    return _detail(tender, form, status=422)


# ---------------------------------------------------------------- vendor space: alerts and questions


def _managed_vendor(vendor_id: int):
    vendor = vendor_services.vendor_by_id(vendor_id)
    if vendor is None or not can_manage_vendor(current_user, vendor):
        abort(404)
    return vendor


def _alert_form() -> AlertForm:
    return AlertForm(categories=catalogue_services.category_choices(), departements=departement_choices())


@bp.route("/espace-fournisseur/<int:vendor_id>/appels-d-offres", methods=["GET", "POST"])
@requires("vendor.manage")
def vendor_space(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    form = _alert_form()
    status = 200
    if form.validate_on_submit():
        data = alerts.AlertData(
            category_id=form.category_id.data or None,
            departement=form.departement.data or None,
            reserved_only=form.reserved_only.data,
            keywords=form.keywords.data,
        )
        done = form_action(form, lambda: alerts.create_alert(current_user, vendor, data),
                           _("Alerte enregistrée : vous recevrez un e-mail à chaque nouvel appel d'offres "
                             "correspondant."))
        if done is not REFUSED:
            return redirect(url_for("tenders.vendor_space", vendor_id=vendor.id))
        status = 422
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "procurement/tenders/vendor_space.html",
            vendor=vendor,
            form=form,
            alerts=alerts.alerts_of(current_user, vendor),
            asked=questions.questions_of_vendor(vendor),
            open_count=browse.open_count(),
            category_names=dict(catalogue_services.category_choices()),
            departement_names=dict(departement_choices()),
        ),
        status,
    )


@bp.route("/espace-fournisseur/<int:vendor_id>/appels-d-offres/alertes/<int:alert_id>/supprimer",
          methods=["GET", "POST"])
@requires("vendor.manage")
def delete_alert(vendor_id: int, alert_id: int):
    vendor = _managed_vendor(vendor_id)
    back = url_for("tenders.vendor_space", vendor_id=vendor.id)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        try:
            alerts.delete_alert(current_user, vendor, alert_id)
        except TenderNotFound:
            db.session.rollback()
            abort(404)
        db.session.commit()
        flash(_("L'alerte est supprimée."), "success")
        return redirect(back)
    if not any(a.id == alert_id for a in alerts.alerts_of(current_user, vendor)):
        abort(404)
    return confirmation_page(
        _("Supprimer l'alerte"),
        _("Vous ne recevrez plus d'e-mail pour les appels d'offres correspondant à cette alerte."),
        _("Supprimer l'alerte"),
        back,
    )


from marketplace.procurement.tenders import buyer_views  # noqa: E402, F401
