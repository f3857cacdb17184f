"""The capture page in Chromium with a fake camera playing a clip made from a public-domain face."""
from __future__ import annotations

import contextlib
import io

import cv2
import numpy as np
import pytest

from tests.browser.conftest import CHROMIUM_FLAGS, chromium_path, screenshot, sign_in
from tests.conftest import Staff
from tests.images import camera_picture, encode

PHONE = {"width": 390, "height": 844}


def write_y4m(path, rgb: np.ndarray, frames: int = 6) -> None:
    """A still picture as a raw 4:2:0 YUV clip, which Chromium's fake camera loops."""
    height, width = rgb.shape[:2]
    planes = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes()
    with open(path, "wb") as clip:
        clip.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            clip.write(b"FRAME\n" + planes)


@contextlib.contextmanager
def camera_page(tmp_path, picture: np.ndarray, viewport: dict):
    """A page in a Chromium whose camera shows ``picture``."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        pytest.skip("Chromium not installed (apt-get install chromium)")
    clip = tmp_path / "camera.y4m"
    write_y4m(clip, picture)
    flags = CHROMIUM_FLAGS + ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                              f"--use-file-for-fake-video-capture={clip}"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=flags)
        context = browser.new_context(viewport=viewport)
        errors = []
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        browser.close()
        assert not errors, errors


def _open_capture(page, live_app, live_server, earlier: bytes | None = None) -> int:
    """Sign in and open the capture page of a new patient (with a front rest photo of an earlier visit)."""
    staff = Staff(live_app)
    staff.create()
    api = live_app.test_client()
    headers = {"Authorization": f"Bearer {staff.token()}"}
    patient = api.post("/api/v1/patients", json={"name": "Cam Era"}, headers=headers).get_json()["id"]
    if earlier is not None:
        api.post(f"/api/v1/patients/{patient}/photos", headers=headers, content_type="multipart/form-data",
                 data={"file": (io.BytesIO(earlier), "e.jpg"), "expression": "rest", "taken_at": "2026-01-10"})
    sign_in(page, live_server)
    page.goto(f"{live_server}/patients/{patient}/capture")
    return patient


def _status_becomes(page, status: str) -> None:
    page.locator(f"[data-capture-status={status}]").wait_for(timeout=20_000)


def test_a_broad_smile_is_not_taken_as_front_at_rest(live_app, live_server, tmp_path):
    """No rest photo is stored: the frame alone shows the smile."""
    with camera_page(tmp_path, camera_picture(), {"width": 1280, "height": 900}) as page:
        _open_capture(page, live_app, live_server)
        assert page.inner_text("[data-capture-step]") == "1 of 6 · Front, at rest"
        _status_becomes(page, "adjust")
        assert page.inner_text("[data-capture-advice]").startswith("Relax your face: no smile.")
        assert page.locator("button[data-action=capture]").is_disabled()
        screenshot(page, "capture-smile-at-rest")


def test_frontal_face_is_ready_and_the_capture_is_stored(live_app, live_server, tmp_path):
    with camera_page(tmp_path, camera_picture(), PHONE) as page:
        patient = _open_capture(page, live_app, live_server, earlier=encode(camera_picture(), "JPEG"))
        page.click(".step[data-step=front-smile]")  # the astronaut smiles
        assert page.inner_text("[data-capture-step]") == "4 of 6 · Front, smile"
        _status_becomes(page, "ready")
        assert page.inner_text("[data-capture-advice]").startswith("Ready")
        shutter = page.locator("button[data-action=capture]")
        assert shutter.is_enabled()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "capture-ready-phone")
        shutter.click()
        page.locator("#capture-result", has_text="Saved").wait_for(timeout=30_000)
        photo_id = int(page.get_attribute("#capture-result", "data-photo-id"))
        assert page.get_attribute(".step[data-step=front-smile]", "class") == "step done"
        assert page.get_attribute(".step[data-step=front-rest]", "aria-pressed") == "true"  # the next view
        assert page.inner_text("[data-capture-step]") == "1 of 6 · Front, at rest"
        # The last visit's rest photo lies over the live picture, its face on the live face.
        ghost = page.locator("#ghost")
        ghost.wait_for(state="visible")
        assert page.evaluate("document.getElementById('ghost').naturalWidth") > 0
        stage, placed = page.locator("#capture-stage").bounding_box(), ghost.bounding_box()
        assert abs(placed["width"] - stage["width"]) < 2 and abs(placed["y"] - stage["y"]) < 2
        screenshot(page, "capture-next-view-phone")
    staff = Staff(live_app)
    photo = live_app.test_client().get(f"/api/v1/photos/{photo_id}",
                                       headers={"Authorization": f"Bearer {staff.token()}"}).get_json()
    assert photo["patient_id"] == patient and (photo["view"], photo["expression"]) == ("front", "smile")
    assert photo["capture_override"] is None and photo["width"] >= 1000  # the full camera picture, not a preview
    assert photo["analysis"]["face_found"]


def test_rolled_face_is_told_to_straighten_and_can_be_overridden(live_app, live_server, tmp_path):
    with camera_page(tmp_path, camera_picture(roll_deg=20), {"width": 1280, "height": 900}) as page:
        _open_capture(page, live_app, live_server)
        _status_becomes(page, "adjust")
        assert "Straighten your head" in page.inner_text("[data-capture-advice]")
        shutter = page.locator("button[data-action=capture]")
        assert shutter.is_disabled()
        screenshot(page, "capture-adjust")
        page.check("#override")
        assert shutter.is_enabled()
        shutter.click()
        page.locator("#capture-result", has_text="Saved").wait_for(timeout=30_000)
        photo_id = int(page.get_attribute("#capture-result", "data-photo-id"))
    photo = live_app.test_client().get(f"/api/v1/photos/{photo_id}", headers={
        "Authorization": f"Bearer {Staff(live_app).token()}"}).get_json()
    assert photo["capture_override"].startswith("Straighten your head")


def test_no_face_says_so(live_app, live_server, tmp_path):
    with camera_page(tmp_path, np.full((720, 1280, 3), 110, np.uint8), PHONE) as page:
        _open_capture(page, live_app, live_server)
        page.locator("[data-capture-advice]", has_text="No face found").wait_for(timeout=20_000)
        assert page.get_attribute("#capture", "data-capture-status") == "no-face"
        assert page.locator("button[data-action=capture]").is_disabled()
        screenshot(page, "capture-no-face-phone")
