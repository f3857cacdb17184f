"""The visit report (PDF) for the patient's chart, built with ReportLab."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

import numpy as np
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from flask import Response
from sqlalchemy import select

from gallery import audit
from gallery.branding.service import logo_bytes
from gallery.compare.service import measured_alike
from gallery.consent.records import effective_consent
from gallery.db import get_db
from gallery.intake.consent import consent_in_force
from gallery.intake.service import INTAKE_VALID_DAYS, TEXTS, flags, intake_in_force
from gallery.models import Clinic, Photo, Visit
from gallery.movement.panels import visit_movement
from gallery.photos.service import photo_pixels
from gallery.planning.service import saved_plan
from gallery.regions import REGION_LABELS
from landmarks.align import align_photos, warp
from landmarks.compose import side_by_side
from landmarks.draw import draw_regions, draw_sites
from landmarks.export import analysis_from_dict
from landmarks.wrinkles import relative_change
from uploads.derive import encode_png


def _para(template: str, style: ParagraphStyle, **values: object) -> Paragraph:
    """A paragraph of ``template`` with every value escaped: ReportLab reads paragraphs as
    markup, so a name like ``<img src="/etc/...">`` or ``<a href="javascript:...">`` would
    otherwise embed a server file or a link, and ``<script>`` would stop the report."""
    return Paragraph(template.format(**{key: escape(str(value)) for key, value in values.items()}), style)


def _image(rgb: np.ndarray, width_mm: float) -> Image:
    height_mm = width_mm * rgb.shape[0] / rgb.shape[1]
    return Image(io.BytesIO(encode_png(rgb)), width=width_mm * mm, height=height_mm * mm)


def _logo(clinic: Clinic) -> list:
    """The clinic's logo, 12 mm high at the top left of the report; nothing without one."""
    png = logo_bytes(clinic)
    if png is None:
        return []
    width_px, height_px = ImageReader(io.BytesIO(png)).getSize()
    logo = Image(io.BytesIO(png), width=12 * mm * width_px / height_px, height=12 * mm)
    logo.hAlign = "LEFT"
    return [logo]


def _face_crop(rgb: np.ndarray, photo: Photo) -> np.ndarray:
    box = photo.analysis.get("face_box")
    if not box:
        return rgb
    x, y, w, h = box
    return rgb[y:y + h, x:x + w]


def _previous_photo(visit: Visit, expression: str) -> Photo | None:
    return get_db().scalar(select(Photo).join(Visit, Photo.visit_id == Visit.id).where(
        Photo.patient_id == visit.patient_id, Visit.visit_date < visit.visit_date, Photo.expression == expression)
        .order_by(Photo.taken_at.desc()).limit(1))


def _treatment(visit: Visit, styles) -> list:
    """The treatment record: what was given, the warnings standing then and any override."""
    record = visit.treatment
    story: list = [Spacer(1, 4 * mm), Paragraph("Treatment given", styles["Heading2"])]
    if record is None:
        return story + [Paragraph("No toxin was recorded at this visit.", styles["Normal"])]
    story.append(_para("{units} of {product}, lot {lot}, given {when} UTC by {who}.", styles["Normal"],
                       units=f"{record.total_units:g} U", product=record.product or "an unnamed product",
                       lot=record.lot or "not recorded", when=f"{record.given_at:%d %b %Y %H:%M}",
                       who=record.recorded_by.display_name if record.recorded_by else "not recorded"))
    story += [_para("Warning: {message}", styles["Normal"], message=w["message"]) for w in record.warnings]
    if record.override_reason:
        story.append(_para("Gone ahead despite the warnings because: {reason}", styles["Normal"],
                           reason=record.override_reason))
    return story


def _mm(value: float | None, spread: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ± {spread or 0:.1f} mm"


def _movement(visit: Visit, styles) -> list:
    """Muscle movement per expression, and at a review visit the share kept of the treatment visit's."""
    treated, entries = visit_movement(visit)
    if not entries:
        return []
    story: list = [Spacer(1, 4 * mm), Paragraph("Muscle movement", styles["Heading2"])]
    if treated is not None:
        story.append(Paragraph(f"Kept: this visit's movement as a share of the treatment visit's of "
                               f"{treated.visit_date:%d %b %Y} (day {(visit.visit_date - treated.visit_date).days}).",
                               styles["Normal"]))
    for entry in entries:
        story.append(_para("{expression}: against rest photo {rest}", styles["Heading3"],
                           expression=entry.expression.capitalize(), rest=entry.record.rest_photo_id))
        if entry.movement.withheld:
            story.append(_para("Not measured: {why}.", styles["Normal"], why=entry.withheld_words))
            continue
        head = ["Muscle: movement", "This visit"] + (["Treatment visit", "Kept"] if entry.baseline else [])
        rows = [head]
        for row in entry.rows():
            figure, share = row["figure"], row["kept"]
            line = [row["label"], row["withheld"] or _mm(figure.value_mm, figure.uncertainty_mm)]
            if entry.baseline:
                line += [_mm(share.baseline.value_mm, share.baseline.uncertainty_mm) if share else "-",
                         f"{share.kept_pct:.0f} ± {share.uncertainty_pct:.0f} %" if share and share.kept_pct is not None
                         else row["kept_withheld"] or "-"]
            rows.append([Paragraph(escape(str(cell)), styles["BodyText"]) for cell in line])
        widths = [60 * mm, 35 * mm] + ([35 * mm, 50 * mm] if entry.baseline else [])
        table = Table(rows, colWidths=widths)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                                   ("FONTSIZE", (0, 0), (-1, -1), 8)]))
        story.append(table)
    story.append(Paragraph("In mm from the iris scale, rest against contraction photo of one visit; ± one standard "
                           "deviation over repeated, perturbed measurements; sides are the patient's.", styles["Italic"]))
    return story


def _before_treatment(visit: Visit, styles) -> list:
    """The medical history and the treatment consent in force when the treatment was recorded (now, if not)."""
    at = visit.treatment.recorded_at if visit.treatment else None
    history, consent = intake_in_force(visit.patient_id, at), consent_in_force(visit.patient_id, at)
    story: list = [Spacer(1, 4 * mm), Paragraph("Medical history and treatment consent", styles["Heading2"])]
    if history is None:
        story.append(Paragraph(f"Medical history: none reviewed in the {INTAKE_VALID_DAYS} days before.",
                               styles["Normal"]))
    else:
        flagged = [f"contraindication: {q.flag}" for q in flags(history, "contraindication")]
        flagged += [f"caution: {q.flag}" for q in flags(history, "caution")]
        story.append(_para("Medical history reviewed {when} UTC by {who}: {flags}.", styles["Normal"],
                           when=f"{history.recorded_at:%d %b %Y %H:%M}",
                           who=history.recorded_by.display_name if history.recorded_by else "not recorded",
                           flags="; ".join(flagged) or "no contraindication or caution"))
        story += [_para("{label}: {text}", styles["Normal"], label=label, text=getattr(history, field))
                  for field, label in TEXTS.items() if getattr(history, field)]
    if consent is None:
        story.append(Paragraph("Treatment consent: none in force.", styles["Normal"]))
    else:
        story.append(_para("Treatment consent: text version {version}, signed {when} UTC, typed name {name}.",
                           styles["Normal"], version=consent.text_version, when=f"{consent.created_at:%d %b %Y %H:%M}",
                           name=consent.signed_name))
    return story


def visit_report(visit: Visit) -> bytes:
    """PDF: patient and visit, the annotated photo, units table, product, consent, comparison."""
    db = get_db()
    patient = visit.patient
    clinic = db.get(Clinic, visit.clinic_id)
    plan = saved_plan(visit.id)
    styles = getSampleStyleSheet()
    story = [*_logo(clinic), _para("{clinic}: visit report", styles["Title"], clinic=clinic.name),
             _para("Patient: {name}{born}{external}", styles["Normal"], name=patient.name,
                   born=f", born {patient.date_of_birth:%d %b %Y}" if patient.date_of_birth else "",
                   external=f", external id {patient.external_id}" if patient.external_id else ""),
             Paragraph(f"Visit: {visit.visit_date:%d %B %Y}" + (" (treatment)" if visit.treated else ""), styles["Normal"])]
    if visit.notes:
        story.append(_para("Notes: {notes}", styles["Normal"], notes=visit.notes))
    consent = effective_consent(patient.id)
    story.append(Paragraph("Consent in force: " + (", ".join(sorted(consent.scopes)) or "none recorded")
                           + (" (marketing identifiable)" if consent.marketing_identifiable else ""), styles["Normal"]))
    story.append(Spacer(1, 4 * mm))
    photo = plan.photo if plan else next((p for p in visit.photos if p.summary.get("face_found")), None)
    if photo is not None:
        rgb = photo_pixels(photo)
        annotated = draw_regions(rgb, analysis_from_dict(photo.analysis))
        if plan:
            annotated = draw_sites(annotated, [(s["region"], s["x"], s["y"], s["units"]) for s in plan.sites])
        story += [Paragraph(f"Photo {photo.id}, {photo.expression}, {photo.taken_at:%d %b %Y %H:%M}", styles["Heading3"]),
                  _image(_face_crop(annotated, photo), 120)]
    if plan:
        rows = [["#", "Region", "Site", "Units", "Note"]]
        rows += [[str(i), REGION_LABELS[s["region"]], s.get("label", ""), f"{s['units']:g}", s.get("note", "")]
                 for i, s in enumerate(plan.sites, start=1)]
        sums: dict[str, float] = {}
        for s in plan.sites:
            sums[s["region"]] = sums.get(s["region"], 0) + s["units"]
        rows += [["", f"Total {REGION_LABELS[r]}", "", f"{u:g}", ""] for r, u in sums.items()]
        rows.append(["", "Total for the visit", "", f"{sum(sums.values()):g}", ""])
        table = Table(rows, colWidths=[8 * mm, 55 * mm, 45 * mm, 16 * mm, 50 * mm])
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                                   ("FONTSIZE", (0, 0), (-1, -1), 8)]))
        story += [Spacer(1, 4 * mm), Paragraph("Injection plan", styles["Heading2"]),
                  _para("Product: {product}; lot: {lot}; dilution: {dilution}; injector: {injector}", styles["Normal"],
                        product=plan.product or "not recorded", lot=plan.lot or "not recorded",
                        dilution=plan.dilution or "not recorded",
                        injector=plan.injector.display_name if plan.injector else "not recorded"),
                  Spacer(1, 2 * mm), table]
    else:
        story.append(Paragraph("No injection plan was saved for this visit.", styles["Normal"]))
    story += _movement(visit, styles) + _before_treatment(visit, styles) + _treatment(visit, styles)
    story += [Spacer(1, 4 * mm), Paragraph("Sign-off", styles["Heading2"])]
    if visit.signed_off_at:
        story.append(_para("Signed off by {who} on {when} UTC.", styles["Normal"], who=visit.signed_off_by.display_name,
                           when=f"{visit.signed_off_at:%d %B %Y %H:%M}"))
    else:
        story.append(Paragraph("Not signed off yet.", styles["Normal"]))
    for amendment in visit.amendments:
        story.append(_para("Amendment of {when} by {who}: {text} ({status})", styles["Normal"],
                           when=f"{amendment.created_at:%d %b %Y}",
                           who=amendment.created_by.display_name if amendment.created_by else "staff",
                           text=amendment.text,
                           status=f"signed off by {amendment.signed_off_by.display_name}" if amendment.signed_off_at
                           else "awaiting sign-off"))
    previous = _previous_photo(visit, photo.expression) if photo is not None else None
    if previous is not None and previous.analysis.get("face_found"):
        before_rgb, after_rgb = photo_pixels(previous), photo_pixels(photo)
        alignment = align_photos(before_rgb, after_rgb, np.asarray(previous.analysis["landmarks"]),
                                 np.asarray(photo.analysis["landmarks"]), previous.analysis["mm_per_px"])
        pair = side_by_side(warp(before_rgb, alignment.before, "upper"), warp(after_rgb, alignment.after, "upper"),
                            ("Previous visit", f"{previous.taken_at:%d %b %Y}"),
                            ("This visit", f"{photo.taken_at:%d %b %Y}"))
        rows = [["Region", "Before", "After", "Change"]]
        # As in a comparison: no change between indices of different methods or standards,
        # nor where there were no lines before.
        same_standard = measured_alike(previous, photo)
        for name, label in REGION_LABELS.items():
            b = (previous.analysis["regions"].get(name) or {}).get("wrinkle_index")
            a = (photo.analysis["regions"].get(name) or {}).get("wrinkle_index")
            change = relative_change(b, a) if same_standard else None
            rows.append([label, "-" if b is None else f"{b:.1f}", "-" if a is None else f"{a:.1f}",
                         "-" if change is None else f"{change * 100:+.0f} %"])
        story += [Spacer(1, 4 * mm), Paragraph("Comparison with the previous visit", styles["Heading2"]),
                  _image(pair, 170), Table(rows)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"Visit report {visit.visit_date:%Y-%m-%d}",
                      leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm).build(story)
    return buffer.getvalue()


def report_response(visit: Visit) -> Response:
    """The visit report as a PDF download, audited as an export (the page and the API)."""
    data = visit_report(visit)
    audit.record("export", "visit", visit.id)
    get_db().commit()
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="visit-{visit.visit_date:%Y-%m-%d}-report.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
