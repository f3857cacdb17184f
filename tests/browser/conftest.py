"""A live server and headless Chromium (Debian's package) driven by Playwright.

Without Chromium the browser tests are skipped, unless GALLERY_REQUIRE_BROWSER=1
(CI), where a missing browser is a failure.
"""
from __future__ import annotations

import io
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("GALLERY_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (GALLERY_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def live_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def mailing_app(make_app, smtp_server):
    """The browser tests' app sending its email to the test's SMTP server (a test module that
    mails uses it as its ``live_app``); reminder links start at GALLERY_BASE_URL."""
    return make_app(WTF_CSRF_ENABLED=True, GALLERY_SMTP_HOST="127.0.0.1", GALLERY_SMTP_PORT=smtp_server[0],
                    GALLERY_SMTP_STARTTLS=False, GALLERY_MAIL_FROM="front-desk@clinic-a.test",
                    GALLERY_BASE_URL="https://photos.clinic-a.test")


@pytest.fixture
def outbox(smtp_server):
    """What the test's SMTP server received during this test."""
    from tests.web.conftest import Outbox

    return Outbox(smtp_server[1])


@pytest.fixture
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.expected_statuses = ()  # a test that provokes e.g. a 412 lists it: Chromium logs it as an error
    yield page
    context.close()
    unexpected = [e for e in errors if not any(f"status of {code}" in e for code in page.expected_statuses)]
    assert not unexpected, f"browser errors: {unexpected}"


def screenshot(page, name: str) -> None:
    """Keep a screenshot for a human to look at when GALLERY_SCREENSHOTS names a folder."""
    folder = os.environ.get("GALLERY_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def photo_for_staff(app, name: str, data: bytes, expression: str = "frown") -> tuple[dict, dict[str, str]]:
    """A staff account (nurse@clinic-a.test) and a patient with one photo uploaded through the API:
    (the photo's JSON, the API headers)."""
    from tests.conftest import Staff

    staff = Staff(app)
    staff.create()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {staff.token()}"}
    patient_id = client.post("/api/v1/patients", json={"name": name}, headers=headers).get_json()["id"]
    photo = client.post(f"/api/v1/patients/{patient_id}/photos", headers=headers, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(data), "p.jpg"), "expression": expression}).get_json()
    return photo, headers


def open_portal(page, url: str, email: str, password: str) -> None:
    """A patient opens her portal from her invitation's link ``url``: her email and a password twice;
    she lands on /portal."""
    page.goto(url)
    page.fill("#email", email)
    page.fill("#password", password)
    page.fill("#confirm", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/portal")


# Recovery codes of the accounts sign_in set a second factor up for, by (server, email): a later
# sign-in of the same account within the same 30 s would find its TOTP code used already.
_RECOVERY_CODES: dict[tuple[str, str], list[str]] = {}


def sign_in(page, server: str, email: str = "nurse@clinic-a.test") -> None:
    """Sign in through the pages; where a second factor is asked for, set it up with a code computed
    from the key the page shows (as an authenticator app would), or use a recovery code it gave."""
    import pyotp

    from tests.conftest import PASSWORD

    page.goto(f"{server}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/account/second-factor" in page.url:
        screenshot(page, "second-factor-enrol")
        page.fill("#code", pyotp.TOTP(page.text_content("#enrol-secret").strip()).now())
        page.click("button[type=submit]")
        screenshot(page, "second-factor-recovery-codes")
        _RECOVERY_CODES[(server, email)] = [code.strip() for code in page.locator("#recovery-codes code").all_text_contents()]
        page.click("text=Continue")
    elif "/login/code" in page.url:
        page.fill("#code", _RECOVERY_CODES[(server, email)].pop())
        page.click("button[type=submit]")
    page.wait_for_load_state()
