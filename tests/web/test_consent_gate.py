"""The consent gate, route by route: every way a patient's photo leaves the clinic.

Withdrawal also unpublishes a case and revokes its links, so a test that only
withdraws cannot tell the gate from the unpublishing. Here consent stops being in
force *without* a withdrawal (a new consent text asks for it again; marketing consent
runs out at the clinic's term), the case stays published and its link live, and every
route serving that patient outside the clinic must refuse on the very next request.

``test_every_route_outside_the_clinic_is_listed`` walks the app's URL map: a route
that answers someone who is not signed in as staff must be listed here, either as a
gated photo route (and then proven by the lapse tests) or as one that shows no photo.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from gallery.db import get_db
from gallery.models import ConsentRecord, PatientAccount
from tests.conftest import PASSWORD, Staff
from tests.images import astronaut, encode
from tests.web.test_compare import _moved

MARKETING_DAYS = 365


@dataclass(frozen=True)
class Case:
    patient: int
    photo: int
    comparison: int
    link: str


@dataclass(frozen=True)
class Route:
    """A route that shows a patient's photo (or a derivative) to someone outside the clinic."""

    viewer: str  # "anonymous" or "patient" (signed in to the portal)
    scope: str  # the consent scope it needs
    url: Callable[[Case], str]
    shows: Callable[[Case, object], bool]  # whether the response shows the case's photos


def _served(case: Case, response) -> bool:
    return response.status_code == 200


def _lists(case: Case, response) -> bool:
    return response.status_code == 200 and f"/gallery/{case.comparison}/image.png" in response.get_data(as_text=True)


def _portal_lists(case: Case, response) -> bool:
    return response.status_code == 200 and f"/portal/photos/{case.photo}/image/thumb" in response.get_data(as_text=True)


GATED = {
    "public.gallery": Route("anonymous", "marketing", lambda c: "/gallery", _lists),
    "public.case": Route("anonymous", "marketing", lambda c: f"/gallery/{c.comparison}", _served),
    "public.case_image": Route("anonymous", "marketing", lambda c: f"/gallery/{c.comparison}/image.png", _served),
    "public.shared": Route("anonymous", "portal", lambda c: f"/s/{c.link}", _served),
    "public.case_half": Route("anonymous", "marketing", lambda c: f"/gallery/{c.comparison}/after.png", _served),
    "public.shared_image": Route("anonymous", "portal", lambda c: f"/s/{c.link}/image.png", _served),
    "public.shared_half": Route("anonymous", "portal", lambda c: f"/s/{c.link}/before.png", _served),
    "portal.home": Route("patient", "portal", lambda c: "/portal", _portal_lists),
    "portal.photo_image": Route("patient", "portal", lambda c: f"/portal/photos/{c.photo}/image/display", _served),
    "portal.comparison": Route("patient", "portal", lambda c: f"/portal/comparisons/{c.comparison}", _served),
    "portal.comparison_image": Route("patient", "portal", lambda c: f"/portal/comparisons/{c.comparison}/image.png",
                                     _served),
    "portal.comparison_half": Route("patient", "portal", lambda c: f"/portal/comparisons/{c.comparison}/after.png",
                                    _served),
}
# Routes that answer without a staff sign-in but show no photo of any patient.
NO_PHOTO = {
    "static", "api_docs.reference", "api_docs.asset", "api-docs.openapi_json",
    "auth.login", "auth.logout", "auth.setup", "auth.join", "auth.reset_password", "auth.forgot_password",
    "portal.login", "portal.logout", "portal.accept", "portal.request_data_export", "portal.export_status",
    # The patient's own consents: what withdrawing will do, the withdrawal, the consent text to give again.
    "portal_consent.confirm_withdrawal", "portal_consent.withdraw_scopes", "portal_consent.give",
    # The patient's copy of their own records is their right of access (data protection law), not a use
    # they consent to: it is served to the signed-in patient whatever their portal consent says.
    "portal.download_export",
    # The clinic's logo: an admin's picture, not a patient's.
    "public.clinic_logo",
}
STAFF_LOGIN = "/login"


@pytest.fixture
def world(make_app):
    """A case whose patient consented to everything: published, shared, and seen in the portal."""
    app = make_app(GALLERY_MARKETING_CONSENT_DAYS=MARKETING_DAYS)
    staff = Staff(app)
    staff.create("admin@clinic-a.test", role="admin")
    client = staff.login(app.test_client(), "admin@clinic-a.test")
    token = staff.token("admin@clinic-a.test")
    headers = {"Authorization": f"Bearer {token}"}
    patient = client.post("/api/v1/patients", json={"name": "Pat Lee"}, headers=headers).get_json()["id"]
    photos = []
    for day, data in (("2026-02-01", encode(astronaut(3.0), "JPEG", quality=90)),
                      ("2026-02-15", encode(np.asarray(Image.open(io.BytesIO(_moved()))), "JPEG", quality=90))):
        response = client.post(f"/api/v1/patients/{patient}/photos", headers=headers,
                               content_type="multipart/form-data",
                               data={"file": (io.BytesIO(data), "p.jpg"), "expression": "rest", "taken_at": day})
        assert response.status_code == 201, response.data
        photos.append(response.get_json()["id"])
    comparison = client.post("/api/v1/comparisons", json={"before": photos[0], "after": photos[1]},
                             headers=headers).get_json()["id"]
    granted = client.post(f"/api/v1/patients/{patient}/consents", headers=headers, json={
        "scopes": ["clinical", "portal", "marketing"], "signed_name": "Pat Lee", "text_version": "1",
        "marketing_identifiable": False})
    assert granted.status_code == 201, granted.data
    assert client.post(f"/comparisons/{comparison}/publish").status_code == 302
    shared = client.post(f"/comparisons/{comparison}/share-links", data={"expires_in_days": "14"})
    link = shared.get_data(as_text=True).split("/s/", 1)[1].split('"', 1)[0].split("<", 1)[0]
    with app.app_context():
        db = get_db()
        db.add(PatientAccount(clinic_id=1, patient_id=patient, email="pat@patients.test",
                              password_hash=generate_password_hash(PASSWORD)))
        db.commit()
    patient_client = app.test_client()
    assert patient_client.post("/portal/login", data={"email": "pat@patients.test", "password": PASSWORD}) \
        .status_code == 302
    return {"app": app, "admin": client, "clients": {"anonymous": app.test_client(), "patient": patient_client},
            "case": Case(patient, photos[0], comparison, link)}


def _publish_text(world, version: str, reconsent: list[str]) -> None:
    response = world["admin"].post("/admin/consent-texts", data={
        "version": version, "title": f"Consent {version}", "body": "We changed how photos are used.",
        "reconsent_scopes": reconsent})
    assert response.status_code == 302, response.data


def _let_marketing_run_out(world) -> None:
    """The clinic's term passes: the grant was made a day more than ``MARKETING_DAYS`` ago."""
    with world["app"].app_context():
        db = get_db()
        for record in db.scalars(select(ConsentRecord).where(ConsentRecord.patient_id == world["case"].patient)):
            record.created_at -= timedelta(days=MARKETING_DAYS + 1)
        db.commit()


LAPSES = {
    # how consent stops being in force (no withdrawal), and the scopes that lapse
    "marketing asked again by a new text": (lambda w: _publish_text(w, "2", ["marketing"]), {"marketing"}),
    "portal asked again by a new text": (lambda w: _publish_text(w, "2", ["portal"]), {"portal"}),
    "marketing run out at the clinic's term": (_let_marketing_run_out, {"marketing"}),
}


def _shows(world, endpoint: str) -> bool:
    route = GATED[endpoint]
    return route.shows(world["case"], world["clients"][route.viewer].get(route.url(world["case"])))


@pytest.mark.parametrize("lapse", LAPSES)
@pytest.mark.parametrize("endpoint", GATED)
def test_a_route_refuses_once_consent_lapses_without_a_withdrawal(world, endpoint, lapse):
    assert _shows(world, endpoint), f"{endpoint} must show the case while consent is in force"
    make_lapse, lapsed = LAPSES[lapse]
    make_lapse(world)
    assert _shows(world, endpoint) == (GATED[endpoint].scope not in lapsed)


def test_the_case_stays_published_and_shared_when_consent_lapses(world):
    """So the refusals above come from the gate, not from an unpublished case or a revoked link."""
    _publish_text(world, "2", ["portal", "marketing"])
    with world["app"].app_context():
        from gallery.models import Comparison, ShareLink
        comparison = get_db().get(Comparison, world["case"].comparison)
        assert comparison.published_at is not None
        assert all(link.revoked_at is None for link in get_db().scalars(select(ShareLink)))
    assert not any(_shows(world, endpoint) for endpoint in GATED)


def test_lapsed_consent_given_again_opens_the_routes_again(world):
    _publish_text(world, "2", ["portal", "marketing"])
    headers = {"Authorization": f"Bearer {Staff(world['app']).token('admin@clinic-a.test')}"}
    regranted = world["admin"].post(f"/api/v1/patients/{world['case'].patient}/consents", headers=headers, json={
        "scopes": ["portal", "marketing"], "signed_name": "Pat Lee", "text_version": "2"})
    assert regranted.status_code == 201, regranted.data
    assert all(_shows(world, endpoint) for endpoint in GATED)


def _example_url(rule) -> str:
    values = {name: "display" if name == "variant" else "x" for name in rule.arguments}
    values.update({name: 1 for name, converter in rule._converters.items() if converter.__class__.__name__ == "RecordId"})
    if "filename" in rule.arguments:
        values["filename"] = "css/app.css"
    return rule.build(values, append_unknown=False)[1]


def _refused_to_outsiders(client, method: str, url: str) -> bool:
    """Staff-only: a staff page sends an outsider to the staff sign-in, the API answers 401."""
    response = client.open(url, method=method)
    if response.status_code == 401:
        return True
    return response.status_code == 302 and response.headers["Location"].split("?")[0].endswith(STAFF_LOGIN)


def test_every_route_outside_the_clinic_is_listed(make_app):
    """A new route that anyone but staff can reach fails here until it is listed: as a gated photo
    route (proven by the lapse tests above) or as one that shows no photo."""
    app = make_app()
    client = app.test_client()
    unlisted = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in GATED or rule.endpoint in NO_PHOTO:
            continue
        url = _example_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if not _refused_to_outsiders(client, method, url):
                unlisted.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert unlisted == []
    assert set(GATED) | NO_PHOTO <= {rule.endpoint for rule in app.url_map.iter_rules()}


def test_the_walk_finds_an_unlisted_public_route(make_app):
    """The walk above is not vacuous: a photo route added without the gate is found."""
    app = make_app()
    app.add_url_rule("/leak/<id:photo_id>.jpg", "leak", lambda photo_id: "photo bytes")
    client = app.test_client()
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "leak")
    assert not _refused_to_outsiders(client, "GET", _example_url(rule))
