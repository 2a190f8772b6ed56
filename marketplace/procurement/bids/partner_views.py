"""Partner finding pages (vendors only): the notices of a tender, publishing one,
offering to join, and the author's one-click invitation."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.core.actions import perform
from marketplace.core.clock import now_utc
from marketplace.core.forms import ConfirmForm
from marketplace.core.permissions import requires
from marketplace.procurement.bids import partners as partner_services
from marketplace.procurement.bids import queries
from marketplace.procurement.bids.errors import BidError
from marketplace.procurement.bids.forms import JoinOfferForm, NoticeForm
from marketplace.procurement.bids.models import NoticeStatus
from marketplace.procurement.bids.permissions import acts_for, vendor_ids_of
from marketplace.procurement.bids.views import bp, form_status, saved
from marketplace.procurement.tenders.models import TenderStatus
from marketplace.vendors.models import VendorStatus


def _tender(tender_id: int):
    tender = queries.tender_by_id(tender_id)
    if tender is None or tender.status is TenderStatus.DRAFT:
        abort(404)
    return tender


def _lot(tender_id: int, lot_id: int):
    lot = queries.lot_by_id(lot_id)
    if lot is None or lot.tender_id != tender_id or lot.tender.status is TenderStatus.DRAFT:
        abort(404)
    return lot


def _approved_vendors():
    return [v for v in queries.user_vendors(current_user) if v.status is VendorStatus.APPROVED]


def _partners_url(tender_id: int, anchor: str | None = None) -> str:
    return url_for("bids.partners", tender_id=tender_id, _anchor=anchor)


@bp.get("/appels-d-offres/<int:tender_id>/partenaires")
@requires("vendor.manage")
def partners(tender_id: int):
    tender = _tender(tender_id)
    mine = vendor_ids_of(current_user)
    notices = partner_services.notices_of_tender(tender)
    now = now_utc()
    return render_template(
        "procurement/bids/partners.html",
        tender=tender,
        notices=[n for n in notices if n.vendor_id not in mine],
        own=partner_services.notices_of_vendors(mine, tender),
        offered={o.notice_id for n in notices for o in n.offers if o.vendor_id in mine},
        open_for_changes=tender.accepts_bids(now),
        form=ConfirmForm(),
        now=now,
    )


@bp.route("/appels-d-offres/<int:tender_id>/lots/<int:lot_id>/cherche-partenaires", methods=["GET", "POST"])
@requires("vendor.manage")
def new_notice(tender_id: int, lot_id: int):
    lot = _lot(tender_id, lot_id)
    vendors = _approved_vendors()
    if not vendors:
        flash(_("Seule une structure agréée peut chercher des partenaires pour un appel d'offres."), "error")
        return redirect(url_for("tenders.detail", tender_id=tender_id))
    form = NoticeForm(vendors=vendors)
    notices: list = []
    if form.validate_on_submit():
        vendor = next(v for v in vendors if v.id == form.vendor_id.data)
        if saved(form, lambda: notices.append(partner_services.publish_notice(
                lot, vendor, current_user, form.brings.data, form.needs.data)),
                _("Votre annonce est publiée : les autres structures agréées peuvent vous proposer leur concours.")):
            return redirect(_partners_url(tender_id, f"annonce-{notices[0].id}"))
    return render_template("procurement/bids/notice_form.html", form=form, lot=lot, tender=lot.tender,
                           now=now_utc()), form_status()


def _notice(notice_id: int):
    notice = partner_services.notice_by_id(notice_id)
    if notice is None:
        abort(404)
    return notice


@bp.post("/appels-d-offres/partenaires/<int:notice_id>/clore")
@requires("vendor.manage")
def close_notice(notice_id: int):
    notice = _notice(notice_id)
    if not acts_for(current_user, notice.vendor):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    perform(lambda: partner_services.close_notice(notice, current_user), BidError, _("L'annonce est close."))
    return redirect(_partners_url(notice.tender_id))


@bp.route("/appels-d-offres/partenaires/<int:notice_id>/proposer", methods=["GET", "POST"])
@requires("vendor.manage")
def offer_join(notice_id: int):
    notice = _notice(notice_id)
    if notice.status is not NoticeStatus.OPEN:
        flash(_("Cette annonce est close."), "error")
        return redirect(_partners_url(notice.tender_id))
    vendors = [v for v in _approved_vendors() if v.id != notice.vendor_id]
    if not vendors:
        flash(_("Seule une autre structure agréée peut proposer de rejoindre ce groupement."), "error")
        return redirect(_partners_url(notice.tender_id))
    form = JoinOfferForm(vendors=vendors)
    if form.validate_on_submit():
        vendor = next(v for v in vendors if v.id == form.vendor_id.data)
        if saved(form, lambda: partner_services.offer_to_join(notice, vendor, current_user, form.message.data),
                 _("Votre proposition est envoyée à %(vendor)s, qui pourra vous inviter dans son groupement.",
                   vendor=notice.vendor.name)):
            return redirect(_partners_url(notice.tender_id))
    return render_template("procurement/bids/offer_form.html", form=form, notice=notice, tender=notice.tender,
                           now=now_utc()), form_status()


@bp.post("/appels-d-offres/partenaires/propositions/<int:offer_id>/inviter")
@requires("vendor.manage")
def invite_offer(offer_id: int):
    offer = partner_services.offer_by_id(offer_id)
    if offer is None or not acts_for(current_user, offer.notice.vendor):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    lead = offer.notice.vendor
    members: list = []
    if perform(lambda: members.append(partner_services.invite_from_offer(offer, current_user)), BidError,
               _("%(vendor)s est invitée dans votre groupement.", vendor=offer.vendor.name)):
        return redirect(url_for("bids.bid", vendor_id=lead.id, bid_id=members[0].bid_id))
    return redirect(_partners_url(offer.notice.tender_id))
