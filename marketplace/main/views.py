"""Home, static information pages, contact form, language switch and health check."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import _
from flask_login import current_user

from marketplace.core.clock import now_utc
from marketplace.core.page_cache import cached_page
from marketplace.core.permissions import public
from marketplace.core.urls import safe_next
from marketplace.extensions import db, limiter
from marketplace.main.forms import ContactForm
from marketplace.main.services import ContactError, send_contact_message
from marketplace.vendors.models import Sector
from marketplace.vendors.services import current_charter

bp = Blueprint("main", __name__)
PARIS = ZoneInfo("Europe/Paris")


@bp.app_context_processor
def _layout_globals() -> dict:
    return {"current_year": now_utc().astimezone(PARIS).year}


@bp.get("/")
@public
@cached_page
def home():
    from marketplace.catalogue.services import home_page

    catalogue = home_page(getattr(current_user, "postal_code", None) if current_user.is_authenticated else None)
    return render_template("main/home.html", sectors=list(Sector), catalogue=catalogue)


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/charte")
@public
def charter():
    return render_template("main/charter.html", charter=current_charter())


@bp.get("/mentions-legales")
@public
def legal():
    return render_template("main/legal.html")


@bp.get("/accessibilite")
@public
def accessibility():
    return render_template("main/accessibility.html")


def _contact_rate_limit() -> str:
    return current_app.config["CONTACT_RATE_LIMIT"]


@bp.route("/contact", methods=["GET", "POST"])
@public
@limiter.limit(_contact_rate_limit, methods=["POST"])
def contact():
    form = ContactForm()
    if form.validate_on_submit():
        try:
            send_contact_message(form.name.data, form.email.data, form.subject.data, form.message.data)
        except ContactError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Votre message a bien été envoyé. Nous vous répondrons dans les meilleurs délais."), "success")
            return redirect(url_for("main.contact_sent"))
    return render_template("main/contact.html", form=form)


@bp.get("/contact/merci")
@public
def contact_sent():
    return render_template("main/contact_sent.html")


@bp.post("/langue")
@public
def set_language():
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400, description=_("Cette langue n'est pas proposée."))
    session["locale"] = locale
    if current_user.is_authenticated:
        _save_user_locale(current_user, locale)
    db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("main.home")))


def _save_user_locale(user, locale: str) -> None:
    from marketplace.accounts import services as accounts_services

    accounts_services.set_locale(user, locale)
