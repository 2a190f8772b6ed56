"""Sign-up, login, e-mail verification, password reset, profile, deletion,
personal data export, and the professional space."""
from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_remembered, login_user, logout_user

from marketplace.accounts import services
from marketplace.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    EmailRequestForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    SignupForm,
)
from marketplace.accounts.permissions import sole_owned_vendors
from marketplace.accounts.services import AccountError, InvalidLinkError
from marketplace.core.permissions import public, requires
from marketplace.core.urls import safe_next
from marketplace.extensions import db, limiter

bp = Blueprint("accounts", __name__)

EXPORT_FILENAME = "marche-solidaire-mes-donnees.json"


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _signup_limit() -> str:
    return current_app.config["SIGNUP_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


def _me():
    """The signed-in user object itself, not the proxy."""
    return current_user._get_current_object()


def _show_error(form, error: AccountError) -> None:
    """Put a service's refusal next to its field, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _next_target(form=None) -> str | None:
    value = form.next.data if form is not None and form.next.data else request.args.get("next")
    return safe_next(value)


def _invalid_link(error: AccountError, kind: str):
    form = EmailRequestForm() if kind == "verify" and not current_user.is_authenticated else None
    return render_template("accounts/link_invalid.html", message=error.message, kind=kind, form=form), 400


# ---------------------------------------------------------------------------
# Sign-up, login, logout


@bp.route("/compte/inscription", methods=["GET", "POST"])
@public
@limiter.limit(_signup_limit, methods=["POST"])
def signup():
    form = SignupForm()
    target = _next_target(form)
    if current_user.is_authenticated:
        return redirect(target or url_for("accounts.profile"))
    if form.validate_on_submit():
        try:
            user = services.register_user(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                locale=str(get_locale() or "fr"),
                accepted_terms=form.accept_terms.data,
            )
        except AccountError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            flash(
                _("Bienvenue ! Un lien de confirmation vient d'être envoyé à %(email)s.", email=user.email),
                "success",
            )
            return redirect(target or url_for("accounts.profile"))
    form.next.data = target or ""
    return render_template("accounts/signup.html", form=form)


@bp.route("/compte/connexion", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    target = _next_target(form)
    if current_user.is_authenticated:
        return redirect(target or url_for("main.home"))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(_("Adresse e-mail ou mot de passe incorrect."))
        else:
            db.session.commit()
            login_user(user, remember=bool(form.remember.data))
            flash(_("Vous êtes connecté."), "success")
            return redirect(target or url_for("main.home"))
    form.next.data = target or ""
    return render_template("accounts/login.html", form=form)


@bp.post("/compte/deconnexion")
@requires("account")
def logout():
    logout_user()
    flash(_("Vous êtes déconnecté."), "success")
    return redirect(url_for("main.home"))


# ---------------------------------------------------------------------------
# E-mail verification


@bp.get("/compte/verifier/<token>")
@public
def verify_email(token: str):
    try:
        services.verify_email(token)
    except InvalidLinkError as error:
        return _invalid_link(error, "verify")
    db.session.commit()
    flash(_("Merci, votre adresse e-mail est confirmée."), "success")
    return redirect(url_for("accounts.profile" if current_user.is_authenticated else "accounts.login"))


@bp.route("/compte/verification", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limit, methods=["POST"])
def resend_verification():
    if current_user.is_authenticated:
        if request.method == "POST":
            if services.resend_verification(_me()):
                db.session.commit()
                flash(_("Un nouveau lien de confirmation a été envoyé à %(email)s.", email=current_user.email), "success")
            else:
                flash(_("Votre adresse e-mail est déjà confirmée."), "info")
            return redirect(url_for("accounts.profile"))
        return render_template("accounts/resend_verification.html", form=None)
    form = EmailRequestForm()
    if form.validate_on_submit():
        services.request_verification_email(form.email.data)
        db.session.commit()
        flash(
            _(
                "Si un compte non confirmé existe pour cette adresse, un nouveau lien de confirmation "
                "vient d'y être envoyé."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/resend_verification.html", form=form)


# ---------------------------------------------------------------------------
# Password reset


@bp.route("/compte/mot-de-passe-oublie", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    form = EmailRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            _(
                "Si un compte existe pour cette adresse, vous allez recevoir un e-mail avec un lien "
                "pour choisir un nouveau mot de passe."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/compte/mot-de-passe/nouveau/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    if request.method == "GET":
        try:
            services.check_reset_token(token)
        except InvalidLinkError as error:
            return _invalid_link(error, "reset")
        return render_template("accounts/reset_password.html", form=form, token=token)
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except InvalidLinkError as error:
            return _invalid_link(error, "reset")
        except AccountError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            logout_user()
            flash(_("Votre mot de passe a été modifié. Connectez-vous avec le nouveau."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form, token=token)


# ---------------------------------------------------------------------------
# Profile ("Mon compte")


@bp.route("/compte/", methods=["GET", "POST"])
@requires("account")
def profile():
    form = ProfileForm(obj=_me())
    if form.validate_on_submit():
        try:
            services.update_profile(
                _me(),
                display_name=form.display_name.data,
                phone=form.phone.data,
                postal_code=form.postal_code.data,
                locale=form.locale.data,
            )
        except AccountError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            session["locale"] = current_user.locale
            flash(_("Vos informations ont été enregistrées."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)


@bp.route("/compte/adresse-email", methods=["GET", "POST"])
@requires("account")
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            address = services.request_email_change(
                _me(), form.current_password.data, form.new_email.data
            )
        except AccountError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "Un lien de confirmation a été envoyé à %(email)s. L'adresse de votre compte "
                    "changera quand vous l'aurez ouvert.",
                    email=address,
                ),
                "info",
            )
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_email.html", form=form)


@bp.get("/compte/adresse-email/confirmer/<token>")
@public
def confirm_email_change(token: str):
    try:
        user = services.confirm_email_change(token)
    except AccountError as error:
        return _invalid_link(error, "change-email")
    db.session.commit()
    flash(_("Votre adresse e-mail est désormais %(email)s.", email=user.email), "success")
    return redirect(url_for("accounts.profile" if current_user.is_authenticated else "accounts.login"))


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@requires("account")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        remembered = login_remembered()
        try:
            user = services.change_password(_me(), form.current_password.data, form.new_password.data)
        except AccountError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            # The session token changed: sign this session in again, the others are over.
            login_user(user, remember=remembered)
            flash(_("Votre mot de passe a été modifié. Vos autres sessions ont été fermées."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/compte/suppression", methods=["GET", "POST"])
@requires("account")
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(_me(), form.password.data)
        except AccountError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            logout_user()
            flash(_("Votre compte a été supprimé. Merci d'avoir utilisé la plateforme."), "success")
            return redirect(url_for("main.home"))
    return render_template(
        "accounts/delete_account.html", form=form, blocking_vendors=sole_owned_vendors(_me())
    )


@bp.get("/compte/mes-donnees")
@requires("account")
def export_data():
    data = services.export_user_data(_me())
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{EXPORT_FILENAME}"',
            "Cache-Control": "no-store",
        },
    )


# ---------------------------------------------------------------------------
# Professional space


@bp.get("/compte/professionnels")
@requires("buyer.space")
def buyer_space():
    organisations = services.buyer_organisations_of(_me())
    return render_template("accounts/buyer_space.html", organisations=organisations)


@bp.get("/professionnels")
@public
def pro_landing():
    return render_template("accounts/pro_landing.html")
