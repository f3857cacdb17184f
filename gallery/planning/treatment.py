"""Treatment records: "toxin given", recorded on purpose, apart from the plan.

A plan proposes sites and units; a treatment record says what was injected, when
and from which lot. Recording takes the visit's saved plan as it stands (its sites,
units, product and lot) and the safety warnings standing at that moment. Warnings
that put the patient at risk (an expired lot, a site inside a safety margin, the
interval between treatments, the 3-month units; no medical history reviewed, a
contraindication in it, no treatment consent signed) are not a save button away:
the injector states why they went ahead, and the record, the visit report and the
sign-off review carry that reason.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from gallery import audit
from gallery.auth import current_user
from gallery.db import get_db
from gallery.errors import Conflict, InvalidInput
from gallery.intake.consent import consent_in_force
from gallery.intake.service import intake_in_force, safety_warnings
from gallery.models import TreatmentRecord, Visit, utcnow
from gallery.planning.service import plan_for_photo, saved_plan
from gallery.signoff.service import require_unsigned

# Warnings an injector must override with a reason before recording the treatment.
NEEDS_OVERRIDE = frozenset({"lot_expired", "forehead_margin", "glabella_margin", "crows_feet_margin",
                            "treatment_interval", "units_90_days", "no_medical_history", "contraindication",
                            "no_treatment_consent"})
MAX_REASON_CHARS = 1000
# A treatment is recorded at the time it was given: today, not in the future.
FUTURE_SLACK = timedelta(minutes=10)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as the naive UTC the records keep (a naive one is taken as UTC already);
    a time whose offset takes it past the calendar's ends is refused (422), not a 500."""
    if moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(timezone.utc).replace(tzinfo=None)
    except OverflowError:
        raise InvalidInput("Give the time the toxin was given as a real date and time.") from None


def overrides_needed(warnings: list[dict[str, str]]) -> list[dict[str, str]]:
    """The warnings among ``warnings`` that need a reason to go ahead."""
    return [w for w in warnings if w["code"] in NEEDS_OVERRIDE]


def record_treatment(visit: Visit, given_at: datetime | None, reason: str) -> TreatmentRecord:
    """Record the toxin given at ``visit`` from its saved plan (the caller commits): its
    sites as saved and the warnings they raise now (``given_at`` None: now).

    Refused (422) without a saved plan with units, with a time in the future or before
    the visit's day, or when a warning needing an override has no reason; refused
    (409) on a signed visit or a second record.
    """
    require_unsigned(visit)
    if visit.treatment is not None:
        raise Conflict(f"The treatment of this visit was recorded at {visit.treatment.given_at:%d %b %Y %H:%M}. "
                       "Withdraw that record first if it was made in error.")
    plan = saved_plan(visit.id)
    plan_view = plan_for_photo(plan.photo) if plan is not None else None
    if plan_view is None or plan_view["totals"]["all"] <= 0:
        raise InvalidInput("Save the plan first, with the units given at each site: the treatment record takes "
                           "its sites, units, product and lot from it.")
    given_at = given_at or utcnow()
    if given_at > utcnow() + FUTURE_SLACK or given_at.date() < visit.visit_date:
        raise InvalidInput(f"Give the time the toxin was given: on or after the visit's day "
                           f"({visit.visit_date:%d %b %Y}) and not in the future.")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(f"Keep the reason to {MAX_REASON_CHARS} characters.")
    warnings = plan_view["warnings"] + safety_warnings(visit.patient_id)
    risky = overrides_needed(warnings)
    if risky and not reason:
        raise InvalidInput("These warnings need a reason before the treatment is recorded: "
                           + " ".join(w["message"] for w in risky))
    record = TreatmentRecord(
        clinic_id=visit.clinic_id, visit_id=visit.id, given_at=given_at, product=plan_view["product"] or "",
        lot=plan_view["lot"] or "", lot_id=plan_view["lot_id"], dilution=plan_view["dilution"] or "",
        sites=[{key: site[key] for key in ("region", "x", "y", "units", "label", "note")} for site in plan_view["sites"]],
        total_units=round(float(plan_view["totals"]["all"]), 2), warnings=warnings,
        override_reason=reason if risky else "", recorded_by_id=current_user().id)
    db = get_db()
    db.add(record)
    visit.treated = True
    db.flush()
    audit.record("record_treatment", "visit", visit.id)
    return record


def withdraw_treatment(visit: Visit) -> None:
    """Remove a record made in error, before sign-off (the caller commits); audited."""
    require_unsigned(visit)
    if visit.treatment is None:
        raise Conflict("No treatment is recorded for this visit.")
    get_db().delete(visit.treatment)
    visit.treated = False
    get_db().flush()
    audit.record("withdraw_treatment", "visit", visit.id)


def suggested_given_at(visit: Visit) -> datetime:
    """The time the record form offers: now for today's visit; for a visit filed on an earlier day
    (photos uploaded later) the time of its last photo, as the toxin follows the photos, so a
    record does not land on the upload's day and shift the 90-day rule and the reminders."""
    now = utcnow()
    if visit.visit_date >= now.date() or not visit.photos:
        return now
    return min(max(photo.taken_at for photo in visit.photos), now)


def treatment_panel(visit: Visit) -> dict[str, Any]:
    """What the photo page's treatment card shows: the record, or what recording it would take
    from the saved plan (units, product, lot, the warnings needing a reason), with the medical
    history and the treatment consent in force now, which the injector reads before treating."""
    plan = saved_plan(visit.id)
    view = plan_for_photo(plan.photo) if plan is not None else None
    safety = safety_warnings(visit.patient_id)
    warnings = (view["warnings"] if view else []) + safety
    return {"record": visit.treatment, "plan": view, "overrides": overrides_needed(warnings),
            "intake": intake_in_force(visit.patient_id), "consent": consent_in_force(visit.patient_id),
            "safety": safety, "given_at": suggested_given_at(visit),
            "needs_override": [w["code"] for w in visit.treatment.warnings if w["code"] in NEEDS_OVERRIDE]
            if visit.treatment else []}
