"""The JSON API under /api/v1 (bearer tokens; no cookies, hence no CSRF)."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, g, jsonify, request, url_for
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from gallery import audit
from gallery.api.openapi import openapi_document
from gallery.auth import user_for_bearer
from gallery.compare.service import (
    comparison_to_json,
    create_comparison,
    parse_photo_id,
    render,
)
from gallery.consent.records import (
    effective_consent,
    grant,
    history,
    parse_scopes,
    parse_signature,
    published_texts,
    record_to_json,
    withdraw,
)
from gallery.consent.views import new_share_link, publish_comparison
from gallery.db import get_db
from gallery.errors import Conflict, InvalidInput, Unauthorized
from gallery.extensions import csrf, limiter, login_limit
from gallery.models import SCOPES, Comparison, Patient, Photo
from gallery.photos.images import image_response
from gallery.photos.serialize import photo_to_json
from gallery.photos.service import add_photo, parse_taken_at
from gallery.planning.service import plan_for_photo, save_plan
from gallery.queries import clinic_get, clinic_select

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
# Failed authentications count against the caller's address: token guessing is throttled.
limiter.limit(login_limit,
              deduct_when=lambda response: response.status_code == 401)(bp)

PUBLIC_ENDPOINTS = {"api.openapi"}


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    user = user_for_bearer(request.headers.get("Authorization"))
    if user is None:
        raise Unauthorized("Send a valid API token: 'Authorization: Bearer <token>'.")
    g.user = user


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("Send a JSON object with Content-Type: application/json.")
    return body


def _optional_str(body: dict[str, Any], key: str, max_length: int) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise InvalidInput(f"'{key}' must be a string of at most {max_length} characters.")
    return value.strip()


def patient_to_json(patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.id,
        "name": patient.name,
        "date_of_birth": patient.date_of_birth.isoformat() if patient.date_of_birth else None,
        "external_id": patient.external_id,
        "visits": [{"id": v.id, "date": v.visit_date.isoformat(), "notes": v.notes} for v in patient.visits],
        "photo_ids": [p.id for p in patient.photos],
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


@bp.post("/patients")
def create_patient() -> tuple[Response, int]:
    body = _json_body()
    name = _optional_str(body, "name", 200)
    if not name:
        raise InvalidInput("'name' is required.")
    birth = _optional_str(body, "date_of_birth", 10)
    try:
        date_of_birth = date.fromisoformat(birth) if birth else None
    except ValueError:
        raise InvalidInput("'date_of_birth' must be a date as YYYY-MM-DD.") from None
    db = get_db()
    patient = Patient(clinic_id=g.user.clinic_id, name=name, date_of_birth=date_of_birth,
                      external_id=_optional_str(body, "external_id", 100))
    db.add(patient)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise Conflict("Another patient already has this external_id.") from None
    audit.record("create", "patient", patient.id)
    db.commit()
    return jsonify(patient_to_json(patient)), 201


@bp.get("/patients")
def list_patients() -> Response:
    patients = get_db().scalars(clinic_select(Patient).order_by(Patient.id)).all()
    return jsonify({"patients": [{"id": p.id, "name": p.name, "external_id": p.external_id} for p in patients]})


@bp.get("/patients/<int:patient_id>")
def get_patient(patient_id: int) -> Response:
    patient = clinic_get(Patient, patient_id)
    audit.viewed("patient", patient.id)
    return jsonify(patient_to_json(patient))


@bp.post("/patients/<int:patient_id>/photos")
def upload_photo(patient_id: int) -> tuple[Response, int]:
    patient = clinic_get(Patient, patient_id)
    file = request.files.get("file")
    if file is None:
        raise InvalidInput("Send the photo as multipart form field 'file'.")
    visit = request.form.get("visit_id")
    if visit is not None and not visit.isdigit():
        raise InvalidInput("'visit_id' must be an integer.")
    photo, created = add_photo(patient, file.read(), filename=file.filename or "",
                               expression=request.form.get("expression"),
                               taken_at=parse_taken_at(request.form.get("taken_at")),
                               visit_id=int(visit) if visit else None)
    return jsonify(photo_to_json(photo)), 201 if created else 200


@bp.get("/photos/<int:photo_id>")
def get_photo(photo_id: int) -> Response:
    photo = clinic_get(Photo, photo_id)
    audit.viewed("photo", photo.id)
    return jsonify(photo_to_json(photo))


@bp.post("/comparisons")
def create_comparison_api() -> tuple[Response, int]:
    body = _json_body()
    crop = body.get("crop", "upper")
    if not isinstance(crop, str):
        raise InvalidInput("'crop' must be 'upper' or 'face'.")
    comparison = create_comparison(parse_photo_id(body.get("before"), "before"),
                                   parse_photo_id(body.get("after"), "after"),
                                   crop=crop, exposure_matched=body.get("match_exposure") is True)
    return jsonify(comparison_to_json(comparison)), 201


@bp.get("/comparisons/<int:comparison_id>")
def get_comparison(comparison_id: int) -> Response:
    comparison = clinic_get(Comparison, comparison_id)
    audit.viewed("comparison", comparison.id)
    return jsonify(comparison_to_json(comparison))


@bp.get("/comparisons/<int:comparison_id>/image")
def get_comparison_image(comparison_id: int) -> Response:
    comparison = clinic_get(Comparison, comparison_id)
    audit.viewed("comparison", comparison.id)
    response = Response(render(comparison, request.args.get("layout", "side")), mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/consent-texts")
def consent_texts() -> Response:
    return jsonify([{"version": t.version, "title": t.title, "published_at": t.published_at.isoformat()}
                    for t in published_texts(g.user.clinic_id)])


def _consents_json(patient: Patient) -> dict[str, Any]:
    consent = effective_consent(patient.id)
    return {"patient_id": patient.id, "scopes": sorted(consent.scopes, key=SCOPES.index),
            "marketing_identifiable": consent.marketing_identifiable,
            "history": [record_to_json(r) for r in history(patient.id)]}


@bp.get("/patients/<int:patient_id>/consents")
def get_consents(patient_id: int) -> Response:
    return jsonify(_consents_json(clinic_get(Patient, patient_id)))


@bp.post("/patients/<int:patient_id>/consents")
def grant_consent(patient_id: int) -> tuple[Response, int]:
    patient = clinic_get(Patient, patient_id)
    body = _json_body()
    identifiable = body.get("marketing_identifiable", False)
    if not isinstance(identifiable, bool):
        raise InvalidInput("'marketing_identifiable' must be true or false.")
    signed_name, version = body.get("signed_name"), body.get("text_version")
    if not isinstance(signed_name, str) or not isinstance(version, str | int):
        raise InvalidInput("'signed_name' (the patient's typed name) and 'text_version' are required.")
    signature = body.get("signature")
    if signature is not None and not isinstance(signature, str):
        raise InvalidInput("'signature' must be a PNG data URL.")
    record = grant(patient.clinic_id, patient.id, parse_scopes(body.get("scopes")), text_version=str(version),
                   signed_name=signed_name, marketing_identifiable=identifiable,
                   signature_png=parse_signature(signature), recorded_by_id=g.user.id)
    get_db().flush()
    audit.record("grant_consent", "consent", record.id)
    get_db().commit()
    return jsonify(_consents_json(patient)), 201


@bp.post("/patients/<int:patient_id>/consents/withdraw")
def withdraw_consent(patient_id: int) -> tuple[Response, int]:
    patient = clinic_get(Patient, patient_id)
    record = withdraw(patient.clinic_id, patient.id, parse_scopes(_json_body().get("scopes")),
                      recorded_by_id=g.user.id)
    get_db().flush()
    audit.record("withdraw_consent", "consent", record.id)
    get_db().commit()
    return jsonify(_consents_json(patient)), 201


@bp.post("/comparisons/<int:comparison_id>/publish")
def publish(comparison_id: int) -> Response:
    comparison = clinic_get(Comparison, comparison_id)
    publish_comparison(comparison)
    return jsonify({**comparison_to_json(comparison), "published_at": comparison.published_at.isoformat(),
                    "url": url_for("public.case", comparison_id=comparison.id, _external=True)})


@bp.post("/comparisons/<int:comparison_id>/share-links")
def share(comparison_id: int) -> tuple[Response, int]:
    comparison = clinic_get(Comparison, comparison_id)
    token, link = new_share_link(comparison, _json_body().get("expires_in_days", 14))
    return jsonify({"id": link.id, "url": url_for("public.shared", token=token, _external=True),
                    "expires_at": link.expires_at.isoformat()}), 201


@bp.get("/photos/<int:photo_id>/plan")
def get_plan(photo_id: int) -> Response:
    return jsonify(plan_for_photo(clinic_get(Photo, photo_id)))


@bp.put("/photos/<int:photo_id>/plan")
def put_plan(photo_id: int) -> Response:
    return jsonify(save_plan(clinic_get(Photo, photo_id), _json_body()))


@bp.get("/photos/<int:photo_id>/image")
def get_photo_image(photo_id: int) -> Response:
    photo = clinic_get(Photo, photo_id)
    audit.viewed("photo", photo.id)
    return image_response(photo, request.args.get("variant", "display"))
