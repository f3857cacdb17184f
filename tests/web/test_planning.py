"""Injection plans through the API and the visit report."""
from __future__ import annotations

import copy
import io

import pytest
from pypdf import PdfReader

from gallery.db import get_db
from gallery.models import Photo
from landmarks.wrinkles import MEASUREMENT_STANDARD
from tests.images import astronaut, encode
from tests.web.helpers import api_caller, ready_for_treatment
from tests.web.test_compare import _moved


@pytest.fixture
def api(app, staff):
    staff.create()
    return api_caller(app, staff.token())


def _photo(api, patient_id, day, data):
    response = api("POST", f"/api/v1/patients/{patient_id}/photos", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(data), "p.jpg"), "expression": "frown", "taken_at": day})
    assert response.status_code == 201, response.data
    return response.get_json()["id"]


def _save(api, photo, body):
    """PUT the plan the way the editor does: If-Match with the ETag of the plan it started from."""
    etag = api("GET", f"/api/v1/photos/{photo}/plan").headers["ETag"]
    return api("PUT", f"/api/v1/photos/{photo}/plan", json=body, headers={"If-Match": etag})


@pytest.fixture
def patient(api):
    return api("POST", "/api/v1/patients", json={"name": "Plan Patient", "date_of_birth": "1975-04-02"}).get_json()["id"]


def test_template_then_save_then_totals(api, patient):
    photo = _photo(api, patient, "2026-03-01", encode(astronaut(3.0), "JPEG"))
    plan = api("GET", f"/api/v1/photos/{photo}/plan").get_json()
    assert plan["source"] == "template" and plan["saved"] is False
    assert plan["totals"] == {"glabella": 20, "forehead": 20, "crows_feet_left": 12, "crows_feet_right": 12, "all": 64}
    sites = plan["sites"]
    sites[0]["units"] = 6
    del sites[-1]
    body = {"sites": sites, "product": "Botox 100 U", "lot": "C1234A5", "dilution": "2.5 ml per 100 U"}
    saved = _save(api, photo, body)
    assert saved.status_code == 200, saved.data
    result = saved.get_json()
    assert result["totals"]["glabella"] == 22 and result["totals"]["crows_feet_left"] == 8
    assert result["totals"]["all"] == 64 + 2 - 4
    again = api("GET", f"/api/v1/photos/{photo}/plan").get_json()
    assert again["source"] == "saved" and again["lot"] == "C1234A5" and again["totals"] == result["totals"]


def test_site_in_a_margin_warns(api, patient):
    photo = _photo(api, patient, "2026-03-01", encode(astronaut(3.0), "JPEG"))
    plan = api("GET", f"/api/v1/photos/{photo}/plan").get_json()
    forehead = next(s for s in plan["sites"] if s["region"] == "forehead")
    forehead["y"] += 40  # 40 px (about 19 mm) down, towards the brow
    result = _save(api, photo, {"sites": plan["sites"]}).get_json()
    assert "forehead_margin" in [w["code"] for w in result["warnings"]]


@pytest.mark.parametrize("site, message", [
    ({"region": "chin", "x": 10, "y": 10, "units": 4}, "'sites[0].region' must be one of"),
    ({"region": "glabella", "x": -5, "y": 10, "units": 4}, "'sites[0].x' must be 0 or more"),
    ({"region": "glabella", "x": 10, "y": 99999, "units": 4}, "Site 1 lies outside the photo"),
    ({"region": "glabella", "x": 10, "y": 10, "units": 0}, "'sites[0].units' must be above 0"),
    ({"region": "glabella", "x": "a", "y": 10, "units": 4}, "'sites[0].x' must be a number"),
])
def test_bad_sites_are_refused(api, patient, site, message):
    photo = _photo(api, patient, "2026-03-01", encode(astronaut(3.0), "JPEG"))
    response = _save(api, photo, {"sites": [site]})
    assert response.status_code == 422 and message in response.get_json()["error"]["message"]


def test_label_warnings_interval_and_units(api, patient):
    first = _photo(api, patient, "2026-03-01", encode(astronaut(3.0), "JPEG"))
    plan = api("GET", f"/api/v1/photos/{first}/plan").get_json()
    for site in plan["sites"]:
        site["units"] = 25
    _save(api, first, {"sites": plan["sites"]})  # 16 x 25 = 400 U
    second = _photo(api, patient, "2026-04-15", _moved())
    carried = api("GET", f"/api/v1/photos/{second}/plan?start=previous").get_json()
    assert carried["source"] == "carried_over"
    # A plan that was never given is no treatment: nothing to count yet.
    assert not {"treatment_interval", "units_90_days"} & {w["code"] for w in carried["warnings"]}
    visit = plan["visit_id"]
    ready_for_treatment(api, patient)
    given = api("POST", f"/api/v1/visits/{visit}/treatment", json={})
    assert given.status_code == 201  # 400 U at a first visit: no rule across visits applies yet
    carried = api("GET", f"/api/v1/photos/{second}/plan?start=previous").get_json()
    codes = [w["code"] for w in carried["warnings"]]
    assert "treatment_interval" in codes and "units_90_days" in codes


def test_previous_plan_is_carried_onto_the_new_photo(api, patient):
    first = _photo(api, patient, "2026-01-10", encode(astronaut(3.0), "JPEG"))
    plan = api("GET", f"/api/v1/photos/{first}/plan").get_json()
    _save(api, first, {"sites": plan["sites"], "product": "Botox", "lot": "L1"})
    second = _photo(api, patient, "2026-05-10", _moved(angle=6.0))
    review = api("GET", f"/api/v1/photos/{second}/plan").get_json()
    assert review["source"] == "none" and review["sites"] == [] and review["previous_visit"] == "2026-01-10"
    carried = api("GET", f"/api/v1/photos/{second}/plan?start=previous").get_json()
    assert carried["source"] == "carried_over" and carried["product"] == "Botox" and carried["lot"] == ""
    assert [s["id"] for s in carried["sites"]] == [s["id"] for s in plan["sites"]]
    moved = [(s["x"], s["y"]) for s in carried["sites"]]
    original = [(s["x"], s["y"]) for s in plan["sites"]]
    assert moved != original  # the face moved between the photos; the sites followed it


def test_visit_report_pdf_has_totals_and_lot(app, api, patient, client, staff):
    first = _photo(api, patient, "2026-01-10", encode(astronaut(3.0), "JPEG"))
    second = _photo(api, patient, "2026-05-10", _moved())
    plan = api("GET", f"/api/v1/photos/{second}/plan").get_json()
    _save(api, second, {"sites": plan["sites"], "product": "Botox 100 U",
                                                      "lot": "C7788X9", "dilution": "2.5 ml"})
    api("POST", f"/api/v1/patients/{patient}/consents", json={"scopes": ["clinical"], "signed_name": "P", "text_version": "1"})
    visit_id = api("GET", f"/api/v1/photos/{second}").get_json()["visit_id"]
    staff.login(client)
    response = client.get(f"/visits/{visit_id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "C7788X9" in text and "Botox 100 U" in text
    assert "Total for the visit" in text and "64" in text
    assert "Plan Patient" in text and "Consent in force: clinical" in text
    assert "Comparison with the previous visit" in text
    assert first != second
    through_api = api("GET", f"/api/v1/visits/{visit_id}/report.pdf")
    assert through_api.status_code == 200 and through_api.mimetype == "application/pdf"
    assert "C7788X9" in "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(through_api.data)).pages)
    assert api("GET", "/api/v1/visits/999/report.pdf").status_code == 404


def _measured_as(app, photo_id: int, glabella: float, standard: str) -> None:
    """Give a stored analysis a glabella index and a measurement standard (the astronaut
    at 3x is below the standard and has no index of her own)."""
    with app.app_context():
        db = get_db()
        photo = db.get(Photo, photo_id)
        analysis = copy.deepcopy(photo.analysis)
        analysis["regions"]["glabella"]["wrinkle_index"] = glabella
        analysis["measurement_standard"] = standard
        photo.record_analysis(analysis, photo.analysis_version)
        db.commit()


def _change_row(client, visit_id: int) -> str:
    """The report's glabella row, "before after change" (its cells come out one per line)."""
    pdf = PdfReader(io.BytesIO(client.get(f"/visits/{visit_id}/report.pdf").data))
    lines = "\n".join(page.extract_text() for page in pdf.pages).splitlines()
    start = lines.index("Frown lines (glabella)") + 1
    return " ".join(lines[start:start + 3])


def test_report_gives_a_change_only_between_like_measures(app, api, patient, client, staff):
    first = _photo(api, patient, "2026-01-10", encode(astronaut(3.0), "JPEG"))
    second = _photo(api, patient, "2026-05-10", _moved())
    visit_id = api("GET", f"/api/v1/photos/{second}").get_json()["visit_id"]
    staff.login(client)
    _measured_as(app, first, 10.0, MEASUREMENT_STANDARD)
    _measured_as(app, second, 6.5, MEASUREMENT_STANDARD)
    assert _change_row(client, visit_id) == "10.0 6.5 -35 %"
    _measured_as(app, first, 10.0, "v7@0.4mm")  # another method: no change
    assert _change_row(client, visit_id) == "10.0 6.5 -"
    _measured_as(app, first, 0.04, MEASUREMENT_STANDARD)  # no lines before: no "+16150 %"
    assert _change_row(client, visit_id) == "0.0 6.5 -"


def test_report_prints_markup_in_user_fields_as_text_never_as_markup(app, api, client, staff, tmp_path):
    """Attack: a patient name or plan field written as ReportLab markup, to embed a server file
    in the PDF (<img src>), plant a javascript: link (<a href>), or stop the report (<script>)."""
    secret = tmp_path / "server-secret.png"
    secret.write_bytes(encode(astronaut(0.2), "PNG"))
    name = f'<img src="{secret}" width="50" height="50"/>Eve'
    patient = api("POST", "/api/v1/patients", json={"name": name}).get_json()["id"]
    photo = _photo(api, patient, "2026-03-01", encode(astronaut(3.0), "JPEG"))
    plan = api("GET", f"/api/v1/photos/{photo}/plan").get_json()
    saved = _save(api, photo, {
        "sites": plan["sites"], "product": '<a href="javascript:alert(1)">Botox</a>', "lot": "<script>x</script>"})
    assert saved.status_code == 200
    staff.login(client)
    response = client.get(f"/visits/{saved.get_json()['visit_id']}/report.pdf")
    assert response.status_code == 200
    pdf = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "<img src=" in text and "Eve" in text  # printed, not interpreted
    assert '<a href="javascript:alert(1)">Botox</a>' in text and "<script>x</script>" in text
    assert all("/Annots" not in page for page in pdf.pages)  # no link
    images = sum(len(page.images) for page in pdf.pages)
    assert images == 1  # the annotated photo only, not the server file


def test_a_save_from_an_older_copy_is_refused_and_every_save_is_kept(api, patient):
    """Attack (by accident): two injectors edit one plan; the second save, made on the copy both
    started from, would silently replace the first."""
    photo = _photo(api, patient, "2026-03-01", encode(astronaut(3.0), "JPEG"))
    opened = api("GET", f"/api/v1/photos/{photo}/plan")
    both_started_from = opened.headers["ETag"]
    sites = opened.get_json()["sites"]
    first = api("PUT", f"/api/v1/photos/{photo}/plan", json={"sites": sites[:5], "lot": "FIRST"},
                headers={"If-Match": both_started_from})
    assert first.status_code == 200 and first.get_json()["revision"] == 1
    second = api("PUT", f"/api/v1/photos/{photo}/plan", json={"sites": sites, "lot": "SECOND"},
                 headers={"If-Match": both_started_from})
    assert second.status_code == 412
    error = second.get_json()["error"]
    assert error["code"] == "plan_changed" and "Reload" in error["message"]
    assert api("GET", f"/api/v1/photos/{photo}/plan").get_json()["lot"] == "FIRST"
    missing = api("PUT", f"/api/v1/photos/{photo}/plan", json={"sites": sites})
    assert missing.status_code == 428 and missing.get_json()["error"]["code"] == "if_match_required"
    retried = api("PUT", f"/api/v1/photos/{photo}/plan", json={"sites": sites, "lot": "SECOND"},
                  headers={"If-Match": first.headers["ETag"]})
    assert retried.status_code == 200 and retried.get_json()["revision"] == 2
    revisions = api("GET", f"/api/v1/photos/{photo}/plan/revisions").get_json()
    assert [(r["revision"], r["lot"], len(r["sites"]), r["total_units"]) for r in revisions] == [
        (2, "SECOND", 16, 64.0), (1, "FIRST", 5, 20.0)]
    assert revisions[0]["injector"] == "nurse@clinic-a.test"
