"""The patient's consent to toxin treatment: signed on the tablet, per patient, append-only.

Signed to the clinic's current treatment consent text (``gallery.consent.texts``, the same
versioning as the photo consent) with the typed name and a drawn signature. It stays in
force until the patient withdraws it or the clinic publishes a new version of the text:
the text is what the patient was told of the risks, so a new text is read and signed again.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from gallery import audit
from gallery.consent.texts import published
from gallery.db import get_db
from gallery.errors import InvalidInput
from gallery.models import Patient, TreatmentConsent, TreatmentConsentText, utcnow

DEFAULT_TREATMENT_TEXT = {
    "version": "1",
    "title": "Consent to botulinum toxin treatment",
    "body": (
        "I agree to be treated with botulinum toxin type A to soften lines of the upper face (forehead, between "
        "the brows, beside the eyes), as the injector explained to me.\n\n"
        "How it works: the toxin relaxes the injected muscles. The effect starts within days, is full after about "
        "two weeks and wears off over three to four months; repeat treatments are needed to keep it.\n\n"
        "Common effects: redness, swelling, tenderness or bruising where the needle went in; headache. Less often: "
        "a drooping brow or eyelid, uneven brows, or a look I do not like, lasting until the toxin wears off. "
        "Rarely: an allergic reaction, or the toxin spreading beyond the area (weakness, difficulty swallowing, "
        "speaking or breathing): this needs a doctor at once.\n\n"
        "I have told the clinic truthfully about my health: pregnancy or breastfeeding, nerve or muscle disease, "
        "allergies, infections, the medicines I take and earlier treatments. I will tell the clinic if anything "
        "changes.\n\n"
        "I can withdraw this consent at any time before a treatment."
    ),
}


def treatment_texts(clinic_id: int) -> list[TreatmentConsentText]:
    """The clinic's treatment consent texts, newest (the one to sign) first."""
    return published(TreatmentConsentText, clinic_id, DEFAULT_TREATMENT_TEXT)


def treatment_consents(patient_id: int) -> list[TreatmentConsent]:
    """Every signature and withdrawal, oldest first."""
    return list(get_db().scalars(select(TreatmentConsent).where(TreatmentConsent.patient_id == patient_id)
                                 .order_by(TreatmentConsent.created_at, TreatmentConsent.id)))


def consent_in_force(patient_id: int, at: datetime | None = None) -> TreatmentConsent | None:
    """The signature in force at ``at`` (None: now): the last one made by then, not withdrawn since,
    to the newest text published by then."""
    at = at or utcnow()
    records = [r for r in treatment_consents(patient_id) if r.created_at <= at]
    if not records or records[-1].action != "grant":
        return None
    texts = [t for t in treatment_texts(records[-1].clinic_id) if t.published_at <= at]
    return records[-1] if texts and records[-1].text_version == texts[0].version else None


def sign_treatment_consent(patient: Patient, *, text_version: str, signed_name: str, signature_png: bytes | None,
                           recorded_by_id: int) -> TreatmentConsent:
    """Record the patient's signature to the current text (audited; the caller commits).

    Refused (422) for another version than the current one, without the typed name or the drawn signature.
    """
    current = treatment_texts(patient.clinic_id)[0]
    if text_version != current.version:
        raise InvalidInput(f"The patient signs the current treatment consent text, version {current.version} "
                           f"(not {text_version!r}).")
    if not signed_name.strip():
        raise InvalidInput("The patient's typed name is required.")
    if signature_png is None:
        raise InvalidInput("The patient's drawn signature is required.")
    record = TreatmentConsent(clinic_id=patient.clinic_id, patient_id=patient.id, action="grant",
                              text_version=current.version, signed_name=signed_name.strip()[:200],
                              signature_png=signature_png, recorded_by_id=recorded_by_id)
    get_db().add(record)
    get_db().flush()
    audit.record("grant_treatment_consent", "treatment_consent", record.id)
    return record


def withdraw_treatment_consent(patient: Patient, recorded_by_id: int) -> TreatmentConsent | None:
    """Record a withdrawal (audited; the caller commits); None, recording nothing, when none is in force."""
    if consent_in_force(patient.id) is None:
        return None
    record = TreatmentConsent(clinic_id=patient.clinic_id, patient_id=patient.id, action="withdraw",
                              recorded_by_id=recorded_by_id)
    get_db().add(record)
    get_db().flush()
    audit.record("withdraw_treatment_consent", "treatment_consent", record.id)
    return record
