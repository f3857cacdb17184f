"""Staff pages: patient list with search, new and edited patient, timeline, visits, upload."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from gallery import audit
from gallery.auth import current_clinic_id, login_required
from gallery.consent.records import effective_consent, history
from gallery.db import get_db
from gallery.errors import Conflict, GalleryError, InvalidInput, PhotoDateUnconfirmed, upload_status
from gallery.grading import GRADES
from gallery.intake.consent import consent_in_force
from gallery.intake.service import intake_in_force
from gallery.models import Amendment, Patient, PatientAccount, Photo, Visit
from gallery.capture.protocol import clinic_protocol, missing_steps
from gallery.movement.kept import MUSCLE_LABELS
from gallery.patients.chart import movement_charts, progress_charts
from gallery.patients.forms import EXPRESSION_LABELS, PatientForm, UploadForm, VisitForm
from gallery.patients.plain_words import EXPRESSION_WORDS
from gallery.patients.service import save_patient
from gallery.photos.grades import patient_progress
from gallery.photos.service import add_photo
from gallery.paging import page_number, paginate
from gallery.patients.retreatment import suggested_retreatment
from gallery.queries import clinic_get, clinic_select
from gallery.reminders import KIND_WORDS, sent_reminders, upcoming, why_not_sent
from gallery.regions import REGION_LABELS
from gallery.signoff.service import require_unsigned
from uploads.errors import UploadError

bp = Blueprint("patients", __name__)
PATIENTS_PER_PAGE = 100


@bp.get("/")
@login_required
def home() -> Response:
    return redirect(url_for("patients.index"))


@bp.get("/patients")
@login_required
def index() -> str:
    query = request.args.get("q", "").strip()
    statement = clinic_select(Patient).order_by(func.lower(Patient.name))
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(or_(func.lower(Patient.name).like(like), func.lower(Patient.external_id).like(like)))
    page = paginate(statement.order_by(Patient.id), page_number(request.args.get("page")), PATIENTS_PER_PAGE)
    patients = page.items
    counts = dict(get_db().execute(select(Photo.patient_id, func.count(Photo.id))
                                   .where(Photo.patient_id.in_([p.id for p in patients]))
                                   .group_by(Photo.patient_id)).all()) if patients else {}
    return render_template("patients/index.html", patients=patients, photo_counts=counts, query=query, page=page)


@bp.route("/patients/new", methods=["GET", "POST"])
@login_required
def new() -> Response | tuple[str, int] | str:
    return _patient_form(PatientForm(), Patient(clinic_id=current_clinic_id()), "patients/new.html")


@bp.route("/patients/<id:patient_id>/edit", methods=["GET", "POST"])
@login_required
def edit(patient_id: int) -> Response | tuple[str, int] | str:
    """Correct a patient's name, date of birth, external id or contact details."""
    patient = clinic_get(Patient, patient_id)
    if request.method == "GET":
        audit.viewed("patient", patient.id)
    return _patient_form(PatientForm(obj=patient), patient, "patients/edit.html")


def _patient_form(form: PatientForm, patient: Patient, template: str) -> Response | tuple[str, int] | str:
    """The new and edit pages: save on a valid post, else the form with its errors (422, or 409)."""
    if form.validate_on_submit():
        try:
            save_patient(patient, name=form.name.data, date_of_birth=form.date_of_birth.data,
                         external_id=form.external_id.data, phone=form.phone.data, email=form.email.data)
        except Conflict as error:
            get_db().rollback()
            form.external_id.errors.append(error.message)
            return render_template(template, form=form, patient=patient), error.status
        return redirect(url_for("patients.timeline", patient_id=patient.id))
    return render_template(template, form=form, patient=patient), 422 if request.method == "POST" else 200


@bp.get("/patients/<id:patient_id>/analysis.json")
@login_required
def analysis_status(patient_id: int) -> Response:
    """Polled by the timeline while some of the patient's photos are being analysed."""
    patient = clinic_get(Patient, patient_id)
    audit.viewed("patient", patient.id)
    pending = get_db().scalar(select(func.count(Photo.id)).where(Photo.patient_id == patient.id,
                                                                 Photo.analysis_status == "pending"))
    return jsonify({"pending": bool(pending), "count": pending})


def _load_visits(patient: Patient) -> None:
    """The patient's visits with what the timeline shows of each (photos, treatment, sign-off,
    amendments and their authors), in a query per relation: loaded one visit at a time they
    were two queries a visit (a patient of 25 visits, 50)."""
    visits = selectinload(Patient.visits)
    get_db().scalars(select(Patient).where(Patient.id == patient.id).execution_options(populate_existing=True)
                     .options(visits.selectinload(Visit.photos), visits.selectinload(Visit.treatment),
                              visits.selectinload(Visit.signed_off_by),
                              visits.selectinload(Visit.amendments).selectinload(Amendment.created_by),
                              visits.selectinload(Visit.amendments).selectinload(Amendment.signed_off_by))).one()


@bp.get("/patients/<id:patient_id>")
@login_required
def timeline(patient_id: int) -> str:
    patient = clinic_get(Patient, patient_id)
    _load_visits(patient)
    audit.viewed("patient", patient.id)
    protocol = clinic_protocol(patient.clinic)
    min_days = current_app.config["GALLERY_MIN_DAYS_BETWEEN_TREATMENTS"]
    return render_template("patients/timeline.html", patient=patient, visit_form=VisitForm(),
                           expression_labels=EXPRESSION_LABELS, progress=patient_progress(patient),
                           region_labels=REGION_LABELS, grades=GRADES, charts=progress_charts(patient),
                           expression_words=EXPRESSION_WORDS,
                           movement_charts=movement_charts(patient), muscle_labels=MUSCLE_LABELS,
                           consent=effective_consent(patient.id), consent_records=history(patient.id),
                           intake=intake_in_force(patient.id), treatment_consent=consent_in_force(patient.id),
                           missing={visit.id: missing_steps(visit, protocol) for visit in patient.visits},
                           portal_account=get_db().scalar(select(PatientAccount)
                                                          .where(PatientAccount.patient_id == patient.id)),
                           retreatment=suggested_retreatment(patient, min_days),
                           reminders=upcoming(patient, min_days), reminders_sent=sent_reminders(patient.id),
                           reminders_held=why_not_sent(patient), reminder_kinds=KIND_WORDS)


@bp.post("/patients/<id:patient_id>/visits")
@login_required
def add_visit(patient_id: int) -> Response | tuple[str, int]:
    patient = clinic_get(Patient, patient_id)
    form = VisitForm()
    if not form.validate_on_submit():
        raise InvalidInput("Give the visit a valid date.")
    db = get_db()
    # One visit per day: a second entry for the same date adds to it.
    visit = db.scalar(select(Visit).where(Visit.patient_id == patient.id, Visit.visit_date == form.visit_date.data))
    if visit is None:
        visit = Visit(clinic_id=patient.clinic_id, patient_id=patient.id, visit_date=form.visit_date.data, notes="")
        db.add(visit)
    require_unsigned(visit)  # its notes and treatment are part of what was signed
    visit.notes = "\n".join(n for n in (visit.notes, (form.notes.data or "").strip()) if n)
    db.flush()
    audit.record("create", "visit", visit.id)
    db.commit()
    return redirect(url_for("patients.timeline", patient_id=patient.id))


def _upload_form(patient: Patient) -> UploadForm:
    form = UploadForm()
    form.visit_id.choices = [("", "Visit on the photo's date (created if needed)")] + [
        (str(v.id), v.visit_date.strftime("%d %b %Y")) for v in patient.visits]
    return form


@bp.route("/patients/<id:patient_id>/upload", methods=["GET", "POST"])
@login_required
def upload(patient_id: int) -> Response | str | tuple[str, int]:
    """Several files at once; each is stored or refused on its own, with its reason."""
    patient = clinic_get(Patient, patient_id)
    form = _upload_form(patient)
    if request.method == "GET":
        return render_template("patients/upload.html", patient=patient, form=form)
    if not form.validate_on_submit():
        raise InvalidInput("The upload form was incomplete.")
    # Each file keeps its place in the list: its own expression and view are named by it.
    files = [(index, f) for index, f in enumerate(request.files.getlist("photos")) if f and f.filename]
    if not files:
        return render_template("patients/upload.html", patient=patient, form=form,
                               results=[], error="Choose at least one photo."), 400
    if len(files) > current_app.config["GALLERY_MAX_FILES_PER_UPLOAD"]:
        raise InvalidInput(f"At most {current_app.config['GALLERY_MAX_FILES_PER_UPLOAD']} photos per upload.")
    visit_id = int(form.visit_id.data) if form.visit_id.data else None
    results, statuses, date_asked = [], [], False
    for index, file in files:
        try:
            photo, created = add_photo(patient, file.read(), filename=file.filename,
                                       expression=request.form.get(f"expression-{index}", form.expression.data),
                                       view=request.form.get(f"view-{index}", form.view.data),
                                       visit_id=visit_id, date_choice=form.date_choice.data)
        except UploadError as error:
            results.append((file.filename, False, str(error)))
            statuses.append(upload_status(error))
        except GalleryError as error:
            date_asked = date_asked or isinstance(error, PhotoDateUnconfirmed)
            results.append((file.filename, False, error.message))
            statuses.append(error.status)
        else:
            results.append((file.filename, True, "Stored." if created else "Already in the record."))
    if not statuses:
        flash(f"{len(files)} photo(s) added.")
        return redirect(url_for("patients.timeline", patient_id=patient.id))
    # Some or all refused: say which and why, with the status of the first refusal.
    return render_template("patients/upload.html", patient=patient, form=_upload_form(patient),
                           results=results, date_asked=date_asked), statuses[0]
