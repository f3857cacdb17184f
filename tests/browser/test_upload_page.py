"""The upload page in Chromium: each chosen photo with its own expression and view, the question about an
old camera date, and the photo page's "looks like" suggestion, at a desk and on a phone."""
from __future__ import annotations

from datetime import datetime

import pytest
from PIL import Image

from tests.browser.conftest import screenshot, sign_in
from tests.conftest import Staff
from tests.images import astronaut, astronaut_jpeg, encode

VIEWPORTS = {"desk": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _jpeg(data: bytes, name: str) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


@pytest.fixture
def patient(live_app):
    staff = Staff(live_app)
    staff.create()
    api = live_app.test_client()
    headers = {"Authorization": f"Bearer {staff.token()}"}
    return {"id": api.post("/api/v1/patients", json={"name": "Ann Lee"}, headers=headers).get_json()["id"],
            "api": lambda path: api.get(path, headers=headers).get_json()}


def _fits(page, viewport: dict) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize("size", VIEWPORTS)
def test_each_photo_gets_its_own_expression_and_a_suggestion_after(browser, live_server, patient, size):
    page = browser.new_context(viewport=VIEWPORTS[size]).new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/patients/{patient['id']}/upload")
    page.set_input_files("#photos", [_jpeg(astronaut_jpeg(2.0), "one.jpg"), _jpeg(astronaut_jpeg(2.1), "two.jpg")])
    page.select_option("#expression", "frown")  # the batch's choice reaches every row
    assert page.locator("select[name=expression-0]").input_value() == "frown"
    page.select_option("select[name=expression-1]", "smile")
    page.select_option("select[name=view-1]", "left45")
    _fits(page, VIEWPORTS[size])
    screenshot(page, f"upload-rows-{size}")
    page.click("#upload-button")
    page.wait_for_url(f"**/patients/{patient['id']}")
    photos = [patient["api"](f"/api/v1/photos/{n}") for n in (1, 2)]
    assert [(p["expression"], p["view"]) for p in photos] == [("frown", "front"), ("smile", "left45")]
    # The astronaut smiles: the frown-tagged photo says so, and one click retags it.
    page.goto(f"{live_server}/photos/1")
    suggestion = page.locator("form.suggestion")
    assert "Looks like: smile, tagged frown." in suggestion.inner_text()
    _fits(page, VIEWPORTS[size])
    screenshot(page, f"photo-suggestion-{size}")
    suggestion.locator("button").click()
    page.wait_for_url("**/photos/1")
    assert page.locator("form.suggestion").count() == 0
    assert patient["api"]("/api/v1/photos/1")["expression"] == "smile"


@pytest.mark.parametrize("size", VIEWPORTS)
def test_an_old_camera_date_is_asked_about(browser, live_server, patient, size):
    page = browser.new_context(viewport=VIEWPORTS[size]).new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/patients/{patient['id']}/upload")
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = datetime(2010, 5, 3).strftime("%Y:%m:%d %H:%M:%S")
    old = encode(astronaut(2.0), "JPEG", exif=exif.tobytes())
    page.set_input_files("#photos", [_jpeg(old, "old.jpg")])
    page.click("#upload-button")
    page.locator("#date-question").wait_for()
    assert "03 May 2010" in page.inner_text(".results")
    assert page.locator("details.date-choice").get_attribute("open") is not None
    _fits(page, VIEWPORTS[size])
    screenshot(page, f"upload-date-question-{size}")
    page.check("input[name=date_choice][value=today]")
    page.set_input_files("#photos", [_jpeg(old, "old.jpg")])
    page.click("#upload-button")
    page.wait_for_url(f"**/patients/{patient['id']}")
    assert patient["api"]("/api/v1/photos/1")["taken_at"][:4] != "2010"
