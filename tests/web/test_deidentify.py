"""De-identified public images: the treated skin alone, checked pixel by pixel against the analysis."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from gallery.compare.service import aligned_pair
from gallery.db import get_db
from gallery.models import Clinic, Comparison
from gallery.public.service import PUBLIC_IMAGE_FORM
from gallery.regions import REGION_LABELS
from landmarks.anatomy import LEFT_EYE_CONTOUR, RIGHT_EYE_CONTOUR
from landmarks.align import Similarity
from landmarks.deidentify import FILL_RGB, AreaCut, compose_areas
from landmarks.masks import polygon_mask
from tests.web.test_consent import _grant, api, case  # noqa: F401 (fixtures)


def _public_image(app, comparison_id: int) -> np.ndarray:
    response = app.test_client().get(f"/gallery/{comparison_id}/image.png")
    assert response.status_code == 200, response.data
    return np.asarray(Image.open(io.BytesIO(response.data)).convert("RGB"))


def _blank_cuts(comparison: Comparison) -> list[AreaCut]:
    """Each area outlined in both photos, from the analysis's outlines: its box filled with the neutral
    grey (no photo), and the part of it inside both outlines."""
    before, _ = aligned_pair(comparison)
    outlines = comparison.result["outlines"]
    cuts = []
    for name in outlines["before"]:
        if name not in outlines["after"]:
            continue
        inside = polygon_mask(before.shape[:2], outlines["before"][name]) \
            & polygon_mask(before.shape[:2], outlines["after"][name])
        rows, cols = np.nonzero(inside)
        y0, y1, x0, x1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
        blank = np.empty((y1 - y0, x1 - x0, 3), np.uint8)
        blank[:] = FILL_RGB
        cuts.append(AreaCut(name, (int(x0), int(y0), int(x1), int(y1)), blank, blank, inside[y0:y1, x0:x1]))
    return cuts


def test_a_deidentified_image_shows_nothing_outside_the_treated_regions(app, api, case):
    _grant(api, case["patient"], ["marketing"])
    assert api("POST", f"/api/v1/comparisons/{case['comparison']}/publish").status_code == 200
    image = _public_image(app, case["comparison"])
    with app.app_context():
        comparison = get_db().get(Comparison, case["comparison"])
        cuts = _blank_cuts(comparison)
        clinic = get_db().get(Clinic, comparison.clinic_id).name
        # The same page with no photo pixels at all: where the public image differs from it, it shows
        # the photos, and that must be inside a region's outline.
        blank, placements = compose_areas(cuts, REGION_LABELS, "Before, February 2026", "After, February 2026",
                                          mark=clinic)
        eyes = {}
        for side in ("before", "after"):
            xy = np.asarray(getattr(comparison, side).analysis["landmarks"])
            transform = Similarity(np.asarray(comparison.result[f"{side}_transform"]))
            eyes[side] = transform.apply(xy[list(RIGHT_EYE_CONTOUR + LEFT_EYE_CONTOUR)])
    assert image.shape == blank.shape
    allowed = np.zeros(image.shape[:2], bool)
    for cut, placement in zip(cuts, placements):
        h, w = cut.mask.shape
        for x, y in (placement.before_at, placement.after_at):
            allowed[y:y + h, x:x + w] |= cut.mask
        for side in ("before", "after"):  # no eye lies in a shown region
            x0, y0, x1, y1 = cut.box
            inside = [x0 <= px < x1 and y0 <= py < y1 and cut.mask[int(py) - y0, int(px) - x0]
                      for px, py in eyes[side]]
            assert not any(inside), f"{cut.name} shows the {side} photo's eye"
    shows_photo = np.any(image != blank, axis=2)
    assert shows_photo.sum() > 0.9 * allowed.sum()  # the treated skin is there
    assert not (shows_photo & ~allowed).any()  # and nothing else of either photo
    assert {c.name for c in cuts} >= {"forehead", "glabella"}
    page = app.test_client().get(f"/gallery/{case['comparison']}").get_data(as_text=True)
    assert "only the treated skin" in page and "Forehead lines;" in page and "Ann" not in page


def test_an_identifiable_case_shows_the_aligned_photos(app, api, case):
    _grant(api, case["patient"], ["marketing"], identifiable=True)
    api("POST", f"/api/v1/comparisons/{case['comparison']}/publish")
    image = _public_image(app, case["comparison"])
    eye_band = image[56 + 390:56 + 410, 340:620].astype(int)  # canonical frame: eyes on row 400, under the bar
    assert image.shape[1] == 2 * 960 + 8 and eye_band.std() > 10


@pytest.fixture
def face_case(api, case):
    response = api("POST", "/api/v1/comparisons", json={"before": 1, "after": 2, "crop": "face"})
    assert response.status_code == 201, response.data
    return response.get_json()["id"]


def test_a_whole_face_comparison_is_published_only_with_identifiable_consent(app, api, case, face_case, staff):
    _grant(api, case["patient"], ["clinical", "marketing"])
    refused = api("POST", f"/api/v1/comparisons/{face_case}/publish")
    assert refused.status_code == 409 and "recognisable" in refused.get_json()["error"]["message"]
    client = staff.login(app.test_client())
    assert "a whole-face comparison is not published" in client.get(f"/comparisons/{face_case}").get_data(as_text=True)
    assert client.post(f"/comparisons/{face_case}/publish").status_code == 409
    assert app.test_client().get(f"/gallery/{face_case}/image.png").status_code == 404
    _grant(api, case["patient"], ["clinical", "marketing"], identifiable=True)
    assert api("POST", f"/api/v1/comparisons/{face_case}/publish").status_code == 200
    assert _public_image(app, face_case).shape[0] == 1000 + 56  # the whole face, as consented


def _make_old_form(app, comparison_id: int) -> bytes:
    """As a case published before this form stands in the database: an eye-bar image, no form."""
    with app.app_context():
        from gallery.photos.service import blob_store
        from uploads.store import sha256_hex

        comparison = get_db().get(Comparison, comparison_id)
        old = io.BytesIO()
        Image.new("RGB", (1928, 696), (90, 80, 70)).save(old, "PNG")
        comparison.public_image_sha256 = sha256_hex(old.getvalue())
        blob_store().put(comparison.public_image_sha256, "public", old.getvalue())
        comparison.public_image_form = None
        get_db().commit()
        return old.getvalue()


def test_an_image_of_an_older_form_is_made_again_before_it_is_served(app, api, case):
    _grant(api, case["patient"], ["marketing"])
    api("POST", f"/api/v1/comparisons/{case['comparison']}/publish")
    new = app.test_client().get(f"/gallery/{case['comparison']}/image.png").data
    old = _make_old_form(app, case["comparison"])
    served = app.test_client().get(f"/gallery/{case['comparison']}/image.png")
    assert served.status_code == 200 and served.data != old and served.data == new
    with app.app_context():
        assert get_db().get(Comparison, case["comparison"]).public_image_form == PUBLIC_IMAGE_FORM


def test_refresh_gallery_remakes_old_images_and_unpublishes_what_cannot_be_shown(app, api, case, staff):
    _grant(api, case["patient"], ["marketing"])
    api("POST", f"/api/v1/comparisons/{case['comparison']}/publish")
    face = api("POST", "/api/v1/comparisons", json={"before": 1, "after": 2, "crop": "face"}).get_json()["id"]
    with app.app_context():  # published under the old rules, as a de-identified whole face with an eye bar
        from gallery.models import utcnow
        get_db().get(Comparison, face).published_at = utcnow()
        get_db().commit()
    old = _make_old_form(app, case["comparison"])
    _make_old_form(app, face)
    result = app.test_cli_runner().invoke(args=["refresh-gallery"])
    assert result.exit_code == 0, result.output
    assert "Made 1 public image(s) again; 1 case(s) taken out of the gallery." in result.output
    public = app.test_client()
    remade = public.get(f"/gallery/{case['comparison']}/image.png")
    assert remade.status_code == 200 and remade.data != old
    assert public.get(f"/gallery/{face}/image.png").status_code == 404
    assert f"/gallery/{face}/image.png" not in public.get("/gallery").get_data(as_text=True)
    page = staff.login(app.test_client()).get(f"/comparisons/{face}").get_data(as_text=True)
    assert "Taken out of the gallery on" in page and "recognisable" in page


def test_a_case_whose_areas_show_too_little_skin_is_taken_out_when_requested(app, api, case, staff):
    _grant(api, case["patient"], ["marketing"])
    api("POST", f"/api/v1/comparisons/{case['comparison']}/publish")
    _make_old_form(app, case["comparison"])
    with app.app_context():
        comparison = get_db().get(Comparison, case["comparison"])
        tiny = {side: {name: [[400, 300], [410, 300], [410, 310]] for name in outlines}
                for side, outlines in comparison.result["outlines"].items()}
        comparison.result = {**comparison.result, "outlines": tiny}
        get_db().commit()
    assert app.test_client().get(f"/gallery/{case['comparison']}/image.png").status_code == 404
    page = staff.login(app.test_client()).get(f"/comparisons/{case['comparison']}").get_data(as_text=True)
    assert "No treated area of this comparison shows enough skin" in page
    assert api("POST", f"/api/v1/comparisons/{case['comparison']}/publish").status_code == 409


def test_the_consent_page_says_what_not_identifiable_shows(app, staff, api, case):
    page = " ".join(staff.login(app.test_client()).get(f"/patients/{case['patient']}/consents/new")
                    .get_data(as_text=True).split())
    assert "only the treated skin of the compared areas" in page and "no method makes recognition impossible" in page
    text = " ".join(staff.login(app.test_client()).get("/admin/consent-texts").get_data(as_text=True).split())
    assert "only the treated skin is shown" in text and "No method makes it impossible" in text
