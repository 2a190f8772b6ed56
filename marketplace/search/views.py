"""The search page and the suggestions endpoint."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from marketplace.core.page_cache import cached_page
from marketplace.core.permissions import public
from marketplace.search import indexing, service  # noqa: F401 (indexing registers its commit hooks)

bp = Blueprint("search", __name__)


@bp.get("/recherche")
@public
@cached_page
def results():
    text, filters, sort, page = service.parse_args(request.args)
    view = service.search_page(text, filters, sort, page)
    return render_template(
        "search/results.html", view=view, sorts=service.URL_SORTS, label_names=service.label_names()
    )


@bp.get("/recherche/suggestions")
@public
def suggestions():
    response = jsonify(suggestions=service.suggest(request.args.get("q", "")))
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.context_processor
def _helpers():
    def search_url(**changes):
        """The current search URL with some parameters replaced (None removes one); back to page 1."""
        args = request.args.to_dict(flat=False)
        args.pop("page", None)
        for key, value in changes.items():
            if value is None:
                args.pop(key, None)
            else:
                args[key] = value if isinstance(value, list) else [value]
        return service.results_url(args)

    return {"search_url": search_url}
