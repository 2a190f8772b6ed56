"""The buyer's pages: the bids of a tender (counts only until the deadline), the
evaluation of a lot, a bid opened (audited), admissibility, scores, award or
unsuccessful lot."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.core.clock import now_utc
from marketplace.core.forms import ConfirmForm
from marketplace.core.permissions import requires
from marketplace.extensions import db
from marketplace.procurement.bids import evaluation as scoring
from marketplace.procurement.bids import queries
from marketplace.procurement.bids.errors import BidError
from marketplace.procurement.bids.forms import (
    AdmissibilityForm,
    AwardForm,
    UnsuccessfulForm,
    score_form,
)
from marketplace.procurement.bids.models import BidStatus
from marketplace.procurement.bids.permissions import can_evaluate
from marketplace.procurement.bids.views import bp, form_status, saved
from marketplace.procurement.tenders.models import CriterionKind, TenderStatus

BASE = "/compte/professionnels/appels-d-offres/<int:tender_id>"


def _tender(tender_id: int):
    """A tender of the current user's buyer organisation (404 otherwise)."""
    tender = queries.tender_by_id(tender_id)
    if tender is None or not can_evaluate(current_user, tender):
        abort(404)
    return tender


def _lot(tender, lot_id: int):
    lot = next((lot for lot in tender.lots if lot.id == lot_id), None)
    if lot is None:
        abort(404)
    return lot


def _opened_bid(tender, bid_id: int, purpose: str):
    """A bid of the tender, opened under the sealed-bid rule (and audited); 404 if sealed."""
    bid = queries.bid_by_id(bid_id)
    if bid is None or bid.tender_id != tender.id:
        abort(404)
    try:
        queries.open_bid(bid, current_user, purpose)
    except queries.BidNotReadable:
        abort(404)
    return bid


def _evaluating(tender) -> bool:
    return tender.status is TenderStatus.UNDER_EVALUATION


@bp.get(f"{BASE}/offres")
@requires("buyer.space")
def evaluation(tender_id: int):
    tender = _tender(tender_id)
    now = now_utc()
    return render_template(
        "procurement/bids/evaluation.html",
        tender=tender,
        counts=queries.submitted_counts(tender),
        deadline_passed=tender.deadline_passed(now),
        decisions=scoring.decisions_of(tender),
        notice=scoring.award_notice_of(tender),
        form=ConfirmForm(),
        now=now,
    )


@bp.get(f"{BASE}/lots/<int:lot_id>/analyse")
@requires("buyer.space")
def evaluate_lot(tender_id: int, lot_id: int):
    tender = _tender(tender_id)
    lot = _lot(tender, lot_id)
    try:
        bids = queries.buyer_bids(lot, current_user)
    except BidError as error:
        flash(error.message, "error")
        return redirect(url_for("bids.evaluation", tender_id=tender.id))
    db.session.commit()  # the audit of the openings
    ranked = scoring.ranking(lot, bids)
    return render_template(
        "procurement/bids/evaluate_lot.html",
        tender=tender,
        lot=lot,
        bids=bids,
        ranked=ranked,
        inadmissible=[b for b in bids if b.admissible is False],
        criteria=list(tender.criteria),
        decision=scoring.decision_of(lot),
        evaluating=_evaluating(tender),
        complete=bool(ranked) and all(entry.complete for entry in ranked),
    )


def _score_form(bid, formdata=None):
    criteria = [c for c in bid.tender.criteria if c.kind is CriterionKind.OTHER]
    scores = {s.criterion_id: (s.points, s.comment) for s in bid.scores}
    return score_form(criteria, scores, formdata, scoring.format_points)


def _render_bid(tender, bid, admissibility_form=None, scores_form=None, status=200):
    lot = bid.lot
    ranked = scoring.ranking(lot)
    entry = next((e for e in ranked if e.bid.id == bid.id), None)
    if admissibility_form is None:
        admissibility_form = AdmissibilityForm(
            admissible="non" if bid.admissible is False else "oui", reason=bid.inadmissible_reason
        )
    return render_template(
        "procurement/bids/buyer_bid.html",
        tender=tender,
        lot=lot,
        bid=bid,
        entry=entry,
        admissibility_form=admissibility_form,
        scores_form=scores_form or _score_form(bid),
        evaluating=_evaluating(tender) and lot.status.value == "open",
    ), status


@bp.get(f"{BASE}/offres/<int:bid_id>")
@requires("buyer.space")
def buyer_bid(tender_id: int, bid_id: int):
    tender = _tender(tender_id)
    bid = _opened_bid(tender, bid_id, "lecture")
    db.session.commit()  # the audit of the opening
    return _render_bid(tender, bid)


@bp.post(f"{BASE}/offres/<int:bid_id>/recevabilite")
@requires("buyer.space")
def set_admissibility(tender_id: int, bid_id: int):
    tender = _tender(tender_id)
    bid = _opened_bid(tender, bid_id, "recevabilité")
    form = AdmissibilityForm()
    if form.validate_on_submit() and saved(
        form, lambda: scoring.set_admissibility(bid, current_user, form.admissible.data == "oui", form.reason.data),
        _("Recevabilité enregistrée."),
    ):
        return redirect(url_for("bids.buyer_bid", tender_id=tender.id, bid_id=bid.id))
    db.session.commit()  # the audit of the opening
    return _render_bid(tender, bid, admissibility_form=form, status=422)


@bp.post(f"{BASE}/offres/<int:bid_id>/notes")
@requires("buyer.space")
def score(tender_id: int, bid_id: int):
    tender = _tender(tender_id)
    bid = _opened_bid(tender, bid_id, "notation")
    form = _score_form(bid, request.form)
    if form.validate_on_submit():
        entries = {}
        for criterion, points_field, comment_field in form.criteria_fields:
            raw = (points_field.data or "").strip()
            if not raw:
                continue
            try:
                entries[criterion.id] = (scoring.parse_points(raw), comment_field.data or "")
            except ValueError:
                points_field.errors = [_("Saisissez une note, par exemple 12,5.")]
        if not any(f.errors for _c, f, _cf in form.criteria_fields) and saved(
            form, lambda: scoring.score_bid(bid, current_user, entries), _("Notes enregistrées.")
        ):
            return redirect(url_for("bids.evaluate_lot", tender_id=tender.id, lot_id=bid.lot_id))
    db.session.commit()  # the audit of the opening
    return _render_bid(tender, bid, scores_form=form, status=422)


@bp.route(f"{BASE}/lots/<int:lot_id>/attribuer", methods=["GET", "POST"])
@requires("buyer.space")
def award(tender_id: int, lot_id: int):
    tender = _tender(tender_id)
    lot = _lot(tender, lot_id)
    back = url_for("bids.evaluate_lot", tender_id=tender.id, lot_id=lot.id)
    try:
        bids = queries.buyer_bids(lot, current_user)
    except BidError as error:
        flash(error.message, "error")
        return redirect(url_for("bids.evaluation", tender_id=tender.id))
    ranked = scoring.ranking(lot, bids)
    candidates = [entry for entry in ranked if entry.rank == 1]
    form = AwardForm(candidates=candidates)
    if form.validate_on_submit():
        winner = next(entry.bid for entry in candidates if entry.bid.id == form.winner.data)
        if saved(form, lambda: scoring.award_lot(lot, current_user, winner, form.reason.data),
                 _("Le lot %(number)s est attribué. Le titulaire et les autres candidats sont prévenus.",
                   number=lot.number)):
            return redirect(url_for("bids.evaluation", tender_id=tender.id))
    db.session.commit()  # the audit of the openings
    return render_template(
        "procurement/bids/award.html", form=form, tender=tender, lot=lot, ranked=ranked, candidates=candidates,
        bids=[b for b in bids if b.status is BidStatus.SUBMITTED], back=back,
    ), form_status()


@bp.route(f"{BASE}/lots/<int:lot_id>/infructueux", methods=["GET", "POST"])
@requires("buyer.space")
def unsuccessful(tender_id: int, lot_id: int):
    tender = _tender(tender_id)
    lot = _lot(tender, lot_id)
    back = url_for("bids.evaluate_lot", tender_id=tender.id, lot_id=lot.id)
    form = UnsuccessfulForm()
    if form.validate_on_submit() and saved(
        form, lambda: scoring.declare_unsuccessful(lot, current_user, form.reason.data),
        _("Le lot %(number)s est déclaré infructueux. Les candidats sont prévenus.", number=lot.number),
    ):
        return redirect(url_for("bids.evaluation", tender_id=tender.id))
    return render_template(
        "procurement/bids/unsuccessful.html", form=form, tender=tender, lot=lot, back=back,
        count=queries.submitted_counts(tender).get(lot.id, 0),
    ), form_status()
