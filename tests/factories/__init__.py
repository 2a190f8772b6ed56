"""factory-boy factories, one per model, flushed into the test session."""
from __future__ import annotations

import datetime as dt

import factory
from factory.alchemy import SQLAlchemyModelFactory

from marketplace.accounts.models import (
    BuyerKind,
    BuyerMembership,
    BuyerOrganisation,
    CommitteeMandate,
    User,
)
from marketplace.core.audit import AuditEvent
from marketplace.core.clock import now_utc
from marketplace.core.identifiers import make_siret as siret_for
from marketplace.core.outbox import OutboxMessage
from marketplace.extensions import db
from marketplace.vendors.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    CharterSignature,
    CharterVersion,
    LegalForm,
    MemberRole,
    Vendor,
    VendorInvitation,
    VendorMembership,
    VendorStatus,
)

PASSWORD = "mot-de-passe-solide"


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    display_name = factory.Faker("name", locale="fr_FR")
    locale = "fr"
    verified_at = factory.LazyFunction(now_utc)
    password_hash = factory.LazyFunction(lambda: _hash(PASSWORD))

    class Params:
        admin = factory.Trait(is_admin=True)
        unverified = factory.Trait(verified_at=None)


def _hash(password: str) -> str:
    from marketplace.accounts.auth import hash_password

    return hash_password(password)


class BuyerOrganisationFactory(BaseFactory):
    class Meta:
        model = BuyerOrganisation

    name = factory.Sequence(lambda n: f"Commune de Saint-Exemple {n}")
    kind = BuyerKind.COMMUNE
    siret = factory.Sequence(lambda n: siret_for(210000000 + n))
    postal_code = "38000"
    commune = "Grenoble"
    departement_code = "38"
    payment_term_days = 30


class BuyerMembershipFactory(BaseFactory):
    class Meta:
        model = BuyerMembership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(BuyerOrganisationFactory)


class CommitteeMandateFactory(BaseFactory):
    class Meta:
        model = CommitteeMandate

    user = factory.SubFactory(UserFactory)
    organisation_name = factory.Sequence(lambda n: f"Association membre {n}")
    starts_on = factory.LazyFunction(lambda: now_utc().date() - dt.timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: now_utc().date() + dt.timedelta(days=700))
    is_chair = False
    is_vendor_representative = False


class VendorFactory(BaseFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Coopérative Exemple {n}")
    slug = factory.Sequence(lambda n: f"cooperative-exemple-{n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} SCOP SARL")
    siret = factory.Sequence(lambda n: siret_for(800000000 + n))
    legal_form = LegalForm.SCOP
    address = "12 rue des Artisans"
    postal_code = "38000"
    commune = "Grenoble"
    departement_code = "38"
    region_code = "84"
    description = "Une coopérative de l'économie sociale et solidaire."
    status = VendorStatus.APPROVED
    approved_at = factory.LazyFunction(now_utc)
    approval_expires_at = factory.LazyFunction(lambda: now_utc() + dt.timedelta(days=365))

    class Params:
        candidate = factory.Trait(status=VendorStatus.CANDIDATE, approved_at=None, approval_expires_at=None)


class VendorMembershipFactory(BaseFactory):
    class Meta:
        model = VendorMembership

    user = factory.SubFactory(UserFactory)
    vendor = factory.SubFactory(VendorFactory)
    role = MemberRole.OWNER


class AuditEventFactory(BaseFactory):
    class Meta:
        model = AuditEvent

    subject_type = "user"
    subject_id = 1
    action = "test"
    at = factory.LazyFunction(now_utc)


class OutboxMessageFactory(BaseFactory):
    class Meta:
        model = OutboxMessage

    to_address = factory.Sequence(lambda n: f"destinataire{n}@exemple.fr")
    subject = "Bienvenue"
    body = "Bonjour,\nhttp://localhost/compte/verifier/abc\n"


class ApplicationFactory(BaseFactory):
    class Meta:
        model = Application

    vendor = factory.SubFactory(VendorFactory, candidate=True)
    kind = ApplicationKind.INITIAL
    status = ApplicationStatus.DRAFT


class CharterVersionFactory(BaseFactory):
    class Meta:
        model = CharterVersion

    version = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda o: f"Charte de la plateforme, version {o.version}")
    body = "Préambule.\n\nLa structure poursuit une finalité d'utilité sociale.\n\nElle pratique des prix justes."
    published_at = factory.LazyFunction(lambda: now_utc() - dt.timedelta(days=1))


class CharterSignatureFactory(BaseFactory):
    class Meta:
        model = CharterSignature

    vendor_id = factory.LazyAttribute(lambda o: VendorFactory().id)
    charter_version = factory.SubFactory(CharterVersionFactory)
    signed_at = factory.LazyFunction(now_utc)


class VendorInvitationFactory(BaseFactory):
    class Meta:
        model = VendorInvitation

    vendor = factory.SubFactory(VendorFactory)
    email = factory.Sequence(lambda n: f"invite{n}@exemple.fr")
    token = factory.Sequence(lambda n: f"jeton-invitation-{n:04d}")
    created_at = factory.LazyFunction(now_utc)
    expires_at = factory.LazyFunction(lambda: now_utc() + dt.timedelta(days=14))


from marketplace.committee.models import (  # noqa: E402
    Criterion,
    DossierMessage,
    LifecycleNotice,
    Opinion,
    Review,
    ReviewScore,
)


class CriterionFactory(BaseFactory):
    class Meta:
        model = Criterion

    code = factory.Sequence(lambda n: f"critere-{n}")
    label = factory.Sequence(lambda n: f"Utilité sociale {n}")
    description = "Décrivez la finalité sociale de la structure."
    weight = 1
    position = factory.Sequence(lambda n: n)
    active = True


class ReviewFactory(BaseFactory):
    class Meta:
        model = Review

    application = factory.SubFactory(ApplicationFactory, status=ApplicationStatus.IN_REVIEW)
    reviewer = factory.SubFactory(UserFactory)
    recused = False
    opinion = Opinion.FAVORABLE
    comment = "Dossier solide."
    submitted_at = factory.LazyFunction(now_utc)

    class Params:
        recusal = factory.Trait(recused=True, opinion=None, comment=None, recusal_reason="Lien familial.")


class ReviewScoreFactory(BaseFactory):
    class Meta:
        model = ReviewScore

    review = factory.SubFactory(ReviewFactory)
    criterion = factory.SubFactory(CriterionFactory)
    score = 2
    weight = factory.LazyAttribute(lambda o: o.criterion.weight)


class DossierMessageFactory(BaseFactory):
    class Meta:
        model = DossierMessage

    application_id = factory.LazyAttribute(lambda o: ApplicationFactory(status=ApplicationStatus.INFO_REQUESTED).id)
    from_committee = True
    body = "Pouvez-vous préciser la part de votre chiffre d'affaires réalisée localement ?"
    created_at = factory.LazyFunction(now_utc)


class LifecycleNoticeFactory(BaseFactory):
    class Meta:
        model = LifecycleNotice

    kind = "expiry_30"
    key = factory.Sequence(lambda n: f"vendor:{n}:2030-01-01")
    sent_at = factory.LazyFunction(now_utc)


from marketplace.catalogue.models import (  # noqa: E402
    Category,
    Channels,
    Offer,
    OfferImage,
    OfferKind,
    OfferStatus,
    Unit,
)


class CategoryFactory(BaseFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Catégorie {n}")
    slug = factory.Sequence(lambda n: f"categorie-{n}")
    position = factory.Sequence(lambda n: n)


class OfferFactory(BaseFactory):
    class Meta:
        model = Offer

    vendor = factory.SubFactory(VendorFactory)
    category = factory.SubFactory(CategoryFactory)
    kind = OfferKind.PRODUCT
    title = factory.Sequence(lambda n: f"Confiture de fraises n°{n}")
    slug = factory.Sequence(lambda n: f"confiture-de-fraises-{n}")
    description_text = "Une confiture artisanale."
    description_html = "<p>Une confiture artisanale.</p>"
    price_cents = 650
    vat_rate_bp = 550
    unit = Unit.PIECE
    stock = 10
    channels = Channels.B2C
    pickup = True
    pickup_hours = "Mercredi et samedi, 9 h – 12 h"
    delivery = True
    delivery_fee_cents = 590
    status = OfferStatus.PUBLISHED
    published_at = factory.LazyFunction(now_utc)

    class Params:
        draft = factory.Trait(status=OfferStatus.DRAFT, published_at=None)


class OfferImageFactory(BaseFactory):
    class Meta:
        model = OfferImage

    offer = factory.SubFactory(OfferFactory)
    storage_name = factory.Sequence(lambda n: f"offers/image-{n}.jpg")
    thumb_name = factory.Sequence(lambda n: f"offers/image-{n}-thumb.jpg")
    width = 1200
    height = 900
    position = 0


from marketplace.shop.models import (  # noqa: E402
    Cart,
    CartLine,
    Fulfilment,
    OrderGroup,
    OrderGroupStatus,
    OrderLine,
    VendorOrder,
    VendorOrderStatus,
)


class CartFactory(BaseFactory):
    class Meta:
        model = Cart

    user_id = factory.LazyAttribute(lambda o: UserFactory().id)


class CartLineFactory(BaseFactory):
    class Meta:
        model = CartLine

    cart = factory.SubFactory(CartFactory)
    offer_id = factory.LazyAttribute(lambda o: OfferFactory().id)
    quantity = 1


class OrderGroupFactory(BaseFactory):
    class Meta:
        model = OrderGroup

    consumer_id = factory.LazyAttribute(lambda o: UserFactory().id)
    contact_name = "Camille Martin"
    contact_email = factory.Sequence(lambda n: f"acheteur{n}@exemple.fr")
    address_line = "3 place du Marché"
    postal_code = "38000"
    city = "Grenoble"
    status = OrderGroupStatus.PENDING_PAYMENT
    total_cents = 0
    expires_at = factory.LazyFunction(lambda: now_utc() + dt.timedelta(minutes=30))


class VendorOrderFactory(BaseFactory):
    class Meta:
        model = VendorOrder

    order_group = factory.SubFactory(OrderGroupFactory)
    vendor_id = factory.LazyAttribute(lambda o: VendorFactory().id)
    status = VendorOrderStatus.PENDING_PAYMENT
    fulfilment = Fulfilment.PICKUP
    commission_bp = 500


class OrderLineFactory(BaseFactory):
    class Meta:
        model = OrderLine

    vendor_order = factory.SubFactory(VendorOrderFactory)
    title = "Miel de lavande 500 g"
    unit_price_cents = 1200
    vat_rate_bp = 550
    quantity = 1
    total_cents = factory.LazyAttribute(lambda o: o.unit_price_cents * o.quantity)


from marketplace.payments.models import (  # noqa: E402
    Payment,
    PaymentStatus,
    StripeEvent,
    Transfer,
    TransferStatus,
)


class PaymentFactory(BaseFactory):
    class Meta:
        model = Payment

    order_group_id = factory.LazyAttribute(lambda o: OrderGroupFactory().id)
    checkout_session_id = factory.Sequence(lambda n: f"cs_test_usine{n:06d}")
    amount_cents = 0
    status = PaymentStatus.OPEN


class TransferFactory(BaseFactory):
    class Meta:
        model = Transfer

    vendor_order_id = factory.LazyAttribute(lambda o: VendorOrderFactory().id)
    vendor_id = factory.LazyAttribute(lambda o: db.session.get(VendorOrder, o.vendor_order_id).vendor_id)
    amount_cents = 0
    status = TransferStatus.PENDING
    idempotency_key = factory.LazyAttribute(lambda o: f"transfer-vo-{o.vendor_order_id}")


class StripeEventFactory(BaseFactory):
    class Meta:
        model = StripeEvent

    event_id = factory.Sequence(lambda n: f"evt_usine{n:06d}")
    type = "checkout.session.completed"
    received_at = factory.LazyFunction(now_utc)
