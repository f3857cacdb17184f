"""Staff authentication, CSRF, rate limits and the first-admin setup link."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from gallery.auth.setup import issue_setup_link
from gallery.db import get_db
from gallery.models import User
from gallery.ratelimits import SCHEME, SQLiteStorage
from tests.conftest import PASSWORD, Staff


def _staff_get_routes(app):
    """Every GET route a staff member uses, with ids filled in."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith("/api/"):
            continue
        if rule.endpoint.startswith(("auth.", "public.", "portal.", "portal_consent.")):
            continue  # sign-in pages; the public and portal pages are gated by consent
        yield re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "display" if m.group(1) == "variant" else "1", rule.rule)


def test_every_staff_page_requires_login(app, client):
    routes = list(_staff_get_routes(app))
    assert "/patients" in routes and "/photos/1/image/display" in routes
    for path in routes:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path


def test_every_portal_page_requires_patient_login(app, client, staff):
    staff.create()
    staff.login(client)  # a staff session is not a patient session
    for rule in app.url_map.iter_rules():
        if (rule.endpoint.startswith(("portal.", "portal_consent.")) and "GET" in rule.methods
                and rule.endpoint not in ("portal.login", "portal.accept")):
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "display" if m.group(1) == "variant" else "1", rule.rule)
            response = client.get(path)
            assert response.status_code == 302 and response.headers["Location"].startswith("/portal/login"), path


def test_login_with_wrong_password_is_refused(client, staff):
    staff.create()
    response = client.post("/login", data={"email": "nurse@clinic-a.test", "password": "wrong password"})
    assert response.status_code == 401
    assert b"Wrong email or password" in response.data
    assert client.get("/patients").status_code == 302


def test_login_then_logout(client, staff):
    staff.create()
    staff.login(client)
    assert client.get("/patients").status_code == 200
    client.post("/logout")
    assert client.get("/patients").status_code == 302


def test_login_does_not_redirect_off_site(client, staff):
    staff.create()
    response = client.post("/login?next=//evil.example/x", data={"email": "nurse@clinic-a.test", "password": PASSWORD})
    assert response.headers["Location"] == "/patients"


def test_csrf_is_enforced_on_forms(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    from tests.conftest import Staff
    Staff(app).create()
    response = client.post("/login", data={"email": "nurse@clinic-a.test", "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": "nurse@clinic-a.test", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    response = client.post("/patients/new", data={"name": "No Token"})
    assert response.status_code == 400
    assert b"form expired" in response.data


def test_login_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, GALLERY_LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [client.post("/login", data={"email": "x@y.test", "password": "guess"}).status_code for _ in range(5)]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3:] == [429, 429]


def test_api_token_guessing_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, GALLERY_LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    headers = {"Authorization": "Bearer gt_guess"}
    responses = [client.get("/api/v1/patients", headers=headers) for _ in range(5)]
    assert [r.status_code for r in responses] == [401, 401, 401, 429, 429]
    assert 0 < int(responses[-1].headers["Retry-After"]) <= 60  # the client is told when to try again


def test_setup_link_creates_first_admin_once(app, client):
    token = issue_setup_link(app)
    assert token
    form = {"clinic": "Skin Clinic", "name": "Dr Ada Lee", "email": "Admin@Clinic.test", "password": PASSWORD,
            "confirm": PASSWORD}
    response = client.post(f"/setup/{token}", data=form)
    assert response.status_code == 302 and response.headers["Location"] == "/account/second-factor"
    assert client.get("/patients").status_code == 302  # an admin: not in before the second factor
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert "Your clinic is ready" in page
    secret = re.search(r'id="enrol-secret">([A-Z2-7]+)<', page).group(1)
    assert client.post("/account/second-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 200
    assert client.get("/patients").status_code == 200
    assert app.test_client().post(f"/setup/{token}", data=form).status_code == 404
    assert issue_setup_link(app) is None  # an admin exists: no new link


def test_setup_rejects_short_password(app, client):
    token = issue_setup_link(app)
    form = {"clinic": "C", "name": "A B", "email": "a@b.test", "password": "short", "confirm": "short"}
    assert client.post(f"/setup/{token}", data=form).status_code == 422


def test_the_first_admin_needs_a_name(app, client):
    token = issue_setup_link(app)
    form = {"clinic": "C", "name": "  ", "email": "a@b.test", "password": PASSWORD, "confirm": PASSWORD}
    response = client.post(f"/setup/{token}", data=form)
    assert response.status_code == 422 and "Enter your full name" in response.get_data(as_text=True)
    form["name"] = "Dr Ada Lee"
    assert client.post(f"/setup/{token}", data=form).status_code == 302
    with app.app_context():
        assert get_db().scalar(select(User)).display_name == "Dr Ada Lee <a@b.test>"


def test_the_setup_link_on_the_console_is_a_path_not_a_guessed_address(make_app, capsys):
    """The console cannot know the server's address (port, proxy, https): it prints the path alone."""
    app = make_app()
    app.testing = False
    token = issue_setup_link(app)
    printed = capsys.readouterr().err
    assert f"    /setup/{token}\n" in printed and "http" not in printed and "5000" not in printed


def test_session_cookie_is_httponly_and_samesite(client, staff):
    staff.create()
    response = client.post("/login", data={"email": "nurse@clinic-a.test", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("path", ["/login", "/api/v1/openapi.json", "/nowhere"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_guesses_against_one_account_from_many_addresses_are_limited(make_app):
    """Attack: password guessing spread over many addresses to dodge the per-address limit."""
    app = make_app(RATELIMIT_ENABLED=True, GALLERY_LOGIN_RATE_LIMIT="3 per minute")
    Staff(app).create()
    statuses = []
    for n in range(5):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n}"
        statuses.append(client.post("/login", data={"email": "nurse@clinic-a.test", "password": f"guess {n}"}))
    assert [r.status_code for r in statuses] == [401, 401, 401, 429, 429]
    assert int(statuses[-1].headers["Retry-After"]) > 0
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.99"
    assert other.post("/login", data={"email": "someone@else.test", "password": "x"}).status_code == 401


def test_limits_are_shared_by_the_processes_of_a_host(app, tmp_path):
    """Attack: guesses spread over gunicorn's workers, each of which counted on its own (27 a minute
    against a limit of 10 with 2 workers). Two other processes and this one count in one place."""
    assert app.config["RATELIMIT_STORAGE_URI"].startswith(f"{SCHEME}://")
    uri = f"{SCHEME}://{tmp_path / 'limits.sqlite3'}"
    code = f"from gallery.ratelimits import SQLiteStorage; SQLiteStorage({uri!r}).incr('login/203.0.113.7', 60)"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
    storage = SQLiteStorage(uri)
    assert storage.incr("login/203.0.113.7", 60) == 3
    assert storage.get("login/203.0.113.7") == 3 and storage.get("login/elsewhere") == 0
