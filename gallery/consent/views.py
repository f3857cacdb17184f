"""Staff pages for consent, portal invitations, publishing and share links."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from gallery import audit, mail
from gallery.auth import current_user, login_required, require_role
from gallery.consent.records import (
    describe_withdrawal,
    effective_consent,
    grant,
    parse_scopes,
    parse_signature,
    published_texts,
    signature_data_url,
    withdraw,
)
from gallery.consent.share_links import email_share_link, new_share_link
from gallery.consent.texts import publish as publish_text
from gallery.db import get_db
from gallery.models import (
    SCOPES,
    Comparison,
    ConsentRecord,
    ConsentText,
    Patient,
    ShareLink,
    utcnow,
)
from gallery.portal.invitations import INVITATION_DAYS, email_invitation, new_invitation
from gallery.public.service import publish_comparison
from gallery.qr import qr_svg
from gallery.queries import clinic_get

bp = Blueprint("consent", __name__)


@bp.route("/patients/<id:patient_id>/consents/new", methods=["GET", "POST"])
@login_required
def record(patient_id: int) -> Response | str:
    patient = clinic_get(Patient, patient_id)
    texts = published_texts(patient.clinic_id)
    if request.method == "GET":
        return render_template("consent/new.html", patient=patient, texts=texts, scopes=SCOPES)
    entry = grant(patient.clinic_id, patient.id, parse_scopes(request.form.getlist("scopes")),
                  text_version=request.form.get("text_version", ""), signed_name=request.form.get("signed_name", ""),
                  marketing_identifiable=request.form.get("marketing_identifiable") == "1",
                  signature_png=parse_signature(request.form.get("signature")), recorded_by_id=current_user().id)
    get_db().flush()
    audit.record("grant_consent", "consent", entry.id)
    get_db().commit()
    return redirect(url_for("consent.receipt", record_id=entry.id))


@bp.post("/patients/<id:patient_id>/consents/withdraw")
@login_required
def withdraw_page(patient_id: int) -> Response:
    patient = clinic_get(Patient, patient_id)
    scopes = parse_scopes(request.form.getlist("scopes"))
    entry = withdraw(patient.clinic_id, patient.id, scopes,
                     recorded_by_id=current_user().id, signed_name=request.form.get("signed_name", ""))
    flash(describe_withdrawal(scopes, entry))
    if entry is None:
        return redirect(url_for("patients.timeline", patient_id=patient.id))
    get_db().flush()
    audit.record("withdraw_consent", "consent", entry.id)
    get_db().commit()
    return redirect(url_for("consent.receipt", record_id=entry.id))  # with the sweep's checklist


@bp.get("/consents/<id:record_id>/receipt")
@login_required
def receipt(record_id: int) -> str:
    entry = clinic_get(ConsentRecord, record_id)
    patient = clinic_get(Patient, entry.patient_id)
    audit.viewed("consent", entry.id)  # it shows the patient's signature
    text = next((t for t in published_texts(patient.clinic_id) if t.version == entry.text_version), None)
    return render_template("consent/receipt.html", record=entry, patient=patient, text=text,
                           signature=signature_data_url(entry.signature_png),
                           consent=effective_consent(patient.id))


@bp.post("/patients/<id:patient_id>/invitation")
@login_required
def invite(patient_id: int) -> str:
    """A portal invitation: emailed when an address is given, and shown to copy or scan either way."""
    patient = clinic_get(Patient, patient_id)
    to = _recipient()
    token, _ = new_invitation(patient, current_user().id)
    audit.record("invite", "patient", patient.id)
    get_db().commit()
    link = url_for("portal.accept", token=token, _external=True)
    return render_template("consent/invitation.html", patient=patient, days=INVITATION_DAYS, link=link,
                           qr=qr_svg(link), to=to, delivery=email_invitation(patient, to, link) if to else None,
                           portal=effective_consent(patient.id).allows("portal"))


def _recipient() -> str:
    """The address typed on the form, checked; empty when the link is to be handed over on screen only."""
    typed = request.form.get("email", "").strip()
    return mail.parse_address(typed) if typed else ""


@bp.post("/comparisons/<id:comparison_id>/publish")
@login_required
def publish(comparison_id: int) -> Response:
    publish_comparison(clinic_get(Comparison, comparison_id))
    flash("Published in the gallery.")
    return redirect(url_for("compare.detail", comparison_id=comparison_id))


@bp.post("/comparisons/<id:comparison_id>/unpublish")
@login_required
def unpublish(comparison_id: int) -> Response:
    comparison = clinic_get(Comparison, comparison_id)
    comparison.published_at = comparison.public_image_sha256 = None
    audit.record("unpublish", "comparison", comparison.id)
    get_db().commit()
    flash("Removed from the gallery.")
    return redirect(url_for("compare.detail", comparison_id=comparison_id))


@bp.post("/comparisons/<id:comparison_id>/share-links")
@login_required
def share(comparison_id: int) -> str:
    """A share link: emailed when an address is given, and shown to copy or scan either way."""
    comparison = clinic_get(Comparison, comparison_id)
    to = _recipient()
    days = request.form.get("expires_in_days", "14")
    token, link = new_share_link(comparison, int(days) if days.isdigit() else days)
    url = url_for("public.shared", token=token, _external=True)
    return render_template("consent/share.html", comparison=comparison, link=link, url=url, qr=qr_svg(url), to=to,
                           delivery=email_share_link(link, to, url) if to else None)


@bp.post("/share-links/<id:link_id>/revoke")
@login_required
def revoke(link_id: int) -> Response:
    link = clinic_get(ShareLink, link_id)
    link.revoked_at = link.revoked_at or utcnow()
    audit.record("revoke_share", "comparison", link.comparison_id)
    get_db().commit()
    flash("The link no longer works.")
    return redirect(url_for("compare.detail", comparison_id=link.comparison_id))


@bp.route("/admin/consent-texts", methods=["GET", "POST"])
@login_required
def texts() -> Response | str:
    user = require_role(current_user(), "admin", "Only an admin manages consent texts.")
    existing = published_texts(user.clinic_id)
    if request.method == "POST":
        reconsent = parse_scopes(request.form.getlist("reconsent_scopes")) \
            if request.form.getlist("reconsent_scopes") else []
        publish_text(ConsentText, existing, user.clinic_id, user.id, version=request.form.get("version", ""),
                     title=request.form.get("title", ""), body=request.form.get("body", ""),
                     reconsent_scopes=reconsent)
        get_db().commit()
        return redirect(url_for("consent.texts"))
    return render_template("consent/texts.html", texts=existing, clinic=user.clinic, scopes=SCOPES)


@bp.post("/admin/data-exports")
@login_required
def export_settings() -> Response:
    """Whether patients' data exports carry the original photo files (admins only)."""
    user = require_role(current_user(), "admin", "Only an admin decides what patients' data exports contain.")
    user.clinic.export_originals = request.form.get("export_originals") == "1"
    audit.record("export_settings", "clinic", user.clinic_id)
    get_db().commit()
    flash("Patients' data exports " + ("now include" if user.clinic.export_originals else "no longer include")
          + " the original photo files.")
    return redirect(url_for("consent.texts"))


