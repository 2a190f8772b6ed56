"""The search page and the suggestions endpoint."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from marketplace.core.permissions import public
from marketplace.search import service

bp = Blueprint("search", __name__)


@bp.get("/recherche")
@public
def results():
    text, filters, sort, page = service.parse_args(request.args)
    view = service.search_page(text, filters, sort, page)
    return render_template("search/results.html", view=view, sorts=service.URL_SORTS)


@bp.get("/recherche/suggestions")
@public
def suggestions():
    response = jsonify(suggestions=service.suggest(request.args.get("q", "")))
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
