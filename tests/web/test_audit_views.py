"""Every staff view of a patient's face or signature is in the audit log, pages and API alike.

``test_every_staff_read_of_a_record_is_audited`` walks the app's URL map: every GET route
for staff that names a record (a photo, comparison, patient, consent record or visit) is
fetched and must leave an audit row naming that record, unless it is listed below as
showing neither a face nor a signature.
"""
from __future__ import annotations

import base64
import io

import pytest
from sqlalchemy import select

from gallery.db import get_db
from gallery.models import AuditEvent
from tests.images import astronaut, encode
from tests.web.helpers import api_caller
from tests.web.test_compare import MEASURED_SCALE, _moved

# The record each id argument names, as audit rows call it.
OBJECT_TYPE = {"photo_id": "photo", "comparison_id": "comparison", "patient_id": "patient", "record_id": "consent",
               "visit_id": "visit"}
# Staff reads of a record that show no face and no signature (their pages, which do, are audited).
NO_FACE = {
    "planning.get_plan": "the plan's sites and units, loaded by the audited photo page",
    "planning.revisions": "who saved the plan when",
    "api.get_plan": "the plan's sites and units",
    "api.get_plan_revisions": "who saved the plan when",
    "api.get_consents": "the consent records, with only whether a signature is kept",
    "patients.upload": "the empty upload form",
    "consent.record": "the empty consent form",
    "intake.sign_consent": "the treatment consent text to sign, and who signed when (the receipt shows a signature)",
    "api.get_treatment_consents": "the treatment consent records, without the signature",
}
PNG = base64.b64encode(encode(astronaut(0.1), "PNG")).decode()


@pytest.fixture
def records(app, staff):
    """The walk's pages are read by a medical director, who may open every staff page (the sign-off review too)."""
    staff.create()
    staff.create("mo@clinic-a.test", role="medical_director")
    api = api_caller(app, staff.token())
    patient = api("POST", "/api/v1/patients", json={"name": "Ann Lee"}).get_json()["id"]
    photos = []
    for day, data in (("2026-02-01", encode(astronaut(MEASURED_SCALE), "JPEG")), ("2026-02-15", _moved())):
        made = api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(data), "p.jpg"), "expression": "rest", "taken_at": day})
        photos.append(made.get_json())
    comparison = api("POST", "/api/v1/comparisons", json={"before": photos[0]["id"], "after": photos[1]["id"]})
    consent = api("POST", f"/api/v1/patients/{patient}/consents", json={
        "scopes": ["clinical"], "signed_name": "Ann Lee", "text_version": "1",
        "signature": f"data:image/png;base64,{PNG}"})
    assert consent.status_code == 201, consent.data
    return {"api": api, "web": staff.login(app.test_client(), "mo@clinic-a.test"),
            "ids": {"photo_id": photos[0]["id"], "comparison_id": comparison.get_json()["id"], "patient_id": patient,
                    "record_id": consent.get_json()["history"][-1]["id"], "visit_id": photos[0]["visit_id"]}}


def _rows(app) -> list[tuple[str, str, int | None]]:
    with app.app_context():
        return [(e.action, e.object_type, e.object_id) for e in get_db().scalars(select(AuditEvent)
                                                                               .order_by(AuditEvent.id))]


def _staff_reads(app) -> list:
    return [rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and set(rule.arguments) & set(OBJECT_TYPE)
            and not rule.endpoint.startswith(("portal.", "portal_consent.", "public."))]


def test_every_staff_read_of_a_record_is_audited(app, records):
    unaudited = []
    for rule in _staff_reads(app):
        if rule.endpoint in NO_FACE:
            continue
        (argument,) = set(rule.arguments) & set(OBJECT_TYPE)
        values = {argument: records["ids"][argument], **({"variant": "display"} if "variant" in rule.arguments else {})}
        url = rule.build(values, append_unknown=False)[1]
        before = len(_rows(app))
        if rule.rule.startswith("/api/"):
            response = records["api"]("GET", url)
        else:
            response = records["web"].get(url)
        assert response.status_code == 200, (url, response.status_code)
        new = _rows(app)[before:]
        if not any(action in ("view", "export") and kind == OBJECT_TYPE[argument] and object_id == values[argument]
                   for action, kind, object_id in new):
            unaudited.append(f"{rule.rule} ({rule.endpoint}): {new}")
    assert unaudited == [], "\n".join(unaudited)
    assert set(NO_FACE) <= {rule.endpoint for rule in _staff_reads(app)}


@pytest.mark.parametrize("variant", ["display", "thumb", "lines"])
def test_each_image_a_page_shows_is_a_row(app, records, variant):
    """A timeline of thumbnails, the line map over the photo: each image served is a view of that photo."""
    photo = records["ids"]["photo_id"]
    before = len(_rows(app))
    assert records["web"].get(f"/photos/{photo}/image/{variant}").status_code == 200
    assert ("view", "photo", photo) in _rows(app)[before:]


def test_the_consent_receipt_with_its_signature_is_a_row(app, records):
    record = records["ids"]["record_id"]
    before = len(_rows(app))
    page = records["web"].get(f"/consents/{record}/receipt").get_data(as_text=True)
    assert "data:image/png;base64," in page
    assert _rows(app)[before:] == [("view", "consent", record)]
