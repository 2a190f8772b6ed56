from flask import Blueprint

from marketplace.core.permissions import requires

bp = Blueprint("committee", __name__, url_prefix="/comite")


@bp.get("/")
@requires("committee.read")
def queue():  # PLACEHOLDER
    return "queue"
