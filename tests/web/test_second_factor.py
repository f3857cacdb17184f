"""A second factor for staff, driven through the pages with real TOTP codes computed from the secret."""
from __future__ import annotations

import re
import time

import pyotp
import pytest

from gallery.db import get_db
from gallery.models import AuditEvent, User
from tests.conftest import PASSWORD


def _password(client, email: str):
    return client.post("/login", data={"email": email, "password": PASSWORD})


def _enrol(client) -> tuple[str, list[str]]:
    """Set the app up from the enrolment page: (the secret, the recovery codes shown)."""
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert "<svg" in page  # the QR code
    secret = re.search(r'id="enrol-secret">([A-Z2-7]+)<', page).group(1)
    wrong = client.post("/account/second-factor", data={"code": "000000" if pyotp.TOTP(secret).now() != "000000"
                                                        else "111111"})
    assert wrong.status_code == 422
    done = client.post("/account/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def _next_code(secret: str) -> str:
    """A code of the next time step, as the phone will show it: the current one is used already."""
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + totp.interval)


def test_an_injector_sets_up_a_second_factor_and_then_needs_it(app, client, staff):
    staff.create()
    assert _password(client, "nurse@clinic-a.test").headers["Location"] == "/patients"  # not required of injectors
    secret, _ = _enrol(client)
    client.post("/logout")
    # A stolen password alone no longer opens the account.
    thief = app.test_client()
    assert _password(thief, "nurse@clinic-a.test").headers["Location"] == "/login/code"
    assert thief.get("/patients").status_code == 302
    assert thief.post("/login/code", data={"code": "123456"}).status_code == 401
    assert thief.get("/patients").status_code == 302
    # The owner, with the code from the phone.
    assert _password(client, "nurse@clinic-a.test").headers["Location"] == "/login/code"
    code = _next_code(secret)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    assert client.get("/patients").status_code == 200
    # The same code again (seen over a shoulder) does not open a second session.
    replay = app.test_client()
    _password(replay, "nurse@clinic-a.test")
    assert replay.post("/login/code", data={"code": code}).status_code == 401
    with app.app_context():
        assert get_db().query(AuditEvent).filter_by(action="enable_second_factor").count() == 1


def test_a_recovery_code_works_once(app, client, staff):
    staff.create()
    _password(client, "nurse@clinic-a.test")
    _, codes = _enrol(client)
    client.post("/logout")
    _password(client, "nurse@clinic-a.test")
    assert client.post("/login/code", data={"code": codes[3].upper()}, follow_redirects=True) \
        .get_data(as_text=True).count("9 remain") == 1
    client.post("/logout")
    _password(client, "nurse@clinic-a.test")
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 401
    with app.app_context():
        assert len(get_db().query(User).one().recovery_codes) == 9


@pytest.mark.parametrize("role", ["admin", "medical_director"])
def test_admins_and_medical_directors_cannot_sign_in_without_it(app, client, staff, role):
    staff.create("boss@clinic-a.test", role=role)
    response = _password(client, "boss@clinic-a.test")
    assert response.headers["Location"] == "/account/second-factor"
    assert client.get("/patients").status_code == 302  # the password alone is not a session
    _enrol(client)
    assert client.get("/patients").status_code == 200


def test_a_clinic_can_require_it_of_everyone(app, client, staff):
    staff.create("boss@clinic-a.test", role="admin")
    staff.create()
    nurse = staff.login(app.test_client())  # signed in before the rule
    assert nurse.get("/patients").status_code == 200
    admin = staff.login(client, "boss@clinic-a.test")
    assert admin.post("/admin/staff/second-factor", data={"require": "1"}).status_code == 302
    assert "required: set up at next sign-in" in admin.get("/admin/staff").get_data(as_text=True)
    assert nurse.get("/patients").status_code == 302  # the session without a second factor ends
    fresh = app.test_client()
    assert _password(fresh, "nurse@clinic-a.test").headers["Location"] == "/account/second-factor"
    _enrol(fresh)
    assert fresh.get("/patients").status_code == 200
    assert staff.login(client, "boss@clinic-a.test").post("/admin/staff/second-factor", data={}).status_code == 302
    with app.app_context():
        assert get_db().query(User).filter_by(email="boss@clinic-a.test").one().clinic.require_second_factor is False


def test_api_tokens_are_unaffected(app, client, staff):
    staff.create("boss@clinic-a.test", role="admin")
    token = staff.token("boss@clinic-a.test")
    assert client.get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_the_code_page_without_a_password_first_goes_back_to_sign_in(client):
    assert client.get("/login/code").headers["Location"] == "/login"
    assert client.post("/login/code", data={"code": "123456"}).headers["Location"] == "/login"
    assert client.get("/account/second-factor").status_code == 302


def test_an_admin_resets_a_lost_phone(app, client, staff):
    staff.create("boss@clinic-a.test", role="admin")
    staff.create()
    nurse = app.test_client()
    _password(nurse, "nurse@clinic-a.test")
    _enrol(nurse)
    admin = staff.login(client, "boss@clinic-a.test")
    assert admin.post("/admin/staff/2/reset-second-factor").status_code == 302
    assert nurse.get("/patients").status_code == 302  # their sessions ended
    fresh = app.test_client()
    assert _password(fresh, "nurse@clinic-a.test").headers["Location"] == "/patients"  # not required of them
    with app.app_context():
        nurse_row = get_db().get(User, 2)
        assert nurse_row.totp_secret is None and nurse_row.recovery_codes is None


def test_codes_match_on_a_server_whose_clock_is_not_in_utc(app, client, staff, monkeypatch):
    """The server's local time zone must not shift the code's time step (pyotp reads naive times as local)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        staff.create()
        _password(client, "nurse@clinic-a.test")
        secret, _ = _enrol(client)
        client.post("/logout")
        _password(client, "nurse@clinic-a.test")
        assert client.post("/login/code", data={"code": _next_code(secret)}).status_code == 302
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
