"""A photo page opened while the analysis waits for a worker fills in by itself, in real Chromium."""
from __future__ import annotations

import pytest
import redis

from tests.browser.conftest import photo_for_staff, screenshot, sign_in
from tests.images import astronaut_jpeg
from tests.web.test_scale_out import _worker


@pytest.fixture
def live_app(make_app, redis_server):
    url = f"{redis_server}/1"
    redis.Redis.from_url(url).flushdb()
    return make_app(WTF_CSRF_ENABLED=True, GALLERY_QUEUE_URL=url)


def test_photo_page_and_timeline_fill_in_when_the_worker_is_done(live_app, live_server, page):
    photo, _ = photo_for_staff(live_app, "Pending", astronaut_jpeg(4.0))
    assert photo["analysis_status"] == "pending"
    sign_in(page, live_server)
    page.goto(f"{live_server}/patients/{photo['patient_id']}")
    assert page.locator(".photo-card .badge", has_text="analysing").count() == 1
    page.goto(f"{live_server}/photos/{photo['id']}")
    page.locator(".pending", has_text="Analysing this photo").wait_for()
    screenshot(page, "photo-pending")
    page.locator("body").evaluate("body => { body.dataset.sameDocument = 'yes'; }")
    assert page.locator("polygon.region").count() == 0

    worker = _worker(live_app)
    try:
        page.locator("polygon.region").first.wait_for(timeout=90_000)
        page.locator("#plan-sites .site").nth(15).wait_for()  # the plan editor ran on the new content
    finally:
        worker.terminate()
        worker.wait(30)
    assert page.locator("body").get_attribute("data-same-document") == "yes"  # filled in, not reloaded
    assert page.locator(".pending").count() == 0
    assert page.locator('tr[data-region="glabella"] td.index').count() == 1
    screenshot(page, "photo-filled-in")
