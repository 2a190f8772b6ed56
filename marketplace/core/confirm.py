"""The confirmation step shown before a destructive action."""
from __future__ import annotations

from flask import render_template

from marketplace.core.forms import ConfirmForm


def confirmation_page(
    title: str,
    message: str | list[str],
    submit: str,
    cancel_url: str,
    *,
    heading: str | None = None,
    notice: str | None = None,
    status: int = 200,
    template: str = "confirm.html",
    **context,
):
    """A page asking to confirm an action; its form posts back to the current URL.

    ``message`` is one paragraph or a list of them; ``notice`` an optional
    warning; ``heading`` the page's h1 when it differs from ``title``.
    A domain may pass its own ``template`` extending ``confirm.html`` (blocks
    ``breadcrumb`` and ``details``) with the ``context`` it needs.
    """
    paragraphs = [message] if isinstance(message, str) else list(message)
    return (
        render_template(
            template,
            **context,
            title=title,
            heading=heading or title,
            paragraphs=paragraphs,
            notice=notice,
            submit=submit,
            cancel_url=cancel_url,
            form=ConfirmForm(),
        ),
        status,
    )
