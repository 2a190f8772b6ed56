"""The bids blueprint, vendor side: starting a bid on a lot, the bid and its
groupement, invitations, submission and withdrawal, « Mes réponses », the
rejection letter, and the memo file (served to whoever the sealed-bid rule lets
read the bid). Partner notices are in partner_views, the buyer's evaluation in
buyer_views, the award notice and OCDS open data in public_views, all on this
blueprint."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.core.actions import perform
from marketplace.core.clock import now_utc
from marketplace.core.confirm import confirmation_page
from marketplace.core.forms import ConfirmForm, attach_error
from marketplace.core.pagination import page_arg, paginate
from marketplace.core.permissions import requires
from marketplace.extensions import db
from marketplace.procurement.bids import evaluation, files, partners, queries, services
from marketplace.procurement.bids.errors import BidError
from marketplace.procurement.bids.forms import (
    MODE_HELP,
    InviteForm,
    ModeForm,
    StartBidForm,
    content_form,
    shares_of,
)
from marketplace.procurement.bids.models import BidMode, BidStatus, InvitationStatus, MemberRole
from marketplace.procurement.bids.permissions import (
    acts_for,
    can_evaluate,
    can_manage_bid,
    leads_bid,
)
from marketplace.procurement.tenders.models import TenderStatus
from marketplace.vendors import services as vendor_services
from marketplace.vendors.models import VendorStatus

bp = Blueprint("bids", __name__)

VENDOR_BASE = "/espace-fournisseur/<int:vendor_id>/reponses"


@bp.app_template_filter("points")
def points_filter(hundredths: int | None) -> str:
    """Hundredths of a point as « 12,50 »."""
    return evaluation.format_points(hundredths)


@bp.app_template_filter("iso_date")
def iso_date_filter(value: str | None) -> str:
    """A date stored as ISO text (letters' data) in the user's language."""
    if not value:
        return ""
    return format_date(dt.datetime.fromisoformat(value), "long")


@dataclass
class TenderPageActions:
    """What the public tender page shows about bids to the current user."""

    vendors: list  # the user's approved structures
    bids: dict  # lot id → (vendor id, bid) of one of those structures
    notices: dict  # lot id → number of open partner notices
    is_buyer: bool
    counts: dict  # lot id → submitted bids (for the buyer only)
    accepts_bids: bool
    award_notice: object


@bp.app_template_global("bid_actions_for")
def bid_actions_for(tender) -> TenderPageActions:
    vendors = [v for v in queries.user_vendors(current_user) if v.status is VendorStatus.APPROVED]
    ids = {v.id for v in vendors}
    bids = {}
    for lot_id, the_bid in queries.bids_on_tender_for(ids, tender).items():
        member = next(m for m in the_bid.members if m.vendor_id in ids)
        bids[lot_id] = (member.vendor_id, the_bid)
    buyer = can_evaluate(current_user, tender)
    return TenderPageActions(
        vendors=vendors,
        bids=bids,
        notices=partners.open_notice_counts(tender) if vendors else {},
        is_buyer=buyer,
        counts=queries.submitted_counts(tender) if buyer else {},
        accepts_bids=tender.accepts_bids(now_utc()),
        award_notice=evaluation.award_notice_of(tender),
    )


# ---------------------------------------------------------------- helpers


def _vendor(vendor_id: int):
    """A structure the current user belongs to (404 otherwise)."""
    vendor = vendor_services.vendor_by_id(vendor_id)
    if vendor is None or not acts_for(current_user, vendor):
        abort(404)
    return vendor


def _bid(vendor, bid_id: int):
    """A bid of which ``vendor`` is the lead or a member not having declined (404 otherwise:
    a bid's existence is private to its members)."""
    bid = queries.bid_by_id(bid_id)
    member = queries.member_of(bid, vendor) if bid is not None else None
    if member is None or member.status is InvitationStatus.DECLINED:
        abort(404)
    try:
        queries.open_bid(bid, current_user)
    except queries.BidNotReadable:
        abort(404)
    return bid, member


def _bid_page(vendor_id: int, bid_id: int) -> str:
    return url_for("bids.bid", vendor_id=vendor_id, bid_id=bid_id)


def _mode_help() -> dict[str, str]:
    return {mode.value: str(text) for mode, text in MODE_HELP.items()}


def saved(form, action: Callable[[], object], success: str) -> bool:
    """One service call for a validated form: commit and flash ``success``, or roll back and
    show the refusal next to its field (or above the form). Returns whether it went through."""
    try:
        action()
    except BidError as error:
        db.session.rollback()
        attach_error(form, error)
        return False
    db.session.commit()
    flash(success, "success")
    return True


def form_status() -> int:
    """200 for a form shown, 422 for a form sent back with its errors."""
    return 422 if request.method == "POST" else 200


def _require_post_confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


# ---------------------------------------------------------------- « Mes réponses »


@bp.get(VENDOR_BASE)
@requires("vendor.manage")
def my_bids(vendor_id: int):
    vendor = _vendor(vendor_id)
    page = paginate(db.session, queries.vendor_bids_stmt(vendor), page_arg(request.args))
    return render_template(
        "procurement/bids/my_bids.html",
        vendor=vendor,
        page=page,
        invitations=queries.pending_invitations(vendor),
        letters={bid.id: evaluation.letter_of(bid) for bid in page.items},
        now=now_utc(),
        form=ConfirmForm(),
    )


# ---------------------------------------------------------------- starting a bid


@bp.route("/appels-d-offres/<int:tender_id>/lots/<int:lot_id>/repondre", methods=["GET", "POST"])
@requires("vendor.manage")
def start(tender_id: int, lot_id: int):
    lot = queries.lot_by_id(lot_id)
    if lot is None or lot.tender_id != tender_id or lot.tender.status is TenderStatus.DRAFT:
        abort(404)
    tender = lot.tender
    back = url_for("tenders.detail", tender_id=tender.id)
    vendors = [v for v in queries.user_vendors(current_user) if v.status is VendorStatus.APPROVED]
    existing = queries.bids_on_tender_for({v.id for v in vendors}, tender, accepted_only=True).get(lot.id)
    if existing is not None:
        mine = next(v for v in vendors if queries.member_of(existing, v) is not None)
        return redirect(_bid_page(mine.id, existing.id))
    if not vendors:
        flash(_("Seule une structure agréée peut répondre à un appel d'offres."), "error")
        return redirect(back)
    form = StartBidForm(vendors=vendors)
    created: list = []
    if form.validate_on_submit():
        vendor = next(v for v in vendors if v.id == form.vendor_id.data)
        if saved(form, lambda: created.append(services.create_bid(lot, vendor, current_user, BidMode(form.mode.data))),
                 _("Votre offre est créée. Complétez-la puis déposez-la avant la date limite.")):
            return redirect(_bid_page(vendor.id, created[0].id))
    problems = {v.id: services.eligibility_problem(v, lot) for v in vendors}
    return render_template(
        "procurement/bids/start.html", form=form, tender=tender, lot=lot, problems=problems,
        mode_help=_mode_help(), now=now_utc(),
    ), form_status()


# ---------------------------------------------------------------- the bid and its groupement


@bp.get(f"{VENDOR_BASE}/<int:bid_id>")
@requires("vendor.manage")
def bid(vendor_id: int, bid_id: int):
    vendor = _vendor(vendor_id)
    the_bid, member = _bid(vendor, bid_id)
    return _render_bid(vendor, the_bid, member)


def _render_bid(vendor, the_bid, member, invite_form=None, mode_form=None, status=200):
    lead = leads_bid(current_user, the_bid, member)
    now = now_utc()
    invite_form = invite_form or InviteForm(vendors=queries.invitable_vendors(the_bid) if lead else [])
    mode_form = mode_form or ModeForm(mode=the_bid.mode.value)
    return render_template(
        "procurement/bids/bid.html",
        vendor=vendor,
        bid=the_bid,
        member=member,
        lead=lead,
        open_for_changes=services.open_for_changes(the_bid, now),
        problems=services.submission_problems(the_bid) if the_bid.status is BidStatus.DRAFT else [],
        invite_form=invite_form,
        mode_form=mode_form,
        mode_help=_mode_help(),
        letter=evaluation.letter_of(the_bid),
        decision=evaluation.decision_of(the_bid.lot),
        form=ConfirmForm(),
        now=now,
    ), status


@bp.route(f"{VENDOR_BASE}/<int:bid_id>/modifier", methods=["GET", "POST"])
@requires("vendor.manage")
def edit(vendor_id: int, bid_id: int):
    vendor = _vendor(vendor_id)
    the_bid, member = _bid(vendor, bid_id)
    if not leads_bid(current_user, the_bid, member):
        abort(403)
    form = content_form(the_bid, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        content = services.BidContent(
            price_cents=form.price.cents,
            technical_memo=form.technical_memo.data,
            social_commitments=form.social_commitments.data,
            environmental_commitments=form.environmental_commitments.data,
            shares=shares_of(form),
        )
        upload = request.files.get(form.memo_file.name)

        def save():
            services.update_content(the_bid, current_user, content)
            if upload is not None and upload.filename:
                files.attach_memo(the_bid, current_user, upload)

        if saved(form, save, _("Offre enregistrée.")):
            return redirect(_bid_page(vendor.id, the_bid.id))
    return render_template(
        "procurement/bids/edit.html", form=form, vendor=vendor, bid=the_bid,
        accepted=files.ACCEPTED_LABEL, now=now_utc(),
    ), form_status()


@bp.post(f"{VENDOR_BASE}/<int:bid_id>/fichier/supprimer")
@requires("vendor.manage")
def remove_memo(vendor_id: int, bid_id: int):
    vendor = _vendor(vendor_id)
    the_bid, _member = _bid(vendor, bid_id)
    _require_post_confirmed()
    perform(lambda: files.remove_memo(the_bid, current_user), BidError, _("Le fichier du mémoire est supprimé."))
    return redirect(url_for("bids.edit", vendor_id=vendor.id, bid_id=the_bid.id))


@bp.get("/offres/<int:bid_id>/memoire")
@requires("account")
def memo_file(bid_id: int):
    """The memo file, for whoever may read the bid (the sealed-bid rule; audited for the buyer)."""
    the_bid = queries.bid_by_id(bid_id)
    if the_bid is None:
        abort(404)
    try:
        queries.open_bid(the_bid, current_user, "fichier du mémoire")
    except queries.BidNotReadable:
        abort(404)
    path = files.memo_path(the_bid)
    if path is None:
        abort(404)
    db.session.commit()  # the audit of the opening
    response = send_file(
        path, mimetype=the_bid.memo_content_type, as_attachment=True, download_name=the_bid.memo_file_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post(f"{VENDOR_BASE}/<int:bid_id>/forme")
@requires("vendor.manage")
def set_mode(vendor_id: int, bid_id: int):
    vendor = _vendor(vendor_id)
    the_bid, member = _bid(vendor, bid_id)
    form = ModeForm()
    if not form.validate_on_submit():
        return _render_bid(vendor, the_bid, member, mode_form=form, status=422)
    perform(lambda: services.set_mode(the_bid, current_user, BidMode(form.mode.data)), BidError,
            _("La forme de la réponse est enregistrée."))
    return redirect(_bid_page(vendor.id, the_bid.id))


@bp.post(f"{VENDOR_BASE}/<int:bid_id>/inviter")
@requires("vendor.manage")
def invite(vendor_id: int, bid_id: int):
    vendor = _vendor(vendor_id)
    the_bid, member = _bid(vendor, bid_id)
    candidates = queries.invitable_vendors(the_bid)
    form = InviteForm(vendors=candidates)
    if not form.validate_on_submit():
        return _render_bid(vendor, the_bid, member, invite_form=form, status=422)
    invited = next(v for v in candidates if v.id == form.vendor_id.data)
    perform(lambda: services.invite(the_bid, current_user, invited), BidError,
            _("%(vendor)s est invitée : elle doit accepter pour que l'offre puisse être déposée.", vendor=invited.name))
    return redirect(_bid_page(vendor.id, the_bid.id))


@bp.route(f"{VENDOR_BASE}/<int:bid_id>/membres/<int:member_id>/retirer", methods=["GET", "POST"])
@requires("vendor.manage")
def remove_member(vendor_id: int, bid_id: int, member_id: int):
    vendor = _vendor(vendor_id)
    the_bid, _member = _bid(vendor, bid_id)
    target = next((m for m in the_bid.members if m.id == member_id and m.role is MemberRole.MEMBER), None)
    if target is None or not can_manage_bid(current_user, the_bid):
        abort(404)
    back = _bid_page(vendor.id, the_bid.id)
    if request.method == "POST":
        _require_post_confirmed()
        name = target.vendor.name
        perform(lambda: services.remove_member(target, current_user), BidError,
                _("%(vendor)s ne fait plus partie du groupement.", vendor=name))
        return redirect(back)
    return confirmation_page(
        _("Retirer un membre du groupement"),
        _("%(vendor)s sera retirée du groupement et prévenue par e-mail.", vendor=target.vendor.name),
        _("Retirer du groupement"),
        back,
    )


@bp.post(f"{VENDOR_BASE}/<int:bid_id>/deposer")
@requires("vendor.manage")
def submit(vendor_id: int, bid_id: int):
    vendor = _vendor(vendor_id)
    the_bid, _member = _bid(vendor, bid_id)
    _require_post_confirmed()
    perform(lambda: services.submit(the_bid, current_user), BidError,
            _("Votre offre est déposée. Chaque membre reçoit un accusé de réception par e-mail."))
    return redirect(_bid_page(vendor.id, the_bid.id))


def _confirmed_transition(vendor, the_bid, action, success, title, message, submit_label):
    back = _bid_page(vendor.id, the_bid.id)
    if request.method == "POST":
        _require_post_confirmed()
        perform(lambda: action(the_bid, current_user), BidError, success)
        return redirect(back)
    if not can_manage_bid(current_user, the_bid):
        abort(404)
    return confirmation_page(title, message, submit_label, back)


@bp.route(f"{VENDOR_BASE}/<int:bid_id>/retirer", methods=["GET", "POST"])
@requires("vendor.manage")
def withdraw(vendor_id: int, bid_id: int):
    vendor = _vendor(vendor_id)
    the_bid, _member = _bid(vendor, bid_id)
    return _confirmed_transition(
        vendor, the_bid, services.withdraw,
        _("Votre offre est retirée. Vous pouvez la reprendre avant la date limite."),
        _("Retirer l'offre"),
        _("L'offre ne sera plus examinée par l'acheteur. Chaque membre du groupement est prévenu. "
          "Vous pourrez la reprendre en préparation avant la date limite."),
        _("Retirer l'offre"),
    )


@bp.route(f"{VENDOR_BASE}/<int:bid_id>/reprendre", methods=["GET", "POST"])
@requires("vendor.manage")
def reopen(vendor_id: int, bid_id: int):
    vendor = _vendor(vendor_id)
    the_bid, _member = _bid(vendor, bid_id)
    return _confirmed_transition(
        vendor, the_bid, services.reopen,
        _("L'offre est de nouveau en préparation : pensez à la déposer avant la date limite."),
        _("Reprendre l'offre en préparation"),
        _("L'offre repasse en préparation : elle n'est plus déposée tant que vous ne la déposez pas à nouveau, "
          "avant la date limite."),
        _("Reprendre en préparation"),
    )


# ---------------------------------------------------------------- invitations


def _invitation(vendor, member_id: int):
    member = queries.member_by_id(member_id)
    if member is None or member.vendor_id != vendor.id or member.role is not MemberRole.MEMBER:
        abort(404)
    return member


@bp.post("/espace-fournisseur/<int:vendor_id>/invitations/<int:member_id>/accepter")
@requires("vendor.manage")
def accept(vendor_id: int, member_id: int):
    vendor = _vendor(vendor_id)
    member = _invitation(vendor, member_id)
    _require_post_confirmed()
    if perform(lambda: services.accept_invitation(member, current_user), BidError,
               _("Vous avez rejoint le groupement. Le mandataire est prévenu.")):
        return redirect(_bid_page(vendor.id, member.bid_id))
    return redirect(url_for("bids.my_bids", vendor_id=vendor.id))


@bp.route("/espace-fournisseur/<int:vendor_id>/invitations/<int:member_id>/decliner", methods=["GET", "POST"])
@requires("vendor.manage")
def decline(vendor_id: int, member_id: int):
    vendor = _vendor(vendor_id)
    member = _invitation(vendor, member_id)
    back = url_for("bids.my_bids", vendor_id=vendor.id)
    if request.method == "POST":
        _require_post_confirmed()
        perform(lambda: services.decline_invitation(member, current_user), BidError,
                _("Invitation déclinée. Le mandataire est prévenu."))
        return redirect(back)
    return confirmation_page(
        _("Décliner l'invitation"),
        _("%(lead)s vous invite à son groupement pour le lot %(lot)s de l'appel d'offres « %(title)s ». "
          "Si vous déclinez, le mandataire en est prévenu.",
          lead=member.bid.lead_vendor.name, lot=member.bid.lot.number, title=member.bid.tender.title),
        _("Décliner l'invitation"),
        back,
    )


# ---------------------------------------------------------------- the result


@bp.get(f"{VENDOR_BASE}/<int:bid_id>/lettre")
@requires("vendor.manage")
def letter(vendor_id: int, bid_id: int):
    vendor = _vendor(vendor_id)
    the_bid, _member = _bid(vendor, bid_id)
    the_letter = evaluation.letter_of(the_bid)
    if the_letter is None:
        abort(404)
    return render_template("procurement/bids/letter.html", vendor=vendor, bid=the_bid, letter=the_letter,
                           data=the_letter.data)


# The blueprint's other pages.
from marketplace.procurement.bids import buyer_views, partner_views, public_views  # noqa: E402, F401
