"""The quotes blueprint, structure side: the inbox of requests, the quote form (lines
edited without JavaScript: blank lines, "add lines" and "compute totals" post back),
declining, withdrawing, and the thread with the buyer."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.core.confirm import confirmation_page
from marketplace.core.forms import ConfirmForm, attach_error
from marketplace.core.pagination import page_arg
from marketplace.core.permissions import requires
from marketplace.extensions import db
from marketplace.procurement.quotes import messages, pricing, quoting, services
from marketplace.procurement.quotes.errors import QuoteError
from marketplace.procurement.quotes.forms import (
    BLANK_LINES,
    MessageForm,
    QuoteForm,
    ReasonForm,
    parse_euros,
)
from marketplace.procurement.quotes.models import QuoteRequest
from marketplace.procurement.quotes.permissions import vendor_sees_request
from marketplace.procurement.quotes.views import bp, post_message
from marketplace.vendors.models import Vendor
from marketplace.vendors.permissions import can_manage_vendor

TABS = {"mes-demandes": "addressed", "ouvertes": "open"}


def _vendor(vendor_id: int) -> Vendor:
    vendor = db.session.get(Vendor, vendor_id)
    if vendor is None or not can_manage_vendor(current_user, vendor):
        abort(404)
    return vendor


def _vendor_request(vendor: Vendor, request_id: int) -> QuoteRequest:
    """The request, if the structure may see it: 404 otherwise (a private request stays unknown)."""
    quote_request = db.session.get(QuoteRequest, request_id)
    if quote_request is None or not vendor_sees_request(vendor, quote_request):
        abort(404)
    return quote_request


def _back(vendor: Vendor, quote_request: QuoteRequest):
    return redirect(url_for("quotes.vendor_request", vendor_id=vendor.id, request_id=quote_request.id))


@bp.get("/espace-fournisseur/<int:vendor_id>/devis")
@requires("vendor.manage")
def vendor_inbox(vendor_id: int):
    vendor = _vendor(vendor_id)
    tab = TABS.get(request.args.get("onglet", ""), "addressed")
    page_number = page_arg(request.args)
    addressed = services.inbox_addressed(vendor, page=page_number if tab == "addressed" else 1)
    open_page = services.inbox_open(vendor, page=page_number if tab == "open" else 1)
    quotes = {r.id: services.quote_of(vendor, r) for r in (addressed.items + open_page.items)}
    return render_template(
        "procurement/quotes/vendor_inbox.html", vendor=vendor, tab=tab, addressed=addressed, open_page=open_page,
        page=addressed if tab == "addressed" else open_page, quotes=quotes,
    )


@bp.get("/espace-fournisseur/<int:vendor_id>/devis/<int:request_id>")
@requires("vendor.manage")
def vendor_request(vendor_id: int, request_id: int):
    vendor = _vendor(vendor_id)
    quote_request = _vendor_request(vendor, request_id)
    return _request_page(vendor, quote_request, MessageForm())


def _request_page(vendor, quote_request, message_form, status=200):
    quote = services.quote_of(vendor, quote_request)
    return render_template(
        "procurement/quotes/vendor_request.html", vendor=vendor, quote_request=quote_request, quote=quote,
        thread=messages.thread(quote_request, vendor), message_form=message_form,
        can_answer=quote is None and quote_request.accepts_quotes(),
        can_revise=quote is not None and quote.status in quoting.REVISABLE
        and quote_request.status in services.DECIDABLE,
        form=ConfirmForm(),
    ), status


@bp.post("/espace-fournisseur/<int:vendor_id>/devis/<int:request_id>/messages")
@requires("vendor.manage")
def vendor_message(vendor_id: int, request_id: int):
    vendor = _vendor(vendor_id)
    quote_request = _vendor_request(vendor, request_id)
    form = MessageForm()
    if post_message(form, quote_request, vendor, from_buyer=False):
        return redirect(url_for("quotes.vendor_request", vendor_id=vendor.id, request_id=quote_request.id)
                        + "#fil")
    return _request_page(vendor, quote_request, form, status=422)


# ---------------------------------------------------------------- the quote form


def _fill_from(form: QuoteForm, revision) -> None:
    while len(form.lines) < len(revision.lines) + 2:
        form.lines.append_entry()
    for entry, line in zip(form.lines, revision.lines, strict=False):
        entry.form.designation.data = line.designation
        entry.form.quantity.data = line.quantity
        entry.form.unit.data = line.unit
        entry.form.unit_price.data = f"{line.unit_price_cents // 100},{line.unit_price_cents % 100:02d}"
        entry.form.vat_rate.data = str(line.vat_rate_bp)
    form.valid_until.data = revision.valid_until
    form.lead_time_days.data = revision.lead_time_days
    form.comment.data = revision.comment


def _lines(form: QuoteForm) -> list[pricing.LineInput] | None:
    """The filled lines; None (with the errors on their fields) if one is incomplete."""
    lines, complete = [], True
    for entry in form.lines:
        line = entry.form
        if line.is_blank:
            continue
        missing = False
        if not (line.designation.data or "").strip():
            line.designation.errors = [*line.designation.errors, _("Indiquez la désignation.")]
            missing = True
        if line.quantity.data is None and not line.quantity.errors:
            line.quantity.errors = [*line.quantity.errors, _("Indiquez la quantité.")]
            missing = True
        if not (line.unit_price.data or "").strip() and not line.unit_price.errors:
            line.unit_price.errors = [*line.unit_price.errors, _("Indiquez le prix unitaire HT.")]
            missing = True
        if missing or line.quantity.errors or line.unit_price.errors or line.vat_rate.errors:
            complete = False
            continue
        lines.append(pricing.LineInput(
            designation=line.designation.data.strip(),
            quantity=int(line.quantity.data),
            unit=(line.unit.data or "").strip() or None,
            unit_price_cents=parse_euros(line.unit_price.data) or 0,
            vat_rate_bp=int(line.vat_rate.data),
        ))
    return lines if complete else None


@bp.route("/espace-fournisseur/<int:vendor_id>/devis/<int:request_id>/repondre", methods=["GET", "POST"])
@requires("vendor.manage")
def quote_form(vendor_id: int, request_id: int):
    vendor = _vendor(vendor_id)
    quote_request = _vendor_request(vendor, request_id)
    quote = services.quote_of(vendor, quote_request)
    revising = quote is not None
    if revising and not (quote.status in quoting.REVISABLE and quote_request.status in services.DECIDABLE):
        flash(_("Ce devis ne peut plus être modifié : il est « %(status)s ».", status=quote.status.label), "error")
        return _back(vendor, quote_request)
    if not revising and not quote_request.accepts_quotes():
        flash(_("La date limite de réponse est passée : cette demande n'accepte plus de nouveaux devis."), "error")
        return _back(vendor, quote_request)
    form = QuoteForm()
    totals = None
    status = 200
    if request.method == "GET":
        if revising and quote.current is not None:
            _fill_from(form, quote.current)
        elif quote_request.quantity:
            form.lines[0].form.designation.data = quote_request.title[:200]
            form.lines[0].form.quantity.data = quote_request.quantity
            form.lines[0].form.unit.data = quote_request.unit
    elif form.add_lines.data:
        for _i in range(BLANK_LINES):
            if len(form.lines) < form.lines.max_entries:
                form.lines.append_entry()
    else:
        valid = form.validate()
        lines = _lines(form)
        if lines is not None and lines:
            totals = pricing.price(lines)
        elif lines is not None:
            form.form_errors.append(_("Ajoutez au moins une ligne au devis."))
        if form.send.data and valid and lines:
            data = quoting.QuoteData(lines=lines, valid_until=form.valid_until.data,
                                     lead_time_days=form.lead_time_days.data, comment=form.comment.data)
            try:
                quoting.submit(quote_request, vendor, current_user, data, form.attachment.data)
            except QuoteError as error:
                db.session.rollback()
                attach_error(form, error)
            else:
                db.session.commit()
                flash(_("Devis révisé : l'acheteur est prévenu.") if revising
                      else _("Devis envoyé : l'acheteur est prévenu."), "success")
                return _back(vendor, quote_request)
        if form.send.data:
            status = 422
    return render_template(
        "procurement/quotes/quote_form.html", vendor=vendor, quote_request=quote_request, quote=quote, form=form,
        totals=totals, revising=revising,
    ), status


@bp.route("/espace-fournisseur/<int:vendor_id>/devis/<int:request_id>/decliner", methods=["GET", "POST"])
@requires("vendor.manage")
def decline(vendor_id: int, request_id: int):
    vendor = _vendor(vendor_id)
    quote_request = _vendor_request(vendor, request_id)
    if services.quote_of(vendor, quote_request) is not None or quote_request.status not in services.DECIDABLE:
        flash(_("Vous ne pouvez plus décliner cette demande."), "error")
        return _back(vendor, quote_request)
    form = ReasonForm()
    if request.method == "POST":
        try:
            quoting.decline(quote_request, vendor, current_user, form.reason.data if form.validate() else None)
        except QuoteError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Vous avez décliné la demande : l'acheteur est informé de votre motif."), "success")
            return _back(vendor, quote_request)
    status = 422 if request.method == "POST" else 200
    return render_template("procurement/quotes/decline.html", vendor=vendor, quote_request=quote_request, form=form), status


@bp.route("/espace-fournisseur/<int:vendor_id>/devis/<int:request_id>/retirer", methods=["GET", "POST"])
@requires("vendor.manage")
def withdraw(vendor_id: int, request_id: int):
    vendor = _vendor(vendor_id)
    quote_request = _vendor_request(vendor, request_id)
    quote = services.quote_of(vendor, quote_request)
    if quote is None:
        abort(404)
    if request.method == "POST":
        if not ConfirmForm().validate():
            abort(400)
        try:
            quoting.withdraw(quote, current_user)
        except QuoteError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Devis retiré : l'acheteur est prévenu."), "success")
        return _back(vendor, quote_request)
    return confirmation_page(
        _("Retirer le devis"),
        [_("L'acheteur ne pourra plus accepter votre devis pour « %(title)s ».", title=quote_request.title),
         _("Ce retrait est définitif : vous ne pourrez plus répondre à cette demande.")],
        _("Oui, retirer le devis"),
        url_for("quotes.vendor_request", vendor_id=vendor.id, request_id=quote_request.id),
        heading=_("Retirer votre devis ?"),
    )
