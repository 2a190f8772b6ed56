"""What the committee's services share: their errors, the quorum, the guards
of an action on a dossier, and dates written out in full."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _

from marketplace.committee import permissions as perms
from marketplace.extensions import db
from marketplace.vendors.models import Application
from marketplace.vendors.workflow import WorkflowError


class CommitteeError(WorkflowError):
    """A refused committee action; ``field`` names the form field it concerns, if any."""


class NotAllowed(CommitteeError):
    """The user may see the object but not do this (403)."""


def quorum() -> int:
    return int(current_app.config["COMMITTEE_QUORUM"])


def lock_application(application: Application) -> None:
    """Serialise the actions on one dossier across workers (row lock on PostgreSQL)."""
    db.session.refresh(application, with_for_update=True)


def require_member(member) -> None:
    if not perms.is_member(member):
        raise NotAllowed(_("Seuls les membres du comité d'éthique en exercice peuvent faire cela."))


def require_not_recused(application: Application, member) -> None:
    if perms.has_recused(application, member):
        raise NotAllowed(
            _("Vous avez déclaré un conflit d'intérêts sur ce dossier : vous ne pouvez plus intervenir.")
        )


def require_status(application: Application, allowed, message) -> None:
    if application.status not in allowed:
        raise CommitteeError(message)


def format_long_date(value: dt.datetime) -> str:
    from flask_babel import format_date

    return format_date(value, "long")
