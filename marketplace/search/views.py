from flask import Blueprint

from marketplace.core.permissions import public

bp = Blueprint("search", __name__)


@bp.get("/recherche")
@public
def results():  # PLACEHOLDER
    return "recherche"
