"""Shared steps of web tests."""
from __future__ import annotations

import io
from pathlib import Path


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


def upload(client, patient_id: int, *files: tuple[bytes, str], expression: str = "rest", **fields: str):
    """The upload form with ``files``; ``fields`` adds others (``view``, ``expression-0``, ``date_choice``)."""
    data = {"expression": expression, "visit_id": "", "photos": [(io.BytesIO(b), name) for b, name in files],
            **fields}
    return client.post(f"/patients/{patient_id}/upload", data=data, content_type="multipart/form-data")


def stored_files(app) -> list[Path]:
    return sorted(p for p in (Path(app.config["GALLERY_DATA_DIR"]) / "blobs").glob("**/*") if p.is_file())
