"""Jinja filters and globals shared by every template."""
from __future__ import annotations

import datetime as dt

from flask import current_app, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from marketplace.core.money import format_money, format_rate
from marketplace.core.permissions import ROLE_LABELS, Role, has_permission, roles_of


def _datetime(value: dt.datetime | None, fmt: str = "medium") -> str:
    return "" if value is None else format_datetime(value, fmt)


def _date(value: dt.date | dt.datetime | None, fmt: str = "long") -> str:
    return "" if value is None else format_date(value, fmt)


def url_for_page(page: int) -> str:
    """The current URL with ``page`` replaced (pagination links)."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def init_app(app) -> None:
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["rate"] = format_rate
    app.jinja_env.filters["datetime"] = _datetime
    app.jinja_env.filters["date"] = _date
    app.jinja_env.globals["url_for_page"] = url_for_page
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _globals():
        roles = roles_of(current_user)
        return {
            "platform_name": current_app.config["PLATFORM_NAME"],
            "current_roles": roles,
            "role_labels": ROLE_LABELS,
            "can": lambda permission: has_permission(current_user, permission),
            "languages": current_app.config["LANGUAGES"],
        }
