"""The catalogue blueprint: public browsing, offer pages, photos, and the vendor's offers."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from marketplace.catalogue import images, services
from marketplace.catalogue.forms import ImageForm, OfferForm
from marketplace.catalogue.models import (
    LABEL_LABELS,
    OFFER_STATUS_LABELS,
    Label,
    OfferKind,
    OfferStatus,
)
from marketplace.catalogue.permissions import can_manage_offers, is_own_offer, is_visible
from marketplace.catalogue.services import CatalogueError, OfferNotFound
from marketplace.core.actions import perform
from marketplace.core.confirm import confirmation_page
from marketplace.core.forms import ConfirmForm, attach_error
from marketplace.core.page_cache import cached_page, remembered
from marketplace.core.pagination import page_arg
from marketplace.core.permissions import public, requires
from marketplace.core.urls import safe_next
from marketplace.extensions import db
from marketplace.vendors import services as vendor_services

bp = Blueprint("catalogue", __name__)


# ---------------------------------------------------------------- public pages


@bp.get("/catalogue")
@public
@cached_page
def index():
    filters = services.BrowseFilters.parse(request.args)
    listing = services.browse(filters, page=page_arg(request.args))
    return render_template(
        "catalogue/index.html",
        page=listing.page,
        listing=listing,
        filters=filters,
        tree=services.category_tree(),
        counts=listing.by_category,
        **_filter_choices(),
    )


@bp.get("/catalogue/<slug>")
@public
@cached_page
def category(slug: str):
    category = services.category_by_slug(slug)
    if category is None:
        abort(404)
    filters = services.BrowseFilters.parse(request.args)
    listing = services.browse(filters, category, page=page_arg(request.args))
    return render_template(
        "catalogue/category.html",
        category=category,
        path=services.category_path(category),
        children=category.children,
        counts=listing.by_category,
        page=listing.page,
        listing=listing,
        filters=filters,
        **_filter_choices(),
    )


def _filter_choices() -> dict:
    from marketplace.search.service import price_band_names

    return {
        "sorts": services.SORTS,
        "labels": [(lab.value, LABEL_LABELS[lab]) for lab in Label],
        "price_bands": list(price_band_names().items()),
    }


@bp.get("/offres/<int:offer_id>")
@bp.get("/offres/<int:offer_id>-<slug>")
@public
@cached_page
def offer(offer_id: int, slug: str | None = None):
    try:
        offer = services.offer_for_viewer(current_user, offer_id)
    except OfferNotFound:
        abort(404)
    if slug != offer.slug:
        return redirect(services.offer_url(offer), code=301)
    url = services.offer_url(offer, external=True)
    image_urls = [url_for("catalogue.image", name=img.storage_name, _external=True) for img in offer.images]
    from marketplace.vendors import public as vendor_public

    return render_template(
        "catalogue/offer.html",
        offer=offer,
        visible=is_visible(offer),
        manageable=can_manage_offers(current_user, offer.vendor),
        own=is_own_offer(current_user, offer),
        path=services.category_path(offer.category),
        related=_related_cards(offer) if is_visible(offer) else [],
        commitments=vendor_public.public_commitments(offer.vendor),
        territory=vendor_public.territory_label(offer.vendor),
        json_ld=services.product_json_ld(offer, url, image_urls),
        canonical=url,
    )


def _related_cards(offer, limit: int = 4) -> list[Markup]:
    """The cards of the newest other offers of the category, rendered once per category and language."""

    def render() -> list[tuple[int, Markup]]:
        card = get_template_attribute("catalogue/_macros.html", "offer_card")
        return [(o.id, card(o)) for o in services.newest_in_category(offer.category_id, limit + 1)]

    cards = remembered("related-cards", (offer.category_id, str(get_locale())), render)
    return [html for offer_id, html in cards if offer_id != offer.id][:limit]


@bp.get("/catalogue/photos/<name>")
@public
def image(name: str):
    try:
        path = images.servable_image(current_user, name)
    except OfferNotFound:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=86400, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- vendor space


def _vendor(vendor_id: int):
    vendor = vendor_services.vendor_by_id(vendor_id)
    if vendor is None or not can_manage_offers(current_user, vendor):
        abort(404)
    return vendor


def _offer(vendor, offer_id: int):
    try:
        return services.managed_offer(current_user, vendor, offer_id)
    except OfferNotFound:
        abort(404)


@bp.get("/espace-fournisseur/<int:vendor_id>/offres")
@requires("vendor.manage")
def vendor_offers(vendor_id: int):
    vendor = _vendor(vendor_id)
    status = next((s for s in OfferStatus if s.value == request.args.get("statut")), None)
    counts = services.status_counts(vendor)
    return render_template(
        "catalogue/vendor_offers.html",
        vendor=vendor,
        page=services.managed_vendor_offers(vendor, status, page=page_arg(request.args)),
        status=status,
        counts=counts,
        active_count=sum(n for s, n in counts.items() if s is not OfferStatus.ARCHIVED),
        status_labels=OFFER_STATUS_LABELS,
        form=ConfirmForm(),
    )


def _render_form(vendor, form, offer=None, status=200):
    return (
        render_template("catalogue/offer_form.html", vendor=vendor, form=form, offer=offer, OfferKind=OfferKind),
        status,
    )


@bp.route("/espace-fournisseur/<int:vendor_id>/offres/nouvelle", methods=["GET", "POST"])
@requires("vendor.manage")
def new_offer(vendor_id: int):
    vendor = _vendor(vendor_id)
    form = OfferForm()
    form.set_category_choices(services.category_choices())
    if form.validate_on_submit():
        try:
            offer = services.create_offer(vendor, current_user, form.to_data())
        except CatalogueError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("L'offre « %(title)s » est enregistrée en brouillon. Ajoutez des photos puis mettez-la en ligne.",
                    title=offer.title), "success")
            return redirect(url_for("catalogue.offer_images", vendor_id=vendor.id, offer_id=offer.id))
    return _render_form(vendor, form, status=422 if request.method == "POST" else 200)


@bp.route("/espace-fournisseur/<int:vendor_id>/offres/<int:offer_id>", methods=["GET", "POST"])
@requires("vendor.manage")
def edit_offer(vendor_id: int, offer_id: int):
    vendor = _vendor(vendor_id)
    offer = _offer(vendor, offer_id)
    form = OfferForm()
    form.set_category_choices(services.category_choices())
    if request.method == "GET":
        form.load(offer)
    elif form.validate_on_submit():
        try:
            services.update_offer(offer, current_user, form.to_data())
        except CatalogueError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Les modifications sont enregistrées."), "success")
            return redirect(url_for("catalogue.edit_offer", vendor_id=vendor.id, offer_id=offer.id))
    return _render_form(vendor, form, offer, status=422 if request.method == "POST" else 200)


def _transition(vendor_id: int, offer_id: int, fn, message: str):
    vendor = _vendor(vendor_id)
    offer = _offer(vendor, offer_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    perform(lambda: fn(offer, current_user), CatalogueError, message % {"title": offer.title})
    return redirect(safe_next(request.form.get("next"), url_for("catalogue.vendor_offers", vendor_id=vendor.id)))


@bp.post("/espace-fournisseur/<int:vendor_id>/offres/<int:offer_id>/publier")
@requires("vendor.manage")
def publish(vendor_id: int, offer_id: int):
    return _transition(vendor_id, offer_id, services.publish_offer, _("« %(title)s » est en ligne."))


@bp.post("/espace-fournisseur/<int:vendor_id>/offres/<int:offer_id>/retirer")
@requires("vendor.manage")
def unpublish(vendor_id: int, offer_id: int):
    return _transition(
        vendor_id, offer_id, services.unpublish_offer, _("« %(title)s » est retirée de la vente.")
    )


@bp.route("/espace-fournisseur/<int:vendor_id>/offres/<int:offer_id>/archiver", methods=["GET", "POST"])
@requires("vendor.manage")
def archive(vendor_id: int, offer_id: int):
    if request.method == "POST":
        return _transition(vendor_id, offer_id, services.archive_offer, _("« %(title)s » est archivée."))
    vendor = _vendor(vendor_id)
    offer = _offer(vendor, offer_id)
    return confirmation_page(
        _("Archiver l'offre"),
        _("L'offre « %(title)s » ne sera plus visible ni modifiable. Les commandes passées restent consultables. Cette action est définitive.", title=offer.title),
        _("Archiver définitivement"),
        url_for("catalogue.edit_offer", vendor_id=vendor.id, offer_id=offer.id),
        template="catalogue/confirm.html",
        vendor=vendor,
        offer=offer,
    )


@bp.route("/espace-fournisseur/<int:vendor_id>/offres/<int:offer_id>/photos", methods=["GET", "POST"])
@requires("vendor.manage")
def offer_images(vendor_id: int, offer_id: int):
    vendor = _vendor(vendor_id)
    offer = _offer(vendor, offer_id)
    form = ImageForm()
    status = 200
    if form.validate_on_submit():
        try:
            images.add_image(offer, current_user, form.image.data, form.alt_text.data)
        except CatalogueError as error:
            db.session.rollback()
            attach_error(form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("La photo est ajoutée."), "success")
            return redirect(url_for("catalogue.offer_images", vendor_id=vendor.id, offer_id=offer.id))
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "catalogue/offer_images.html",
            vendor=vendor,
            offer=offer,
            form=form,
            confirm=ConfirmForm(),
            max_images=images.MAX_IMAGES,
        ),
        status,
    )


def _image(vendor_id: int, offer_id: int, image_id: int):
    vendor = _vendor(vendor_id)
    offer = _offer(vendor, offer_id)
    try:
        return vendor, offer, images.managed_image(offer, image_id)
    except OfferNotFound:
        abort(404)


@bp.post("/espace-fournisseur/<int:vendor_id>/offres/<int:offer_id>/photos/<int:image_id>/principale")
@requires("vendor.manage")
def main_image(vendor_id: int, offer_id: int, image_id: int):
    vendor, offer, image = _image(vendor_id, offer_id, image_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    perform(
        lambda: images.make_main_image(offer, current_user, image),
        CatalogueError,
        _("La photo principale est changée."),
    )
    return redirect(url_for("catalogue.offer_images", vendor_id=vendor.id, offer_id=offer.id))


@bp.route(
    "/espace-fournisseur/<int:vendor_id>/offres/<int:offer_id>/photos/<int:image_id>/supprimer",
    methods=["GET", "POST"],
)
@requires("vendor.manage")
def delete_image(vendor_id: int, offer_id: int, image_id: int):
    vendor, offer, image = _image(vendor_id, offer_id, image_id)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        perform(lambda: images.delete_image(offer, current_user, image), CatalogueError, _("La photo est supprimée."))
        return redirect(url_for("catalogue.offer_images", vendor_id=vendor.id, offer_id=offer.id))
    return confirmation_page(
        _("Supprimer la photo"),
        _("Cette photo sera retirée de l'offre « %(title)s ». Cette action est définitive.", title=offer.title),
        _("Supprimer la photo"),
        url_for("catalogue.edit_offer", vendor_id=vendor.id, offer_id=offer.id),
        template="catalogue/confirm.html",
        vendor=vendor,
        offer=offer,
        image=image,
    )
