"""Limits that cannot be turned against others: behind a proxy, under shared addresses, with the
counters' store down."""
from __future__ import annotations

import shutil
import signal

import pytest

from tests.conftest import PASSWORD, Staff
from tests.servers import _free_port, _missing, _serve

PROXY = "10.0.0.2"


def _client(app, remote: str = PROXY, forwarded_for: str | None = None):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = remote
    if forwarded_for:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
        client.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"
    return client


def _wrong_login(client, email: str = "nurse@clinic-a.test"):
    return client.post("/login", data={"email": email, "password": "not it"})


@pytest.fixture
def proxied(make_app):
    app = make_app(RATELIMIT_ENABLED=True, GALLERY_LOGIN_RATE_LIMIT="3 per minute",
                   GALLERY_PUBLIC_RATE_LIMIT="2 per minute", GALLERY_TRUSTED_PROXIES=f"{PROXY}, 192.0.2.0/28")
    Staff(app).create()
    Staff(app).create("ann@clinic-a.test")
    return app


def test_behind_a_trusted_proxy_each_client_has_its_own_failures(proxied):
    """Attack: ten failed sign-ins through the shared proxy blocked every staff sign-in."""
    mallory = _client(proxied, forwarded_for="198.51.100.7")
    assert [_wrong_login(mallory, f"x{n}@y.test").status_code for n in range(4)] == [401, 401, 401, 429]
    alice = _client(proxied, forwarded_for="198.51.100.8")
    assert _wrong_login(alice, "typo@clinic-a.test").status_code == 401  # her own failures, not Mallory's
    assert alice.post("/login", data={"email": "nurse@clinic-a.test", "password": PASSWORD}).status_code == 302


def test_links_made_behind_the_trusted_proxy_are_https(proxied):
    """The proxy terminates TLS: the invitation link a patient receives must not be http://."""
    headers = {"Authorization": f"Bearer {Staff(proxied).token()}"}
    behind = _client(proxied, forwarded_for="198.51.100.9")  # X-Forwarded-Proto: https
    patient = behind.post("/api/v1/patients", json={"name": "Ann Lee"}, headers=headers).get_json()["id"]
    link = behind.post(f"/api/v1/patients/{patient}/invitations", headers=headers).get_json()["url"]
    assert link.startswith("https://")
    spoofed = _client(proxied, remote="10.9.9.9", forwarded_for="198.51.100.9")  # not the proxy: ignored
    assert spoofed.post(f"/api/v1/patients/{patient}/invitations", headers=headers).get_json()["url"] \
        .startswith("http://")


def test_a_correct_password_gets_in_after_others_failed_from_the_same_address(proxied):
    """A clinic's staff share one address: a colleague's (or an intruder's) failures lock nobody out."""
    shared = "198.51.100.20"
    statuses = [_wrong_login(_client(proxied, forwarded_for=shared), f"x{n}@y.test").status_code for n in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    colleague = _client(proxied, forwarded_for=shared)
    assert colleague.post("/login", data={"email": "ann@clinic-a.test", "password": PASSWORD}).status_code == 302
    assert colleague.get("/patients").status_code == 200


def test_a_valid_token_is_never_refused_for_others_bad_tokens(proxied):
    """Attack: ten bad bearer tokens made every API call from that address 429, valid ones included."""
    token = Staff(proxied).token()
    client = _client(proxied, remote="192.0.2.5")  # a trusted proxy without X-Forwarded-For: its own address
    bad = [client.get("/api/v1/patients", headers={"Authorization": "Bearer gt_guess"}) for _ in range(5)]
    assert [r.status_code for r in bad] == [401, 401, 401, 429, 429]
    assert bad[-1].get_json()["error"]["code"] == "too_many_failures" and int(bad[-1].headers["Retry-After"]) > 0
    assert client.get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_the_public_limit_counts_per_client_behind_a_trusted_proxy(proxied):
    crawler = _client(proxied, forwarded_for="198.51.100.30")
    assert [crawler.get("/gallery").status_code for _ in range(3)] == [200, 200, 429]
    assert _client(proxied, forwarded_for="198.51.100.31").get("/gallery").status_code == 200


def test_without_a_trusted_proxy_forwarded_addresses_are_ignored(make_app):
    """A client that reaches the app directly cannot name its own address; and as the app cannot
    tell clients apart there, the public gallery is not limited per address (it would close for all)."""
    app = make_app(RATELIMIT_ENABLED=True, GALLERY_LOGIN_RATE_LIMIT="3 per minute",
                   GALLERY_PUBLIC_RATE_LIMIT="2 per minute")
    Staff(app).create()
    statuses = [_wrong_login(_client(app, remote="10.9.9.9", forwarded_for=f"198.51.100.{n}"), f"x{n}@y.test")
                .status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]  # one address: the connection's
    assert [_client(app, remote="10.9.9.9").get("/gallery").status_code for _ in range(4)] == [200] * 4


@pytest.fixture
def own_redis():
    """A redis-server of this test's own, to stop (the session's is shared by other tests)."""
    program = shutil.which("redis-server")
    if program is None:
        _missing("redis-server")
    port = _free_port()
    process = _serve([program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], port)
    yield f"redis://127.0.0.1:{port}", process
    process.kill()
    process.wait(10)


@pytest.mark.parametrize("fault", ["stopped", "hung"])
def test_the_limits_store_down_lets_requests_through(make_app, own_redis, fault):
    """Attack: Redis (the rate-limit store) down made every API request 500, GET /patients too."""
    url, process = own_redis
    app = make_app(RATELIMIT_ENABLED=True, GALLERY_RATE_LIMIT_STORAGE=f"{url}/1",
                   GALLERY_PUBLIC_RATE_LIMIT="100 per minute")
    Staff(app).create()
    token = Staff(app).token()
    client = app.test_client()
    assert client.get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    if fault == "stopped":
        process.kill()
        process.wait(10)
    else:
        process.send_signal(signal.SIGSTOP)
    try:
        assert client.get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert client.get("/api/v1/patients", headers={"Authorization": "Bearer gt_guess"}).status_code == 401
        assert _wrong_login(client).status_code == 401
        assert client.post("/login", data={"email": "nurse@clinic-a.test", "password": PASSWORD}).status_code == 302
        assert app.test_client().get("/gallery").status_code == 200
    finally:
        if fault == "hung":
            process.send_signal(signal.SIGCONT)
