"""Two of everything: the objects and people the security tests play against each other.

Vendor A (owner, staff) and vendor B (owner) sell; a customer bought from A;
another consumer, a buyer, committee members (one recused on a dossier, a
chair recused on it too), a candidate's dossier in review, a draft dossier
and an administrator. Everything is committed, so that a refused request
(which rolls back) cannot undo it; the test's transaction still wraps it all.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from marketplace.catalogue.models import OfferImage
from marketplace.committee.models import Review
from marketplace.core.clock import now_utc
from marketplace.shop import cart as carts
from marketplace.shop import checkout as checkouts
from marketplace.shop import invoices, orders
from marketplace.vendors.models import (
    ApplicationAnswer,
    ApplicationDocument,
    ApplicationKind,
    ApplicationStatus,
    DocumentKind,
    MemberRole,
)
from tests.factories import (
    ApplicationFactory,
    BuyerMembershipFactory,
    CharterVersionFactory,
    CommitteeMandateFactory,
    CriterionFactory,
    OfferFactory,
    UserFactory,
    VendorFactory,
    VendorInvitationFactory,
    VendorMembershipFactory,
)
from tests.vendors import conftest as vendor_fixtures
from tests.vendors.conftest import PDF_BYTES


def jpeg_bytes(size=(320, 240)) -> bytes:
    return vendor_fixtures.jpeg_bytes(size)


def png_bytes(size=(320, 240)) -> bytes:
    return vendor_fixtures.png_bytes(size)


@dataclass
class World:
    users: dict = field(default_factory=dict)  # key → User (None for "anonymous")
    ids: dict = field(default_factory=dict)  # key → id or value used in URLs

    def __getitem__(self, key):
        return self.ids[key]


def _write(folder: str, name: str, data: bytes) -> None:
    path = Path(current_app.config["UPLOAD_DIR"]) / folder
    path.mkdir(parents=True, exist_ok=True)
    (path / name).write_bytes(data)


def _details(name: str, email: str) -> checkouts.CheckoutDetails:
    return checkouts.CheckoutDetails(
        contact_name=name, contact_email=email, address_line="3 place du Marché", postal_code="38000",
        city="Grenoble",
    )


def build_world(db, procurement: bool = True) -> World:
    w = World()
    grid = [CriterionFactory(label=f"Critère {n}", weight=n, position=n) for n in (1, 2, 3)]
    CharterVersionFactory()

    # ---- vendor A: owner, staff, offers (one draft with a photo), a renewal dossier with a document
    owner_a = VendorMembershipFactory(vendor__name="Les Confitures de Belledonne").user
    vendor_a = owner_a.vendor_memberships[0].vendor
    staff_a = VendorMembershipFactory(vendor=vendor_a, role=MemberRole.STAFF).user
    offer_a = OfferFactory(vendor=vendor_a, title="Confiture de myrtilles", stock=20)
    draft_a = OfferFactory(vendor=vendor_a, draft=True, title="Gelée de coings")
    photo = secrets.token_hex(8)
    draft_a.images.append(OfferImage(storage_name=f"{photo}.jpg", thumb_name=f"{photo}-vignette.jpg",
                                     width=320, height=240, position=0))
    second = secrets.token_hex(8)
    draft_a.images.append(OfferImage(storage_name=f"{second}.jpg", thumb_name=f"{second}-vignette.jpg",
                                     width=320, height=240, position=1))
    for name in (f"{photo}.jpg", f"{photo}-vignette.jpg", f"{second}.jpg", f"{second}-vignette.jpg"):
        _write("offers", name, jpeg_bytes())
    application_a = ApplicationFactory(vendor=vendor_a, kind=ApplicationKind.RENEWAL, status=ApplicationStatus.DRAFT)
    for criterion in grid:
        application_a.answers.append(ApplicationAnswer(criterion_id=criterion.id, text="Notre engagement."))
    storage = f"{secrets.token_hex(20)}.pdf"
    _write("documents", storage, PDF_BYTES)
    document_a = ApplicationDocument(
        kind=DocumentKind.STATUTES, original_name="statuts.pdf", storage_name=storage,
        content_type="application/pdf", size=len(PDF_BYTES), sha256="0" * 64,
    )
    application_a.documents.append(document_a)
    invitation_a = VendorInvitationFactory(vendor=vendor_a)

    # ---- vendor B
    owner_b = VendorMembershipFactory(vendor__name="Savonnerie du Vercors").user
    vendor_b = owner_b.vendor_memberships[0].vendor
    offer_b = OfferFactory(vendor=vendor_b, title="Savon au lait d'ânesse", stock=None)

    # ---- a customer who bought from A (paid, invoiced, partly credited), a pending order, a cart line
    customer = UserFactory(display_name="Camille Martin")
    cart = carts.cart_for_user(customer, create=True)
    carts.add_to_cart(cart, offer_a.id, 2, user=customer)
    group = checkouts.create_order(customer, cart, _details("Camille Martin", customer.email))
    orders.mark_paid(group, group.total_cents)
    vendor_order_a = group.vendor_orders[0]
    credit_note = invoices.issue_credit_note(vendor_order_a, 100, "Geste commercial")
    cart = carts.cart_for_user(customer, create=True)
    carts.add_to_cart(cart, offer_a.id, 1, user=customer)
    pending = checkouts.create_order(customer, cart, _details("Camille Martin", customer.email))
    pending.checkout_session_id = "cs_test_" + secrets.token_hex(8)
    cart = carts.cart_for_user(customer, create=True)
    line = carts.add_to_cart(cart, offer_b.id, 1, user=customer)

    # ---- the others
    consumer = UserFactory(display_name="Dominique Autre")
    buyer = BuyerMembershipFactory().user
    member = CommitteeMandateFactory().user
    recused = CommitteeMandateFactory(is_vendor_representative=True).user
    chair = CommitteeMandateFactory(is_chair=True).user
    admin = UserFactory(admin=True)

    # ---- a candidate's dossier in review (two recusals) and a draft nobody on the committee may see
    owner_c = VendorMembershipFactory(vendor=VendorFactory(candidate=True, name="Recyclerie du Nyonsais")).user
    dossier_c = ApplicationFactory(vendor=owner_c.vendor_memberships[0].vendor, status=ApplicationStatus.IN_REVIEW,
                                   submitted_at=now_utc() - dt.timedelta(days=3))
    for criterion in grid:
        dossier_c.answers.append(ApplicationAnswer(criterion_id=criterion.id, text="Réponse."))
    chair_recused = CommitteeMandateFactory(is_chair=True).user
    for who in (recused, chair_recused):
        db.session.add(Review(application=dossier_c, reviewer=who, recused=True, recusal_reason="Lien direct.",
                              submitted_at=now_utc()))
    draft_d = ApplicationFactory(status=ApplicationStatus.DRAFT)
    db.session.flush()

    w.users = {
        "anonymous": None, "consumer": consumer, "customer": customer, "owner_a": owner_a, "staff_a": staff_a,
        "owner_b": owner_b, "owner_c": owner_c, "buyer": buyer, "member": member, "recused": recused,
        "chair": chair, "chair_recused": chair_recused, "admin": admin,
    }
    w.ids = {
        "vendor_a": vendor_a.id, "vendor_b": vendor_b.id, "vendor_c": dossier_c.vendor_id,
        "offer_a": offer_a.id, "offer_b": offer_b.id, "category_a": offer_a.category_id, "draft_a": draft_a.id,
        "image_a": draft_a.images[0].id, "image_a2": draft_a.images[1].id, "photo_a": f"{photo}.jpg",
        "application_a": application_a.id, "document_a": document_a.id, "invitation_a": invitation_a.id, "invitation_token": invitation_a.token,
        "membership_staff_a": next(m.id for m in vendor_a.memberships if m.role == MemberRole.STAFF),
        "group": group.id, "vendor_order_a": vendor_order_a.id, "invoice_a": vendor_order_a.invoice.id,
        "credit_note_a": credit_note.id, "pending_session": pending.checkout_session_id, "cart_line": line.id,
        "dossier_c": dossier_c.id, "draft_d": draft_d.id, "criteria": [c.id for c in grid],
    }
    w.ids.update({f"user_{key}": user.id for key, user in w.users.items() if user is not None})
    if procurement:
        from tests.security.procurement_world import add_procurement

        add_procurement(w, db)
    w.ids["vendor_a_slug"] = vendor_a.slug
    w.ids["vendor_c_slug"] = dossier_c.vendor.slug
    db.session.commit()
    return w
