"""The reminder to confirm one's e-mail address, shown once on every page."""
from __future__ import annotations

import pytest

from tests.factories import UserFactory

NOTICE = "Confirmez votre adresse e-mail"
RESEND = 'action="/compte/verification"'


@pytest.mark.parametrize("url", ["/", "/charte", "/compte/", "/compte/mot-de-passe", "/page-qui-n-existe-pas"])
def test_an_unverified_user_sees_the_notice_once_on_every_page(client, db, login_as, url):
    login_as(UserFactory(verified_at=None, email="alix@exemple.fr"))
    db.session.commit()  # error pages roll back what the request left pending
    html = client.get(url).text
    assert html.count(NOTICE) == 1, url
    assert html.count(RESEND) == 1, url
    assert "alix@exemple.fr" in html


def test_the_professional_space_shows_it_once(client, login_as):
    from tests.factories import BuyerMembershipFactory

    user = BuyerMembershipFactory(user__verified_at=None).user
    login_as(user)
    html = client.get("/compte/professionnels").text
    assert html.count(NOTICE) == 1


@pytest.mark.parametrize("url", ["/", "/compte/"])
def test_verified_users_and_visitors_do_not_see_it(client, login_as, url):
    assert NOTICE not in client.get("/").text
    login_as(UserFactory())
    assert NOTICE not in client.get(url).text


def test_the_page_that_resends_the_link_does_not_repeat_it(client, login_as):
    login_as(UserFactory(verified_at=None))
    html = client.get("/compte/verification").text
    assert NOTICE not in html
    assert html.count(RESEND) == 1
