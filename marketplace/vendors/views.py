from flask import Blueprint

from marketplace.core.permissions import requires

bp = Blueprint("vendors", __name__)


@bp.get("/espace-fournisseur")
@requires("vendor.manage")
def dashboard():  # PLACEHOLDER
    return "dashboard"
