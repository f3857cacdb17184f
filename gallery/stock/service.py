"""The clinic's toxin stock (products and lots) and the recall search over treatments.

A plan names its lot from stock, so when a manufacturer recalls a lot the clinic
finds every patient who received it at once. Plans saved before stock was kept
name their lot in free text; the search reads those too (same number, any case).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select, union
from sqlalchemy.orm import selectinload
from sqlalchemy.exc import IntegrityError

from gallery import audit
from gallery.auth import require_role
from gallery.db import get_db, separate_session
from gallery.errors import Conflict, InvalidInput
from gallery.models import Lot, Patient, Product, TreatmentRecord, User, Visit, utcnow
from gallery.paging import Page, paginate

RECALL_PAGE_SIZE = 100  # treatments a page of the recall search
STREAM_BATCH = 500  # rows read at a time for the recall's CSV


def require_admin(user: User) -> None:
    require_role(user, "admin", "Only an admin keeps the clinic's stock.")


def products(clinic_id: int) -> list[Product]:
    return list(get_db().scalars(select(Product).where(Product.clinic_id == clinic_id).order_by(Product.name)))


def lots_query(clinic_id: int) -> Select:
    """The clinic's lots, latest expiry first (then by number and id: a total order to page by),
    with their products (every lot's line names its product)."""
    return (select(Lot).where(Lot.clinic_id == clinic_id).options(selectinload(Lot.product))
            .order_by(Lot.expires_on.desc(), Lot.lot_number, Lot.id))


def lots(clinic_id: int) -> list[Lot]:
    """All the clinic's lots (``lots_query``): the plan editor offers each."""
    return list(get_db().scalars(lots_query(clinic_id)))


def add_product(user: User, *, name: str, manufacturer: str, units_per_vial: float,
                reconstitution_note: str) -> Product:
    """A new product in the admin's clinic (committed)."""
    require_admin(user)
    name = name.strip()
    if not name or not 0 < units_per_vial <= 10_000:
        raise InvalidInput("A product needs a name and its units per vial (more than 0).")
    product = Product(clinic_id=user.clinic_id, name=name[:120], manufacturer=manufacturer.strip()[:120],
                      units_per_vial=units_per_vial, reconstitution_note=reconstitution_note.strip()[:300])
    return _commit_new(product, "product", f"The clinic already stocks a product named {name!r}.")


def add_lot(user: User, *, product_id: int, lot_number: str, expires_on: date, received_on: date | None) -> Lot:
    """A new lot of one of the clinic's products (committed)."""
    require_admin(user)
    product = get_db().get(Product, product_id)
    if product is None or product.clinic_id != user.clinic_id:
        raise InvalidInput("Choose one of the clinic's products for the lot.")
    lot_number = lot_number.strip()
    if not lot_number:
        raise InvalidInput("A lot needs its lot number, as printed on the box.")
    lot = Lot(clinic_id=user.clinic_id, product_id=product.id, lot_number=lot_number[:60], expires_on=expires_on,
              received_on=received_on)
    return _commit_new(lot, "lot", f"Lot {lot_number} of {product.name} is in stock already.")


def _commit_new(record: Product | Lot, kind: str, duplicate: str) -> Any:
    db = get_db()
    db.add(record)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise Conflict(duplicate) from None
    audit.record("stock", kind, record.id)
    db.commit()
    return record


def clinic_lot(clinic_id: int, lot_id: int) -> Lot:
    """The lot a plan names, which must be this clinic's."""
    lot = get_db().get(Lot, lot_id)
    if lot is None or lot.clinic_id != clinic_id:
        raise InvalidInput("The lot is not in this clinic's stock.")
    return lot


def lot_warnings(lot: Lot | None, treated_on: date, today: date | None = None) -> list[dict[str, str]]:
    """An expired lot, or one past its expiry on the treatment date, is flagged on the plan."""
    if lot is None:
        return []
    name = f"Lot {lot.lot_number} of {lot.product.name}"
    if lot.expires_on < treated_on:
        return [{"code": "lot_expired", "message": (
            f"{name} expired on {lot.expires_on:%d %b %Y}, before this treatment ({treated_on:%d %b %Y}).")}]
    if lot.expires_on < (today or utcnow().date()):
        return [{"code": "lot_expired", "message": f"{name} has expired ({lot.expires_on:%d %b %Y})."}]
    return []


@dataclass(frozen=True)
class Treatment:
    """One visit whose recorded treatment used the recalled lot."""

    patient: Patient
    visit: Visit
    record: TreatmentRecord

    @property
    def units(self) -> float:
        return self.record.total_units

    @property
    def product(self) -> str:
        return self.record.product

    @property
    def injector(self) -> str:
        return self.record.recorded_by.display_name if self.record.recorded_by else ""

    def as_json(self) -> dict[str, Any]:
        return {"patient_id": self.patient.id, "patient_name": self.patient.name, "visit_id": self.visit.id,
                "date": self.visit.visit_date, "units": self.units, "injector": self.injector,
                "product": self.record.product, "lot": self.record.lot}


def _recall_statement(clinic_id: int, lot_number: str) -> tuple[Select, Select]:
    """(the matching treatments with their visit and patient, in a total order; the stock lot's id).

    The two ways a lot is named are asked apart and joined (UNION), so each can use its
    own index: the stock lot's ``ix_treatment_records_lot_id``, the typed one's
    ``ix_treatment_records_typed_lot`` (migration 0028). An OR of the two made the
    database read every record of the clinic.
    """
    number = lot_number.strip()
    if not number or len(number) > 60:
        raise InvalidInput("Give the lot number to search for (up to 60 characters).")
    from_stock = select(Lot.id).where(Lot.clinic_id == clinic_id, func.lower(Lot.lot_number) == number.lower())
    matching = union(
        select(TreatmentRecord.id).where(TreatmentRecord.lot_id.in_(from_stock)),
        select(TreatmentRecord.id).where(TreatmentRecord.clinic_id == clinic_id, TreatmentRecord.lot_id.is_(None),
                                         func.lower(func.trim(TreatmentRecord.lot)) == number.lower()),
    ).subquery()
    statement = (select(TreatmentRecord, Visit, Patient)
                 .join(matching, matching.c.id == TreatmentRecord.id)
                 .join(Visit, TreatmentRecord.visit_id == Visit.id).join(Patient, Visit.patient_id == Patient.id)
                 .options(selectinload(TreatmentRecord.recorded_by))
                 .order_by(Visit.visit_date, Patient.name, TreatmentRecord.id))
    return statement, from_stock.limit(1)


def _audit_search(stock_lot: Select) -> None:
    db = get_db()
    audit.record("recall_search", "lot", db.scalar(stock_lot))
    db.commit()


def recall(clinic_id: int, lot_number: str, page: int = 1, page_size: int = RECALL_PAGE_SIZE) -> Page[Treatment]:
    """Page ``page`` of the recorded treatments in the clinic with that lot: from stock, or typed
    (any case, trimmed); audited. What was given counts, not what a plan proposed."""
    statement, stock_lot = _recall_statement(clinic_id, lot_number)
    rows = paginate(statement, page, page_size, rows=True)
    _audit_search(stock_lot)
    return Page([Treatment(patient, visit, record) for record, visit, patient in rows.items],
                rows.number, rows.size, rows.total)


def recall_all(clinic_id: int, lot_number: str) -> Iterator[Treatment]:
    """Every treatment of the search, read from the database a batch at a time as the caller
    goes (the CSV streams it: a lot used for years is thousands of rows); audited at once."""
    statement, stock_lot = _recall_statement(clinic_id, lot_number)  # refused here, before a response starts
    _audit_search(stock_lot)
    return _streamed(statement)


def _streamed(statement: Select) -> Iterator[Treatment]:
    with separate_session() as session:
        for record, visit, patient in session.execute(statement.execution_options(yield_per=STREAM_BATCH)):
            yield Treatment(patient, visit, record)
