"""Marché Solidaire: the marketplace of the social and solidarity economy."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, has_request_context, session
from flask_login import current_user

from marketplace.config import check_production, load_config
from marketplace.core import clock
from marketplace.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: str | dict | None = None) -> Flask:
    """Build the application.

    ``config`` is an environment name (development, testing, production) or a
    dict of overrides applied on top of the environment's settings.
    """
    overrides: dict = {}
    name = None
    if isinstance(config, str):
        name = config
    elif isinstance(config, dict):
        overrides = dict(config)
        name = overrides.pop("ENV_NAME", None)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(load_config(name))
    app.config.update(overrides)
    check_production(app.config)
    if app.config.get("CLOCK_OFFSET_FILE"):
        clock.use_offset_file(app.config["CLOCK_OFFSET_FILE"])
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'marketplace.db'}"
    if not app.config["UPLOAD_DIR"]:
        app.config["UPLOAD_DIR"] = str(Path(app.instance_path) / "uploads")
    if not app.config["PAGE_CACHE_DIR"]:
        app.config["PAGE_CACHE_DIR"] = str(Path(app.instance_path) / "page-cache")
    if not app.config["SEARCH_INDEX_DIR"]:
        app.config["SEARCH_INDEX_DIR"] = str(Path(app.instance_path) / "search-index")
    if app.config["DATABASE_URL"].startswith("postgresql://"):
        app.config["DATABASE_URL"] = app.config["DATABASE_URL"].replace(
            "postgresql://", "postgresql+psycopg://", 1
        )

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    import marketplace.models  # noqa: F401  (complete metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: "Europe/Paris")
    limiter.init_app(app)

    from marketplace.core import page_cache, security

    page_cache.init_app(app)  # inside the proxy headers' fix that security may add

    security.init_app(app)

    from marketplace.accounts.auth import init_login

    init_login(app)

    from marketplace.core import templating

    templating.init_app(app)

    from marketplace.core.errors import init_errors

    init_errors(app)

    _register_blueprints(app)

    from marketplace.cli import init_cli

    init_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from marketplace.accounts.views import bp as accounts_bp
    from marketplace.admin.views import bp as admin_bp
    from marketplace.committee.views import bp as committee_bp
    from marketplace.main.views import bp as main_bp
    from marketplace.search.views import bp as search_bp
    from marketplace.vendors.views import bp as vendors_bp

    for blueprint in (main_bp, accounts_bp, vendors_bp, committee_bp, search_bp, admin_bp):
        app.register_blueprint(blueprint)

    from marketplace.shop.views import bp as shop_bp

    app.register_blueprint(shop_bp)

    from marketplace.catalogue.views import bp as catalogue_bp

    app.register_blueprint(catalogue_bp)

    from marketplace.payments.views import bp as payments_bp

    app.register_blueprint(payments_bp)

    from marketplace.shop.dashboard_views import bp as sales_bp

    app.register_blueprint(sales_bp)

    from marketplace.procurement.tenders.views import bp as tenders_bp

    app.register_blueprint(tenders_bp)

    from marketplace.procurement.bids.views import bp as bids_bp

    app.register_blueprint(bids_bp)

    from marketplace.procurement.quotes.views import bp as quotes_bp

    app.register_blueprint(quotes_bp)


def _select_locale() -> str:
    from flask import current_app

    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return locale_of(current_app.config, session, current_user)


def locale_of(config, session_data, user=None) -> str:
    """The language chosen in the session, else the user's own, else French (whatever the browser says)."""
    languages = config["LANGUAGES"]
    chosen = session_data.get("locale")
    if chosen in languages:
        return chosen
    if user is not None and user.is_authenticated and user.locale in languages:
        return user.locale
    return config["BABEL_DEFAULT_LOCALE"]
