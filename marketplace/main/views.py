"""Home, static information pages, language switch and health check."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template

from marketplace.core.permissions import public
from marketplace.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def home():
    return render_template("main/home.html")


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


# PLACEHOLDERS, replaced by the UI work:
@bp.get("/charte")
@public
def charter():
    return "charte"


@bp.get("/mentions-legales")
@public
def legal():
    return "mentions"


@bp.get("/accessibilite")
@public
def accessibility():
    return "accessibilite"


@bp.get("/contact")
@public
def contact():
    return "contact"


@bp.post("/langue")
@public
def set_language():
    return "langue"
