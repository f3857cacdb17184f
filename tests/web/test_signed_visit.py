"""Signed means signed: every route that writes to a visit refuses a signed one, web and API alike.

``test_every_write_route_is_listed`` walks the app's URL map: a route that writes (POST, PUT,
PATCH, DELETE) must be listed here, either as one that writes to a visit, its photos, plan,
grades, notes or treatment (and is then proven to refuse a signed visit with 409 and to leave
it as it was), or as one that writes to nothing of a visit.
"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from gallery.db import get_db
from gallery.models import InjectionPlan, Photo, RegionGrade, TreatmentRecord, Visit, utcnow
from tests.images import astronaut, encode
from tests.web.helpers import api_caller, ready_for_treatment
from tests.web.test_planning import _save


def _photo_bytes(scale: float) -> bytes:
    return encode(astronaut(scale), "JPEG", quality=90)


def _plan_etag(api, photo: int) -> str:
    return api("GET", f"/api/v1/photos/{photo}/plan").headers["ETag"]


# endpoint -> the request that would change the signed visit: (web or api, method, path, keyword arguments)
VISIT_WRITES = {
    "patients.add_visit": lambda w: ("web", "POST", f"/patients/{w['patient']}/visits",
                                     {"data": {"visit_date": w["today"], "notes": "Added after signing"}}),
    "patients.upload": lambda w: ("web", "POST", f"/patients/{w['patient']}/upload", {
        "content_type": "multipart/form-data",
        "data": {"expression": "rest", "visit_id": str(w["visit"]),
                 "photos": [(io.BytesIO(_photo_bytes(2.6)), "late.jpg")]}}),
    "capture.take": lambda w: ("web", "POST", f"/patients/{w['patient']}/capture/photos.json", {
        "content_type": "multipart/form-data",
        "data": {"file": (io.BytesIO(_photo_bytes(2.7)), "capture.jpg"), "view": "front", "expression": "rest"}}),
    "photos.retag": lambda w: ("web", "POST", f"/photos/{w['photo']}/tags", {"data": {"expression": "smile",
                                                                                       "view": "left45"}}),
    "photos.grade": lambda w: ("web", "POST", f"/photos/{w['photo']}/grades", {"data": {"grade_glabella": "2"}}),
    "planning.put_plan": lambda w: ("web", "PUT", f"/photos/{w['photo']}/plan.json", {
        "json": {"sites": [], "lot": "B2"}, "headers": {"If-Match": _plan_etag(w["api"], w["photo"])}}),
    "api.upload_photo": lambda w: ("api", "POST", f"/api/v1/patients/{w['patient']}/photos", {
        "content_type": "multipart/form-data",
        "data": {"file": (io.BytesIO(_photo_bytes(2.8)), "p.jpg"), "expression": "rest", "taken_at": w["today"]}}),
    "api.put_plan": lambda w: ("api", "PUT", f"/api/v1/photos/{w['photo']}/plan", {
        "json": {"sites": [], "lot": "B2"}, "headers": {"If-Match": _plan_etag(w["api"], w["photo"])}}),
    "planning.record_treatment_page": lambda w: ("web", "POST", f"/visits/{w['visit']}/treatment",
                                                 {"data": {"reason": "Again", "photo_id": str(w["photo"])}}),
    "planning.withdraw_treatment_page": lambda w: ("web", "POST", f"/visits/{w['visit']}/treatment/withdraw",
                                                   {"data": {"photo_id": str(w["photo"])}}),
    "api.record_visit_treatment": lambda w: ("api", "POST", f"/api/v1/visits/{w['visit']}/treatment", {"json": {}}),
    "api.withdraw_visit_treatment": lambda w: ("api", "DELETE", f"/api/v1/visits/{w['visit']}/treatment", {}),
}
# Writes to nothing of a visit (amendments and sign-off are how a signed visit is corrected).
NOT_VISIT_WRITES = {
    "signoff.add_amendment", "signoff.sign", "signoff.sign_amendment_page", "api.amend_visit", "api.sign_off_visit",
    "api.sign_off_amendment",
    "auth.login", "auth.logout", "auth.setup", "auth.second_factor", "auth.enrol", "staff.require_second_factor",
    "staff.reset_second_factor", "auth.join", "auth.reset_password", "auth.forgot_password", "staff.invite",
    "staff.cancel_invitation", "staff.change_role", "staff.deactivate", "staff.reactivate", "staff.send_password_reset",
    "portal.login", "portal.logout", "portal.accept",
    "portal_consent.withdraw_scopes", "portal_consent.give", "portal.request_data_export",
    "patients.new", "patients.edit", "api.create_patient", "consent.record", "consent.withdraw_page", "consent.invite",
    "api.grant_consent", "api.withdraw_consent", "api.invite",
    "compare.create", "api.create_comparison_api", "consent.publish", "consent.unpublish", "consent.share",
    "consent.revoke", "api.publish", "api.share",
    "capture.check",  # judges a frame, stores nothing
    "branding.settings",  # the clinic's name and logo
    # The patient's medical history and treatment consent: the patient's, not a visit's.
    "intake.history_page", "intake.sign_consent", "intake.withdraw_consent", "intake.texts", "api.post_intake",
    "api.post_treatment_consent", "api.withdraw_treatment_consent_api",
    "capture.protocol", "consent.texts", "consent.export_settings", "staff.revoke", "stock.new_lot",
    "stock.new_product", "api.create_lot", "api.create_product",
}


@pytest.fixture
def signed(app, staff):
    """Today's visit of a patient, with a photo, a plan, its treatment recorded and a grade, signed by the
    medical director. Today is the app's (UTC) day, read when the fixture runs: a module-level date
    went stale when a run crossed midnight, and the capture page then opened the next day's visit."""
    today = utcnow().date().isoformat()
    staff.create()
    staff.create("mo@clinic-a.test", role="medical_director", name="Dr Mo Dir")
    api = api_caller(app, staff.token())
    director = api_caller(app, staff.token("mo@clinic-a.test"))
    patient = api("POST", "/api/v1/patients", json={"name": "Sign Me"}).get_json()["id"]
    made = api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
               data={"file": (io.BytesIO(_photo_bytes(3.0)), "p.jpg"), "expression": "frown", "taken_at": today})
    assert made.status_code == 201, made.data
    photo = made.get_json()["id"]
    plan = api("GET", f"/api/v1/photos/{photo}/plan").get_json()
    assert _save(api, photo, {"sites": plan["sites"][:5], "lot": "A1"}).status_code == 200
    ready_for_treatment(api, patient)
    assert api("POST", f"/api/v1/visits/{plan['visit_id']}/treatment", json={}).status_code == 201
    web = staff.login(app.test_client())
    assert web.post(f"/photos/{photo}/grades", data={"grade_glabella": "3"}).status_code in (200, 302)
    assert director("POST", f"/api/v1/visits/{plan['visit_id']}/sign-off").status_code == 200
    return {"app": app, "api": api, "web": web, "patient": patient, "photo": photo, "visit": plan["visit_id"],
            "today": today}


def _snapshot(app, visit_id: int) -> dict:
    with app.app_context():
        db = get_db()
        visit = db.get(Visit, visit_id)
        return {
            "notes": visit.notes, "treated": visit.treated,
            "visits": db.scalar(select(func.count()).select_from(Visit).where(Visit.patient_id == visit.patient_id)),
            "photos": db.scalar(select(func.count()).select_from(Photo).where(Photo.patient_id == visit.patient_id)),
            "grades": db.scalar(select(func.count()).select_from(RegionGrade)),
            "plans": [(p.id, p.updated_at) for p in db.scalars(select(InjectionPlan)
                                                                 .where(InjectionPlan.visit_id == visit_id))],
            "treatment": [(t.id, t.given_at, t.override_reason) for t in db.scalars(
                select(TreatmentRecord).where(TreatmentRecord.visit_id == visit_id))],
        }


@pytest.mark.parametrize("endpoint", VISIT_WRITES)
def test_a_write_to_a_signed_visit_is_refused_and_changes_nothing(signed, endpoint):
    before = _snapshot(signed["app"], signed["visit"])
    kind, method, path, kwargs = VISIT_WRITES[endpoint](signed)
    if kind == "web":
        response = signed["web"].open(path, method=method, **kwargs)
    else:
        response = signed["api"](method, path, **kwargs)
    assert response.status_code == 409, response.data[:500]
    assert "signed off by Dr Mo Dir" in response.get_data(as_text=True)
    assert _snapshot(signed["app"], signed["visit"]) == before


def test_every_write_route_is_listed(app):
    writes = {rule.endpoint for rule in app.url_map.iter_rules() if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}}
    assert writes - set(VISIT_WRITES) - NOT_VISIT_WRITES == set(), "a new write route: list it above"
    assert set(VISIT_WRITES) | NOT_VISIT_WRITES <= writes
