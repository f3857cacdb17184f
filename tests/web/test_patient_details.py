"""Editing a patient's details: saved and audited, bad input refused with its reason and nothing changed."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from gallery.db import get_db
from gallery.models import AuditEvent, Patient, utcnow
from tests.web.helpers import create_patient

DETAILS = {"name": "Jane Roe", "date_of_birth": "1980-04-02", "external_id": "EMR-7", "phone": "+44 20 1234",
           "email": "jane@example.test"}


def _patient(app, patient_id: int) -> Patient:
    with app.app_context():
        patient = get_db().get(Patient, patient_id)
        get_db().expunge(patient)
        return patient


def _audit(app, action: str) -> list[int]:
    with app.app_context():
        return list(get_db().scalars(select(AuditEvent.object_id).where(AuditEvent.action == action,
                                                                        AuditEvent.object_type == "patient")))


def test_details_are_edited_and_audited(app, logged_in):
    patient_id = create_patient(logged_in, "Jane Doe")
    page = logged_in.get(f"/patients/{patient_id}/edit")
    assert page.status_code == 200 and 'value="Jane Doe"' in page.get_data(as_text=True)
    response = logged_in.post(f"/patients/{patient_id}/edit", data={**DETAILS, "name": "  Jane Roe "})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/patients/{patient_id}")
    patient = _patient(app, patient_id)
    assert (patient.name, patient.date_of_birth, patient.external_id, patient.phone, patient.email) == (
        "Jane Roe", date(1980, 4, 2), "EMR-7", "+44 20 1234", "jane@example.test")
    assert _audit(app, "update") == [patient_id]
    assert patient_id in _audit(app, "view")  # the form shows the patient's details


def test_another_patients_external_id_is_refused_and_nothing_changes(app, logged_in):
    create_patient(logged_in, "First")
    logged_in.post("/patients/1/edit", data={**DETAILS, "name": "First", "external_id": "EMR-1"})
    second = create_patient(logged_in, "Second")
    response = logged_in.post(f"/patients/{second}/edit", data={**DETAILS, "name": "Renamed", "external_id": "EMR-1"})
    assert response.status_code == 409
    assert "Another patient already has this external id." in response.get_data(as_text=True)
    assert (_patient(app, second).name, _patient(app, second).external_id) == ("Second", None)
    # Keeping one's own external id is no conflict.
    assert logged_in.post("/patients/1/edit", data={**DETAILS, "name": "First", "external_id": "EMR-1"}).status_code == 302


def test_bad_details_get_422_with_the_reason(app, logged_in):
    patient_id = create_patient(logged_in, "Jane Doe")
    future = (utcnow().date() + timedelta(days=2)).isoformat()
    for data, reason in (({**DETAILS, "name": ""}, "This field is required."),
                         ({**DETAILS, "date_of_birth": "02/04/1980x"}, "Not a valid date value."),
                         ({**DETAILS, "date_of_birth": future}, "The date of birth is in the future."),
                         ({**DETAILS, "name": "x" * 201}, "Field cannot be longer than 200 characters.")):
        response = logged_in.post(f"/patients/{patient_id}/edit", data=data)
        assert response.status_code == 422 and reason in response.get_data(as_text=True), reason
    assert _patient(app, patient_id).name == "Jane Doe" and _audit(app, "update") == []


def test_another_clinics_patient_cannot_be_edited(app, staff, logged_in, client):
    patient_id = create_patient(logged_in, "Jane Doe")
    staff.create("other@clinic-b.test", clinic="Clinic B")
    other = staff.login(app.test_client(), "other@clinic-b.test")
    assert other.get(f"/patients/{patient_id}/edit").status_code == 404
    assert other.post(f"/patients/{patient_id}/edit", data=DETAILS).status_code == 404
    assert _patient(app, patient_id).name == "Jane Doe"


def test_the_timeline_asks_as_many_queries_for_eight_visits_as_for_two(app, logged_in):
    """Issue 34 (no N+1): a visit's photos, treatment, sign-off and amendments come with the page's
    own queries, not two more queries per visit."""
    from sqlalchemy import event

    from gallery.models import Visit

    patient_id = create_patient(logged_in)
    engine = app.extensions["gallery_engine"]

    def visits_then_statements(count: int) -> int:
        with app.app_context():
            patient = get_db().get(Patient, patient_id)
            get_db().add_all(Visit(clinic_id=patient.clinic_id, patient_id=patient_id, notes="",
                                   visit_date=date(2026, 1, 1) + timedelta(days=30 * n)) for n in range(count))
            get_db().commit()
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert logged_in.get(f"/patients/{patient_id}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    assert visits_then_statements(2) == visits_then_statements(6)
