"""Imports every model so that the metadata is complete (Alembic, create_all)."""
from marketplace.accounts.models import (  # noqa: F401
    BuyerMembership,
    BuyerOrganisation,
    CommitteeMandate,
    User,
)
from marketplace.catalogue.models import Category, Offer, OfferImage, OfferLabel  # noqa: F401, E402
from marketplace.committee.models import (  # noqa: F401
    Criterion,
    Decision,
    DossierMessage,
    LifecycleNotice,
    Review,
    ReviewScore,
)
from marketplace.core.audit import AuditEvent  # noqa: F401
from marketplace.core.outbox import OutboxMessage  # noqa: F401
from marketplace.core.page_cache import ContentVersion  # noqa: F401
from marketplace.payments.models import Payment, Refund, StripeEvent, Transfer  # noqa: F401, E402
from marketplace.procurement.bids.models import (  # noqa: F401, E402
    AwardNotice,
    Bid,
    BidMember,
    BidScore,
    JoinOffer,
    LotDecision,
    PartnerNotice,
    RejectionLetter,
)
from marketplace.procurement.quotes.models import (  # noqa: F401, E402
    Quote,
    QuoteAttachment,
    QuoteLine,
    QuoteMessage,
    QuoteRecipient,
    QuoteRequest,
    QuoteRevision,
)
from marketplace.procurement.tenders.models import (  # noqa: F401, E402
    AwardCriterion,
    Lot,
    Tender,
    TenderAlert,
    TenderAmendment,
    TenderDocument,
    TenderQuestion,
)
from marketplace.shop.models import (  # noqa: F401, E402
    Cart,
    CartLine,
    CreditNote,
    Invoice,
    InvoiceSequence,
    OrderGroup,
    OrderLine,
    StockReservation,
    VendorOrder,
)
from marketplace.vendors.models import (  # noqa: F401
    Application,
    ApplicationAnswer,
    ApplicationDocument,
    CharterSignature,
    CharterVersion,
    Vendor,
    VendorInvitation,
    VendorMembership,
    VendorSector,
)
