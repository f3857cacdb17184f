"""The patient portal: invitation, login, own photos and progress, own data export.

A patient account sees one patient's records only, and photos only while the
``portal`` scope is in force (checked by the gate on every request).
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from gallery import audit
from gallery.auth import end_patient_sessions, hash_password, password_matches, token_sha256
from gallery.auth.forms import MIN_PASSWORD_LENGTH
from gallery.compare.service import pair_captions, relative_changes, render, side_of
from gallery.consent.gate import private_image, require
from gallery.consent.records import SCOPE_WORDS, effective_consent, history, parse_scopes
from gallery.db import get_db
from gallery.errors import Conflict, Gone, NotFound
from gallery.extensions import account_key, failed, limiter, login_limit
from gallery.models import SCOPES, Comparison, DataExport, Invitation, PatientAccount, Photo, utcnow
from gallery.movement.words import CHART_WORDS, movement_changes
from gallery.patients.chart import movement_charts, progress_charts
from gallery.patients.export import EXPORT_DAYS, archive_response, latest_export, request_export
from gallery.patients.plain_words import AREA_NAMES, EXPRESSION_WORDS, area_changes, change_in_words
from gallery.photos.service import blob_store
from gallery.portal.session import actor, current_account, patient_login_required, sign_in
from gallery.throttle import refuse

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], key_func=account_key, deduct_when=failed)
def login() -> Response | str | tuple[str, int]:
    if request.method == "POST":
        email = request.form.get("email", "").strip().lower()
        password = request.form.get("password", "")
        account = get_db().scalar(select(PatientAccount).where(PatientAccount.email == email))
        if password_matches(account.password_hash if account else None, password):
            sign_in(account)
            return redirect(url_for("portal.home"))
        return refuse("login", lambda error: render_template("portal/login.html", error=error),
                      "Wrong email or password.")
    return render_template("portal/login.html")


@bp.post("/logout")
def logout() -> Response:
    """Sign out: this cookie is cleared and, should it have been copied, refused from now on."""
    account = current_account()
    if account is not None:
        end_patient_sessions(account.patient_id)
        get_db().commit()
    session.clear()
    return redirect(url_for("portal.login"))


def _invitation(token: str) -> Invitation:
    invitation = get_db().scalar(select(Invitation).where(
        Invitation.token_sha256 == token_sha256(token)))
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        raise NotFound("This invitation is not valid: it was used already or has expired. Ask the clinic for a new one.")
    return invitation


@bp.route("/accept/<token>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def accept(token: str) -> Response | str | tuple[str, int]:
    invitation = _invitation(token)
    if request.method == "GET":
        return render_template("portal/accept.html")
    email = request.form.get("email", "").strip().lower()
    password = request.form.get("password", "")
    if "@" not in email or len(email) > 254:
        return render_template("portal/accept.html", error="Enter a valid email address."), 422
    if len(password) < MIN_PASSWORD_LENGTH or password != request.form.get("confirm"):
        return render_template("portal/accept.html", error=(
            f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters and repeat it exactly.")), 422
    db = get_db()
    if db.scalar(select(PatientAccount).where(PatientAccount.email == email)):
        return render_template("portal/accept.html", error="This email is already used for a portal account."), 409
    if db.scalar(select(PatientAccount).where(PatientAccount.patient_id == invitation.patient_id)):
        # An invitation made before the account existed never replaces its login.
        return render_template("portal/accept.html", error=(
            "This patient already has a portal account: sign in with it.")), 409
    account = PatientAccount(clinic_id=invitation.clinic_id, patient_id=invitation.patient_id, email=email,
                             password_hash=hash_password(password))
    db.add(account)
    invitation.used_at = utcnow()
    try:
        db.flush()
        audit.record("accept_invitation", "patient", invitation.patient_id, clinic_id=invitation.clinic_id,
                     actor=f"patient:{invitation.patient_id}")
        db.commit()
    except IntegrityError:  # the same invitation (or email) accepted at the same moment elsewhere
        db.rollback()
        return render_template("portal/accept.html", error=(
            "This invitation was used a moment ago, or this email was just taken: sign in with the account "
            "made from it, or ask the clinic for a new invitation.")), 409
    sign_in(account)
    return redirect(url_for("portal.home"))


@bp.get("")
@patient_login_required
def home() -> str:
    account = current_account()
    patient = account.patient
    consent = effective_consent(patient.id)
    can_view = consent.allows("portal")
    if can_view:
        audit.viewed("patient", patient.id, clinic_id=patient.clinic_id, actor=actor())
    return render_template("portal/home.html", patient=patient, consent=consent, can_view=can_view,
                           history=history(patient.id), scopes=SCOPES, scope_words=SCOPE_WORDS,
                           charts=progress_charts(patient) if can_view else [],
                           changes=area_changes(patient) if can_view else [], area_names=AREA_NAMES,
                           expression_words=EXPRESSION_WORDS,
                           movement=movement_changes(patient) if can_view else [],
                           movement_charts=movement_charts(patient) if can_view else [], chart_words=CHART_WORDS,
                           export=latest_export(current_account().patient_id), now=utcnow())


def _own(model, record_id: int):
    record = get_db().get(model, record_id)
    if record is None or record.patient_id != current_account().patient_id:
        raise NotFound("This is not available.")
    return record


@bp.get("/photos/<id:photo_id>/image/<variant>")
@patient_login_required
def photo_image(photo_id: int, variant: str) -> Response:
    photo = _own(Photo, photo_id)
    require(photo.patient_id, "portal")
    if variant not in ("display", "thumb"):
        raise NotFound("Unknown image.")
    audit.viewed("photo", photo.id, clinic_id=photo.clinic_id, actor=actor())
    return private_image(blob_store().read(photo.sha256, variant), "image/jpeg")


@bp.get("/comparisons/<id:comparison_id>")
@patient_login_required
def comparison(comparison_id: int) -> str:
    record = _own(Comparison, comparison_id)
    require(record.patient_id, "portal")
    audit.viewed("comparison", record.id, clinic_id=record.clinic_id, actor=actor())
    changes = {name: change_in_words(change, name) for name, change in relative_changes(record).items()}
    return render_template("portal/comparison.html", comparison=record, area_names=AREA_NAMES,
                           captions=pair_captions(record), changes=changes)


@bp.get("/comparisons/<id:comparison_id>/image.png")
@patient_login_required
def comparison_image(comparison_id: int) -> Response:
    record = _own(Comparison, comparison_id)
    require(record.patient_id, "portal")
    audit.viewed("comparison", record.id, clinic_id=record.clinic_id, actor=actor())
    return private_image(render(record, "side"), "image/png")


@bp.get("/comparisons/<id:comparison_id>/<side>.png")
@patient_login_required
def comparison_half(comparison_id: int, side: str) -> Response:
    """One photo of the aligned pair, for the page's slider: the same gate as the pair."""
    side = side_of(side)
    record = _own(Comparison, comparison_id)
    require(record.patient_id, "portal")
    audit.viewed("comparison", record.id, clinic_id=record.clinic_id, actor=actor())
    return private_image(render(record, side, plain=True), "image/png")


@bp.post("/export")
@patient_login_required
def request_data_export() -> Response:
    """Ask for a copy of one's records: built in the background, announced on the home page.

    A right of access, so it does not depend on the portal consent. One at a time:
    asking again while one is being prepared changes nothing.
    """
    patient = current_account().patient
    latest = latest_export(current_account().patient_id)
    if latest is None or latest.status != "pending":
        export = request_export(patient, by_patient=True)
        get_db().flush()
        audit.record("request_export", "patient", patient.id, clinic_id=patient.clinic_id, actor=actor())
        get_db().commit()
        current_app.extensions["gallery_queue"].enqueue_export(export.id)
    flash("Your archive is being prepared; it appears below when ready.")
    withdrawing = request.form.getlist("scopes")  # asked for on the way to a withdrawal: back to that step
    if withdrawing:
        return redirect(url_for("portal_consent.confirm_withdrawal", scopes=parse_scopes(withdrawing),
                                _anchor="data"))
    return redirect(url_for("portal.home", _anchor="data"))


@bp.get("/exports/<id:export_id>.json")
@patient_login_required
def export_status(export_id: int) -> Response:
    """Polled by the home page while the archive is being prepared."""
    export = _own(DataExport, export_id)
    return jsonify({"pending": export.status == "pending", "status": export.status})


@bp.get("/exports/<id:export_id>/download")
@patient_login_required
def download_export(export_id: int) -> Response:
    export = _own(DataExport, export_id)
    if export.status != "ready":
        raise Conflict("This archive is not ready: it is still being prepared, or it failed. Ask for a new one.")
    if export.expires_at <= utcnow():
        raise Gone(f"This archive was kept for {EXPORT_DAYS} days and has been removed. Ask for a new one.")
    audit.record("download_export", "patient", export.patient_id, clinic_id=export.clinic_id, actor=actor())
    get_db().commit()
    return archive_response(current_account().patient, blob_store().open_blob(export.sha256, "export"))
