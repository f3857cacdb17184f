"""The JSON API under /api/v1 (bearer tokens; no cookies, hence no CSRF).

Every operation declares its input and output schemas (``gallery.api.schemas``);
flask-smorest validates with them, dumps with them and writes them into
``/api/v1/openapi.json``. The views only call the domain code.
"""
from __future__ import annotations

from typing import Any

from flask import g, request, url_for
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from gallery import audit
from gallery.api import schemas
from gallery.api.declare import Blueprint
from gallery.auth import user_for_bearer
from gallery.compare.service import create_comparison, render
from gallery.consent.records import effective_consent, grant, history, parse_signature, published_texts, withdraw
from gallery.consent.share_links import new_share_link
from gallery.db import get_db
from gallery.errors import Conflict, Unauthorized
from gallery.extensions import csrf
from gallery.intake.consent import (
    consent_in_force,
    sign_treatment_consent,
    treatment_consents,
    treatment_texts,
    withdraw_treatment_consent,
)
from gallery.intake.service import QUESTIONS, TEXTS, intake_history, intake_in_force, record_intake
from gallery.models import SCOPES, Amendment, Comparison, Lot, Patient, Photo, Product, TreatmentRecord, Visit
from gallery.movement.panels import visit_movement
from gallery.patients.export import archive_response, build_archive
from gallery.photos.images import image_response
from gallery.photos.service import add_photo
from gallery.planning.service import plan_etag, plan_for_photo, plan_revisions, save_plan
from gallery.planning.treatment import as_utc, record_treatment, withdraw_treatment
from gallery.planning.report import report_response
from gallery.paging import Page, paginate
from gallery.portal.invitations import new_invitation
from gallery.public.service import publish_comparison
from gallery.queries import clinic_get, clinic_select
from gallery.signoff.service import amend, awaiting_sign_off, sign_amendment, sign_visit
from gallery.stock.service import add_lot, add_product, lots_query, products, recall
from gallery.throttle import refuse_token

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Patients, photos, comparisons, consent, plans.")
csrf.exempt(bp)

IMAGE = {"type": "string", "format": "binary"}


@bp.before_request
def _authenticate() -> None:
    user = user_for_bearer(request.headers.get("Authorization"))
    if user is None:
        # Failed tokens count against the caller's address: guessing is throttled, a valid token never is.
        raise refuse_token() or Unauthorized("Send a valid API token: 'Authorization: Bearer <token>'.")
    g.user = user


@bp.post("/patients")
@bp.arguments(schemas.PatientInput)
@bp.response(201, schemas.PatientOut)
@bp.alt_response(409, schema=schemas.ApiError, description="Another patient has this external_id.")
def create_patient(body: dict[str, Any]) -> Patient:
    """Create a patient."""
    db = get_db()
    patient = Patient(clinic_id=g.user.clinic_id, **body)
    db.add(patient)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise Conflict("Another patient already has this external_id.") from None
    audit.record("create", "patient", patient.id)
    db.commit()
    return patient


@bp.get("/patients")
@bp.arguments(schemas.PageQuery, location="query")
@bp.response(200, schemas.PatientList)
def list_patients(query: dict[str, Any]) -> dict[str, Any]:
    """The clinic's patients, a page at a time (oldest first; follow ``next``)."""
    page = paginate(clinic_select(Patient).order_by(Patient.id), query["page"], query["page_size"])
    return {"patients": page.items, **_paged(page, "api.list_patients")}


def _paged(page: Page, endpoint: str, **args: Any) -> dict[str, Any]:
    """A list's page fields (``schemas.Paged``): the next page's URL keeps the other query arguments."""
    return {"page": page.number, "page_size": page.size, "total": page.total,
            "next": url_for(endpoint, **args, page=page.number + 1, page_size=page.size, _external=True)
            if page.has_next else None}


@bp.get("/patients/<id:patient_id>")
@bp.response(200, schemas.PatientOut)
def get_patient(patient_id: int) -> Patient:
    """A patient with visits and photo ids."""
    patient = clinic_get(Patient, patient_id)
    audit.viewed("patient", patient.id)
    return patient


@bp.post("/patients/<id:patient_id>/photos")
@bp.arguments(schemas.UploadForm, location="multipart")
@bp.response(201, schemas.PhotoOut, description="Stored; analysis_status is pending until the analysis is done.")
@bp.alt_response(200, schema=schemas.PhotoOut, description="These exact bytes were already uploaded: that photo.")
def upload_photo(form: dict[str, Any], patient_id: int) -> tuple[Photo, int]:
    """Upload a photo; it is analysed in the background (poll the photo until analysis_status is done)."""
    patient = clinic_get(Patient, patient_id)
    file: FileStorage = form["file"]
    photo, created = add_photo(patient, file.read(), filename=file.filename or "", expression=form["expression"],
                               taken_at=form.get("taken_at"), visit_id=form.get("visit_id"), view=form["view"],
                               date_choice=form.get("date_choice"))
    return photo, 201 if created else 200


@bp.get("/photos/<id:photo_id>")
@bp.response(200, schemas.PhotoOut)
def get_photo(photo_id: int) -> Photo:
    """A photo with its analysis (coordinates in display-image pixels)."""
    photo = clinic_get(Photo, photo_id)
    audit.viewed("photo", photo.id)
    return photo


@bp.get("/photos/<id:photo_id>/image")
@bp.arguments(schemas.ImageQuery, location="query")
@bp.response(200, IMAGE, content_type="image/jpeg", description="JPEG (display, thumb) or PNG (lines).")
@bp.alt_response(200, schema=IMAGE, content_type="image/png", success=True,
                 description="JPEG (display, thumb) or PNG (lines).")
def get_photo_image(query: dict[str, str], photo_id: int) -> Response:
    """The display image, thumbnail, or line-map overlay (PNG)."""
    photo = clinic_get(Photo, photo_id)
    audit.viewed("photo", photo.id)
    return image_response(photo, query["variant"])


@bp.post("/comparisons")
@bp.arguments(schemas.ComparisonInput)
@bp.response(201, schemas.ComparisonOut)
def create_comparison_api(body: dict[str, Any]) -> Comparison:
    """Align two photos of one patient and measure the change per region."""
    return create_comparison(body["before"], body["after"], crop=body["crop"],
                             exposure_matched=body["match_exposure"])


@bp.get("/comparisons/<id:comparison_id>")
@bp.response(200, schemas.ComparisonOut)
def get_comparison(comparison_id: int) -> Comparison:
    """A comparison's figures."""
    comparison = clinic_get(Comparison, comparison_id)
    audit.viewed("comparison", comparison.id)
    return comparison


@bp.get("/comparisons/<id:comparison_id>/image")
@bp.arguments(schemas.LayoutQuery, location="query")
@bp.response(200, IMAGE, content_type="image/png")
def get_comparison_image(query: dict[str, str], comparison_id: int) -> Response:
    """The aligned pair as a labelled PNG, side by side or one of them."""
    comparison = clinic_get(Comparison, comparison_id)
    audit.viewed("comparison", comparison.id)
    response = Response(render(comparison, query["layout"]), mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/comparisons/<id:comparison_id>/publish")
@bp.response(200, schemas.PublishedComparison)
@bp.alt_response(409, schema=schemas.ApiError, description="No marketing consent in force.")
def publish(comparison_id: int) -> Comparison:
    """Publish to the public gallery (needs the patient's marketing consent now)."""
    comparison = clinic_get(Comparison, comparison_id)
    publish_comparison(comparison)
    return comparison


@bp.post("/comparisons/<id:comparison_id>/share-links")
@bp.arguments(schemas.ShareInput)
@bp.response(201, schemas.ShareLinkOut)
@bp.alt_response(409, schema=schemas.ApiError, description="No portal consent in force.")
def share(body: dict[str, int], comparison_id: int) -> dict[str, Any]:
    """A link the patient opens without an account (needs portal consent now)."""
    comparison = clinic_get(Comparison, comparison_id)
    token, link = new_share_link(comparison, body["expires_in_days"])
    return {"id": link.id, "url": url_for("public.shared", token=token, _external=True), "expires_at": link.expires_at}


@bp.get("/patients/<id:patient_id>/export")
@bp.response(200, IMAGE, content_type="application/zip", description=(
    "A ZIP: photos/ (display images), originals/ (only where the clinic allows it), comparisons/, "
    "progress.csv, records.json (visits, photos, comparisons, consent history) and README.txt."))
def export_patient(patient_id: int) -> Response:
    """The patient's copy of their records, built now (the portal builds the same in the background)."""
    patient = clinic_get(Patient, patient_id)
    archive = build_archive(patient)
    audit.record("export", "patient", patient.id)
    get_db().commit()
    return archive_response(patient, archive)


@bp.post("/patients/<id:patient_id>/invitations")
@bp.response(201, schemas.InvitationOut)
@bp.alt_response(409, schema=schemas.ApiError, description="The patient already has portal access.")
def invite(patient_id: int) -> dict[str, Any]:
    """A portal invitation link for the clinic's own system (an EMR) to send to the patient.

    The same link as the patient page's invitation: single use, valid for seven days,
    refused once the patient has a portal account.
    """
    patient = clinic_get(Patient, patient_id)
    token, invitation = new_invitation(patient, g.user.id)
    audit.record("invite", "patient", patient.id)
    get_db().commit()
    return {"url": url_for("portal.accept", token=token, _external=True), "expires_at": invitation.expires_at}


@bp.get("/products")
@bp.response(200, schemas.ProductOut(many=True))
def list_products() -> list[Product]:
    """The clinic's products, by name."""
    return products(g.user.clinic_id)


@bp.post("/products")
@bp.arguments(schemas.ProductInput)
@bp.response(201, schemas.ProductOut)
@bp.alt_response(403, schema=schemas.ApiError, description="Only an admin keeps the stock.")
@bp.alt_response(409, schema=schemas.ApiError, description="A product of that name exists.")
def create_product(body: dict[str, Any]) -> Product:
    """Add a product to the clinic's stock (admins)."""
    return add_product(g.user, **body)


@bp.get("/lots")
@bp.arguments(schemas.PageQuery, location="query")
@bp.response(200, schemas.LotList)
def list_lots(query: dict[str, Any]) -> dict[str, Any]:
    """The clinic's lots, latest expiry first, a page at a time (a clinic receives lots for years)."""
    page = paginate(lots_query(g.user.clinic_id), query["page"], query["page_size"])
    return {"lots": page.items, **_paged(page, "api.list_lots")}


@bp.post("/lots")
@bp.arguments(schemas.LotInput)
@bp.response(201, schemas.LotOut)
@bp.alt_response(403, schema=schemas.ApiError, description="Only an admin keeps the stock.")
@bp.alt_response(409, schema=schemas.ApiError, description="That lot of that product is in stock already.")
def create_lot(body: dict[str, Any]) -> Lot:
    """Add a received lot of a product (admins)."""
    return add_lot(g.user, **body)


@bp.get("/recalls")
@bp.arguments(schemas.RecallQuery, location="query")
@bp.response(200, schemas.RecallOut)
def recall_search(query: dict[str, str]) -> dict[str, Any]:
    """Every treatment in the clinic with this lot number (audited), a page at a time: for a manufacturer's recall."""
    page = recall(g.user.clinic_id, query["lot"], query["page"], query["page_size"])
    return {"treatments": [t.as_json() for t in page.items], **_paged(page, "api.recall_search", lot=query["lot"])}


@bp.get("/visits/<id:visit_id>/report.pdf")
@bp.response(200, IMAGE, content_type="application/pdf", description="The visit report (PDF).")
def visit_report_pdf(visit_id: int) -> Response:
    """The visit report: photo with regions and sites, units, product and lot, consent, sign-off, comparison."""
    return report_response(clinic_get(Visit, visit_id))


@bp.get("/visits/<id:visit_id>/movement")
@bp.response(200, schemas.VisitMovementOut)
def get_visit_movement(visit_id: int) -> dict[str, Any]:
    """Muscle movement in mm per expression (each contraction photo against the visit's rest photo), and for a
    review visit the movement kept against its treatment visit's. Measured in the background after the photos'
    analyses: an expression not measured yet is absent."""
    visit = clinic_get(Visit, visit_id)
    audit.viewed("visit", visit.id)
    treated, entries = visit_movement(visit)
    return {"visit_id": visit.id, "baseline_visit_id": treated.id if treated else None,
            "movements": [entry.as_json() for entry in entries]}


@bp.post("/visits/<id:visit_id>/treatment")
@bp.arguments(schemas.TreatmentInput)
@bp.response(201, schemas.TreatmentOut)
@bp.alt_response(409, schema=schemas.ApiError, description="Recorded already, or the visit is signed off.")
def record_visit_treatment(body: dict[str, Any], visit_id: int) -> TreatmentRecord:
    """Record the toxin given at the visit, from its saved plan: only a recorded treatment goes to sign-off
    and counts for the interval and 3-month rules. Warnings that need one need an override_reason."""
    given_at = body["given_at"]
    record = record_treatment(clinic_get(Visit, visit_id), as_utc(given_at) if given_at else None,
                              body["override_reason"])
    get_db().commit()
    return record


@bp.delete("/visits/<id:visit_id>/treatment")
@bp.response(200, schemas.VisitSignOffOut)
@bp.alt_response(409, schema=schemas.ApiError, description="None recorded, or the visit is signed off.")
def withdraw_visit_treatment(visit_id: int) -> Visit:
    """Withdraw a treatment record made in error, before sign-off; the plan can change again."""
    visit = clinic_get(Visit, visit_id)
    withdraw_treatment(visit)
    get_db().commit()
    return visit


@bp.get("/visits/awaiting-sign-off")
@bp.arguments(schemas.PageQuery, location="query")
@bp.response(200, schemas.AwaitingSignOffOut)
def awaiting(query: dict[str, Any]) -> dict[str, Any]:
    """Visits with a recorded treatment (a page at a time) and amendments not signed off yet, oldest first."""
    page, amendments = awaiting_sign_off(g.user.clinic_id, query["page"], query["page_size"])
    return {"visits": page.items, "amendments": amendments, **_paged(page, "api.awaiting")}


@bp.post("/visits/<id:visit_id>/sign-off")
@bp.response(200, schemas.VisitSignOffOut)
@bp.alt_response(403, schema=schemas.ApiError, description="Only a medical director signs off.")
@bp.alt_response(409, schema=schemas.ApiError, description="Signed off already.")
def sign_off_visit(visit_id: int) -> Visit:
    """Sign the visit off: its plan, grades and photos no longer change (an amendment corrects it)."""
    visit = sign_visit(clinic_get(Visit, visit_id), g.user)
    get_db().commit()
    return visit


@bp.post("/visits/<id:visit_id>/amendments")
@bp.arguments(schemas.AmendmentInput)
@bp.response(201, schemas.AmendmentOut)
@bp.alt_response(409, schema=schemas.ApiError, description="The visit is not signed off: change it directly.")
def amend_visit(body: dict[str, Any], visit_id: int) -> Amendment:
    """Correct a signed-off visit: a new record linked to it, awaiting sign-off."""
    amendment = amend(clinic_get(Visit, visit_id), body["text"], g.user)
    get_db().commit()
    return amendment


@bp.post("/amendments/<id:amendment_id>/sign-off")
@bp.response(200, schemas.AmendmentOut)
@bp.alt_response(403, schema=schemas.ApiError, description="Only a medical director signs off.")
@bp.alt_response(409, schema=schemas.ApiError, description="Signed off already.")
def sign_off_amendment(amendment_id: int) -> Amendment:
    """Sign an amendment off."""
    amendment = sign_amendment(clinic_get(Amendment, amendment_id), g.user)
    get_db().commit()
    return amendment


@bp.get("/consent-texts")
@bp.response(200, schemas.ConsentTextOut(many=True))
def consent_texts() -> list[Any]:
    """The clinic's published consent texts, newest first."""
    return published_texts(g.user.clinic_id)


def _consents(patient: Patient) -> dict[str, Any]:
    consent = effective_consent(patient.id)
    return {"patient_id": patient.id, "scopes": sorted(consent.scopes, key=SCOPES.index),
            "marketing_identifiable": consent.marketing_identifiable, "history": history(patient.id),
            "lapsed": [{"scope": scope, "reason": reason} for scope, reason in consent.lapsed]}


@bp.get("/patients/<id:patient_id>/consents")
@bp.response(200, schemas.ConsentsOut)
def get_consents(patient_id: int) -> dict[str, Any]:
    """The consent in force and every record behind it."""
    return _consents(clinic_get(Patient, patient_id))


@bp.post("/patients/<id:patient_id>/consents")
@bp.arguments(schemas.GrantInput)
@bp.response(201, schemas.ConsentsOut)
def grant_consent(body: dict[str, Any], patient_id: int) -> dict[str, Any]:
    """Record consent the patient gave (to a published text version)."""
    patient = clinic_get(Patient, patient_id)
    record = grant(patient.clinic_id, patient.id, sorted(set(body["scopes"]), key=SCOPES.index),
                   text_version=body["text_version"], signed_name=body["signed_name"],
                   marketing_identifiable=body["marketing_identifiable"],
                   signature_png=parse_signature(body.get("signature")), recorded_by_id=g.user.id)
    get_db().flush()
    audit.record("grant_consent", "consent", record.id)
    get_db().commit()
    return _consents(patient)


@bp.post("/patients/<id:patient_id>/consents/withdraw")
@bp.arguments(schemas.WithdrawInput)
@bp.response(201, schemas.ConsentsOut, description="The withdrawal was recorded.")
@bp.alt_response(200, schema=schemas.ConsentsOut,
                 description="None of the scopes was in force: nothing recorded, the state is unchanged.")
def withdraw_consent(body: dict[str, Any], patient_id: int) -> tuple[dict[str, Any], int]:
    """Withdraw scopes; publication and share links stop at once.

    Only scopes in force are withdrawn and recorded; a withdrawal of nothing held
    records nothing and answers 200 with the unchanged state.
    """
    patient = clinic_get(Patient, patient_id)
    record = withdraw(patient.clinic_id, patient.id, sorted(set(body["scopes"]), key=SCOPES.index),
                      recorded_by_id=g.user.id)
    if record is None:
        return _consents(patient), 200
    get_db().flush()
    audit.record("withdraw_consent", "consent", record.id)
    get_db().commit()
    return _consents(patient), 201


def _intake(patient: Patient) -> dict[str, Any]:
    return {"patient_id": patient.id, "in_force": intake_in_force(patient.id), "history": intake_history(patient.id)}


@bp.get("/patients/<id:patient_id>/intake")
@bp.response(200, schemas.IntakeHistoryOut)
def get_intake(patient_id: int) -> dict[str, Any]:
    """The patient's medical history: every review, newest first, and the one in force (audited: a health record)."""
    patient = clinic_get(Patient, patient_id)
    audit.viewed("patient", patient.id)
    return _intake(patient)


@bp.post("/patients/<id:patient_id>/intake")
@bp.arguments(schemas.IntakeInput)
@bp.response(201, schemas.IntakeHistoryOut)
def post_intake(body: dict[str, Any], patient_id: int) -> dict[str, Any]:
    """Record a review of the medical history (a new entry; earlier ones are kept)."""
    patient = clinic_get(Patient, patient_id)
    record_intake(patient, {q.field: body[q.field] for q in QUESTIONS}, {field: body[field] for field in TEXTS},
                  g.user.id)
    get_db().commit()
    return _intake(patient)


@bp.get("/treatment-consent-texts")
@bp.response(200, schemas.TreatmentConsentTextOut(many=True))
def get_treatment_consent_texts() -> list[Any]:
    """The clinic's treatment consent texts, newest (the one patients sign) first."""
    return treatment_texts(g.user.clinic_id)


def _treatment_consents(patient: Patient) -> dict[str, Any]:
    return {"patient_id": patient.id, "in_force": consent_in_force(patient.id),
            "history": treatment_consents(patient.id)}


@bp.get("/patients/<id:patient_id>/treatment-consents")
@bp.response(200, schemas.TreatmentConsentsOut)
def get_treatment_consents(patient_id: int) -> dict[str, Any]:
    """The treatment consent in force and every signature and withdrawal."""
    return _treatment_consents(clinic_get(Patient, patient_id))


@bp.post("/patients/<id:patient_id>/treatment-consents")
@bp.arguments(schemas.TreatmentConsentInput)
@bp.response(201, schemas.TreatmentConsentsOut)
def post_treatment_consent(body: dict[str, Any], patient_id: int) -> dict[str, Any]:
    """Record the patient's signature to the current treatment consent text (typed name and drawn signature)."""
    patient = clinic_get(Patient, patient_id)
    sign_treatment_consent(patient, text_version=body["text_version"], signed_name=body["signed_name"],
                           signature_png=parse_signature(body["signature"]), recorded_by_id=g.user.id)
    get_db().commit()
    return _treatment_consents(patient)


@bp.post("/patients/<id:patient_id>/treatment-consents/withdraw")
@bp.response(201, schemas.TreatmentConsentsOut, description="The withdrawal was recorded.")
@bp.alt_response(200, schema=schemas.TreatmentConsentsOut, description="None was in force: nothing recorded.")
def withdraw_treatment_consent_api(patient_id: int) -> tuple[dict[str, Any], int]:
    """Withdraw the patient's treatment consent: no toxin without a new signature."""
    patient = clinic_get(Patient, patient_id)
    record = withdraw_treatment_consent(patient, g.user.id)
    get_db().commit()
    return _treatment_consents(patient), 201 if record else 200


PLAN_TAG = {"ETag": {"description": "The plan's revision: send it back as If-Match to save.",
                     "schema": {"type": "string"}}}
IF_MATCH = {"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
            "description": "The ETag of the plan the change was made on (from GET)."}


@bp.get("/photos/<id:photo_id>/plan")
@bp.arguments(schemas.PlanStartQuery, location="query")
@bp.response(200, schemas.PlanOut, headers=PLAN_TAG)
def get_plan(query: dict[str, Any], photo_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The visit's injection plan on this photo: saved; the label template on a first visit; on a
    later visit none until asked to start from the last plan or the template."""
    plan = plan_for_photo(clinic_get(Photo, photo_id), query["start"])
    return plan, 200, {"ETag": plan_etag(plan["visit_id"], plan["revision"])}


@bp.put("/photos/<id:photo_id>/plan")
@bp.arguments(schemas.PlanInput)
@bp.response(200, schemas.PlanOut, headers=PLAN_TAG)
@bp.alt_response(412, schema=schemas.ApiError, description="Someone saved the plan since your GET: reload.")
@bp.alt_response(428, schema=schemas.ApiError, description="If-Match is missing.")
@bp.doc(parameters=[IF_MATCH])
def put_plan(body: dict[str, Any], photo_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Save the visit's plan, drawn on this photo; kept as a new revision."""
    plan = save_plan(clinic_get(Photo, photo_id), body, request.headers.get("If-Match"))
    return plan, 200, {"ETag": plan_etag(plan["visit_id"], plan["revision"])}


@bp.get("/photos/<id:photo_id>/plan/revisions")
@bp.response(200, schemas.PlanRevisionOut(many=True))
def get_plan_revisions(photo_id: int) -> list[Any]:
    """Every saved state of the visit's plan, newest first."""
    return plan_revisions(clinic_get(Photo, photo_id))
