"""Staff in the browser: invitations, roles, deactivation and password resets, by email through a real
SMTP server (aiosmtpd, its own process: tests/servers.py), or shown to copy when email does not go."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from gallery.db import get_db
from gallery.models import AuditEvent, StaffLink, User, utcnow
from tests.conftest import PASSWORD, Staff
from tests.web.helpers import api_caller

NEW_PASSWORD = "another long password"
LINK = re.compile(r"https?://[^/\s]+(/(?:join|reset-password)/[\w-]+)")


def _admin(app, client=None):
    staff = Staff(app)
    staff.create("boss@clinic-a.test", role="admin", name="Bo Boss")
    return staff, staff.login(client or app.test_client(), "boss@clinic-a.test")


def _link_in(message) -> str:
    """The path of the one link in an email's text."""
    (path,) = LINK.findall(message.get_content())
    return path


def _audit(app) -> list[tuple[str, str, int | None, str]]:
    with app.app_context():
        return [(e.action, e.object_type, e.object_id, e.actor)
                for e in get_db().scalars(select(AuditEvent).order_by(AuditEvent.id))]


def _user(app, email: str) -> User | None:
    with app.app_context():
        return get_db().scalar(select(User).where(User.email == email))


def test_an_invitation_comes_from_the_clinic_and_its_link_works_once(mail_app):
    app, outbox = mail_app
    _, admin = _admin(app)
    response = admin.post("/admin/staff/invitations", data={"email": "Nia@Clinic-A.test", "role": "injector"})
    assert response.status_code == 302
    assert "An invitation sent to nia@clinic-a.test" in admin.get("/admin/staff").get_data(as_text=True)
    (message,) = outbox.to("nia@clinic-a.test")
    assert message["From"].addresses[0].display_name == "Clinic A"
    assert message["From"].addresses[0].addr_spec == "staff@clinic-a.test"
    assert message["To"] == "nia@clinic-a.test"
    path = _link_in(message)
    with app.app_context():  # only the token's hash is kept
        assert path.rsplit("/", 1)[1] not in {link.token_sha256 for link in get_db().scalars(select(StaffLink))}

    newcomer = app.test_client()
    assert "nia@clinic-a.test" in newcomer.get(path).get_data(as_text=True)
    response = newcomer.post(path, data={"name": "Nia Nurse", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/patients"
    assert newcomer.get("/patients").status_code == 200
    user = _user(app, "nia@clinic-a.test")
    assert (user.name, user.role, user.clinic_id) == ("Nia Nurse", "injector", 1)
    again = app.test_client().post(path, data={"name": "Eve", "password": PASSWORD, "confirm": PASSWORD})
    assert again.status_code == 404 and "does not work any more" in again.get_data(as_text=True)
    assert ("invite_staff", "staff_link", 1, "user:1") in _audit(app)
    assert ("join", "user", user.id, f"user:{user.id}") in _audit(app)


def test_an_expired_invitation_is_refused(mail_app):
    app, outbox = mail_app
    _, admin = _admin(app)
    admin.post("/admin/staff/invitations", data={"email": "late@clinic-a.test", "role": "injector"})
    path = _link_in(outbox.to("late@clinic-a.test")[0])
    with app.app_context():
        get_db().scalar(select(StaffLink)).expires_at = utcnow() - timedelta(seconds=1)
        get_db().commit()
    assert app.test_client().get(path).status_code == 404
    response = app.test_client().post(path, data={"name": "Late", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 404 and _user(app, "late@clinic-a.test") is None


def test_joining_needs_a_name_and_an_invited_admin_sets_up_a_second_factor(mail_app):
    app, outbox = mail_app
    _, admin = _admin(app)
    admin.post("/admin/staff/invitations", data={"email": "ada@clinic-a.test", "role": "admin"})
    path = _link_in(outbox.to("ada@clinic-a.test")[0])
    client = app.test_client()
    response = client.post(path, data={"name": " ", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 422 and "Enter your full name" in response.get_data(as_text=True)
    response = client.post(path, data={"name": "Dr Ada Lee", "password": PASSWORD, "confirm": PASSWORD})
    assert response.headers["Location"] == "/account/second-factor"
    assert client.get("/patients").status_code == 302  # not in before the second factor


def test_a_newer_invitation_replaces_the_older_and_one_can_be_cancelled(mail_app):
    app, outbox = mail_app
    _, admin = _admin(app)
    for role in ("injector", "medical_director"):
        admin.post("/admin/staff/invitations", data={"email": "mo@clinic-a.test", "role": role})
    first, second = (_link_in(m) for m in outbox.to("mo@clinic-a.test"))
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200
    assert admin.post("/admin/staff/invitations/2/cancel").status_code == 302
    assert app.test_client().get(second).status_code == 404
    assert ("cancel_invitation", "staff_link", 2, "user:1") in _audit(app)


def test_an_existing_account_is_not_invited_again(mail_app):
    app, outbox = mail_app
    staff, admin = _admin(app)
    staff.create()
    response = admin.post("/admin/staff/invitations", data={"email": "nurse@clinic-a.test", "role": "admin"})
    assert response.status_code == 409 and "has an account already" in response.get_data(as_text=True)
    assert outbox.messages() == []


def test_only_admins_manage_staff(app):
    staff = Staff(app)
    staff.create()
    nurse = staff.login(app.test_client())
    for path in ("/admin/staff/invitations", "/admin/staff/1/role", "/admin/staff/1/deactivate",
                 "/admin/staff/1/password-reset"):
        assert nurse.post(path, data={"email": "x@y.test", "role": "admin"}).status_code == 403, path
    assert _user(app, "nurse@clinic-a.test").role == "injector"


def test_a_role_change_applies_at_once_and_is_audited(app):
    staff, admin = _admin(app)
    staff.create()
    nurse = staff.login(app.test_client())
    response = admin.post("/admin/staff/2/role", data={"role": "medical_director"}, follow_redirects=True)
    assert "is now medical director" in response.get_data(as_text=True)
    assert _user(app, "nurse@clinic-a.test").role == "medical_director"
    assert nurse.get("/patients").status_code == 302  # a medical director signs in with a second factor
    assert ("set_role_medical_director", "user", 2, "user:1") in _audit(app)
    assert admin.post("/admin/staff/2/role", data={"role": "owner"}).status_code == 422


def test_deactivation_ends_sessions_and_api_tokens_at_once(app):
    staff, admin = _admin(app)
    staff.create(name="Nia Nurse")
    laptop = staff.login(app.test_client())
    api = api_caller(app, staff.token())
    assert api("GET", "/api/v1/patients").status_code == 200
    response = admin.post("/admin/staff/2/deactivate", follow_redirects=True)
    assert "Nia Nurse &lt;nurse@clinic-a.test&gt; is deactivated" in response.get_data(as_text=True)
    assert laptop.get("/patients").status_code == 302
    assert api("GET", "/api/v1/patients").status_code == 401
    refused = app.test_client().post("/login", data={"email": "nurse@clinic-a.test", "password": PASSWORD})
    assert refused.status_code == 401
    assert ("deactivate", "user", 2, "user:1") in _audit(app)
    runner = app.test_cli_runner()
    assert "deactivated" in runner.invoke(args=["create-token", "nurse@clinic-a.test"]).output

    assert admin.post("/admin/staff/2/reactivate").status_code == 302
    assert staff.login(app.test_client()).get("/patients").status_code == 200
    assert api("GET", "/api/v1/patients").status_code == 401  # old tokens stay revoked
    assert ("reactivate", "user", 2, "user:1") in _audit(app)


def test_the_last_active_admin_cannot_deactivate_or_demote_themselves(app):
    staff, admin = _admin(app)
    for path, data in (("/admin/staff/1/deactivate", {}), ("/admin/staff/1/role", {"role": "injector"})):
        response = admin.post(path, data=data)
        assert response.status_code == 409
        page = response.get_data(as_text=True)
        assert "the clinic&#39;s last active admin" in page and 'id="staff"' in page  # the staff page, no dead end
    assert _user(app, "boss@clinic-a.test").role == "admin" and _user(app, "boss@clinic-a.test").active
    staff.create("second@clinic-a.test", role="admin", name="Sam Second")
    assert admin.post("/admin/staff/1/role", data={"role": "injector"}).status_code == 302
    second = staff.login(app.test_client(), "second@clinic-a.test")
    assert second.post("/admin/staff/2/deactivate").status_code == 409  # now the last one is Sam
    assert admin.get("/admin/staff").status_code == 403


def test_a_password_reset_link_works_once_and_ends_other_sessions(mail_app):
    app, outbox = mail_app
    staff, admin = _admin(app)
    staff.create(name="Nia Nurse")
    old_session = staff.login(app.test_client())
    assert admin.post("/admin/staff/2/password-reset").status_code == 302
    (message,) = outbox.to("nurse@clinic-a.test")
    assert message["From"].addresses[0].display_name == "Clinic A"
    path = _link_in(message)
    assert path.startswith("/reset-password/")
    client = app.test_client()
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert old_session.get("/patients").status_code == 302
    assert client.post("/login", data={"email": "nurse@clinic-a.test", "password": PASSWORD}).status_code == 401
    assert client.post("/login", data={"email": "nurse@clinic-a.test", "password": NEW_PASSWORD}).status_code == 302
    assert app.test_client().post(path, data={"password": "a third password", "confirm": "a third password"}
                                  ).status_code == 404
    assert ("send_password_reset", "user", 2, "user:1") in _audit(app)
    assert ("reset_password", "user", 2, "user:2") in _audit(app)


def test_a_reset_link_of_a_deactivated_account_does_not_work(mail_app):
    app, outbox = mail_app
    staff, admin = _admin(app)
    staff.create()
    admin.post("/admin/staff/2/password-reset")
    path = _link_in(outbox.to("nurse@clinic-a.test")[0])
    admin.post("/admin/staff/2/deactivate")
    assert app.test_client().get(path).status_code == 404
    assert admin.post("/admin/staff/2/password-reset").status_code == 409


def test_forgot_password_answers_the_same_whoever_asks(mail_app):
    app, outbox = mail_app
    Staff(app).create()
    client = app.test_client()
    answers = [client.post("/forgot-password", data={"email": address}) for address in
               ("nurse@clinic-a.test", "nobody@clinic-a.test")]
    assert [r.status_code for r in answers] == [200, 200]
    texts = [r.get_data(as_text=True).replace(address, "EMAIL") for r, address in
             zip(answers, ("nurse@clinic-a.test", "nobody@clinic-a.test"))]
    assert texts[0] == texts[1] and "/reset-password/" not in texts[0]
    assert [m["X-RcptTo"] for m in outbox.messages()] == ["nurse@clinic-a.test"]
    path = _link_in(outbox.messages()[0])
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert ("request_password_reset", "user", 1, "anonymous") in _audit(app)


def test_without_smtp_the_admin_gets_the_link_to_pass_on(app):
    _, admin = _admin(app)
    response = admin.post("/admin/staff/invitations", data={"email": "nia@clinic-a.test", "role": "injector"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The email was not sent. Email is not set up on this server" in page
    path = LINK.search(page).group(1)
    response = app.test_client().post(path, data={"name": "Nia Nurse", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    assert "Forgot your password?" in app.test_client().get("/login").get_data(as_text=True)
    assert "Ask an admin of your clinic" in app.test_client().get("/forgot-password").get_data(as_text=True)


def test_an_smtp_server_that_is_down_shows_the_link_and_why(make_app):
    from tests.servers import _free_port

    app = make_app(GALLERY_SMTP_HOST="127.0.0.1", GALLERY_SMTP_PORT=_free_port(), GALLERY_SMTP_STARTTLS=False,
                   GALLERY_MAIL_FROM="staff@clinic-a.test")
    staff, admin = _admin(app)
    staff.create()
    response = admin.post("/admin/staff/2/password-reset")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The email server did not take the message (ConnectionRefusedError" in page
    assert LINK.search(page).group(1).startswith("/reset-password/")


def test_wrong_links_count_as_failures_and_are_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, GALLERY_LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [client.get(f"/join/guess{n}").status_code for n in range(3)]
    statuses += [client.post("/reset-password/guess", data={}).status_code for _ in range(2)]
    assert statuses == [404, 404, 404, 429, 429]
