"""The quotes blueprint, buyer side: requests, their comparison and the decision, the
threads with each structure, and the download of attachments. The structure's side
lives in ``vendor_views``, registered on the same blueprint."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from marketplace.accounts.services import buyer_organisations_of
from marketplace.catalogue.services import category_choices
from marketplace.core.clock import now_utc
from marketplace.core.confirm import confirmation_page
from marketplace.core.forms import ConfirmForm, attach_error, choices
from marketplace.core.money import format_money
from marketplace.core.pagination import page_arg
from marketplace.core.permissions import requires
from marketplace.core.territories import choices as departement_choices
from marketplace.extensions import db
from marketplace.procurement.quotes import attachments, messages, quoting, services
from marketplace.procurement.quotes.errors import QuoteError
from marketplace.procurement.quotes.forms import MessageForm, ReasonForm, RequestForm, parse_euros
from marketplace.procurement.quotes.models import (
    Quote,
    QuoteAttachment,
    QuoteRequest,
    RecipientMode,
    RequestStatus,
)
from marketplace.procurement.quotes.permissions import (
    can_download,
    can_view_request_as_buyer,
    is_request_buyer,
    vendor_sees_request,
)
from marketplace.vendors.models import Vendor

bp = Blueprint("quotes", __name__)
PARIS = ZoneInfo("Europe/Paris")


# ---------------------------------------------------------------- helpers


def _buyer_request(request_id: int) -> QuoteRequest:
    quote_request = db.session.get(QuoteRequest, request_id)
    if quote_request is None or not can_view_request_as_buyer(current_user, quote_request):
        abort(404)
    return quote_request


def _acting_request(request_id: int) -> QuoteRequest:
    """A request the current user may act on (administrators only read)."""
    quote_request = _buyer_request(request_id)
    if not is_request_buyer(current_user, quote_request):
        abort(403)
    return quote_request


def _request_quote(quote_request: QuoteRequest, quote_id: int) -> Quote:
    quote = next((q for q in quote_request.quotes if q.id == quote_id), None)
    if quote is None:
        abort(404)
    return quote


def _paris_naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(PARIS).replace(tzinfo=None)


def _utc(naive_paris: dt.datetime | None) -> dt.datetime | None:
    if naive_paris is None:
        return None
    return naive_paris.replace(tzinfo=PARIS).astimezone(dt.UTC)


def _posted_vendor_ids() -> list[int]:
    ids = []
    for value in request.form.getlist("vendor_ids"):
        if value.isdigit():
            ids.append(int(value))
    return list(dict.fromkeys(ids))


def _prepare_form(form: RequestForm, organisations, selected_ids: list[int]):
    """Choices of the request form, and the structures offered in the picker."""
    form.organisation_id.choices = choices([(o.id, o.name) for o in organisations])
    form.category_id.choices = choices([(0, _("— Choisir —"))] + category_choices())
    form.delivery_departement_code.choices = choices([("", _("— Choisir —"))] + departement_choices())
    form.vendor_departement.choices = choices([("", _("Tous"))] + departement_choices())
    selected = services.selected_vendors(selected_ids)
    found = []
    if request.method == "POST" and form.search_vendors.data:
        found = services.vendor_choices(
            form.vendor_query.data, form.vendor_departement.data or None, form.category_id.data or None
        )
    elif request.method == "GET" or not selected:
        found = services.vendor_choices(None, form.delivery_departement_code.data or None,
                                        form.category_id.data or None, limit=12)
    chosen_ids = {v.id for v in selected}
    offered = selected + [v for v in found if v.id not in chosen_ids]
    form.vendor_ids.choices = choices([(v.id, v.name) for v in offered])
    return offered


def _data(form: RequestForm) -> services.RequestData:
    return services.RequestData(
        title=form.title.data or "",
        need=form.need.data or "",
        category_id=form.category_id.data or None,
        quantity=form.quantity.data,
        unit=form.unit.data,
        delivery_commune=form.delivery_commune.data or "",
        delivery_departement_code=form.delivery_departement_code.data or "",
        accept_national=bool(form.accept_national.data),
        wished_date=form.wished_date.data,
        budget_cents=parse_euros(form.budget.data),
        response_deadline=_utc(form.response_deadline.data),
        recipient_mode=RecipientMode(form.recipient_mode.data or RecipientMode.MATCHING.value),
        vendor_ids=list(form.vendor_ids.data or []),
    )


def _fill(form: RequestForm, quote_request: QuoteRequest) -> None:
    form.organisation_id.data = quote_request.organisation_id
    form.title.data = quote_request.title
    form.need.data = quote_request.need
    form.category_id.data = quote_request.category_id
    form.quantity.data = quote_request.quantity
    form.unit.data = quote_request.unit
    form.delivery_commune.data = quote_request.delivery_commune
    form.delivery_departement_code.data = quote_request.delivery_departement_code
    form.accept_national.data = quote_request.accept_national
    form.wished_date.data = quote_request.wished_date
    form.budget.data = (format_money(quote_request.budget_cents).replace("\xa0€", "").replace(" €", "")
                        if quote_request.budget_cents is not None else "")
    form.response_deadline.data = _paris_naive(quote_request.response_deadline)
    form.recipient_mode.data = quote_request.recipient_mode.value
    form.vendor_ids.data = [r.vendor_id for r in quote_request.recipients if r.chosen]


def _flash_published(quote_request: QuoteRequest) -> None:
    count = quote_request.notified_count
    if quote_request.recipient_mode is RecipientMode.MATCHING:
        flash(ngettext(
            "Demande envoyée : %(num)s structure correspondante a été prévenue par e-mail (les mieux placées "
            "d'abord) ; les autres structures correspondantes la verront dans leur espace.",
            "Demande envoyée : %(num)s structures correspondantes ont été prévenues par e-mail (les mieux placées "
            "d'abord) ; les autres structures correspondantes la verront dans leur espace.",
            count,
        ), "success")
    else:
        flash(ngettext("Demande envoyée à %(num)s structure, prévenue par e-mail.",
                       "Demande envoyée aux %(num)s structures choisies, prévenues par e-mail.", count), "success")


def _request_form_page(form, organisations, offered, quote_request=None, status=200):
    return render_template(
        "procurement/quotes/request_form.html", form=form, organisations=organisations, offered=offered,
        quote_request=quote_request,
    ), status


def _save_request(form, organisations, quote_request=None):
    """Validate and save the posted form (create or update a draft); None if refused."""
    publish_now = bool(form.publish.data)
    files = request.files.getlist(form.attachments.name)
    try:
        data = _data(form)
        if quote_request is None:
            organisation = next(o for o in organisations if o.id == form.organisation_id.data)
            quote_request = services.create_request(organisation, current_user, data, files, publish_now=publish_now)
        else:
            services.update_draft(quote_request, current_user, data, files, publish_now=publish_now)
    except QuoteError as error:
        db.session.rollback()
        attach_error(form, error)
        return None
    db.session.commit()
    if publish_now:
        _flash_published(quote_request)
    else:
        flash(_("Brouillon enregistré : il n'est visible que par votre organisation."), "success")
    return quote_request


# ---------------------------------------------------------------- requests


@bp.get("/compte/professionnels/devis")
@requires("buyer.space")
def requests():
    try:
        status = RequestStatus(request.args.get("statut", ""))
    except ValueError:
        status = None
    page = services.requests_for_buyer(current_user, status=status, page=page_arg(request.args))
    return render_template(
        "procurement/quotes/requests.html", page=page, status=status, statuses=list(RequestStatus),
        counts=services.buyer_status_counts(current_user),
        has_organisation=bool(buyer_organisations_of(current_user)),
    )


@bp.route("/compte/professionnels/devis/nouvelle", methods=["GET", "POST"])
@requires("buyer.space")
def new_request():
    organisations = buyer_organisations_of(current_user)
    if not organisations:
        flash(_("Vous devez être rattaché à une organisation acheteuse pour demander des devis."), "error")
        return redirect(url_for("accounts.buyer_space"))
    form = RequestForm()
    if request.method == "GET":
        first = organisations[0]
        form.delivery_commune.data = first.commune
        form.delivery_departement_code.data = first.departement_code or ""
        deadline = (now_utc() + dt.timedelta(days=14)).astimezone(PARIS).replace(hour=12, minute=0, second=0,
                                                                                microsecond=0)
        form.response_deadline.data = deadline.replace(tzinfo=None)
    offered = _prepare_form(form, organisations, _posted_vendor_ids())
    if request.method == "POST" and not form.search_vendors.data and form.validate():
        saved = _save_request(form, organisations)
        if saved is not None:
            return redirect(url_for("quotes.request_detail", request_id=saved.id))
    status = 422 if request.method == "POST" and not form.search_vendors.data else 200
    return _request_form_page(form, organisations, offered, status=status)


@bp.route("/compte/professionnels/devis/<int:request_id>/modifier", methods=["GET", "POST"])
@requires("buyer.space")
def edit_request(request_id: int):
    quote_request = _acting_request(request_id)
    if quote_request.status is not RequestStatus.DRAFT:
        flash(_("Une demande envoyée ne se modifie plus : écrivez aux structures ou annulez-la."), "error")
        return redirect(url_for("quotes.request_detail", request_id=quote_request.id))
    organisations = [quote_request.organisation]
    form = RequestForm()
    if request.method == "GET":
        _fill(form, quote_request)
        selected = list(form.vendor_ids.data)
    else:
        form.organisation_id.data = quote_request.organisation_id
        selected = _posted_vendor_ids()
    offered = _prepare_form(form, organisations, selected)
    if request.method == "POST" and not form.search_vendors.data and form.validate():
        if _save_request(form, organisations, quote_request) is not None:
            return redirect(url_for("quotes.request_detail", request_id=quote_request.id))
    status = 422 if request.method == "POST" and not form.search_vendors.data else 200
    return _request_form_page(form, organisations, offered, quote_request, status=status)


@bp.get("/compte/professionnels/devis/<int:request_id>")
@requires("buyer.space")
def request_detail(request_id: int):
    quote_request = _buyer_request(request_id)
    rows = quoting.comparison(quote_request)
    declined = [q for q in quote_request.quotes if q.status.value in ("declined", "withdrawn")]
    counts = messages.thread_counts(quote_request)
    thread_vendors = _thread_vendors(quote_request)
    accepted = next((q for q in quote_request.quotes if q.status.value == "accepted"), None)
    return render_template(
        "procurement/quotes/request_detail.html", quote_request=quote_request, rows=rows, declined=declined,
        thread_vendors=thread_vendors, thread_counts=counts, accepted=accepted,
        can_act=is_request_buyer(current_user, quote_request),
        decide_before=services.decision_deadline(quote_request),
    )


def _thread_vendors(quote_request: QuoteRequest) -> list[Vendor]:
    """The structures the buyer may write to: addressed, or that answered."""
    vendors = {r.vendor_id: r.vendor for r in quote_request.recipients}
    for quote in quote_request.quotes:
        vendors.setdefault(quote.vendor_id, quote.vendor)
    return sorted(vendors.values(), key=lambda v: v.name.casefold())


@bp.post("/compte/professionnels/devis/<int:request_id>/envoyer")
@requires("buyer.space")
def publish_request(request_id: int):
    quote_request = _acting_request(request_id)
    if not ConfirmForm().validate():
        abort(400)
    try:
        services.publish(quote_request, current_user)
    except QuoteError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("quotes.edit_request", request_id=quote_request.id))
    db.session.commit()
    _flash_published(quote_request)
    return redirect(url_for("quotes.request_detail", request_id=quote_request.id))


@bp.route("/compte/professionnels/devis/<int:request_id>/annuler", methods=["GET", "POST"])
@requires("buyer.space")
def cancel_request(request_id: int):
    quote_request = _acting_request(request_id)
    form = ReasonForm()
    if request.method == "POST":
        try:
            services.cancel(quote_request, current_user, form.reason.data if form.validate() else None)
        except QuoteError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Demande annulée : les structures concernées sont prévenues."), "success")
            return redirect(url_for("quotes.request_detail", request_id=quote_request.id))
    elif quote_request.status not in services.CANCELLABLE:
        flash(_("Cette demande ne peut plus être annulée."), "error")
        return redirect(url_for("quotes.request_detail", request_id=quote_request.id))
    status = 422 if request.method == "POST" else 200
    return render_template("procurement/quotes/cancel.html", quote_request=quote_request, form=form), status


# ---------------------------------------------------------------- quotes and the decision


@bp.get("/compte/professionnels/devis/<int:request_id>/devis/<int:quote_id>")
@requires("buyer.space")
def quote_detail(request_id: int, quote_id: int):
    quote_request = _buyer_request(request_id)
    quote = _request_quote(quote_request, quote_id)
    if quote.current is None:
        abort(404)
    row = next((r for r in quoting.comparison(quote_request) if r.quote.id == quote.id), None)
    return render_template(
        "procurement/quotes/quote_detail.html", quote_request=quote_request, quote=quote, row=row,
        can_act=is_request_buyer(current_user, quote_request), today=quoting.paris_today(),
    )


@bp.route("/compte/professionnels/devis/<int:request_id>/devis/<int:quote_id>/accepter", methods=["GET", "POST"])
@requires("buyer.space")
def accept_quote(request_id: int, quote_id: int):
    quote_request = _acting_request(request_id)
    quote = _request_quote(quote_request, quote_id)
    back = url_for("quotes.quote_detail", request_id=quote_request.id, quote_id=quote.id)
    if request.method == "POST":
        if not ConfirmForm().validate():
            abort(400)
        others = [q for q in quote_request.quotes if q.id != quote.id and q.status.value in ("submitted", "expired")]
        try:
            order = quoting.accept(quote, current_user)
        except QuoteError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(back)
        db.session.commit()
        flash(
            ngettext(
                "Devis accepté : le bon de commande %(ref)s est transmis à %(vendor)s ; l'autre structure est "
                "prévenue qu'elle n'a pas été retenue.",
                "Devis accepté : le bon de commande %(ref)s est transmis à %(vendor)s ; les %(num)s autres "
                "structures sont prévenues qu'elles n'ont pas été retenues.",
                len(others), ref=order.reference, vendor=quote.vendor.name,
            ) if others else _("Devis accepté : le bon de commande %(ref)s est transmis à %(vendor)s.",
                               ref=order.reference, vendor=quote.vendor.name),
            "success",
        )
        return redirect(url_for("shop.pro_order", vendor_order_id=order.id))
    revision = quote.current
    if revision is None:
        abort(404)
    organisation = quote_request.organisation
    return confirmation_page(
        _("Accepter le devis de %(vendor)s", vendor=quote.vendor.name),
        [
            _("Montant : %(net)s HT, %(total)s TTC ; délai : %(days)s jours.",
              net=format_money(revision.net_cents), total=format_money(revision.total_cents),
              days=revision.lead_time_days),
            _("Un bon de commande sera transmis à la structure, payable sur facture par virement à %(days)s jours.",
              days=organisation.payment_term_days),
            _("Les autres structures seront prévenues que leur devis n'a pas été retenu. Ce choix est définitif."),
        ],
        _("Accepter ce devis et commander"),
        back,
        heading=_("Accepter le devis de %(vendor)s ?", vendor=quote.vendor.name),
    )


# ---------------------------------------------------------------- threads


def post_message(form: MessageForm, quote_request: QuoteRequest, vendor: Vendor, from_buyer: bool) -> bool:
    """Post the form's message to the thread (commit, flash); False with the refusal on the form."""
    if not form.validate_on_submit():
        return False
    try:
        messages.post(quote_request, vendor, current_user, form.body.data, from_buyer=from_buyer)
    except QuoteError as error:
        db.session.rollback()
        attach_error(form, error)
        return False
    db.session.commit()
    to = vendor.name if from_buyer else quote_request.organisation.name
    flash(_("Message envoyé à %(to)s.", to=to), "success")
    return True


@bp.route("/compte/professionnels/devis/<int:request_id>/messages/<int:vendor_id>", methods=["GET", "POST"])
@requires("buyer.space")
def buyer_thread(request_id: int, vendor_id: int):
    quote_request = _buyer_request(request_id)
    vendor = db.session.get(Vendor, vendor_id)
    if vendor is None or not vendor_sees_request(vendor, quote_request):
        abort(404)
    form = MessageForm()
    if post_message(form, quote_request, vendor, from_buyer=True):
        return redirect(url_for("quotes.buyer_thread", request_id=quote_request.id, vendor_id=vendor.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "procurement/quotes/buyer_thread.html", quote_request=quote_request, vendor=vendor,
        thread=messages.thread(quote_request, vendor), form=form,
        can_act=is_request_buyer(current_user, quote_request),
    ), status


# ---------------------------------------------------------------- files


@bp.get("/devis/pieces-jointes/<int:attachment_id>")
@requires("account")
def download(attachment_id: int):
    attachment = db.session.get(QuoteAttachment, attachment_id)
    if attachment is None or not can_download(current_user, attachment):
        abort(404)
    path = attachments.attachment_path(attachment)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# The structure's side, on the same blueprint.
from marketplace.procurement.quotes import vendor_views  # noqa: E402, F401
