"""Sign-up, login, e-mail verification, password reset, profile."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/compte")


@bp.get("/connexion")
def login():
    return "login"
