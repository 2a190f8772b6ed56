"""Approved vendor structures (fournisseurs), their members, and the charter they signed."""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from marketplace.core.identifiers import make_siret
from marketplace.core.territories import departement_from_postal_code
from marketplace.vendors.models import (
    CharterSignature,
    CharterVersion,
    LegalForm,
    MemberRole,
    Sector,
    Vendor,
    VendorMembership,
    VendorStatus,
)
from seeds.base import DATA_DIR, SeedContext, email_for, fictional_phone

CHARTER_VERSION = 1
CHARTER_TITLE = "Charte de la plateforme Marché Solidaire"

FIRST_NAMES = (
    "Claire Antoine Sandrine Mathieu Fatima Nicolas Élodie Youssef Agnès Rémi Chloé "
    "Bernard Sarah Guillaume Nathalie Olivier Manon Samuel Aurélie Pierre Leïla "
    "François Margaux Damien"
).split()
LAST_NAMES = (
    "Rochas Blanc Perrin Chevalier Mounier Garnier Bouvier Fournier Gauthier Arnaud "
    "Benali Vial Rey Collomb Brunet Jacquet Tardy Faure Guillot Masson Charvet Pellet "
    "Rousset Mollard"
).split()

# Vendors whose owner (and staff) are printed as demo logins: role, what to try.
FEATURED_OWNERS = {
    "le-panier-des-cimes": (
        "Vendor owner (responsable de la structure)",
        "Espace fournisseur: the approved structure, its dossier, its team, the signed charter.",
    ),
    "les-cuisines-partagees": (
        "Vendor owner, renewal due",
        "Approval expires within a month: start the renewal (renouvellement).",
    ),
}
FEATURED_STAFF = {
    "le-panier-des-cimes": (
        "Vendor staff (membre de l'équipe)",
        "The same vendor space, as a staff member.",
    ),
}


@lru_cache(maxsize=1)
def vendor_specs() -> tuple[dict[str, Any], ...]:
    with (DATA_DIR / "vendors.toml").open("rb") as fh:
        return tuple(tomllib.load(fh)["vendors"])


def vendor_siret(slug: str) -> str:
    """A valid SIRET derived from the slug: stable whatever the order of the data file."""
    digest = hashlib.sha256(slug.encode()).hexdigest()
    return make_siret(int(digest[:12], 16) % 10**8)


def seed_charter(ctx: SeedContext) -> None:
    body = (DATA_DIR / "charter_v1.txt").read_text(encoding="utf-8").strip()
    ctx.get_or_create(
        CharterVersion,
        {"version": CHARTER_VERSION},
        {"title": CHARTER_TITLE, "body": body, "published_at": ctx.days_ago(400)},
    )


def seed_vendors(ctx: SeedContext) -> None:
    charter = ctx.session.scalar(sa.select(CharterVersion).filter_by(version=CHARTER_VERSION))
    validity = dt.timedelta(days=int(ctx.config["APPROVAL_VALIDITY_DAYS"]))
    for spec in vendor_specs():
        slug = spec["slug"]
        rng = ctx.rng("vendor", slug)
        owner_name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        owner_name = spec.get("owner", owner_name)
        phone = fictional_phone(rng)
        days_ago = spec.get("approved_days_ago") or rng.randint(20, 350)
        approved_at = ctx.days_ago(
            days_ago, hour=rng.randint(9, 17), minute=rng.choice((0, 15, 30, 45))
        )
        applied_at = approved_at - dt.timedelta(days=rng.randint(35, 70))

        owner = ctx.user(f"contact@{slug}.example", owner_name, created_days_ago=days_ago + 75)
        vendor, created = ctx.get_or_create(
            Vendor,
            {"slug": slug},
            lambda: vendor_values(spec, approved_at, validity, applied_at, phone),  # noqa: B023
        )
        if created:
            vendor.set_sectors([Sector(value) for value in spec["sectors"]])
        ctx.get_or_create(
            VendorMembership,
            {"user_id": owner.id, "vendor_id": vendor.id},
            {"role": MemberRole.OWNER, "created_at": applied_at},
        )
        if slug in FEATURED_OWNERS:
            ctx.login(FEATURED_OWNERS[slug][0], owner.email, FEATURED_OWNERS[slug][1])
        for staff_name in spec.get("staff", []):
            staff_email = email_for(staff_name, f"{slug}.example")
            staff = ctx.user(staff_email, staff_name, created_days_ago=days_ago + 30)
            ctx.get_or_create(
                VendorMembership,
                {"user_id": staff.id, "vendor_id": vendor.id},
                {"role": MemberRole.STAFF, "created_at": applied_at + dt.timedelta(days=3)},
            )
            if slug in FEATURED_STAFF:
                ctx.login(FEATURED_STAFF[slug][0], staff.email, FEATURED_STAFF[slug][1])
        if charter is not None and vendor.status == VendorStatus.APPROVED:
            ctx.get_or_create(
                CharterSignature,
                {"vendor_id": vendor.id, "charter_version_id": charter.id},
                {"signed_by_id": owner.id, "signed_at": applied_at},
            )


def vendor_values(
    spec: dict[str, Any],
    approved_at: dt.datetime,
    validity: dt.timedelta,
    applied_at: dt.datetime,
    phone: str,
) -> dict[str, Any]:
    """The columns of an approved structure described by ``spec`` (an entry of a data file)."""
    legal_form = LegalForm(spec["legal_form"])
    departement = departement_from_postal_code(spec["postal_code"])
    if departement is None:
        raise ValueError(f"{spec['slug']}: unknown postal code {spec['postal_code']}")
    slug = spec["slug"]
    return {
        "name": spec["name"],
        "legal_name": spec["legal_name"],
        "siret": vendor_siret(slug),
        "legal_form": legal_form,
        "esus_agrement": spec.get(
            "esus_agrement",
            legal_form is LegalForm.ESUS or legal_form.is_siae or legal_form.is_disability,
        ),
        "year_founded": spec["year_founded"],
        "staff_count": spec["staff_count"],
        "insertion_jobs": spec["insertion_jobs"],
        "address": spec["address"],
        "postal_code": spec["postal_code"],
        "commune": spec["commune"],
        "departement_code": departement.code,
        "region_code": departement.region_code,
        "description": spec["description"],
        "website": f"https://www.{slug}.example",
        "email": f"contact@{slug}.example",
        "phone": phone,
        "status": VendorStatus.APPROVED,
        "approved_at": approved_at,
        "approval_expires_at": approved_at + validity,
        "created_at": applied_at,
        "updated_at": approved_at,
    }
