"""No id in a URL grants access to another clinic's records."""
from __future__ import annotations

import io

from tests.conftest import Staff
from tests.images import astronaut_jpeg
from tests.web.helpers import create_patient, upload


def test_other_clinic_sees_nothing(app):
    staff = Staff(app)
    staff.create("a@clinic-a.test", "Clinic A")
    staff.create("b@clinic-b.test", "Clinic B")
    a = staff.login(app.test_client(), "a@clinic-a.test")
    b = staff.login(app.test_client(), "b@clinic-b.test")
    patient_id = create_patient(a, "Private Patient")
    assert upload(a, patient_id, (astronaut_jpeg(), "a.jpg")).status_code == 302
    for path in (f"/patients/{patient_id}", f"/patients/{patient_id}/upload", "/photos/1",
                 "/photos/1/image/display", "/photos/1/image/thumb", "/photos/1/original"):
        assert a.get(path).status_code == 200, path
        assert b.get(path).status_code == 404, path
    assert "Private Patient" not in b.get("/patients?q=Private").get_data(as_text=True)
    response = upload(b, patient_id, (astronaut_jpeg(2.5), "b.jpg"))
    assert response.status_code == 404
    assert b.post(f"/patients/{patient_id}/visits", data={"visit_date": "2026-01-01"}).status_code == 404

    token_b = staff.token("b@clinic-b.test")
    api_b = app.test_client()
    headers = {"Authorization": f"Bearer {token_b}"}
    for path in (f"/api/v1/patients/{patient_id}", "/api/v1/photos/1", "/api/v1/photos/1/image"):
        assert api_b.get(path, headers=headers).status_code == 404, path
    response = api_b.post(f"/api/v1/patients/{patient_id}/photos", headers=headers, content_type="multipart/form-data",
                          data={"file": (io.BytesIO(astronaut_jpeg(2.5)), "x.jpg"), "expression": "rest"})
    assert response.status_code == 404
    assert api_b.get("/api/v1/patients", headers=headers).get_json()["patients"] == []
