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
