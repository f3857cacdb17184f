"""Muscle movement per visit (issue 30), through the app: measured in the queue from the stored
originals, stored per contraction photo, shown on the photo, comparison and portal pages and in
the API, and set against the treatment visit's as "movement kept".

One patient is built once for the module (analyses and measurements take seconds): a treatment
visit with rest, raise (brows lifted 4 mm by a known warp), frown (heads drawn together 2 mm) and
a faceless "raise"; and a review visit 14 days later with rest and raise lifted 1 mm.
"""
from __future__ import annotations

import io
import re

import numpy as np
import pytest
from sqlalchemy import select

from gallery.db import get_db
from gallery.models import MovementRecord, Visit
from gallery.movement.kept import kept_share
from gallery.movement.service import requeue_movements, run_movement
from landmarks.movement import Figure
from landmarks.scale import mm_per_px
from tests.conftest import PASSWORD, app_for_tests, emptied_test_database
from tests.images import encode
from tests.warps import move_brows
from tests.web.helpers import movement_patient

SCALE = 2.0  # 1024 px: an iris of about 16 px, 0.7 mm per pixel
PATIENT_EMAIL = "mo@example.test"


def _jpeg(rgb: np.ndarray, quality: int = 92) -> bytes:
    return encode(rgb, "JPEG", quality=quality)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    app = app_for_tests(str(tmp_path_factory.mktemp("data")), emptied_test_database(), GALLERY_MOVEMENT_REPEATS=3)
    staff, api, patient, rest, mesh = movement_patient(app, SCALE)
    scale = mm_per_px(mesh.xy)

    def moved(**amounts) -> bytes:
        return _jpeg(move_brows(rest, mesh.xy, scale, **amounts))

    def upload(data: bytes, expression: str, taken_at: str) -> dict:
        made = api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(data), "p.jpg"), "expression": expression, "taken_at": taken_at})
        assert made.status_code == 201, made.get_json()
        return made.get_json()

    photos = {
        "rest": upload(_jpeg(rest), "rest", "2026-03-02T10:00:00"),
        "raise": upload(moved(lift_mm=4.0), "raise", "2026-03-02T10:00:20"),
        "frown": upload(moved(approach_mm=2.0), "frown", "2026-03-02T10:00:40"),
        "faceless": upload(_jpeg(np.full_like(rest, 128)), "raise", "2026-03-02T10:01:00"),
        "review_rest": upload(_jpeg(rest, quality=90), "rest", "2026-03-16T10:00:00"),
        "review_raise": upload(moved(lift_mm=1.0), "raise", "2026-03-16T10:00:20"),
    }
    with app.app_context():
        get_db().get(Visit, photos["rest"]["visit_id"]).treated = True
        get_db().commit()
    assert api("POST", f"/api/v1/patients/{patient}/consents", json={
        "scopes": ["clinical", "portal"], "signed_name": "Mo Vement", "text_version": "1"}).status_code == 201
    web = staff.login(app.test_client())
    yield {"app": app, "api": api, "web": web, "patient": patient, "photos": photos}
    app.extensions["gallery_engine"].dispose()


def _record(app, photo_id: int) -> MovementRecord | None:
    with app.app_context():
        return get_db().scalar(select(MovementRecord).where(MovementRecord.contraction_photo_id == photo_id))


def _figure(record: MovementRecord, name: str, side: str | None = None, position: str | None = None) -> dict:
    return next(f for f in record.result["figures"]
                if (f["name"], f["side"], f["position"]) == (name, side, position))


def test_each_muscle_figure_is_stored_in_mm_against_the_visits_rest_photo(built):
    photos = built["photos"]
    raised = _record(built["app"], photos["raise"]["id"])
    assert raised.rest_photo_id == photos["rest"]["id"] and raised.expression == "raise"
    for side in ("right", "left"):
        for position in ("head", "centre", "tail"):
            lift = _figure(raised, "brow_lift", side, position)
            assert lift["muscle"] == "frontalis"
            assert lift["value_mm"] == pytest.approx(4.0, abs=1.2), (side, position)
            assert lift["uncertainty_mm"] is not None
    frown = _record(built["app"], photos["frown"]["id"])
    assert _figure(frown, "brow_heads_approach")["value_mm"] == pytest.approx(2.0, abs=0.8)
    assert {f["muscle"] for f in frown.result["figures"]} == {"corrugator", "procerus"}
    review = _record(built["app"], photos["review_raise"]["id"])
    assert review.rest_photo_id == photos["review_rest"]["id"]  # never the other visit's rest photo


def test_a_faceless_pair_is_withheld_with_its_reason_on_the_page(built):
    faceless = _record(built["app"], built["photos"]["faceless"]["id"])
    assert faceless.result["withheld"] == "no_face"


def test_measuring_again_is_idempotent_and_follows_a_retag(built):
    app, photos = built["app"], built["photos"]
    before = _record(app, photos["raise"]["id"])
    with app.app_context():
        run_movement(photos["raise"]["visit_id"])
    again = _record(app, photos["raise"]["id"])
    assert (again.id, again.measured_at, again.result) == (before.id, before.measured_at, before.result)
    web = built["web"]
    assert web.post(f"/photos/{photos['faceless']['id']}/tags", data={"expression": "rest", "view": "front"}
                    ).status_code == 302
    assert _record(app, photos["faceless"]["id"]) is None  # no longer a contraction photo
    assert _record(app, photos["raise"]["id"]).rest_photo_id == photos["rest"]["id"]  # the faceless rest never pairs
    assert web.post(f"/photos/{photos['faceless']['id']}/tags", data={"expression": "raise", "view": "front"}
                    ).status_code == 302
    assert _record(app, photos["faceless"]["id"]).result["withheld"] == "no_face"


def test_a_worker_start_queues_the_visits_left_unmeasured(built):
    """A job lost with a worker: the next start finds the visit by one query and measures it again."""
    app, photos = built["app"], built["photos"]
    with app.app_context():
        assert requeue_movements() == 0  # everything measured: nothing queued
        get_db().delete(get_db().scalar(select(MovementRecord).where(
            MovementRecord.contraction_photo_id == photos["frown"]["id"])))
        get_db().commit()
        assert requeue_movements() == 1  # the immediate queue measures it again at once
    assert _record(app, photos["frown"]["id"]).rest_photo_id == photos["rest"]["id"]


def test_photo_page_shows_each_figure_and_the_share_kept(built):
    page = built["web"].get(f"/photos/{built['photos']['review_raise']['id']}").get_data(as_text=True)
    section = page[page.index('id="movement"'):]
    assert "Frontalis: brow lift, right centre" in section and "Frontalis: brow lift, left tail" in section
    kept = [int(v) for v in re.findall(r'<td class="kept">(\d+) %', section)]
    assert section.count('class="group"') == 1  # one muscle's figure: the six rows under one heading
    assert len(kept) == 6 and all(5 <= v <= 60 for v in kept), kept  # about 1 mm of 4 mm kept
    frown = built["web"].get(f"/photos/{built['photos']['frown']['id']}").get_data(as_text=True)
    assert "Corrugators: brow heads drawn together" in frown and "Procerus: brow head drawn down, left" in frown
    faceless = built["web"].get(f"/photos/{built['photos']['faceless']['id']}").get_data(as_text=True)
    assert "Movement not measured: no face was found in one of the two photos." in faceless


def test_kept_is_withheld_when_the_baseline_is_too_small():
    small = Figure("brow_lift", "frontalis", "right", "centre", 0.6, 0.1)
    noisy = Figure("brow_lift", "frontalis", "right", "centre", 2.0, 1.5)
    review = Figure("brow_lift", "frontalis", "right", "centre", 0.3, 0.1)
    assert kept_share(small, review).withheld == "too_little_before"
    assert kept_share(noisy, review).withheld == "too_little_before"
    share = kept_share(Figure("brow_lift", "frontalis", "right", "centre", 5.0, 0.2), review)
    assert share.kept_pct == pytest.approx(6.0) and 0 < share.uncertainty_pct < 5


def test_api_gives_the_visits_movement_and_what_is_kept(built):
    visit = built["photos"]["review_raise"]["visit_id"]
    body = built["api"]("GET", f"/api/v1/visits/{visit}/movement").get_json()
    assert body["baseline_visit_id"] == built["photos"]["rest"]["visit_id"]
    (raised,) = body["movements"]
    assert raised["expression"] == "raise" and raised["contraction_photo_id"] == built["photos"]["review_raise"]["id"]
    centre = next(k for k in raised["kept"] if (k["side"], k["position"]) == ("right", "centre"))
    assert 5 <= centre["kept_pct"] <= 60 and centre["uncertainty_pct"] >= 0
    assert built["api"]("GET", "/api/v1/visits/999999/movement").status_code == 404


def test_portal_says_in_plain_words_how_much_less_the_brows_move(built):
    api, app = built["api"], built["app"]
    url = api("POST", f"/api/v1/patients/{built['patient']}/invitations").get_json()["url"]
    client = app.test_client()
    assert client.post(re.sub(r"^https?://[^/]+", "", url), data={
        "email": PATIENT_EMAIL, "password": PASSWORD, "confirm": PASSWORD}).status_code == 302
    page = client.get("/portal").get_data(as_text=True)
    sentence = re.search(r"Raising your eyebrows now lifts them (\d+(?:\.\d)?) mm instead of (\d+(?:\.\d)?) mm "
                         r"before your treatment on 2 March 2026 \(day 14\)", page)
    assert sentence, page[page.find("progress"):][:2000]
    assert float(sentence.group(1)) < 2 and float(sentence.group(2)) > 3


def test_chart_draws_movement_per_muscle_over_visits(built):
    page = built["web"].get(f"/patients/{built['patient']}").get_data(as_text=True)
    assert 'aria-label="Muscle movement over time' in page
    assert "series-frontalis" in page


def test_visit_report_lists_the_movement_kept(built):
    from pypdf import PdfReader

    visit = built["photos"]["review_raise"]["visit_id"]
    response = built["api"]("GET", f"/api/v1/visits/{visit}/report.pdf")
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Muscle movement" in text and "Frontalis: brow lift, right centre" in text
    assert re.search(r"\d+ ± \d+ %", text)
