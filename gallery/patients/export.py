"""A patient's copy of their records: one ZIP a patient can open without the app.

The archive holds the photos (display images; the original files too where the
clinic allows it), every before/after comparison as an image, the progress
figures as CSV, visits and consent history as JSON and a plain-text summary
that says what each file is. Staff download it at once through the API; the
portal builds it in the background (``run_export``) and keeps it for
``EXPORT_DAYS``.
"""
from __future__ import annotations

import json
import logging
import tempfile
import zipfile
from datetime import timedelta
from typing import Any, BinaryIO

from flask import request
from sqlalchemy import select
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from gallery.compare.service import render
from gallery.consent.records import SCOPE_WORDS, effective_consent, history
from gallery.csvfiles import csv_text
from gallery.db import get_db
from gallery.intake.consent import treatment_consents
from gallery.intake.service import QUESTIONS, TEXTS, flags, intake_history
from gallery.models import SCOPES, Comparison, DataExport, Patient, Photo, utcnow
from gallery.patients.plain_words import area_changes
from gallery.photos.service import blob_store
from uploads.store import CHUNK, sha256_file

log = logging.getLogger(__name__)
EXPORT_DAYS = 7
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic",
              "image/heif": "heif"}
REGION_WORDS = {"forehead": "forehead lines", "glabella": "frown lines (glabella)",
                "crows_feet_right": "crow's feet, right eye", "crows_feet_left": "crow's feet, left eye"}


def photo_name(photo: Photo) -> str:
    """A file name that sorts by date and says what the photo is."""
    return f"{photo.taken_at:%Y-%m-%d}_{photo.expression}_{photo.id}"


def comparison_name(comparison: Comparison) -> str:
    return f"{comparison.before.taken_at:%Y-%m-%d}_to_{comparison.after.taken_at:%Y-%m-%d}_{comparison.id}.png"


def build_archive(patient: Patient) -> BinaryIO:
    """The ZIP, in an anonymous temporary file, rewound (closing it deletes it).

    Never whole in memory: with the originals an archive can be hundreds of megabytes, and it
    is stored and sent from the file in chunks (``put_file``, ``archive_response``).
    """
    include_originals = patient.clinic.export_originals
    store = blob_store()
    comparisons = [c for c in patient.comparisons if c.result]
    spool = tempfile.TemporaryFile()
    try:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for photo in patient.photos:
                # JPEG does not deflate: store it as it is.
                archive.writestr(f"photos/{photo_name(photo)}.jpg", store.read(photo.sha256, "display"),
                                 compress_type=zipfile.ZIP_STORED)
                if include_originals:
                    extension = EXTENSIONS.get(photo.content_type, "bin")
                    archive.writestr(f"originals/{photo_name(photo)}.{extension}",
                                     store.read(photo.sha256, "original"), compress_type=zipfile.ZIP_STORED)
            for comparison in comparisons:
                archive.writestr(f"comparisons/{comparison_name(comparison)}", render(comparison, "side", branded=True),
                                 compress_type=zipfile.ZIP_STORED)
            archive.writestr("progress.csv", progress_csv(patient))
            archive.writestr("records.json", json.dumps(records(patient), indent=2, ensure_ascii=False))
            archive.writestr("README.txt", summary(patient, comparisons, include_originals))
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def progress_csv(patient: Patient) -> str:
    """One row per photo and area: the wrinkle index the charts draw."""
    return csv_text(["date", "expression", "area", "wrinkle_index", "measurement_standard", "photo_file"],
                    ([f"{photo.taken_at:%Y-%m-%d}", photo.expression, region, "" if value is None else value,
                      photo.summary.get("measurement_standard") or "", f"photos/{photo_name(photo)}.jpg"]
                     for photo in patient.photos
                     for region, value in (photo.summary.get("indices") or {}).items()))


def records(patient: Patient) -> dict[str, Any]:
    """Visits, photos, comparisons and consent as data, with ISO dates."""
    consent = effective_consent(patient.id)
    return {
        "patient": {"name": patient.name, "date_of_birth": _iso(patient.date_of_birth),
                    "clinic": patient.clinic.name},
        "exported_at": utcnow().isoformat() + "Z",
        "visits": [{"date": visit.visit_date.isoformat(), "treated": visit.treated,
                    "photos": [f"photos/{photo_name(p)}.jpg" for p in visit.photos]}
                   for visit in sorted(patient.visits, key=lambda v: v.visit_date)],
        "photos": [{"file": f"photos/{photo_name(p)}.jpg", "taken_at": p.taken_at.isoformat(),
                    "expression": p.expression, "wrinkle_index": p.summary.get("indices") or {},
                    "measurement_standard": p.summary.get("measurement_standard")} for p in patient.photos],
        "comparisons": [{"file": f"comparisons/{comparison_name(c)}", "before": c.before.taken_at.date().isoformat(),
                         "after": c.after.taken_at.date().isoformat()}
                        for c in patient.comparisons if c.result],
        "consent": {"in_force": sorted(consent.scopes, key=SCOPES.index),
                    "history": [{"at": r.created_at.isoformat() + "Z", "action": r.action, "scopes": r.scopes,
                                 "text_version": r.text_version,
                                 "recorded_by": "patient" if r.recorded_by_patient else "clinic"}
                                for r in history(patient.id)]},
        "medical_history": [{"reviewed_at": h.recorded_at.isoformat() + "Z",
                             **{q.field: getattr(h, q.field) for q in QUESTIONS},
                             "contraindications": [q.flag for q in flags(h, "contraindication")],
                             "cautions": [q.flag for q in flags(h, "caution")],
                             **{field: getattr(h, field) for field in TEXTS}}
                            for h in intake_history(patient.id)],
        "treatment_consent": [{"at": r.created_at.isoformat() + "Z", "action": r.action,
                               "text_version": r.text_version, "signed_name": r.signed_name}
                              for r in treatment_consents(patient.id)],
    }


def summary(patient: Patient, comparisons: list[Comparison], include_originals: bool) -> str:
    consent = effective_consent(patient.id)
    lines = [f"Your records at {patient.clinic.name}", f"{patient.name}, exported {utcnow():%d %B %Y}", "",
             "Visits:"]
    lines += [f"  {v.visit_date:%d %B %Y}{', treated' if v.treated else ''}: {len(v.photos)} photo(s)"
              for v in sorted(patient.visits, key=lambda v: v.visit_date)] or ["  none"]
    changes = area_changes(patient)
    if changes:
        lines += ["", "Progress:"] + [f"  {change.sentence}" for change in changes]
    lines += ["", "Your choices about your photos:"]
    lines += [f"  {'Yes' if consent.allows(scope) else 'No'}: {SCOPE_WORDS[scope]}" for scope in SCOPES]
    lines += ["", "Your medical history, as reviewed before treatment (newest first):"]
    lines += [f"  {h.recorded_at:%d %B %Y}: " + ("; ".join(
        [f"contraindication: {q.flag}" for q in flags(h, "contraindication")]
        + [f"caution: {q.flag}" for q in flags(h, "caution")]) or "nothing that stands against treatment")
        for h in intake_history(patient.id)] or ["  none recorded"]
    lines += ["", "Your consent to toxin treatment:"]
    lines += [f"  {r.created_at:%d %B %Y}: " + (f"signed as {r.signed_name!r}, text version {r.text_version}"
                                                 if r.action == "grant" else "withdrawn")
              for r in treatment_consents(patient.id)] or ["  none recorded"]
    lines += ["", "What is in this archive:",
              f"  photos/        your {len(patient.photos)} photo(s), named date_expression_number.jpg"]
    if include_originals:
        lines.append("  originals/     the photo files as they were taken")
    lines += [f"  comparisons/   {len(comparisons)} before-and-after image(s)",
              "  progress.csv   the wrinkle index of each area on each photo (lower is smoother),",
              "                 measured in millimetres of line per square centimetre; opens in a spreadsheet",
              "  records.json   visits, photos, comparisons, your consent history, medical history and",
              "                 treatment consents, as data",
              "", "Areas: " + "; ".join(f"{key} = {words}" for key, words in REGION_WORDS.items()), ""]
    return "\n".join(lines)


def archive_response(patient: Patient, archive: BinaryIO) -> Response:
    """The ZIP as a download sent from ``archive`` in chunks (closed when sent), never cached: it is a
    whole medical record."""
    response = Response(wrap_file(request.environ, archive, CHUNK), mimetype="application/zip",
                        direct_passthrough=True)
    name = f"{secure_filename(patient.name) or 'patient'}-records-{utcnow():%Y-%m-%d}.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store, max-age=0"
    return response


def latest_export(patient_id: int) -> DataExport | None:
    """The patient's newest data export, whatever its state (the portal shows one at a time)."""
    return get_db().scalar(select(DataExport).where(DataExport.patient_id == patient_id)
                           .order_by(DataExport.id.desc()).limit(1))


def request_export(patient: Patient, *, by_patient: bool, user_id: int | None = None) -> DataExport:
    """A pending export row (the caller commits and enqueues it)."""
    export = DataExport(clinic_id=patient.clinic_id, patient_id=patient.id, requested_by_patient=by_patient,
                        requested_by_id=user_id)
    get_db().add(export)
    return export


def run_export(export_id: int) -> None:
    """Build and store a pending export (the queue's job; running it twice only builds it twice)."""
    db = get_db()
    export = db.get(DataExport, export_id)
    if export is None or export.status != "pending":
        return
    try:
        with build_archive(db.get(Patient, export.patient_id)) as archive:
            sha256, size = sha256_file(archive)
            blob_store().put_file(sha256, "export", archive)
    except Exception:
        log.exception("export %s failed", export_id)
        db.rollback()
        export = db.get(DataExport, export_id)
        export.status, export.finished_at = "failed", utcnow()
        db.commit()
        return
    now = utcnow()
    export.status, export.sha256, export.size_bytes = "ready", sha256, size
    export.finished_at, export.expires_at = now, now + timedelta(days=EXPORT_DAYS)
    db.commit()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
