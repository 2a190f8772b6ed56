"""Imports every model so that the metadata is complete (Alembic, create_all)."""
from marketplace.accounts.models import (  # noqa: F401
    BuyerMembership,
    BuyerOrganisation,
    CommitteeMandate,
    User,
)
from marketplace.core.audit import AuditEvent  # noqa: F401
from marketplace.core.outbox import OutboxMessage  # noqa: F401
from marketplace.vendors.models import Vendor, VendorMembership, VendorSector  # noqa: F401
