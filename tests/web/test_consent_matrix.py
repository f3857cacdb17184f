"""The consent gate as a matrix: viewers x consent states x resources.

Each cell is the response a viewer gets for one resource of a patient in one
consent state, compared with the rule of DESIGN.md "Consent": staff of the
clinic always (the clinical record); the patient online only with ``portal``;
anyone through a share link only with ``portal``; the public gallery only with
``marketing``; nobody else, ever.

Consent can stop being in force without a withdrawal, which leaves the case published and
its link live: only the gate refuses them then. ``reconsent_required`` gave everything
under consent text 1, then text 2 asked for portal and marketing again (the other patients
consented under text 2); ``marketing_expired`` gave everything longer ago than the clinic's
marketing term, so portal still holds and marketing does not.
"""
from __future__ import annotations

import io
import itertools
from datetime import timedelta

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from gallery.db import get_db
from gallery.models import Comparison, ConsentRecord, ConsentText, PatientAccount, ShareLink, utcnow
from tests.conftest import PASSWORD, Staff, app_for_tests, emptied_test_database
from tests.images import astronaut, encode
from tests.web.helpers import api_caller
from tests.web.test_compare import _moved

STATES = {
    "reconsent_required": ["clinical", "portal", "marketing"],  # first: text 2 is published right after it
    "none": [],
    "clinical": ["clinical"],
    "portal": ["clinical", "portal"],
    "marketing_deidentified": ["clinical", "portal", "marketing"],
    "marketing_identifiable": ["clinical", "marketing"],
    "withdrawn": ["clinical", "portal", "marketing"],  # all three withdrawn after publishing and sharing
    "marketing_expired": ["clinical", "portal", "marketing"],  # given longer ago than the marketing term
}
# What is still in force where it differs from what was given.
IN_FORCE = {"withdrawn": [], "reconsent_required": ["clinical"], "marketing_expired": ["clinical", "portal"]}
MARKETING_DAYS = 365
VIEWERS = ("anonymous", "other_patient", "patient", "other_clinic_staff", "staff")
RESOURCES = ("display", "thumb", "comparison_image", "gallery_page", "portal_page", "share_link", "api")


def _grant(api, patient_id, scopes, identifiable=False, text_version="2"):
    if scopes:
        response = api("POST", f"/api/v1/patients/{patient_id}/consents",
                       json={"scopes": scopes, "signed_name": "Pat", "text_version": text_version,
                             "marketing_identifiable": identifiable})
        assert response.status_code == 201, response.data


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = app_for_tests(str(tmp_path_factory.mktemp("matrix")), emptied_test_database(),
                        GALLERY_MARKETING_CONSENT_DAYS=MARKETING_DAYS)
    staff = Staff(app)
    staff.create("a@clinic-a.test", "Clinic A")
    staff.create("b@clinic-b.test", "Clinic B")
    token = staff.token("a@clinic-a.test")
    api = api_caller(app, token)

    cases = {}
    for index, (state, scopes) in enumerate(list(STATES.items()) + [("other", ["clinical", "portal", "marketing"])]):
        patient_id = api("POST", "/api/v1/patients", json={"name": f"Patient {state}"}).get_json()["id"]
        photos = []
        for day, data in (("2026-02-01", encode(astronaut(3.0), "JPEG", quality=80 + index)),
                          ("2026-02-15", encode(np.asarray(Image.open(io.BytesIO(_moved()))), "JPEG", quality=80 + index))):
            response = api("POST", f"/api/v1/patients/{patient_id}/photos", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data), "p.jpg"), "expression": "rest", "taken_at": day})
            assert response.status_code == 201, response.data
            photos.append(response.get_json()["id"])
        made = api("POST", "/api/v1/comparisons", json={"before": photos[0], "after": photos[1]})
        assert made.status_code == 201, made.get_json()
        comparison_id = made.get_json()["id"]
        _grant(api, patient_id, scopes, identifiable=(state == "marketing_identifiable"),
               text_version="1" if state == "reconsent_required" else "2")
        with app.app_context():
            db = get_db()
            db.add(PatientAccount(clinic_id=1, patient_id=patient_id, email=f"{state}@patients.test",
                                  password_hash=generate_password_hash(PASSWORD)))
            # A link made while consent allowed it (or slipped in by hand): the gate must still refuse it.
            import hashlib
            link_token = f"link-{state}-{index}-abcdefghijklmnop"
            db.add(ShareLink(clinic_id=1, comparison_id=comparison_id, expires_at=utcnow() + timedelta(days=7),
                             token_sha256=hashlib.sha256(link_token.encode()).hexdigest()))
            if "marketing" in scopes:
                db.get(Comparison, comparison_id).published_at = utcnow()
            if state == "reconsent_required":
                db.add(ConsentText(clinic_id=1, version="2", title="Consent 2", body="Photos are used anew.",
                                   reconsent_scopes=["portal", "marketing"]))
            if state == "marketing_expired":
                for record in db.scalars(select(ConsentRecord).where(ConsentRecord.patient_id == patient_id)):
                    record.created_at -= timedelta(days=MARKETING_DAYS + 1)
            db.commit()
        if state == "withdrawn":
            assert api("POST", f"/api/v1/patients/{patient_id}/consents/withdraw",
                       json={"scopes": ["clinical", "portal", "marketing"]}).status_code == 201
        cases[state] = {"patient": patient_id, "photo": photos[0], "comparison": comparison_id, "link": link_token}

    def client_for(viewer, state):
        client = app.test_client()
        if viewer in ("staff", "other_clinic_staff"):
            staff.login(client, "a@clinic-a.test" if viewer == "staff" else "b@clinic-b.test")
        elif viewer in ("patient", "other_patient"):
            email = f"{state if viewer == 'patient' else 'other'}@patients.test"
            assert client.post("/portal/login", data={"email": email, "password": PASSWORD}).status_code == 302
        return client

    return {"app": app, "cases": cases, "client_for": client_for, "token": token}


def expected(viewer: str, state: str, resource: str) -> bool:
    scopes = set(IN_FORCE.get(state, STATES[state]))
    if resource == "gallery_page":
        return "marketing" in scopes
    if resource == "share_link":
        return "portal" in scopes
    if viewer == "staff":
        return resource != "portal_page"
    if viewer == "patient":
        return resource in ("display", "thumb", "comparison_image", "portal_page") and "portal" in scopes
    return False


def actual(world, viewer: str, state: str, resource: str) -> bool:
    case = world["cases"][state]
    client = world["client_for"](viewer, state)
    photo, comparison = case["photo"], case["comparison"]
    if resource == "share_link":
        page, image = client.get(f"/s/{case['link']}"), client.get(f"/s/{case['link']}/image.png")
        assert page.status_code == image.status_code
        if image.status_code == 200:
            assert "no-store" in image.headers["Cache-Control"]
        return page.status_code == 200
    if resource == "gallery_page":
        listing = client.get("/gallery").get_data(as_text=True)
        listed = f"/gallery/{comparison}/image.png" in listing
        page, image = client.get(f"/gallery/{comparison}"), client.get(f"/gallery/{comparison}/image.png")
        assert listed == (page.status_code == 200) == (image.status_code == 200)
        if image.status_code == 200:
            assert "no-store" in image.headers["Cache-Control"]
        return listed
    if resource == "api":
        headers = {"Authorization": f"Bearer {world['token']}"} if viewer == "staff" else {}
        if viewer == "other_clinic_staff":
            with world["app"].app_context():
                headers = {"Authorization": f"Bearer {Staff(world['app']).token('b@clinic-b.test')}"}
        return client.get(f"/api/v1/photos/{photo}/image", headers=headers).status_code == 200
    if resource == "portal_page":
        response = client.get("/portal")
        return response.status_code == 200 and f"/portal/photos/{photo}/image/thumb" in response.get_data(as_text=True)
    if viewer in ("patient", "other_patient") and resource == "comparison_image":
        page = client.get(f"/portal/comparisons/{comparison}")
        image = client.get(f"/portal/comparisons/{comparison}/image.png")
        assert page.status_code == image.status_code
    if viewer in ("patient", "other_patient"):
        paths = {"display": f"/portal/photos/{photo}/image/display", "thumb": f"/portal/photos/{photo}/image/thumb",
                 "comparison_image": f"/portal/comparisons/{comparison}/image.png"}
    else:
        paths = {"display": f"/photos/{photo}/image/display", "thumb": f"/photos/{photo}/image/thumb",
                 "comparison_image": f"/comparisons/{comparison}/image"}
    response = client.get(paths[resource])
    if response.status_code == 200 and viewer in ("patient", "other_patient"):
        assert "no-store" in response.headers["Cache-Control"]
    return response.status_code == 200


CELLS = list(itertools.product(VIEWERS, STATES, RESOURCES))


@pytest.mark.parametrize("viewer, state, resource", CELLS, ids=["-".join(c) for c in CELLS])
def test_consent_matrix(world, viewer, state, resource):
    assert actual(world, viewer, state, resource) == expected(viewer, state, resource)


def test_matrix_size():
    assert len(CELLS) == 5 * 8 * 7 == 280


def test_the_portal_comparison_says_why_an_area_has_no_change(world):
    """Issue 29: an area without a figure keeps its row, with the reason (here the
    before photo, 0.47 mm/px, is too coarse for lines), instead of vanishing."""
    case = world["cases"]["portal"]
    page = world["client_for"]("patient", "portal").get(f"/portal/comparisons/{case['comparison']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count("not measured before: photo too coarse to measure lines") == 4
