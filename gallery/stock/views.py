"""Stock pages (admins) and the recall search with its CSV (all staff)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from gallery.auth import current_user, login_required
from gallery.csvfiles import csv_stream
from gallery.errors import InvalidInput
from gallery.models import utcnow
from gallery.paging import page_number, paginate
from gallery.stock.service import add_lot, add_product, lots_query, products, recall, recall_all, require_admin

bp = Blueprint("stock", __name__)
LOTS_PER_PAGE = 50  # a clinic receives lots for years; the newest expiries come first


def _date(field: str, *, required: bool) -> date | None:
    value = request.form.get(field, "").strip()
    if not value and not required:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"Give the {field.replace('_', ' ')} as a date (YYYY-MM-DD).") from None


def _number(field: str) -> float:
    try:
        return float(request.form.get(field, ""))
    except ValueError:
        raise InvalidInput(f"Give the {field.replace('_', ' ')} as a number.") from None


@bp.get("/admin/stock")
@login_required
def index() -> str:
    user = current_user()
    require_admin(user)
    page = paginate(lots_query(user.clinic_id), page_number(request.args.get("page")), LOTS_PER_PAGE)
    return render_template("stock/index.html", products=products(user.clinic_id), lots=page.items, page=page,
                           today=utcnow().date())


@bp.post("/admin/stock/products")
@login_required
def new_product() -> Response:
    product = add_product(current_user(), name=request.form.get("name", ""),
                          manufacturer=request.form.get("manufacturer", ""), units_per_vial=_number("units_per_vial"),
                          reconstitution_note=request.form.get("reconstitution_note", ""))
    flash(f"Product {product.name} added.")
    return redirect(url_for("stock.index"))


@bp.post("/admin/stock/lots")
@login_required
def new_lot() -> Response:
    try:
        product_id = int(request.form.get("product_id", ""))
    except ValueError:
        raise InvalidInput("Choose one of the clinic's products for the lot.") from None
    lot = add_lot(current_user(), product_id=product_id, lot_number=request.form.get("lot_number", ""),
                  expires_on=_date("expires_on", required=True), received_on=_date("received_on", required=False))
    flash(f"Lot {lot.lot_number} of {lot.product.name} added.")
    return redirect(url_for("stock.index"))


@bp.get("/recalls")
@login_required
def recalls() -> str:
    number = request.args.get("lot", "").strip()
    page = recall(current_user().clinic_id, number, page_number(request.args.get("page"))) if number else None
    return render_template("stock/recalls.html", number=number, page=page)


@bp.get("/recalls.csv")
@login_required
def recalls_csv() -> Response:
    """The patients to contact, for the clinic's phone list or letters."""
    treatments = recall_all(current_user().clinic_id, request.args.get("lot", ""))
    return csv_stream(
        "recall.csv", ["date", "patient", "phone", "email", "units", "product", "lot", "injector", "patient_link"],
        ([t.visit.visit_date.isoformat(), t.patient.name, t.patient.phone, t.patient.email, t.units, t.product,
          t.record.lot, t.injector, url_for("patients.timeline", patient_id=t.patient.id, _external=True)]
         for t in treatments))
