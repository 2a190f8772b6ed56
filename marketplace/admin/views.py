"""Back-office screens."""
from __future__ import annotations

from flask import Blueprint

from marketplace.core.permissions import requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


# PLACEHOLDERS, replaced by the admin work:
@bp.get("/")
@requires("admin")
def index():
    return "admin"


@bp.get("/boite-mail")
@requires("admin")
def mailbox():
    return "mailbox"
