"""A patient's details, the same rules for a new patient and an edited one."""
from __future__ import annotations

from datetime import date

from gallery import audit
from gallery.db import get_db
from gallery.errors import Conflict
from gallery.models import Patient
from gallery.queries import clinic_select


def save_patient(patient: Patient, *, name: str, date_of_birth: date | None, external_id: str | None,
                 phone: str | None, email: str | None) -> Patient:
    """Set ``patient``'s details (a new one is added) and commit, audited as create or update.

    Text is trimmed; an empty external id is none. Another patient of the clinic
    with the same external id is refused (``Conflict``) with nothing changed, as
    the EMR would file both under one record.
    """
    db = get_db()
    external_id = (external_id or "").strip() or None
    if external_id and db.scalar(clinic_select(Patient).where(Patient.external_id == external_id,
                                                              Patient.id != patient.id)):
        raise Conflict("Another patient already has this external id.")
    new = patient.id is None
    patient.name, patient.date_of_birth, patient.external_id = name.strip(), date_of_birth, external_id
    patient.phone, patient.email = (phone or "").strip(), (email or "").strip()
    if new:
        db.add(patient)
    db.flush()
    audit.record("create" if new else "update", "patient", patient.id)
    db.commit()
    return patient
