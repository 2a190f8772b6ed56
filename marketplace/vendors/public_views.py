"""Public vendor pages: becoming a vendor, the directory, profiles, transparency."""
from __future__ import annotations

from flask import abort, current_app, render_template, request, send_file
from flask_login import current_user

from marketplace.core.page_cache import cached_page
from marketplace.core.pagination import page_arg
from marketplace.core.permissions import public
from marketplace.core.territories import departement
from marketplace.vendors import documents, services
from marketplace.vendors import public as public_q
from marketplace.vendors.models import LEGAL_FORM_LABELS, SECTOR_LABELS, LegalForm, Sector
from marketplace.vendors.permissions import can_manage_vendor
from marketplace.vendors.views import bp

# ---------------------------------------------------------------- public pages


@bp.get("/devenir-fournisseur")
@public
def become():
    eligible = [d for c in current_app.config["ELIGIBLE_DEPARTEMENTS"] if (d := departement(c)) is not None]
    return render_template(
        "vendors/become.html",
        charter=services.current_charter(),
        criteria=services.active_criteria(),
        departements=eligible,
        legal_forms=[f for f in LegalForm if f != LegalForm.OTHER],
    )


@bp.get("/fournisseurs")
@public
@cached_page
def directory():
    filters = public_q.DirectoryFilters.parse(request.args, current_app.config["ELIGIBLE_DEPARTEMENTS"])
    listing = public_q.directory(filters, page=page_arg(request.args))
    return render_template(
        "vendors/directory.html",
        page=listing.page,
        counts=listing.counts,
        filters=filters,
        sectors=[(s.value, SECTOR_LABELS[s]) for s in Sector],
        legal_forms=[(f.value, LEGAL_FORM_LABELS[f]) for f in LegalForm],
        departements=public_q.eligible_departements(),
        territory_label=public_q.territory_label,
    )


@bp.get("/fournisseurs/<slug>")
@public
@cached_page
def profile(slug: str):
    vendor = public_q.public_vendor(slug)
    if vendor is None:
        abort(404)
    return render_template(
        "vendors/profile.html",
        vendor=vendor,
        commitments=public_q.public_commitments(vendor),
        territory=public_q.territory_label(vendor),
        dep=departement(vendor.departement_code),
        offers=_catalogue_offers(vendor),
    )


def _catalogue_offers(vendor):
    from marketplace.catalogue.services import vendor_public_offers

    return vendor_public_offers(vendor, page=page_arg(request.args))


@bp.get("/fournisseurs/<slug>/logo")
@public
def logo(slug: str):
    vendor = services.vendor_by_slug(slug)
    if vendor is None or not (vendor.is_public or can_manage_vendor(current_user, vendor)):
        abort(404)
    path = documents.logo_file(vendor)
    if path is None:
        abort(404)
    response = send_file(path, mimetype=documents.logo_content_type(vendor), max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/transparence")
@public
def transparency():
    return render_template(
        "vendors/transparency.html",
        mandates=services.current_mandates(),
        criteria=services.active_criteria(),
        charter=services.current_charter(),
        stats=public_q.quarterly_stats(),
        approved_count=public_q.approved_count(),
    )
