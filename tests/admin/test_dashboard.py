from __future__ import annotations

import datetime as dt

from marketplace.core.outbox import OutboxStatus
from marketplace.vendors.models import VendorStatus
from tests.factories import (
    BuyerOrganisationFactory,
    CommitteeMandateFactory,
    OutboxMessageFactory,
    UserFactory,
    VendorFactory,
)


def _stat(html: str, label: str) -> str:
    marker = f"<dt>{label}</dt><dd>"
    assert marker in html, f"no statistic {label!r}"
    start = html.index(marker) + len(marker)
    return html[start : html.index("</dd>", start)]


def test_dashboard_counts_every_population(db, as_admin, frozen):
    UserFactory.create_batch(2)
    UserFactory(deleted_at=frozen)
    VendorFactory.create_batch(2)
    VendorFactory(candidate=True)
    VendorFactory(status=VendorStatus.SUSPENDED)
    BuyerOrganisationFactory.create_batch(3)
    CommitteeMandateFactory()
    CommitteeMandateFactory(
        starts_on=frozen.date() - dt.timedelta(days=400), ends_on=frozen.date() - dt.timedelta(days=1)
    )
    OutboxMessageFactory.create_batch(2)
    OutboxMessageFactory(status=OutboxStatus.FAILED)
    OutboxMessageFactory(status=OutboxStatus.SENT)
    db.session.commit()

    response = as_admin.get("/admin/")

    assert response.status_code == 200
    html = response.text
    # admin + 2 + 2 committee members; the deleted account is not counted
    assert _stat(html, "Utilisateurs") == "5"
    assert _stat(html, "Administrateurs") == "1"
    assert _stat(html, "Membres du comité en mandat") == "1"
    assert _stat(html, "Total") == "4"
    assert _stat(html, "Organisations acheteuses") == "3"
    assert _stat(html, "En attente d'envoi") == "2"
    assert '<span class="badge badge-failed">1</span>' in _stat(html, "En échec")
    for href in ("/admin/utilisateurs", "/admin/organisations", "/admin/journal", "/admin/boite-mail"):
        assert f'href="{href}"' in html


def test_dashboard_hides_the_mailbox_when_it_is_disabled(app, as_admin, monkeypatch):
    monkeypatch.setitem(app.config, "SHOW_DEV_MAILBOX", False)

    html = as_admin.get("/admin/").text

    assert "/admin/boite-mail" not in html


def test_navigation_leads_to_the_committee_grid_and_charter_administration(as_admin):
    for url in ("/admin/", "/admin/utilisateurs", "/admin/journal"):
        html = as_admin.get(url).text
        nav = html[html.index('<nav class="tabs" aria-label="Administration">') :]
        nav = nav[: nav.index("</nav>")]
        assert 'href="/comite/administration/grille"' in nav, url
        assert 'href="/comite/administration/charte"' in nav, url
    assert as_admin.get("/comite/administration/grille").status_code == 200
    assert as_admin.get("/comite/administration/charte").status_code == 200
