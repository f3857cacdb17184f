"""Medical-director sign-off: a visit's chart reviewed and signed, then frozen.

A signed visit's plan, grades and photos no longer change (409 with the reason).
A correction after that is an amendment: a new record linked to the visit,
which awaits sign-off in its turn. Only the ``medical_director`` role signs.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from gallery import audit
from gallery.auth import require_role
from gallery.db import get_db
from gallery.errors import Conflict, InvalidInput
from gallery.models import Amendment, TreatmentRecord, User, Visit, utcnow
from gallery.paging import Page, paginate

MAX_AMENDMENT_CHARS = 5000
SIGN_OFF_PAGE_SIZE = 50  # visits a page of the sign-off list


def require_unsigned(visit: Visit) -> None:
    """Refuse a change to a signed-off visit, saying who signed it and what to do instead."""
    if visit.signed_off_at is not None:
        by = visit.signed_off_by.display_name if visit.signed_off_by else "a medical director"
        raise Conflict(f"This visit was signed off by {by} on {visit.signed_off_at:%d %b %Y %H:%M} UTC: its plan, "
                       "grades and photos no longer change. Add an amendment to the visit instead.")


def _require_director(user: User) -> None:
    require_role(user, "medical_director", "Only a medical director signs off visits and amendments.")


def _sign(record: Visit | Amendment, kind: str, user: User) -> None:
    """Sign a visit or an amendment once, as a medical director, on the audit log."""
    _require_director(user)
    if record.signed_off_at is not None:
        raise Conflict(f"This {kind} is signed off already.")
    record.signed_off_at, record.signed_off_by_id = utcnow(), user.id
    audit.record("sign_off", kind, record.id)


def sign_visit(visit: Visit, user: User, *, reviewed: bool = True) -> Visit:
    """Sign ``visit`` (the caller commits); ``reviewed``: the director confirmed, on the
    review page, that they went through its photos, sites, units, lots and warnings."""
    _require_director(user)
    if not reviewed:
        raise InvalidInput("Tick the confirmation that you reviewed the photos, sites, units, lots and warnings.")
    _sign(visit, "visit", user)
    return visit


def amend(visit: Visit, text: str, user: User) -> Amendment:
    """A correction to a signed visit (the caller commits); an unsigned visit is changed directly."""
    if visit.signed_off_at is None:
        raise Conflict("This visit is not signed off: change its plan or grades directly.")
    text = (text or "").strip()
    if not text or len(text) > MAX_AMENDMENT_CHARS:
        raise InvalidInput(f"Write the amendment (1 to {MAX_AMENDMENT_CHARS} characters).")
    amendment = Amendment(clinic_id=visit.clinic_id, visit_id=visit.id, text=text, created_by_id=user.id)
    get_db().add(amendment)
    get_db().flush()
    audit.record("amend", "visit", visit.id)
    return amendment


def sign_amendment(amendment: Amendment, user: User) -> Amendment:
    """Sign ``amendment`` (the caller commits)."""
    _sign(amendment, "amendment", user)
    return amendment


def awaiting_sign_off(clinic_id: int, page: int = 1,
                      page_size: int = SIGN_OFF_PAGE_SIZE) -> tuple[Page[Visit], list[Amendment]]:
    """Page ``page`` of the visits with a recorded treatment not signed yet, and the unsigned
    amendments, oldest first. A plan alone is no treatment: a review visit's plan never reaches
    the list. The visits are read by the partial index ``ix_visits_awaiting_sign_off``; what the
    list shows of each (patient, treatment and who recorded it) is loaded with the page."""
    db = get_db()
    # ``treated`` bare, as the index's predicate says it: PostgreSQL does not see that
    # ``treated IS true`` implies it, and counted the clinic's 100,000 visits instead (16 ms).
    visits = paginate(select(Visit).where(Visit.clinic_id == clinic_id, Visit.signed_off_at.is_(None), Visit.treated)
                      .options(selectinload(Visit.patient),
                               selectinload(Visit.treatment).selectinload(TreatmentRecord.recorded_by))
                      .order_by(Visit.visit_date, Visit.id), page, page_size)
    amendments = list(db.scalars(select(Amendment).where(Amendment.clinic_id == clinic_id,
                                                         Amendment.signed_off_at.is_(None))
                                 .options(selectinload(Amendment.visit).selectinload(Visit.patient),
                                          selectinload(Amendment.created_by))
                                 .order_by(Amendment.created_at, Amendment.id)))
    return visits, amendments
