"""A service's refusal, and the error pages in the site's layout, in the user's
language (JSON for API calls)."""
from __future__ import annotations

import logging

from flask import current_app, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A refused action, the base of every domain's errors.

    ``message`` is for the user: French source text, translated at once or
    lazily (so that services also run outside a request). ``field`` names the
    form field it concerns, if any: views show it there with
    ``core.forms.attach_error`` or flash it (``core.actions.perform``).
    """

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


MESSAGES = {
    400: (_l("Requête invalide"), _l("La demande envoyée n'a pas pu être comprise.")),
    403: (_l("Accès refusé"), _l("Vous n'avez pas les droits nécessaires pour voir cette page.")),
    404: (_l("Page introuvable"), _l("La page demandée n'existe pas ou a été déplacée.")),
    405: (_l("Méthode non autorisée"), _l("Cette action n'est pas possible à cette adresse.")),
    413: (_l("Fichier trop volumineux"), _l("Les données envoyées dépassent la taille autorisée.")),
    429: (_l("Trop de tentatives"), _l("Vous avez fait trop de demandes en peu de temps. Patientez quelques minutes avant de réessayer.")),
    500: (_l("Erreur du serveur"), _l("Un problème inattendu est survenu. L'équipe a été prévenue ; réessayez dans un instant.")),
    503: (_l("Service momentanément indisponible"), _l("Le service est momentanément indisponible. Réessayez dans un instant.")),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(code: int, detail: str | None = None):
    from marketplace.extensions import db

    try:
        db.session.rollback()
    except DBAPIError:  # the connection is gone: nothing to undo
        log.warning("rollback impossible: database unreachable")
    title, message = MESSAGES.get(code, MESSAGES[500])
    if _wants_json():
        return jsonify(error=str(title), detail=detail or str(message)), code
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


def _database_unavailable(error: DBAPIError):
    """503 in the layout, shown as to an anonymous visitor (the account cannot be read)."""
    log.error("database unavailable on %s %s: %s", request.method, request.path, error.orig or error)
    g._login_user = current_app.login_manager.anonymous_user()
    try:
        body, status = render_error(503)
    except DBAPIError:
        body, status = str(MESSAGES[503][1]), 503
    return body, status, {"Retry-After": "5"}


def _is_connection_error(error: Exception) -> bool:
    """The database cannot be reached or dropped the connection (not a bug of ours)."""
    return isinstance(error, (OperationalError, InterfaceError)) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def init_errors(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return render_template(
            "errors/csrf.html", title=_l("Formulaire expiré")
        ), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        code = error.code or 500
        if code not in MESSAGES:
            return error
        detail = None
        if code in (400, 403) and error.description and error.description != type(error).description:
            detail = error.description
        return render_error(code, detail)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _http(error)
        if _is_connection_error(error):
            return _database_unavailable(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        if app.config.get("PROPAGATE_EXCEPTIONS") and app.testing:
            raise error
        return render_error(500)

    app.register_error_handler(InternalServerError, lambda e: render_error(500))
