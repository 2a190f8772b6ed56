"""Public pages: the award notice of a decided tender, and OCDS open data (one release
package per published tender, and the paginated feed that lists them)."""
from __future__ import annotations

from flask import abort, jsonify, render_template, request

from marketplace.core.pagination import page_arg
from marketplace.core.permissions import public
from marketplace.procurement.bids import evaluation, ocds, queries
from marketplace.procurement.bids.views import bp


@bp.get("/appels-d-offres/<int:tender_id>/avis-d-attribution")
@public
def award_notice(tender_id: int):
    tender = queries.tender_by_id(tender_id)
    notice = evaluation.award_notice_of(tender) if tender is not None else None
    if notice is None:
        abort(404)
    decisions = evaluation.decisions_of(tender)
    counts = queries.submitted_counts(tender)
    return render_template(
        "procurement/bids/award_notice.html", tender=tender, notice=notice, decisions=decisions, counts=counts,
    )


def _json(data, status: int = 200):
    response = jsonify(data)
    response.status_code = status
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/tenders/<int:tender_id>/ocds.json")
@public
def ocds_package(tender_id: int):
    tender = queries.tender_by_id(tender_id)
    if not ocds.is_published(tender):
        abort(404)
    return _json(ocds.release_package(tender))


@bp.get("/tenders/ocds/feed.json")
@public
def ocds_feed():
    return _json(ocds.feed(page_arg(request.args)))
