"""The suggested retreatment follows the patient's own history: lines coming back (issue 32) or
movement coming back (issue 30: movement returning over the months is the duration of effect),
read from stored photos and movement rows as the app reads them."""
from __future__ import annotations

from datetime import date, datetime

from gallery.db import get_db
from gallery.models import Clinic, MovementRecord, Patient, Photo, Visit
from gallery.patients.retreatment import suggested_retreatment
from landmarks.movement import Figure, Movement
from landmarks.wrinkles import MEASUREMENT_STANDARD


def _photo(patient: Patient, visit: Visit, day: str, expression: str, second: int, glabella: float | None) -> Photo:
    summary = {} if glabella is None else {"face_found": True, "measurement_standard": MEASUREMENT_STANDARD,
                                           "indices": {"glabella": glabella}}
    return Photo(clinic_id=patient.clinic_id, patient=patient, visit=visit,
                 sha256=f"{day}-{expression}".ljust(64, "0"), content_type="image/jpeg", original_size=1, width=1,
                 height=1, expression=expression, taken_at=datetime.fromisoformat(f"{day}T10:00:{second:02d}"),
                 analysis={}, summary=summary, analysis_version=1, analysis_status="done")


def _visit(patient: Patient, day: str, treated: bool, *, lift_mm: float | None = None,
           glabella: float | None = None) -> None:
    """A visit on ``day``: with ``lift_mm``, a rest and a "raise" photo whose stored movement lifts the
    brows' centres that much ± 0.2 mm; with ``glabella``, a frown photo with that index."""
    db = get_db()
    visit = Visit(clinic_id=patient.clinic_id, patient=patient, visit_date=date.fromisoformat(day), treated=treated)
    db.add(visit)
    if glabella is not None:
        db.add(_photo(patient, visit, day, "frown", 40, glabella))
    if lift_mm is not None:
        rest, raised = _photo(patient, visit, day, "rest", 0, None), _photo(patient, visit, day, "raise", 20, None)
        db.add_all([rest, raised])
        db.flush()
        figures = tuple(Figure("brow_lift", "frontalis", side, "centre", lift_mm, 0.2) for side in ("right", "left"))
        db.add(MovementRecord(clinic_id=patient.clinic_id, visit_id=visit.id, expression="raise",
                              rest_photo_id=rest.id, contraction_photo_id=raised.id, method_version=1,
                              result=Movement("raise", figures, None, 0.3, 1.0, 0.1).to_dict()))
    db.commit()


def _patient() -> Patient:
    db = get_db()
    clinic = db.query(Clinic).one_or_none() or Clinic(name="Clinic A")
    db.add(clinic)
    db.flush()
    patient = Patient(clinic_id=clinic.id, name="Mo Vement")
    db.add(patient)
    db.commit()
    return patient


def test_retreatment_follows_when_this_patients_lines_came_back(app):
    """Issue 32: from the patient's own history; the label's minimum interval otherwise."""
    with app.app_context():
        first = _patient()
        assert suggested_retreatment(first, 90) is None
        _visit(first, "2026-01-12", True, glabella=10.0)
        _visit(first, "2026-01-26", False, glabella=4.0)
        suggestion = suggested_retreatment(first, 90)
        assert suggestion.on == date(2026, 4, 12) and "minimum interval of 90 days" in suggestion.reason
        # Lines back to about the level before treatment on day 120 (9.0 against 10.0): 120 days is this patient's.
        _visit(first, "2026-03-12", False, glabella=5.0)
        _visit(first, "2026-05-12", False, glabella=9.0)
        _visit(first, "2026-05-20", True, glabella=9.5)
        suggestion = suggested_retreatment(first, 90)
        assert suggestion.on == date(2026, 9, 17)  # 20 May + 120 days
        assert suggestion.reason.startswith("Frown lines came back 120 days after the treatment of 12 Jan 2026")
        # A quick return never brings the suggestion under the label's interval.
        quick = _patient()
        _visit(quick, "2026-01-12", True, glabella=10.0)
        _visit(quick, "2026-02-20", False, glabella=9.5)
        _visit(quick, "2026-03-01", True)
        suggestion = suggested_retreatment(quick, 90)
        assert suggestion.on == date(2026, 5, 30) and "not before the label's 90-day interval" in suggestion.reason


def test_retreatment_follows_the_brows_moving_again_as_at_the_treatment_visit(app):
    with app.app_context():
        patient = _patient()
        _visit(patient, "2026-01-10", True, lift_mm=4.0)    # treated: the brows lift 4 mm before the injection
        _visit(patient, "2026-01-24", False, lift_mm=0.8)   # day 14: hardly move
        _visit(patient, "2026-03-21", False, lift_mm=2.5)   # day 70: partly back
        _visit(patient, "2026-04-30", False, lift_mm=3.8)   # day 110: back to about 4 mm
        _visit(patient, "2026-05-10", True, lift_mm=4.1)    # treated again
        suggestion = suggested_retreatment(patient, 90)
        assert suggestion.on == date(2026, 8, 28)  # 10 May + 110 days
        assert suggestion.reason.startswith("Movement of the frontalis came back 110 days after the treatment of "
                                            "10 Jan 2026")


def test_whichever_comes_back_first_sets_the_interval(app):
    with app.app_context():
        patient = _patient()
        _visit(patient, "2026-01-10", True, lift_mm=4.0, glabella=10.0)
        _visit(patient, "2026-01-24", False, lift_mm=0.8, glabella=4.0)
        _visit(patient, "2026-04-10", False, lift_mm=3.9, glabella=5.0)  # day 90: movement back, lines not yet
        _visit(patient, "2026-05-10", True, lift_mm=4.0, glabella=9.5)   # day 120: lines back too
        suggestion = suggested_retreatment(patient, 60)
        assert suggestion.on == date(2026, 8, 8)  # 10 May + 90 days
        assert suggestion.reason.startswith("Movement of the frontalis came back 90 days after the treatment")


def test_movement_partly_back_or_not_measured_at_the_treatment_gives_no_return(app):
    with app.app_context():
        patient = _patient()
        _visit(patient, "2026-01-10", True, lift_mm=4.0)
        _visit(patient, "2026-03-21", False, lift_mm=2.5)  # day 70, 1.5 mm short of 4: not back
        _visit(patient, "2026-04-01", True, lift_mm=2.6)   # treated again before it was back
        assert "No return of the lines or movement" in suggested_retreatment(patient, 90).reason
        unmeasured = _patient()
        _visit(unmeasured, "2026-01-10", True)  # no movement measured before the injection
        _visit(unmeasured, "2026-04-30", False, lift_mm=4.0)
        _visit(unmeasured, "2026-05-10", True, lift_mm=4.0)
        assert suggested_retreatment(unmeasured, 90).on == date(2026, 8, 8)  # the label's 90 days
