"""Helpers for the accounts tests: e-mailed links, form posts."""
from __future__ import annotations

import pytest

from tests.accounts.helpers import link_path
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def last_link(outbox):
    """``last_link(to)``: path of the link in the newest e-mail sent to ``to``."""

    def _last(to: str) -> str:
        messages = outbox(to)
        assert messages, f"no e-mail sent to {to}"
        return link_path(messages[-1])

    return _last


@pytest.fixture
def user(db):
    return UserFactory(email="camille@exemple.fr", display_name="Camille Martin")


@pytest.fixture
def log_in(client):
    """Sign in through the real login form."""

    def _log_in(email: str, password: str = PASSWORD, remember: bool = False, c=None):
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return (c or client).post("/compte/connexion", data=data)

    return _log_in

