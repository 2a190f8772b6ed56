"""CSRF: with protection on, every state-changing request without a token is refused (400, the
"form expired" page) for a signed-in person who holds the endpoint's permission, and nothing
changes. The Stripe webhook is the one exemption: Stripe cannot send our token, and the
request is authenticated by its signature instead."""
from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from marketplace.core.permissions import PERMISSIONS, Role
from tests.conftest import csrf_token_from
from tests.security.conftest import changed_tables, snapshot

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Endpoints exempt from CSRF on purpose, and why.
EXEMPT = {"payments.stripe_webhook": "authenticated by the Stripe-Signature header (tests/payments/test_webhooks.py)"}
# A person of the world who holds each role.
ROLE_HOLDERS = [
    (Role.ADMIN, "admin"),
    (Role.COMMITTEE, "chair"),
    (Role.VENDOR, "owner_a"),
    (Role.BUYER, "buyer"),
    (Role.CONSUMER, "customer"),
    (Role.ANONYMOUS, "anonymous"),
]


def _state_changing_rules(app) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.methods & STATE_CHANGING and r.endpoint not in EXEMPT),
        key=lambda r: r.rule,
    )


def _holder(app, rule: Rule) -> str:
    permission = app.view_functions[rule.endpoint].permission
    return next(who for role, who in ROLE_HOLDERS if role in PERMISSIONS[permission])


def _values(rule: Rule, world) -> dict:
    """Real ids where the world has one of the kind, so that the request would otherwise succeed."""
    known = {"vendor_id": world["vendor_a"], "offer_id": world["offer_a"], "vendor_order_id": world["vendor_order_a"],
             "group_id": world["group"], "application_id": world["dossier_c"], "document_id": world["document_a"],
             "image_id": world["image_a"], "line_id": world["cart_line"], "invitation_id": world["invitation_a"],
             "membership_id": world["membership_staff_a"], "token": world["invitation_token"]}
    values = {}
    for arg in rule.arguments:
        converter = type(rule._converters[arg]).__name__
        values[arg] = known.get(arg, 1 if converter == "IntegerConverter" else "x")
    return values


def test_every_state_changing_request_needs_the_token(app, db, csrf_app, client, world, sign_in):
    rules = _state_changing_rules(app)
    assert len(rules) > 40
    unexpected = []
    for rule in rules:
        url = rule.build(_values(rule, world), append_unknown=False)[1]
        who = _holder(app, rule)
        for method in sorted(rule.methods & STATE_CHANGING):
            sign_in(who)
            before = snapshot(db)
            response = client.open(url, method=method, data={"confirm": "y"})
            changes = changed_tables(before, snapshot(db))
            if response.status_code != 400 or "Le formulaire a expiré" not in response.text or changes:
                unexpected.append(f"{method} {url} as {who}: {response.status_code} changed={changes}")
    assert not unexpected, "\n".join(unexpected)


def test_a_token_from_the_page_is_accepted(app, db, csrf_app, client, world, sign_in):
    """The refusals above are CSRF's doing: the same form with its token goes through."""
    sign_in("owner_a")
    url = f"/espace-fournisseur/{world['vendor_a']}/offres/{world['draft_a']}/publier"
    page = client.get(f"/espace-fournisseur/{world['vendor_a']}/offres")
    response = client.post(url, data={"csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 302


def test_a_token_of_another_session_is_refused(app, db, csrf_app, client, world, sign_in):
    other = app.test_client()
    token = csrf_token_from(other.get("/compte/connexion").text)
    sign_in("owner_a")
    url = f"/espace-fournisseur/{world['vendor_a']}/offres/{world['draft_a']}/publier"
    assert client.post(url, data={"csrf_token": token}).status_code == 400


@pytest.mark.parametrize("endpoint", sorted(EXEMPT))
def test_the_webhook_is_exempt_on_purpose_and_checks_its_signature(app, csrf_app, client, db, endpoint):
    from marketplace.extensions import csrf

    view = app.view_functions[endpoint]
    assert f"{view.__module__}.{view.__name__}" in csrf._exempt_views
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    unsigned = client.post(rule.rule, data=b'{"id": "evt_1", "type": "checkout.session.completed"}',
                           content_type="application/json")
    assert unsigned.status_code == 400
    assert "Le formulaire a expiré" not in unsigned.text  # refused by the signature check, not by CSRF
