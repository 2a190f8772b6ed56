"""Sign-up, login, e-mail verification, password reset, profile."""
from __future__ import annotations

from flask import Blueprint

from marketplace.core.permissions import public, requires

bp = Blueprint("accounts", __name__, url_prefix="/compte")


# PLACEHOLDERS, replaced by the accounts work:
@bp.route("/connexion", methods=["GET", "POST"])
@public
def login():
    return "login"


@bp.route("/inscription", methods=["GET", "POST"])
@public
def signup():
    return "signup"


@bp.post("/deconnexion")
@requires("account")
def logout():
    return "logout"


@bp.get("/")
@requires("account")
def profile():
    return "profile"


@bp.get("/professionnels")
@requires("buyer.space")
def buyer_space():
    return "pro"
