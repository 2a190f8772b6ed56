"""Stored and reflected XSS: payloads typed into every user-editable text field through the real
forms, then every page that shows the field (public, owner's, committee's, administrator's,
and the e-mails it sent, as the dev mailbox renders them) is read as a browser would: no
injected script, no event handler, no ``javascript:`` link, and the payload shown as text.

One line of ``FORMS`` per form: every text field of the form receives the payload, except
those in ``keep`` (formats checked by the form: e-mail, SIRET, amounts…), so that a new text
field is covered as soon as it is added.
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatch

import pytest
import sqlalchemy as sa

from marketplace.core.outbox import OutboxMessage
from tests.security.html import form_posting_to, read
from tests.security.world import jpeg_bytes

PAYLOADS = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "[lien](javascript:alert(1)) {{7*7}} {% if 1 %}x{% endif %}",
    "</textarea></title></script><script>alert(1)</script><!--",
    '<a href="javascript:alert(1)">lien</a><iframe src=//x>',
]
# For fields that must hold a web address.
URL_PAYLOADS = [
    'https://exemple.fr/"onmouseover="alert(1)"x=.y',
    "https://exemple.fr/'><script>alert(1)</script>.y",
]
SUFFIX = " (texte de test)"


@dataclass(frozen=True)
class FormCase:
    name: str
    user: str
    page: str  # the page holding the form, formatted with the world's ids
    shown: tuple[tuple[str, str], ...]  # (who, url): pages that must show the values, as text
    also: tuple[tuple[str, str], ...] = ()  # (who, url): other pages where they may appear, checked inert
    action: str = ""  # where the form posts, if not to its own page
    keep: tuple[str, ...] = ()  # text fields left as the page fills them (checked formats); globs
    typed: tuple[tuple[str, str], ...] = ()  # what the user types in other fields
    url_fields: tuple[str, ...] = ()  # text fields that hold a web address
    limits: tuple[tuple[str, int], ...] = ()  # (field, length): short fields get the payload's start
    upload: str = ""  # a file field that needs a photo
    prepare: Callable | None = None  # prepare(world, db) before the form is opened
    after: Callable | None = None  # after(world, db) once the form is sent (e.g. the payment)
    fixtures: tuple[str, ...] = ()
    procurement: bool = False  # needs the procurement part of the world

    @property
    def id(self) -> str:
        return self.name


# ---------------------------------------------------------------- preparations


def _question_asked(world, db):
    """The committee asked a question about a complete dossier (so that it can be sent back)."""
    from marketplace.committee.services import ask_question
    from marketplace.vendors.models import Application, ApplicationDocument, DocumentKind, Sector
    from marketplace.vendors.services import current_charter
    from tests.factories import CharterSignatureFactory

    application = db.session.get(Application, world["dossier_c"])
    vendor = application.vendor
    vendor.year_founded, vendor.staff_count = 2012, 8
    vendor.set_sectors([Sector.ALIMENTATION])
    for kind in (DocumentKind.STATUTES, DocumentKind.REGISTRATION):
        application.documents.append(ApplicationDocument(
            kind=kind, original_name=f"{kind.value}.pdf", storage_name=f"{kind.value}-{application.id}.pdf",
            content_type="application/pdf", size=10, sha256="0" * 64))
    CharterSignatureFactory(vendor_id=vendor.id, charter_version=current_charter())
    ask_question(application, world.users["member"], "Votre gouvernance ?")
    db.session.commit()


def _quorum_reached(world, db):
    from marketplace.committee.models import Opinion
    from marketplace.committee.services import submit_review
    from marketplace.vendors.models import Application
    from tests.factories import CommitteeMandateFactory

    application = db.session.get(Application, world["dossier_c"])
    for _ in range(3):
        reviewer = CommitteeMandateFactory().user
        submit_review(application, reviewer, {cid: (2, None) for cid in world["criteria"]}, Opinion.FAVORABLE, "Bien.")
    db.session.commit()


def _paid(world, db):
    """The payment of the order just placed is confirmed (what the Stripe webhook does)."""
    from marketplace.shop import orders
    from marketplace.shop.models import OrderGroup

    group = db.session.scalar(sa.select(OrderGroup).order_by(OrderGroup.id.desc()))
    orders.mark_paid(group, group.total_cents)
    db.session.commit()
    part = next(vo for vo in group.vendor_orders if vo.vendor_id == world["vendor_a"])
    world.ids.update(new_group=group.id, new_vendor_order=part.id, new_invoice=part.invoice.id)


def procurement_form(*args, **kwargs) -> FormCase:
    return FormCase(*args, procurement=True, **kwargs)


V = "/espace-fournisseur/{vendor_a}"
DOSSIER = "/comite/dossiers/{dossier_c}"
Q = "/compte/professionnels/devis"
T = "/compte/professionnels/appels-d-offres"

FORMS = [
    FormCase("account name", "staff_a", "/compte/", keep=("phone", "postal_code"),
             shown=(("staff_a", "/compte/"), ("owner_a", V + "/equipe"), ("admin", "/admin/utilisateurs/{user_staff_a}"))),
    FormCase("offer", "owner_a", V + "/offres/{offer_a}", keep=("price", "stock", "delivery_fee"),
             shown=(("anonymous", "/offres/{offer_a}"), ("owner_a", V + "/offres/{offer_a}"),
                    ("owner_a", V + "/offres"), ("anonymous", "/catalogue"), ("anonymous", "/fournisseurs/{vendor_a_slug}")),
             also=(("anonymous", "/recherche?q=texte+test"), ("anonymous", "/"))),
    FormCase("new offer", "owner_a", V + "/offres/nouvelle", keep=("price", "stock", "delivery_fee"),
             typed=(("price", "4,50"), ("stock", "5"), ("category_id", "{category_a}")), shown=(("owner_a", V + "/offres"),)),
    FormCase("offer photo description", "owner_a", V + "/offres/{draft_a}/photos", upload="image",
             shown=(("owner_a", V + "/offres/{draft_a}/photos"), ("owner_a", "/offres/{draft_a}"))),
    FormCase("structure identity", "owner_a", V + "/dossier/identite", keep=("siret", "year_founded", "staff_count",
             "insertion_jobs"),
             shown=(("owner_a", V + "/dossier"), ("anonymous", "/fournisseurs/{vendor_a_slug}"), ("owner_a", "/espace-fournisseur"),
                    ("anonymous", "/offres/{offer_a}"), ("admin", "/admin/utilisateurs/{user_owner_a}"))),
    FormCase("structure territory", "owner_a", V + "/dossier/territoire", keep=("postal_code",),
             shown=(("owner_a", V + "/dossier/territoire"), ("owner_a", V + "/dossier"))),
    FormCase("structure activity", "owner_a", V + "/dossier/activite", keep=("phone", "email"), url_fields=("website",),
             shown=(("owner_a", V + "/dossier"), ("anonymous", "/fournisseurs/{vendor_a_slug}"))),
    FormCase("dossier commitments", "owner_a", V + "/dossier/engagements",
             shown=(("owner_a", V + "/dossier"), ("owner_a", V + "/dossier/engagements"))),
    FormCase("committee review", "member", DOSSIER, action=DOSSIER + "/avis",
             shown=(("member", DOSSIER), ("admin", DOSSIER))),
    FormCase("committee recusal", "member", DOSSIER, action=DOSSIER + "/conflit-interets",
             typed=(("confirm_recusal", "y"),), shown=(("admin", DOSSIER), ("member", DOSSIER))),
    FormCase("committee question", "member", DOSSIER, action=DOSSIER + "/question",
             shown=(("member", DOSSIER), ("owner_c", "/espace-fournisseur/{vendor_c}/dossier"))),
    FormCase("applicant's answer", "owner_c", "/espace-fournisseur/{vendor_c}/dossier",
             action="/espace-fournisseur/{vendor_c}/dossier/repondre", prepare=_question_asked,
             shown=(("owner_c", "/espace-fournisseur/{vendor_c}/dossier"), ("member", DOSSIER))),
    FormCase("committee decision", "chair", DOSSIER, action=DOSSIER + "/decision", prepare=_quorum_reached,
             typed=(("outcome", "approved"), ("confirm_decision", "y")),
             shown=(("chair", DOSSIER),), also=(("owner_c", "/espace-fournisseur/{vendor_c}/dossier"),)),
    FormCase("suspension", "member", "/comite/structures/{vendor_a}/suspendre",
             shown=(("member", "/comite/structures?statut=suspended"), ("owner_a", "/espace-fournisseur"))),
    FormCase("contact", "anonymous", "/contact", keep=("email",), typed=(("email", "visiteur@exemple.fr"),), shown=()),
    FormCase("checkout", "customer", "/commande/validation", keep=("contact_email", "contact_phone", "postal_code"),
             typed=(("contact_email", "camille@exemple.fr"),), fixtures=("stripe_simulator",), after=_paid,
             shown=(("customer", "/mes-commandes/{new_group}"), ("owner_a", V + "/commandes/{new_vendor_order}"),
                    ("owner_a", "/factures/{new_invoice}"))),
    FormCase("vendor cancellation", "owner_a", V + "/commandes/{vendor_order_a}/annuler",
             shown=(("customer", "/mes-commandes/{group}"), ("owner_a", V + "/commandes/{vendor_order_a}"))),
    FormCase("grid criterion", "admin", "/comite/administration/grille/nouveau", keep=("weight", "position"),
             shown=(("admin", "/comite/administration/grille"), ("owner_a", V + "/dossier/engagements"))),
    FormCase("charter", "admin", "/comite/administration/charte", typed=(("confirm", "y"),),
             shown=(("anonymous", "/charte"), ("owner_a", V + "/dossier/charte"))),
    # ---- procurement
    procurement_form("quote request", "buyer", Q + "/{draft_request}/modifier", keep=("unit", "budget", "vendor_query"),
             typed=(("save_draft", "y"),), shown=(("buyer", Q + "/{draft_request}"),)),
    procurement_form("quote", "owner_a", V + "/devis/{request}/repondre", typed=(("send", "y"),),
             keep=("lines-*-unit", "lines-*-unit_price", "lines-[1-9]-designation"),
             shown=(("buyer", Q + "/{request}/devis/{quote}"), ("owner_a", V + "/devis/{request}"))),
    procurement_form("buyer's message", "buyer", Q + "/{request}/messages/{vendor_a}",
             shown=(("owner_a", V + "/devis/{request}"), ("buyer", Q + "/{request}/messages/{vendor_a}"))),
    procurement_form("vendor's message", "owner_a", V + "/devis/{request}", action=V + "/devis/{request}/messages",
             shown=(("buyer", Q + "/{request}/messages/{vendor_a}"), ("owner_a", V + "/devis/{request}"))),
    procurement_form("tender", "buyer", T + "/{draft_tender}/modifier", limits=(("reference", 60),),
             shown=(("buyer", T + "/{draft_tender}"),)),
    procurement_form("tender amendment", "buyer", T + "/{tender}/avis-rectificatif", keep=("document_title",),
             typed=(("question_deadline", "2030-01-05T12:00"), ("submission_deadline", "2030-01-15T12:00")),
             shown=(("anonymous", "/appels-d-offres/{tender}"),)),
    procurement_form("tender question", "owner_a", "/appels-d-offres/{tender}", action="/appels-d-offres/{tender}/questions",
             shown=(("buyer", T + "/{tender}/questions"),)),
    procurement_form("tender answer", "buyer", T + "/{tender}/questions", action=T + "/{tender}/questions/{question}/repondre",
             shown=(("anonymous", "/appels-d-offres/{tender}"), ("owner_a", "/appels-d-offres/{tender}"))),
    procurement_form("tender cancellation", "buyer", T + "/{tender}/annuler", shown=(("anonymous", "/appels-d-offres/{tender}"),)),
    procurement_form("bid", "owner_a", V + "/reponses/{bid}/modifier", keep=("price",), shown=(("owner_a", V + "/reponses/{bid}"),)),
    procurement_form("partner notice", "owner_b", "/appels-d-offres/{tender}/lots/{lot}/cherche-partenaires",
             shown=(("owner_a", "/appels-d-offres/{tender}/partenaires"),)),
]
CASES = [
    pytest.param(form, i, id=f"{form.name}-{i}", marks=[pytest.mark.procurement] if form.procurement else [])
    for form in FORMS for i in range(len(PAYLOADS))
]


def _value(payload_index: int, field: str, form: FormCase) -> str:
    if field in form.url_fields:
        return URL_PAYLOADS[payload_index % len(URL_PAYLOADS)]
    return (PAYLOADS[payload_index] + SUFFIX)[: dict(form.limits).get(field)]


def _new_messages(db, since: int) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id > since).order_by(OutboxMessage.id)))


@pytest.mark.parametrize("form, payload", CASES)
def test_payloads_are_shown_inert_everywhere(request, app, db, world, sign_in, form, payload):
    for name in form.fixtures:
        request.getfixturevalue(name)
    if form.prepare:
        form.prepare(world, db)
    last_message = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0
    client = sign_in(form.user)
    page_url = form.page.format(**world.ids)
    action = (form.action or form.page).format(**world.ids)
    page = client.get(page_url)
    assert page.status_code == 200, f"{page_url}: {page.status_code}"
    html_form = form_posting_to(page.text, action)
    fields = [name for name in html_form.text_fields() if not any(fnmatch(name, kept) for kept in form.keep)]
    assert fields, f"{form.name}: no text field to fill"
    typed = {name: _value(payload, name, form) for name in fields}
    data = html_form.data(**{k: v.format(**world.ids) for k, v in form.typed}, **typed)
    if form.upload:
        data[form.upload] = (io.BytesIO(jpeg_bytes()), "photo.jpg")
    response = client.post(action, data=data, content_type="multipart/form-data")
    assert response.status_code in (302, 303), (
        f"{form.name}: the form was refused ({response.status_code}): {_errors(response.text)}"
    )
    if form.after:
        form.after(world, db)

    problems, missing = [], []
    values = set(typed.values())
    pages = [(who, url, True) for who, url in form.shown] + [(who, url, False) for who, url in form.also]
    for who, url, must_show in pages:
        url = url.format(**world.ids)
        answer = sign_in(who).get(url, follow_redirects=True)
        assert answer.status_code == 200, f"{who} {url}: {answer.status_code}"
        reading = read(answer.text)
        problems += [f"{who} {url}: {p}" for p in reading.problems]
        missing += [f"{who} {url}: {v!r}" for v in values if must_show and not reading.shows(v)]
    for message in _new_messages(db, last_message):
        answer = sign_in("admin").get(f"/admin/boite-mail/{message.id}")
        assert answer.status_code == 200
        problems += [f"e-mail {message.subject!r}: {p}" for p in read(answer.text).problems]
    assert not problems, "executable markup:\n" + "\n".join(problems)
    assert not missing, "values not shown as typed:\n" + "\n".join(missing)


def _errors(html: str) -> str:
    return " ".join(re.findall(r'(?:error|erreur)[^>]*>\s*([^<\s][^<]{2,200})', html))[:1000]


# ---------------------------------------------------------------- reflected values


REFLECTED = [
    "/recherche?q={p}",
    "/recherche/suggestions?q={p}",
    "/catalogue?q={p}&tri={p}&label={p}",
    "/fournisseurs?q={p}&departement={p}",
    "/compte/connexion?next={p}",
    "/page-{p}",
    "/offres/1-{p}",
]


@pytest.mark.parametrize("url", REFLECTED)
@pytest.mark.parametrize("payload", range(len(PAYLOADS)))
def test_reflected_parameters_are_inert(client, db, url, payload):
    from urllib.parse import quote

    response = client.get(url.format(p=quote(PAYLOADS[payload], safe="")), follow_redirects=True)
    assert response.status_code in (200, 400, 404), response.status_code
    if response.mimetype == "text/html":
        assert read(response.text).problems == []
    else:  # data for the page's script, which inserts it as text: never read as HTML
        assert response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("target", ["javascript:alert(1)", "//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_next_parameters_never_leave_the_site(client, db, target):
    from tests.factories import PASSWORD, UserFactory

    user = UserFactory()
    db.session.commit()
    response = client.post(f"/compte/connexion?next={target}", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    switched = client.post("/langue", data={"locale": "en", "next": target})
    assert switched.headers["Location"].startswith("/") and not switched.headers["Location"].startswith(("//", "/\\"))
