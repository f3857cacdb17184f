"""Every page, as a patient on a phone and staff at a desk would open it.

At 390x844 (a common phone) and 1280x900 each page must fit the viewport
without sideways scrolling, pass axe-core with no serious or critical
violation, and (on the phone) offer touch targets of at least 44 CSS px.
"""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import screenshot, sign_in
from tests.conftest import Staff
from tests.images import astronaut, encode
from tests.web.helpers import NO_FLAGS, SIGNATURE
from tests.web.test_compare import MEASURED_SCALE, _moved

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1280, "height": 900}}
PATIENT_EMAIL, PATIENT_PASSWORD = "eileen@example.test", "a long patient password"

# Controls a finger presses; inline text links are exempt (WCAG 2.5.8), as is the range
# input behind the comparison slider (the slider itself is the whole image).
TOUCH_TARGETS = ("button, a.button, .topbar nav a, select, summary, "
                 "input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=range]), "
                 "label.check, .legend label, .view-switch label, .filters a")


@pytest.fixture
def clinic(live_app, live_server):
    """A treated patient with frown photos 14 days apart, consent to everything, a published and a
    shared comparison and a portal account; a second patient holding an unused invitation."""
    staff = Staff(live_app)
    staff.create(role="admin")
    api = live_app.test_client()
    headers = {"Authorization": f"Bearer {staff.token()}"}
    patient = api.post("/api/v1/patients", json={"name": "Eileen Collins"}, headers=headers).get_json()["id"]
    photos = [api.post(f"/api/v1/patients/{patient}/photos", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), "p.jpg"), "expression": "frown", "taken_at": day}
                       ).get_json()["id"]
              for day, data in (("2026-01-05", encode(astronaut(MEASURED_SCALE), "JPEG")),
                                ("2026-01-19", _moved()))]
    comparison = api.post("/api/v1/comparisons", json={"before": photos[0], "after": photos[1]},
                          headers=headers).get_json()["id"]
    consents = api.post(f"/api/v1/patients/{patient}/consents", headers=headers, json={
        "scopes": ["clinical", "portal", "education", "marketing"], "signed_name": "Eileen Collins",
        "text_version": "1"}).get_json()
    api.post(f"/api/v1/patients/{patient}/consents/withdraw", headers=headers, json={"scopes": ["education"]})
    assert api.post(f"/api/v1/comparisons/{comparison}/publish", headers=headers).status_code == 200
    share = api.post(f"/api/v1/comparisons/{comparison}/share-links", headers=headers,
                     json={"expires_in_days": 7}).get_json()["url"]
    invitation = api.post(f"/api/v1/patients/{patient}/invitations", headers=headers).get_json()["url"]
    with live_app.app_context():  # the first photo's visit was the treatment
        from gallery.db import get_db
        from gallery.models import Visit
        get_db().query(Visit).filter_by(patient_id=patient, visit_date=date(2026, 1, 5)).one().treated = True
        get_db().commit()
    # Stock, a plan with a lot from it (a treatment awaiting sign-off, found by a recall), a withdrawal's sweep.
    product = api.post("/api/v1/products", json={"name": "Botox 100 U", "units_per_vial": 100}, headers=headers)
    lot = api.post("/api/v1/lots", json={"product_id": product.get_json()["id"], "lot_number": "A1",
                                         "expires_on": "2027-06-30"}, headers=headers).get_json()
    # A medical history with a contraindication and a caution, and a signed treatment consent.
    assert api.post(f"/api/v1/patients/{patient}/intake", headers=headers, json={
        **NO_FLAGS, "infection_at_sites": True, "anticoagulants": True,
        "previous_treatments": "Botox 20 U glabella, March 2025, another clinic; no problems"}).status_code == 201
    treatment_consent = api.post(f"/api/v1/patients/{patient}/treatment-consents", headers=headers, json={
        "text_version": "1", "signed_name": "Eileen Collins", "signature": SIGNATURE}).get_json()["in_force"]["id"]
    plan = api.get(f"/api/v1/photos/{photos[0]}/plan", headers=headers)
    assert api.put(f"/api/v1/photos/{photos[0]}/plan", json={"sites": plan.get_json()["sites"], "lot_id": lot["id"]},
                   headers={**headers, "If-Match": plan.headers["ETag"]}).status_code == 200
    visit = plan.get_json()["visit_id"]  # the toxin given, despite the intake's flag: the review shows why
    assert api.post(f"/api/v1/visits/{visit}/treatment", headers=headers, json={
        "override_reason": "Infection cleared on examination today."}).status_code == 201
    Staff(live_app).create("mo@clinic-a.test", role="medical_director", name="Dr Mo Dir")
    other = api.post("/api/v1/patients", json={"name": "Sally Ride"}, headers=headers).get_json()["id"]
    open_invitation = api.post(f"/api/v1/patients/{other}/invitations", headers=headers).get_json()["url"]
    api.post(f"/api/v1/patients/{other}/consents", headers=headers, json={
        "scopes": ["clinical", "marketing"], "signed_name": "Sally Ride", "text_version": "1"})
    withdrawal = api.post(f"/api/v1/patients/{other}/consents/withdraw", headers=headers,
                          json={"scopes": ["marketing"]}).get_json()["history"][-1]["id"]
    with live_app.app_context():  # an invitation to the staff, its link's token known to the test
        from datetime import timedelta

        from gallery.auth import token_sha256
        from gallery.db import get_db
        from gallery.models import StaffLink, utcnow
        get_db().add(StaffLink(clinic_id=1, purpose="invite", email="new@clinic-a.test", role="injector",
                               token_sha256=token_sha256("staff-invitation"), expires_at=utcnow() + timedelta(days=7)))
        get_db().commit()
    path = lambda url: re.sub(r"^https?://[^/]+", "", url)  # noqa: E731
    return {
        "anyone": {"login": "/login", "portal-login": "/portal/login", "gallery": "/gallery",
                   "gallery-case": f"/gallery/{comparison}", "share-link": path(share),
                   "portal-accept": path(open_invitation), "not-found": "/gallery/987654",
                   "staff-join": "/join/staff-invitation", "forgot-password": "/forgot-password"},
        "staff": {"patients": "/patients", "patient-new": "/patients/new", "timeline": f"/patients/{patient}",
                  "patient-edit": f"/patients/{patient}/edit",
                  "upload": f"/patients/{patient}/upload", "photo": f"/photos/{photos[1]}",
                  "comparison": f"/comparisons/{comparison}", "consent-new": f"/patients/{patient}/consents/new",
                  "consent-receipt": f"/consents/{consents['history'][0]['id']}/receipt",
                  "consent-texts": "/admin/consent-texts", "audit": "/audit",
                  "grade-calibration": "/admin/grade-calibration", "capture": f"/patients/{patient}/capture",
                  "capture-protocol": "/admin/capture-protocol", "stock": "/admin/stock",
                  "recalls": "/recalls?lot=A1", "withdrawal-receipt": f"/consents/{withdrawal}/receipt",
                  "staff": "/admin/staff", "intake": f"/patients/{patient}/intake",
                  "treatment-consent": f"/patients/{patient}/treatment-consent",
                  "treatment-consent-receipt": f"/treatment-consents/{treatment_consent}",
                  "treatment-consent-texts": "/admin/treatment-consent-texts", "branding": "/admin/branding"},
        "patient": {"portal": "/portal", "portal-comparison": f"/portal/comparisons/{comparison}",
                    "portal-withdraw": "/portal/consents/withdraw?scopes=marketing",
                    "portal-withdraw-portal": "/portal/consents/withdraw?scopes=portal",
                    "portal-give": "/portal/consents/give?scopes=education"},
        "director": {"sign-off": "/sign-off", "visit-review": f"/visits/{visit}/review"},
        "invite": f"/patients/{other}", "accept": path(invitation),
    }


def _sign_in(page, server: str, audience: str, clinic: dict) -> None:
    if audience in ("staff", "director"):
        sign_in(page, server, "nurse@clinic-a.test" if audience == "staff" else "mo@clinic-a.test")
    elif audience == "patient":
        page.goto(f"{server}{clinic['accept']}")
        if page.locator("#confirm").count():  # the first time: open the account
            page.fill("#confirm", PATIENT_PASSWORD)
        else:
            page.goto(f"{server}/portal/login")
        page.fill("#email", PATIENT_EMAIL)
        page.fill("#password", PATIENT_PASSWORD)
        page.click("main button[type=submit]")
    page.wait_for_load_state("load")


def _problems(page, axe: Axe, viewport: str) -> list[str]:
    found = []
    if "<" in page.title() or len(page.title()) > 120:
        found.append(f"the tab title is not plain words: {page.title()[:60]!r}")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if widths[0] > widths[1]:
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + e.className)""")
        found.append(f"{widths[0]} px wide in a {widths[1]} px viewport (e.g. {wide})")
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [node["target"] for node in violation["nodes"][:3]]
            found.append(f"axe {violation['impact']}: {violation['id']} ({violation['help']}) at {targets}")
    if viewport == "phone":
        small = page.evaluate("""selector => [...document.querySelectorAll(selector)]
            .filter(e => e.offsetParent !== null)
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([e, r]) => r.height < 43.5 || r.width < 43.5)
            .map(([e, r]) => `${e.tagName.toLowerCase()}.${e.className} "${e.textContent.trim().slice(0, 20)}" `
                             + `${Math.round(r.width)}x${Math.round(r.height)}`)""", TOUCH_TARGETS)
        found.extend(f"touch target under 44 px: {s}" for s in small)
        # A table may scroll sideways in its own box, but a control hidden there is
        # easily missed (the photo page's grade selects were, at first).
        hidden = page.evaluate("""() => [...document.querySelectorAll('.table-box select, .table-box input, .table-box button')]
            .filter(e => e.offsetParent !== null
                         && e.getBoundingClientRect().right > e.closest('.table-box').getBoundingClientRect().right + 1)
            .map(e => e.tagName.toLowerCase() + '[name=' + e.getAttribute('name') + ']')""")
        found.extend(f"control off screen in a sideways-scrolling table: {s}" for s in hidden)
    return found


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_page_fits_the_screen_and_passes_axe(browser, live_server, clinic, viewport):
    axe = Axe()
    problems = []
    for audience in ("anyone", "staff", "patient", "director"):
        context = browser.new_context(viewport=VIEWPORTS[viewport])
        page = context.new_page()
        _sign_in(page, live_server, audience, clinic)
        for name, path in clinic[audience].items():
            response = page.goto(f"{live_server}{path}")
            expected = 404 if name == "not-found" else 200
            assert response.status == expected, (name, response.status)
            page.wait_for_load_state("networkidle")  # what the page's scripts fetch (the plan's sites) is in
            screenshot(page, f"{viewport}-{name}")
            problems.extend(f"{name}: {p}" for p in _problems(page, axe, viewport))
        if audience == "staff":
            page.goto(f"{live_server}{clinic['invite']}")
            page.click("text=Invite to the portal")
            page.wait_for_load_state("load")
            screenshot(page, f"{viewport}-invitation")
            problems.extend(f"invitation: {p}" for p in _problems(page, axe, viewport))
            page.goto(f"{live_server}{clinic['staff']['comparison']}")
            page.click("text=Create share link")
            page.wait_for_load_state("load")
            screenshot(page, f"{viewport}-share-link")
            problems.extend(f"share link: {p}" for p in _problems(page, axe, viewport))
        context.close()
    assert not problems, "\n".join(problems)


CHART_TEXT_PX = """() => [...document.querySelectorAll('svg.chart text')]
    .filter(t => t.getBoundingClientRect().width > 0)
    .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""


def test_progress_reads_on_a_phone(browser, live_server, clinic):
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    _sign_in(page, live_server, "patient", clinic)
    page.goto(f"{live_server}/portal")
    sentences = page.locator("#progress .plain-progress li").all_inner_texts()
    assert any(s.startswith("Frown lines, when frowning: ") and
               s.endswith("before your treatment on 5 January 2026 (day 14)") for s in sentences), sentences
    sizes = page.evaluate(CHART_TEXT_PX)
    assert sizes and min(sizes) >= 12, sizes
    assert page.locator("svg.chart-narrow text[text-anchor]").count() <= 3  # fewer dates when narrow
    # The choices in force come first; the history is folded below them.
    assert page.locator("#consents .choices li[data-scope=education]").inner_text().startswith("No")
    assert page.locator("#consents details.history").get_attribute("open") is None
    assert page.locator("#consents details.history li").count() == 2  # the grant, the one real withdrawal
    context.close()

    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    _sign_in(page, live_server, "staff", clinic)
    page.goto(f"{live_server}{clinic['staff']['timeline']}")
    sizes = page.evaluate(CHART_TEXT_PX)
    assert sizes and min(sizes) >= 12, sizes
    context.close()
