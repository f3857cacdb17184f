"""The medical history (intake) reviewed before toxin treatment, and what it means for the injector.

Every review is a new, dated entry; nothing is overwritten, so the chart shows what was
known when each treatment was given. The answers that matter for the toxin are yes/no
questions: a **contraindication** (the label's: pregnancy or breastfeeding, a disorder of
the neuromuscular junction, allergy to the toxin or an ingredient, infection at the
sites) stops the treatment unless the injector states why they go ahead; a **caution**
(anticoagulants: bruising; aminoglycosides: a stronger, spreading effect) is shown.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from gallery import audit
from gallery.db import get_db
from gallery.errors import InvalidInput
from gallery.intake.consent import consent_in_force
from gallery.models import MedicalHistory, Patient, utcnow

# A history counts for this long after its review. Treatments are at least 90 days apart (label),
# so each treatment gets its own review; the two-week review visit still falls within it.
INTAKE_VALID_DAYS = 90
MAX_TEXT_CHARS = 2000


@dataclass(frozen=True)
class Question:
    field: str
    label: str  # the question as staff read it on the form
    level: str  # "contraindication" or "caution"
    flag: str  # what a yes means, on the card, the report and the export


QUESTIONS = (
    Question("pregnant_or_breastfeeding", "Pregnant or breastfeeding", "contraindication",
             "pregnant or breastfeeding"),
    Question("neuromuscular_disease", "Neuromuscular disease (myasthenia gravis, Lambert-Eaton syndrome, ALS)",
             "contraindication", "neuromuscular disease"),
    Question("toxin_allergy", "Allergy to botulinum toxin or an ingredient (e.g. human albumin)",
             "contraindication", "allergy to botulinum toxin or an ingredient"),
    Question("infection_at_sites", "Infection or inflammation at the injection sites", "contraindication",
             "infection or inflammation at the injection sites"),
    Question("anticoagulants", "Anticoagulants or antiplatelets (warfarin, DOACs, aspirin, clopidogrel)", "caution",
             "anticoagulants or antiplatelets: more bruising"),
    Question("aminoglycosides", "Aminoglycoside antibiotics (e.g. gentamicin)", "caution",
             "aminoglycoside antibiotics: the toxin's effect may be stronger"),
)
TEXTS = {"previous_treatments": "Previous botulinum treatments (when, where, product, any problems)",
         "other_medication": "Other medication", "notes": "Notes"}


def flags(history: MedicalHistory, level: str) -> list[Question]:
    """The questions of ``level`` answered yes in ``history``."""
    return [q for q in QUESTIONS if q.level == level and getattr(history, q.field)]


def intake_history(patient_id: int) -> list[MedicalHistory]:
    """Every review of the patient's history, newest first."""
    return list(get_db().scalars(select(MedicalHistory).where(MedicalHistory.patient_id == patient_id)
                                 .order_by(MedicalHistory.recorded_at.desc(), MedicalHistory.id.desc())))


def intake_in_force(patient_id: int, at: datetime | None = None) -> MedicalHistory | None:
    """The newest review made at or before ``at`` (None: now) and at most ``INTAKE_VALID_DAYS`` before it."""
    at = at or utcnow()
    return get_db().scalar(select(MedicalHistory).where(
        MedicalHistory.patient_id == patient_id, MedicalHistory.recorded_at <= at,
        MedicalHistory.recorded_at >= at - timedelta(days=INTAKE_VALID_DAYS))
        .order_by(MedicalHistory.recorded_at.desc(), MedicalHistory.id.desc()).limit(1))


def record_intake(patient: Patient, answers: dict[str, bool], texts: dict[str, str],
                  recorded_by_id: int) -> MedicalHistory:
    """Add a review of ``patient``'s history (audited; the caller commits).

    ``answers`` must answer every question: a missing answer is not a "no". Refused (422) otherwise.
    """
    missing = [q.label for q in QUESTIONS if not isinstance(answers.get(q.field), bool)]
    if missing:
        raise InvalidInput("Answer every question (yes or no): " + "; ".join(missing) + ".")
    long = [label for field, label in TEXTS.items() if len(texts.get(field, "")) > MAX_TEXT_CHARS]
    if long:
        raise InvalidInput(f"Keep each text to {MAX_TEXT_CHARS} characters: " + "; ".join(long) + ".")
    entry = MedicalHistory(clinic_id=patient.clinic_id, patient_id=patient.id, recorded_by_id=recorded_by_id,
                           **{q.field: answers[q.field] for q in QUESTIONS},
                           **{field: texts.get(field, "").strip() for field in TEXTS})
    get_db().add(entry)
    get_db().flush()
    audit.record("record_intake", "medical_history", entry.id)
    return entry


def safety_warnings(patient_id: int, at: datetime | None = None) -> list[dict[str, str]]:
    """What the history and the treatment consent say against treating at ``at`` (None: now), as warnings
    like the plan's: ``no_medical_history``, ``contraindication`` and ``no_treatment_consent`` need an
    override with a reason (``gallery.planning.treatment``); ``caution`` is shown."""
    warnings = []
    history = intake_in_force(patient_id, at)
    if history is None:
        warnings.append({"code": "no_medical_history", "message": (
            f"No medical history reviewed in the last {INTAKE_VALID_DAYS} days: review it with the patient "
            "before treating.")})
    else:
        reviewed = f"medical history of {history.recorded_at:%d %b %Y}"
        warnings += [{"code": "contraindication", "message": f"Contraindication: {q.flag} ({reviewed})."}
                     for q in flags(history, "contraindication")]
        warnings += [{"code": "caution", "message": f"Caution: {q.flag} ({reviewed})."}
                     for q in flags(history, "caution")]
    if consent_in_force(patient_id, at) is None:
        warnings.append({"code": "no_treatment_consent", "message": (
            "No toxin treatment consent in force: the patient signs it first (none signed, withdrawn, "
            "or signed to an older text).")})
    return warnings
