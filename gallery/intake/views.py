"""Staff pages of the intake: the medical history, the treatment consent signed on the tablet, its texts."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from gallery import audit
from gallery.auth import current_user, login_required, require_role
from gallery.consent.records import parse_signature, signature_data_url
from gallery.consent.texts import publish
from gallery.db import get_db
from gallery.intake.consent import (
    consent_in_force,
    sign_treatment_consent,
    treatment_consents,
    treatment_texts,
    withdraw_treatment_consent,
)
from gallery.intake.service import (
    INTAKE_VALID_DAYS,
    QUESTIONS,
    TEXTS,
    flags,
    intake_history,
    intake_in_force,
    record_intake,
)
from gallery.models import Patient, TreatmentConsent, TreatmentConsentText
from gallery.queries import clinic_get

bp = Blueprint("intake", __name__)


def _answer(field: str) -> bool | None:
    """A yes/no radio pair: "yes", "no", or not answered (None), which the service refuses."""
    return {"yes": True, "no": False}.get(request.form.get(field, ""))


@bp.route("/patients/<id:patient_id>/intake", methods=["GET", "POST"])
@login_required
def history_page(patient_id: int) -> Response | str:
    """The medical history form, filled from the last review, and every earlier review (audited: a health record)."""
    patient = clinic_get(Patient, patient_id)
    if request.method == "POST":
        record_intake(patient, {q.field: _answer(q.field) for q in QUESTIONS},
                      {field: request.form.get(field, "") for field in TEXTS}, current_user().id)
        get_db().commit()
        flash("Medical history recorded.")
        return redirect(url_for("intake.history_page", patient_id=patient.id))
    audit.viewed("patient", patient.id)
    entries = intake_history(patient.id)
    return render_template("intake/history.html", patient=patient, entries=entries, last=entries[0] if entries else None,
                           in_force=intake_in_force(patient.id), questions=QUESTIONS, texts=TEXTS, flags=flags,
                           valid_days=INTAKE_VALID_DAYS)


@bp.route("/patients/<id:patient_id>/treatment-consent", methods=["GET", "POST"])
@login_required
def sign_consent(patient_id: int) -> Response | str:
    """The current treatment consent text, for the patient to read and sign on the tablet."""
    patient = clinic_get(Patient, patient_id)
    if request.method == "POST":
        record = sign_treatment_consent(patient, text_version=request.form.get("text_version", ""),
                                        signed_name=request.form.get("signed_name", ""),
                                        signature_png=parse_signature(request.form.get("signature")),
                                        recorded_by_id=current_user().id)
        get_db().commit()
        return redirect(url_for("intake.consent_receipt", consent_id=record.id))
    return render_template("intake/sign_consent.html", patient=patient, text=treatment_texts(patient.clinic_id)[0],
                           in_force=consent_in_force(patient.id), records=treatment_consents(patient.id))


@bp.post("/patients/<id:patient_id>/treatment-consent/withdraw")
@login_required
def withdraw_consent(patient_id: int) -> Response:
    patient = clinic_get(Patient, patient_id)
    record = withdraw_treatment_consent(patient, current_user().id)
    get_db().commit()
    flash("Treatment consent withdrawn: no toxin is given without a new signature." if record
          else "No treatment consent was in force: nothing recorded.")
    return redirect(url_for("intake.sign_consent", patient_id=patient.id))


@bp.get("/treatment-consents/<id:consent_id>")
@login_required
def consent_receipt(consent_id: int) -> str:
    """A signature or withdrawal with the text signed (audited: it shows the patient's signature)."""
    record = clinic_get(TreatmentConsent, consent_id)
    patient = clinic_get(Patient, record.patient_id)
    audit.viewed("treatment_consent", record.id)
    text = next((t for t in treatment_texts(patient.clinic_id) if t.version == record.text_version), None)
    return render_template("intake/receipt.html", record=record, patient=patient, text=text,
                           signature=signature_data_url(record.signature_png),
                           in_force=consent_in_force(patient.id))


@bp.route("/admin/treatment-consent-texts", methods=["GET", "POST"])
@login_required
def texts() -> Response | str:
    """Publish a new version of the treatment consent text (admins): every patient signs it again."""
    user = require_role(current_user(), "admin", "Only an admin manages consent texts.")
    existing = treatment_texts(user.clinic_id)
    if request.method == "POST":
        publish(TreatmentConsentText, existing, user.clinic_id, user.id, version=request.form.get("version", ""),
                title=request.form.get("title", ""), body=request.form.get("body", ""))
        get_db().commit()
        flash("Published: every patient signs this version before their next treatment.")
        return redirect(url_for("intake.texts"))
    return render_template("intake/texts.html", texts=existing)
