"""Shared steps of web tests."""
from __future__ import annotations

import base64
import io
from pathlib import Path

from tests.images import astronaut, encode

SIGNATURE = "data:image/png;base64," + base64.b64encode(encode(astronaut(0.1), "PNG")).decode()
NO_FLAGS = {"pregnant_or_breastfeeding": False, "neuromuscular_disease": False, "toxin_allergy": False,
            "infection_at_sites": False, "anticoagulants": False, "aminoglycosides": False}


def create_patient(client, name: str = "Jane Doe") -> int:
    response = client.post("/patients/new", data={"name": name})
    assert response.status_code == 302, response.data
    return int(response.headers["Location"].rsplit("/", 1)[1])


def api_caller(app, token: str):
    """``call(method, path, **kwargs)``: the JSON API as the token's user (extra headers merge in)."""
    client = app.test_client()

    def call(method, path, **kwargs):
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return client.open(path, method=method, headers=headers, **kwargs)

    return call


def movement_patient(app, scale: float):
    """A staff account and a patient for the movement tests: (the ``Staff``, ``api_caller`` as the staff,
    the patient's id, the astronaut at ``scale`` as her rest photo, its face mesh)."""
    from landmarks.mesh import detect_faces
    from tests.conftest import Staff

    staff = Staff(app)
    staff.create()
    api = api_caller(app, staff.token())
    patient = api("POST", "/api/v1/patients", json={"name": "Mo Vement"}).get_json()["id"]
    rest = astronaut(scale)
    return staff, api, patient, rest, detect_faces(rest, symmetric=True).faces[0]


def upload(client, patient_id: int, *files: tuple[bytes, str], expression: str = "rest", **fields: str):
    """The upload form with ``files``; ``fields`` adds others (``view``, ``expression-0``, ``date_choice``)."""
    data = {"expression": expression, "visit_id": "", "photos": [(io.BytesIO(b), name) for b, name in files],
            **fields}
    return client.post(f"/patients/{patient_id}/upload", data=data, content_type="multipart/form-data")


def stored_files(app) -> list[Path]:
    return sorted(p for p in (Path(app.config["GALLERY_DATA_DIR"]) / "blobs").glob("**/*") if p.is_file())


def ready_for_treatment(api, patient_id: int) -> None:
    """A medical history with nothing against treatment and the patient's signed treatment consent, so that
    recording a treatment raises only the plan's own warnings (``api``: an ``api_caller``)."""
    intake = api("POST", f"/api/v1/patients/{patient_id}/intake", json=NO_FLAGS)
    assert intake.status_code == 201, intake.get_json()
    consent = api("POST", f"/api/v1/patients/{patient_id}/treatment-consents",
                  json={"text_version": "1", "signed_name": "The Patient", "signature": SIGNATURE})
    assert consent.status_code == 201, consent.get_json()
