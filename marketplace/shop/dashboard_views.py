"""The vendor's sales dashboard and its CSV export (vendor space)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import InputRequired

from marketplace.core.permissions import requires
from marketplace.extensions import db
from marketplace.shop import dashboard
from marketplace.vendors.models import Vendor
from marketplace.vendors.permissions import can_manage_vendor

bp = Blueprint("sales", __name__)


class ExportForm(FlaskForm):
    """The period of the CSV export (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    start = DateField(_l("Du"), validators=[InputRequired(_l("Indiquez la date de début."))],
                      render_kw={"autocomplete": "off"})
    end = DateField(_l("Au"), validators=[InputRequired(_l("Indiquez la date de fin."))],
                    render_kw={"autocomplete": "off"})

    def explain_date_errors(self) -> None:
        for f in (self.start, self.end):
            if f.errors and f.raw_data and f.raw_data[0]:
                f.errors = [_("Date invalide : utilisez le format jj/mm/aaaa.")]


def _managed_vendor(vendor_id: int) -> Vendor:
    vendor = db.session.get(Vendor, vendor_id)
    if vendor is None or not can_manage_vendor(current_user, vendor):
        abort(404)
    return vendor


def _render(vendor: Vendor, form: ExportForm, status: int = 200):
    board = dashboard.vendor_dashboard(vendor)
    return render_template(
        "shop/dashboard.html",
        vendor=vendor,
        board=board,
        bars=dashboard.chart_bars(board.months),
        form=form,
    ), status


@bp.get("/espace-fournisseur/<int:vendor_id>/ventes")
@requires("vendor.manage")
def sales_dashboard(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    start, end = dashboard.default_export_period()
    form = ExportForm(formdata=None, start=start, end=end)
    return _render(vendor, form)


@bp.get("/espace-fournisseur/<int:vendor_id>/ventes/export.csv")
@requires("vendor.manage")
def sales_export(vendor_id: int):
    vendor = _managed_vendor(vendor_id)
    form = ExportForm(request.args)
    if not form.validate():
        form.explain_date_errors()
        return _render(vendor, form, 422)
    try:
        body = dashboard.sales_csv(vendor, form.start.data, form.end.data)
    except dashboard.DashboardError as error:
        getattr(form, error.field or "end").errors = [str(error.message)]
        return _render(vendor, form, 422)
    filename = dashboard.export_filename(vendor, form.start.data, form.end.data)
    return Response(
        body.encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
