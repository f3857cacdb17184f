"""Sessions and API tokens end on the server: sign-out, expiry, revocation."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from gallery.db import get_db
from gallery.models import ApiToken, utcnow


def test_a_session_cookie_replayed_after_sign_out_is_refused(app, client, staff):
    """Attack: a copied session cookie (a shared workstation, a stolen backup) used after sign-out."""
    staff.create()
    staff.login(client)
    stolen = client.get_cookie("session").value
    assert client.get("/patients").status_code == 200
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/patients")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_tokens_expire_and_can_be_revoked(app, staff):
    """Attack: a token from a lost laptop or a leaver's script, used months later."""
    staff.create()
    client = app.test_client()
    old, fresh = staff.token(), staff.token()
    with app.app_context():
        get_db().execute(update(ApiToken).where(ApiToken.id == 1).values(created_at=utcnow() - timedelta(days=91)))
        get_db().commit()
    assert client.get("/api/v1/patients", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.get("/api/v1/patients", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    session = app.test_client()
    staff.login(session)
    result = app.test_cli_runner().invoke(args=["revoke-tokens", "nurse@clinic-a.test"])
    assert "Revoked 2 token(s)" in result.output  # the expired one too
    assert client.get("/api/v1/patients", headers={"Authorization": f"Bearer {fresh}"}).status_code == 401
    assert session.get("/patients").status_code == 302  # and the sessions are over


def test_an_admin_revokes_a_lost_laptops_tokens_on_the_staff_page(app, staff):
    """Attack: a laptop with a live token and session is lost; the admin, not an operator, ends them."""
    staff.create(name="Nurse Nia")
    staff.create("boss@clinic-a.test", role="admin")
    staff.create("other@clinic-b.test", clinic="Clinic B")
    token = staff.token()
    api = app.test_client()
    laptop = app.test_client()
    staff.login(laptop)
    admin = app.test_client()
    staff.login(admin, "boss@clinic-a.test")
    page = admin.get("/admin/staff").get_data(as_text=True)
    assert "Nurse Nia" in page and "other@clinic-b.test" not in page
    assert "1 live API token<" in page  # the nurse's one live token
    assert laptop.get("/admin/staff").status_code == 403
    assert admin.post("/admin/staff/3/revoke").status_code == 404  # another clinic's user
    response = admin.post("/admin/staff/1/revoke", follow_redirects=True)
    assert "Revoked 1 API token(s) of Nurse Nia &lt;nurse@clinic-a.test&gt;" in response.get_data(as_text=True)
    assert api.get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert laptop.get("/patients").status_code == 302


def _patient_with_portal(app, staff):
    """A patient with portal consent and an account, signed in: (patient id, their client)."""
    from werkzeug.security import generate_password_hash

    from gallery.models import PatientAccount
    from tests.conftest import PASSWORD
    from tests.web.helpers import api_caller

    staff.create()
    api = api_caller(app, staff.token())
    patient = api("POST", "/api/v1/patients", json={"name": "Pat Lee"}).get_json()["id"]
    assert api("POST", f"/api/v1/patients/{patient}/consents", json={
        "scopes": ["clinical", "portal"], "signed_name": "Pat Lee", "text_version": "1"}).status_code == 201
    with app.app_context():
        get_db().add(PatientAccount(clinic_id=1, patient_id=patient, email="pat@patients.test",
                                    password_hash=generate_password_hash(PASSWORD)))
        get_db().commit()
    client = app.test_client()
    assert client.post("/portal/login", data={"email": "pat@patients.test", "password": PASSWORD}).status_code == 302
    assert client.get("/portal").status_code == 200
    return patient, api, client


def _replayed(app, cookie: str):
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def test_a_patient_cookie_replayed_after_portal_sign_out_is_refused(app, staff):
    """Attack: the portal cookie copied from a shared family tablet, used after the patient signed out
    (it opened the portal and downloaded the whole records ZIP)."""
    _, _, client = _patient_with_portal(app, staff)
    stolen = client.get_cookie("session").value
    client.post("/portal/logout")
    thief = _replayed(app, stolen)
    for path in ("/portal", "/portal/exports/1/download"):
        response = thief.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/portal/login"), path
    assert thief.post("/portal/export").status_code == 302
    # Signing in again works, with a new session.
    from tests.conftest import PASSWORD
    assert client.post("/portal/login", data={"email": "pat@patients.test", "password": PASSWORD}).status_code == 302
    assert client.get("/portal").status_code == 200


def test_withdrawing_portal_consent_ends_the_patients_sessions(app, staff):
    patient, api, client = _patient_with_portal(app, staff)
    other_device = _replayed(app, client.get_cookie("session").value)
    assert api("POST", f"/api/v1/patients/{patient}/consents/withdraw", json={"scopes": ["portal"]}).status_code == 201
    for device in (client, other_device):
        response = device.get("/portal")
        assert response.status_code == 302 and response.headers["Location"].endswith("/portal/login")
