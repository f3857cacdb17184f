"""Issue 30's movement, as the injector and the patient see it in Chromium at 1280 and 390 px: a
treatment visit (rest, brows raised 4 mm by a known warp) and its two-week review (brows raised
1 mm), measured in the queue. The photo page shows each figure and the share kept, the timeline
charts movement per muscle, and the portal says in plain words how much less the brows move; none
of it overflows a phone's width."""
from __future__ import annotations

import io
import re

import pytest

from landmarks.scale import mm_per_px
from tests.browser.conftest import open_portal, screenshot, sign_in
from tests.browser.test_every_page import VIEWPORTS
from tests.images import encode
from tests.warps import move_brows
from tests.web.helpers import movement_patient, ready_for_treatment

PATIENT, PASSWORD = "mo@example.test", "mo's own long password"
SCALE = 2.0  # 1024 px: an iris of about 16 px, enough for the brows' movement


@pytest.fixture
def live_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True, GALLERY_MOVEMENT_REPEATS=3)


def _build(app) -> dict:
    """The patient's two visits through the API; returns the review's raise photo, the patient and
    the portal invitation's path."""
    _, api, patient, rest, mesh = movement_patient(app, SCALE)

    def upload(rgb, expression: str, taken_at: str, quality: int = 92) -> dict:
        data = encode(rgb, "JPEG", quality=quality)
        made = api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(data), "p.jpg"), "expression": expression,
                         "taken_at": taken_at})
        assert made.status_code == 201, made.get_json()
        return made.get_json()

    def raised(lift_mm: float):
        return move_brows(rest, mesh.xy, mm_per_px(mesh.xy), lift_mm=lift_mm)

    upload(rest, "rest", "2026-03-02T10:00:00")
    treated = upload(raised(4.0), "raise", "2026-03-02T10:00:20")
    upload(rest, "rest", "2026-03-16T10:00:00", quality=90)  # the same bytes twice would be one photo
    review = upload(raised(1.0), "raise", "2026-03-16T10:00:20")
    ready_for_treatment(api, patient)
    plan = api("GET", f"/api/v1/photos/{treated['id']}/plan?start=template")
    saved = api("PUT", f"/api/v1/photos/{treated['id']}/plan", json={"sites": plan.get_json()["sites"][:5]},
                headers={"If-Match": plan.headers["ETag"]})
    assert saved.status_code == 200, saved.get_json()
    recorded = api("POST", f"/api/v1/visits/{treated['visit_id']}/treatment", json={"given_at": "2026-03-02T10:30:00Z"})
    assert recorded.status_code == 201, recorded.get_json()
    assert api("POST", f"/api/v1/patients/{patient}/consents", json={
        "scopes": ["clinical", "portal"], "signed_name": "Mo Vement", "text_version": "1"}).status_code == 201
    url = api("POST", f"/api/v1/patients/{patient}/invitations").get_json()["url"]
    return {"review": review["id"], "patient": patient, "accept": re.sub(r"^https?://[^/]+", "", url)}


def _fits(page) -> None:
    scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, f"the page is {scroll} px wide in a {client} px window"


@pytest.mark.parametrize("viewport", ["desk", "phone"])
def test_injector_and_patient_read_the_movement_kept(live_app, live_server, browser, viewport):
    built = _build(live_app)
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/photos/{built['review']}")
    section = page.locator("#movement")
    section.scroll_into_view_if_needed()
    assert section.is_visible()
    rows = section.locator('tr[data-figure="brow_lift"]')
    assert rows.count() == 6 and all(rows.nth(i).is_visible() for i in range(6))
    kept = [int(v) for v in re.findall(r"(\d+) %", " ".join(section.locator("td.kept").all_inner_texts()))]
    assert len(kept) == 6 and all(5 <= v <= 60 for v in kept), kept  # about 1 mm of 4 mm kept
    _fits(page)
    screenshot(page, f"movement-photo-{viewport}")

    page.goto(f"{live_server}/patients/{built['patient']}")
    chart = page.locator("#movement-chart")
    chart.scroll_into_view_if_needed()
    assert chart.is_visible() and chart.locator("svg .series-frontalis").count() >= 1
    _fits(page)
    screenshot(page, f"movement-timeline-{viewport}")
    context.close()

    patient = browser.new_context(viewport=VIEWPORTS[viewport]).new_page()
    open_portal(patient, f"{live_server}{built['accept']}", PATIENT, PASSWORD)
    sentence = patient.get_by_text(re.compile(r"Raising your eyebrows now lifts them [\d.]+ mm instead of [\d.]+ mm"))
    sentence.first.scroll_into_view_if_needed()
    assert sentence.first.is_visible()
    _fits(patient)
    screenshot(patient, f"movement-portal-{viewport}")
