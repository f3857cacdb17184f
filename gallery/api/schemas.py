"""The API's request and response bodies, declared once (marshmallow).

Request schemas check form and type; what depends on stored data (a visit of
another patient, an unpublished consent text, an unreadable image) is the
domain code's to refuse. Response schemas dump model objects or the service
layer's dicts, so what an integrator reads in the OpenAPI document is what
the serialiser writes.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import url_for
from marshmallow import EXCLUDE, RAISE, Schema, fields, post_load, validate
from werkzeug.datastructures import FileStorage

from gallery.compare.service import LAYOUTS, days_since_treatment
from gallery.consent.share_links import MAX_SHARE_DAYS
from gallery.errors import InvalidInput
from gallery.intake.service import INTAKE_VALID_DAYS, flags
from gallery.models import EXPRESSIONS, SCOPES, VIEWS
from gallery.movement.kept import FIGURE_LABELS, MIN_BASELINE_MM, MIN_BASELINE_SIGNAL, MUSCLE_LABELS
from gallery.photos.images import VARIANTS
from gallery.photos.service import parse_taken_at
from gallery.planning.service import MAX_SITES, MAX_UNITS_PER_SITE
from gallery.routing import MAX_RECORD_ID
from landmarks.align import CROPS
from landmarks.movement import MEASURED_EXPRESSIONS
from landmarks.regions import REGION_NAMES
from landmarks.wrinkles import NO_LINES_BELOW, RECAPTURE_CHANGE



class Base(Schema):
    """Unknown keys are ignored (clients may send back what they read)."""

    class Meta:
        unknown = EXCLUDE

    error_messages = {"type": "Send a JSON object."}


class Query(Schema):
    """Query strings are strict: a misspelt parameter is an error, not silently the default."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "is not a parameter of this operation."}


# NUL and other control characters (tab and newlines aside) have no place in a name or a note,
# and PostgreSQL refuses NUL in text outright.
# One pattern per field (OpenAPI documents only one), valid in Python and ECMAScript alike.
_TEXT = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
PRINTABLE = validate.Regexp(f"^{_TEXT}*$", error="must not contain control characters.")
VISIBLE = validate.Regexp(f"^[ \\t\\r\\n]*[^\\s\\x00-\\x1f\\x7f]{_TEXT}*$",
                          error="must not be blank or contain control characters.")


def text(max_length: int, *, required: bool = False, blank: bool = True, **kwargs: Any) -> fields.String:
    """A string field with the app's wording; ``blank=False`` needs a visible character."""
    validators: list[Any] = [validate.Length(max=max_length, error=f"must be at most {max_length} characters."),
                             PRINTABLE if blank else VISIBLE]
    return fields.String(required=required, validate=validators,
                         error_messages={"required": "is required.", "invalid": "must be a string."}, **kwargs)


def record_id(**kwargs: Any) -> fields.Integer:
    return fields.Integer(validate=validate.Range(1, MAX_RECORD_ID, error=f"must be an id from 1 to {MAX_RECORD_ID}."),
                          error_messages={"required": "is required.", "invalid": "must be an id (an integer)."},
                          **kwargs)


def number(*, minimum: float | None = None, **kwargs: Any) -> fields.Float:
    """A finite number; ``minimum`` inclusive."""
    validators = [] if minimum is None else [validate.Range(min=minimum, error=f"must be {minimum:g} or more.")]
    return fields.Float(allow_nan=False, validate=validators, error_messages={
        "required": "is required.", "invalid": "must be a number.", "special": "must be a finite number."}, **kwargs)


def choice(options: tuple[str, ...] | list[str], **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(options, error=f"must be one of {', '.join(options)}."),
                         error_messages={"required": "is required.", "invalid": "must be a string."}, **kwargs)


class Moment(fields.Field):
    """An ISO date or date-time (RFC 3339 included); stored as the wall-clock time given."""

    default_error_messages = {"invalid": "must be an ISO date or date-time."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or not value:
            raise self.make_error("invalid")
        try:
            return parse_taken_at(value)
        except InvalidInput:
            raise self.make_error("invalid") from None


class Instant(fields.DateTime):
    """A moment the server recorded (stored as naive UTC), written with its offset: RFC 3339."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else value.replace(tzinfo=timezone.utc).isoformat()


class WallClock(fields.Field):
    """When a photo was taken, on the clinic's clock (from EXIF or as given): no offset is known."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$",
                                   "description": "Local date-time without offset (ISO 8601)."}, **kwargs)

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else value.isoformat()


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata={"description": "Stable, for programs: e.g. not_found."})
    message = fields.String(required=True, metadata={"description": "For people: what to change."})


class ApiError(Schema):
    """Every error: ``{"error": {"code", "message"}}``."""

    error = fields.Nested(ErrorDetail, required=True)


# ---- patients ---------------------------------------------------------------------------------------------------

class PatientInput(Base):
    name = text(200, required=True, blank=False)
    date_of_birth = fields.Date(allow_none=True, error_messages={"invalid": "must be a date as YYYY-MM-DD."})
    external_id = text(100, allow_none=True, metadata={"description": "The EMR's id; unique in the clinic."})
    phone = text(40, load_default="", metadata={"description": "To reach the patient (a recall, a re-consent)."})
    email = text(254, load_default="")

    @post_load
    def _normalise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["name"] = data["name"].strip()
        data["external_id"] = (data.get("external_id") or "").strip() or None
        data["phone"], data["email"] = (data.get("phone") or "").strip(), (data.get("email") or "").strip()
        return data


class VisitOut(Schema):
    id = fields.Integer(required=True)
    date = fields.Date(required=True, attribute="visit_date")
    notes = fields.String(required=True)


class PatientSummary(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    external_id = fields.String(required=True, allow_none=True)


class PatientOut(PatientSummary):
    date_of_birth = fields.Date(required=True, allow_none=True)
    phone = fields.String(required=True)
    email = fields.String(required=True)
    visits = fields.List(fields.Nested(VisitOut), required=True)
    photo_ids = fields.Function(lambda patient: [photo.id for photo in patient.photos],
                                required=True, metadata={"type": "array", "items": {"type": "integer"}})


class PageQuery(Query):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000, error="must be from 1."),
                          metadata={"description": "The page, from 1."})
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200, error="must be from 1 to 200."),
                               metadata={"description": "Rows a page (at most 200)."})


class Paged(Schema):
    """The page of a list: its number and size, the rows in all, and the next page's URL."""

    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Rows in all, on every page."})
    next = fields.String(required=True, allow_none=True, metadata={"description": "The next page's URL; null on the last."})


class PatientList(Paged):
    patients = fields.List(fields.Nested(PatientSummary), required=True)


# ---- photos and their analysis -------------------------------------------------------------------------------------

class Upload(fields.Field):
    """A file part of a multipart body (a plain text field of the same name is refused)."""

    default_error_messages = {"invalid": "must be a file part of a multipart/form-data body.",
                              "required": "is required: send the photo as multipart file part 'file'."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")
        return value


class UploadForm(Base):
    file = Upload(required=True, metadata={"type": "string", "format": "binary",
                                           "description": "JPEG, PNG, WebP or HEIC, as taken."})
    expression = choice(EXPRESSIONS, required=True)
    taken_at = Moment(metadata={"type": "string", "format": "date-time",
                                "description": "When taken (a date alone is accepted); default: from EXIF, else now."})
    date_choice = choice(("photo", "today"), metadata={
        "description": "Without taken_at, a photo whose own (EXIF) date is over 30 days from today is refused "
                       "with 409 photo_date_unconfirmed unless this says which date to use: the photo's own, "
                       "or today."})
    visit_id = record_id(metadata={"description": "File into this visit; default: the patient's visit that day."})
    view = choice(VIEWS, load_default="front", metadata={
        "description": "The standard view: front, or turned 45 degrees to the patient's left or right."})


Point = fields.List(fields.Float(), validate=validate.Length(equal=2))


class Pose(Schema):
    yaw = fields.Float(required=True, metadata={"description": "Degrees; positive: turned to the patient's left."})
    pitch = fields.Float(required=True)
    roll = fields.Float(required=True)


class Quality(Schema):
    iris_px = fields.Float(required=True)
    sharpness = fields.Float(required=True)
    mean_luminance = fields.Float(required=True)
    highlight_fraction = fields.Float(required=True)
    shadow_fraction = fields.Float(required=True)


class ExpressionMeasures(Schema):
    brow_height = fields.Float(required=True, metadata={"description": "Brows above the pupils, in IOD units."})
    brow_head_distance = fields.Float(required=True, metadata={"description": "Between the brow heads, IOD units."})
    mouth_corner_lift = fields.Float(allow_none=True, metadata={
        "description": "Mouth corners above the midpoint between the lips, IOD units (a smile: 0.05 or more); "
                       "null in analyses made before it was measured."})


class RegionOut(Schema):
    polygon = fields.List(Point, required=True, metadata={"description": "Display-image pixels."})
    area_mm2 = fields.Float(required=True)
    wrinkle_index = fields.Float(allow_none=True, metadata={
        "description": "mm of line per cm² of skin, each line weighted by depth and length; null: not measured."})
    line_depth = fields.Float(allow_none=True, metadata={"description": "How much darker lines are than skin, 0-1."})
    line_length_mm = fields.Float(allow_none=True)
    skin_area_cm2 = fields.Float(allow_none=True)
    not_measured = fields.String(allow_none=True, load_default=None, metadata={
        "description": "Why wrinkle_index is null, in plain words (hidden by hair, too little skin, photo too "
                       "coarse); null when measured or for analyses made before this field existed."})


class WarningOut(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    suggested = choice(EXPRESSIONS, metadata={
        "description": "With expression_mismatch: the expression the face looks like (a smile is told from the "
                       "face alone; rest, frown and raise against the patient's rest photo)."})


class AnalysisOut(Schema):
    version = fields.Integer(required=True)
    face_found = fields.Boolean(required=True)
    reason = fields.String(allow_none=True, metadata={"description": "Why no face was analysed."})
    landmarks = fields.List(Point, allow_none=True, metadata={"description": "478 face-mesh points, display pixels."})
    mm_per_px = fields.Float(allow_none=True)
    source_mm_per_px = fields.Float(allow_none=True, metadata={"description": "Scale of the uploaded original."})
    measurement_standard = fields.String(allow_none=True, metadata={
        "description": "Method and resolution of the wrinkle indices; indices compare only within one standard."})
    pose = fields.Nested(Pose, allow_none=True)
    quality = fields.Nested(Quality, allow_none=True)
    expression_measures = fields.Nested(ExpressionMeasures, allow_none=True)
    regions = fields.Dict(keys=choice(REGION_NAMES), values=fields.Nested(RegionOut), required=True)
    face_box = fields.List(fields.Float(), allow_none=True, metadata={"description": "x, y, width, height."})
    warnings = fields.List(fields.Nested(WarningOut), required=True)


class PhotoOut(Schema):
    id = fields.Integer(required=True)
    patient_id = fields.Integer(required=True)
    visit_id = fields.Integer(required=True)
    expression = choice(EXPRESSIONS, required=True)
    view = choice(VIEWS, required=True)
    capture_override = fields.String(required=True, allow_none=True, metadata={
        "description": "Taken on the capture page with its checks not passed: the advice shown then."})
    taken_at = WallClock(required=True)
    width = fields.Integer(required=True, metadata={"description": "Display image; the analysis's frame."})
    height = fields.Integer(required=True)
    content_type = fields.String(required=True, metadata={"description": "Of the original upload."})
    sha256 = fields.String(required=True, metadata={"description": "Of the original upload."})
    analysis_status = choice(("pending", "done", "failed"), required=True, metadata={
        "description": "The analysis runs after the upload answers; poll this photo until done or failed."})
    analysis_error = fields.String(required=True, allow_none=True, metadata={"description": "Why it failed."})
    analysis = fields.Nested(AnalysisOut, required=True, allow_none=True, attribute="analysis_result",
                             metadata={"description": "null until the analysis is done."})


class ImageQuery(Query):
    variant = choice(tuple(VARIANTS), load_default="display")


# ---- comparisons ---------------------------------------------------------------------------------------------------

class ComparisonInput(Base):
    before = record_id(required=True, metadata={"description": "Photo id; both photos of one patient."})
    after = record_id(required=True)
    crop = choice(tuple(CROPS), load_default="upper")
    match_exposure = fields.Boolean(load_default=False, error_messages={"invalid": "must be true or false."})


class RegionChange(Schema):
    before = fields.Float(required=True, allow_none=True)
    after = fields.Float(required=True, allow_none=True)
    change_pct = fields.Float(required=True, allow_none=True, metadata={
        "description": "null when either side is unmeasured, the two were measured by different standards, "
                       f"or the region had no lines before (index below {NO_LINES_BELOW}: a change relative to it "
                       "is noise). A change smaller than the region's repeatability (two photos seconds apart differ "
                       "by up to " + ", ".join(f"{region} {band:.0%}" for region, band in RECAPTURE_CHANGE.items())
                       + " at the 90th percentile) is not a change: the patient's portal reads it as "
                       "\"about the same\"."})
    reason = fields.String(allow_none=True, load_default=None, metadata={
        "description": "Why change_pct is null, in plain words; null when a change is given."})


class ComparisonOut(Schema):
    id = fields.Integer(required=True)
    patient_id = fields.Integer(required=True)
    before = fields.Integer(required=True, attribute="before_photo_id")
    after = fields.Integer(required=True, attribute="after_photo_id")
    crop = choice(tuple(CROPS), required=True)
    exposure_matched = fields.Boolean(required=True)
    residual_mm = fields.Float(required=True, allow_none=True, attribute="result.residual_mm",
                               metadata={"description": "Alignment error left at stable points."})
    regions = fields.Dict(keys=choice(REGION_NAMES), values=fields.Nested(RegionChange), required=True,
                          attribute="result.regions")
    warnings = fields.List(fields.Nested(WarningOut), required=True, attribute="result.warnings")
    created_at = Instant(required=True)
    days_since_treatment = fields.Function(days_since_treatment, required=True, metadata={
        "type": "integer", "nullable": True, "description": "From the last treated visit before the before photo."})
    published_at = Instant(required=True, allow_none=True)


class PublishedComparison(ComparisonOut):
    url = fields.Function(lambda c: url_for("public.case", comparison_id=c.id, _external=True), required=True,
                          metadata={"type": "string", "format": "uri", "description": "The public case page."})


class LayoutQuery(Query):
    layout = choice(LAYOUTS, load_default="side")


class ShareInput(Base):
    expires_in_days = fields.Integer(load_default=14, validate=validate.Range(
        1, MAX_SHARE_DAYS, error=f"must be a whole number from 1 to {MAX_SHARE_DAYS}."))


class ShareLinkOut(Schema):
    id = fields.Integer(required=True)
    url = fields.Url(required=True, metadata={"description": "For the patient; shown once, never stored."})
    expires_at = Instant(required=True)


class InvitationOut(Schema):
    url = fields.Url(required=True, metadata={
        "description": "The portal invitation for the patient: single use, shown once, never stored."})
    expires_at = Instant(required=True)


# ---- consent -------------------------------------------------------------------------------------------------------

Scopes = fields.List(choice(SCOPES), required=True, validate=validate.Length(min=1, error="must not be empty."),
                     error_messages={"required": "is required."})


class ConsentTextOut(Schema):
    version = fields.String(required=True)
    title = fields.String(required=True)
    published_at = Instant(required=True)
    reconsent_scopes = fields.Function(lambda text: text.reconsent_scopes or [], required=True, metadata={
        "type": "array", "items": {"type": "string", "enum": list(SCOPES)},
        "description": "Consents to these scopes under older versions lapsed when this one was published."})


class TextVersion(fields.String):
    """A consent text version; integers are accepted as their digits."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


class GrantInput(Base):
    scopes = Scopes
    text_version = TextVersion(required=True, validate=[validate.Length(1, 20), PRINTABLE], error_messages={
        "required": "is required (the version of the consent text the patient read)."})
    signed_name = text(200, required=True, blank=False, metadata={"description": "The patient's typed name."})
    marketing_identifiable = fields.Boolean(load_default=False, error_messages={"invalid": "must be true or false."})
    signature = fields.String(allow_none=True, validate=validate.Regexp(
        r"data:image/png;base64,", error="must be a PNG data URL."), metadata={
        "description": "The drawn signature as a data:image/png;base64 URL (under 200 kB)."})


class WithdrawInput(Base):
    scopes = Scopes


class ConsentRecordOut(Schema):
    id = fields.Integer(required=True)
    action = choice(("grant", "withdraw"), required=True)
    scopes = fields.List(choice(SCOPES), required=True)
    marketing_identifiable = fields.Boolean(required=True, allow_none=True)
    text_version = fields.String(required=True, allow_none=True)
    signed_name = fields.String(required=True)
    signature = fields.Function(lambda record: record.signature_png is not None, required=True,
                                metadata={"type": "boolean", "description": "Whether a drawn signature is kept."})
    recorded_by = fields.Function(
        lambda record: "patient" if record.recorded_by_patient else record.recorded_by_id, required=True,
        metadata={"description": "'patient' (the portal) or the staff user id.", "nullable": True,
                  "oneOf": [{"type": "string", "enum": ["patient"]}, {"type": "integer"}]})
    at = Instant(required=True, attribute="created_at")
    sweep = fields.Dict(required=True, allow_none=True, metadata={
        "description": "A withdrawal of portal or marketing: share_links (revoked now, or already revoked or "
                       "expired), published (cases unpublished now) and exports (files staff took out of the app: "
                       "what, by whom, when; the checklist to chase). Null otherwise."})


class LapsedOut(Schema):
    scope = choice(SCOPES, required=True)
    reason = fields.String(required=True)


class ConsentsOut(Schema):
    patient_id = fields.Integer(required=True)
    scopes = fields.List(choice(SCOPES), required=True, metadata={"description": "In force now."})
    marketing_identifiable = fields.Boolean(required=True)
    lapsed = fields.List(fields.Nested(LapsedOut), required=True, metadata={
        "description": "Given and never withdrawn, but no longer in force: the patient must consent again."})
    history = fields.List(fields.Nested(ConsentRecordOut), required=True)


# ---- intake and treatment consent ---------------------------------------------------------------------------------

def _yes_no(description: str) -> fields.Boolean:
    return fields.Boolean(required=True, metadata={"description": description}, error_messages={
        "required": "is required (true or false): a missing answer is not a no.", "invalid": "must be true or false."})


class IntakeInput(Base):
    pregnant_or_breastfeeding = _yes_no("Contraindication.")
    neuromuscular_disease = _yes_no("Myasthenia gravis, Lambert-Eaton syndrome, ALS: contraindication.")
    toxin_allergy = _yes_no("Allergy to botulinum toxin or an ingredient (e.g. albumin): contraindication.")
    infection_at_sites = _yes_no("Infection or inflammation at the injection sites: contraindication.")
    anticoagulants = _yes_no("Anticoagulants or antiplatelets: caution (bruising).")
    aminoglycosides = _yes_no("Aminoglycoside antibiotics: caution (a stronger effect).")
    previous_treatments = text(2000, load_default="", metadata={
        "description": "Previous botulinum treatments: when, where, product, any problems."})
    other_medication = text(2000, load_default="")
    notes = text(2000, load_default="")


class IntakeOut(Schema):
    id = fields.Integer(required=True)
    pregnant_or_breastfeeding = fields.Boolean(required=True)
    neuromuscular_disease = fields.Boolean(required=True)
    toxin_allergy = fields.Boolean(required=True)
    infection_at_sites = fields.Boolean(required=True)
    anticoagulants = fields.Boolean(required=True)
    aminoglycosides = fields.Boolean(required=True)
    previous_treatments = fields.String(required=True)
    other_medication = fields.String(required=True)
    notes = fields.String(required=True)
    contraindications = fields.Function(lambda h: [q.field for q in flags(h, "contraindication")], required=True,
                                        metadata={"type": "array", "items": {"type": "string"},
                                                  "description": "The contraindications answered yes."})
    cautions = fields.Function(lambda h: [q.field for q in flags(h, "caution")], required=True,
                               metadata={"type": "array", "items": {"type": "string"}})
    recorded_by = fields.Nested("StaffOut", required=True, allow_none=True)
    recorded_at = Instant(required=True)


class IntakeHistoryOut(Schema):
    patient_id = fields.Integer(required=True)
    in_force = fields.Nested(IntakeOut, required=True, allow_none=True, metadata={
        "description": f"The newest review, if made in the last {INTAKE_VALID_DAYS} days."})
    history = fields.List(fields.Nested(IntakeOut), required=True, metadata={"description": "Newest first."})


class TreatmentConsentInput(Base):
    text_version = TextVersion(required=True, validate=[validate.Length(1, 20), PRINTABLE], error_messages={
        "required": "is required (the version of the treatment consent text the patient read)."})
    signed_name = text(200, required=True, blank=False, metadata={"description": "The patient's typed name."})
    signature = fields.String(required=True, validate=validate.Regexp(
        r"data:image/png;base64,", error="must be a PNG data URL."), error_messages={"required": "is required."},
        metadata={"description": "The drawn signature as a data:image/png;base64 URL (under 200 kB)."})


class TreatmentConsentOut(Schema):
    id = fields.Integer(required=True)
    action = choice(("grant", "withdraw"), required=True)
    text_version = fields.String(required=True, allow_none=True)
    signed_name = fields.String(required=True)
    recorded_by = fields.Nested("StaffOut", required=True, allow_none=True)
    at = Instant(required=True, attribute="created_at")


class TreatmentConsentsOut(Schema):
    patient_id = fields.Integer(required=True)
    in_force = fields.Nested(TreatmentConsentOut, required=True, allow_none=True, metadata={
        "description": "The signature in force: not withdrawn, to the newest text."})
    history = fields.List(fields.Nested(TreatmentConsentOut), required=True, metadata={"description": "Oldest first."})


class TreatmentConsentTextOut(Schema):
    version = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    published_at = Instant(required=True)


# ---- stock and recalls ---------------------------------------------------------------------------------------------

class ProductInput(Base):
    name = text(120, required=True, blank=False)
    manufacturer = text(120, load_default="")
    units_per_vial = number(minimum=0.5, required=True, metadata={"description": "Units in one vial (e.g. 100)."})
    reconstitution_note = text(300, load_default="", metadata={"description": "E.g. 2.5 ml saline per 100 U."})


class ProductOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    manufacturer = fields.String(required=True)
    units_per_vial = fields.Float(required=True)
    reconstitution_note = fields.String(required=True)


class LotInput(Base):
    product_id = record_id(required=True)
    lot_number = text(60, required=True, blank=False)
    expires_on = fields.Date(required=True, error_messages={"invalid": "must be a date as YYYY-MM-DD.",
                                                            "required": "is required."})
    received_on = fields.Date(allow_none=True, load_default=None,
                              error_messages={"invalid": "must be a date as YYYY-MM-DD."})


class LotOut(Schema):
    id = fields.Integer(required=True)
    product_id = fields.Integer(required=True)
    product = fields.Function(lambda lot: lot.product.name, required=True, metadata={"type": "string"})
    lot_number = fields.String(required=True)
    expires_on = fields.Date(required=True)
    received_on = fields.Date(required=True, allow_none=True)


class LotList(Paged):
    lots = fields.List(fields.Nested(LotOut), required=True)


class RecallQuery(PageQuery):
    lot = text(60, required=True, blank=False, metadata={"description": "The lot number, as printed (any case)."})


class RecalledTreatment(Schema):
    patient_id = fields.Integer(required=True)
    patient_name = fields.String(required=True)
    visit_id = fields.Integer(required=True)
    date = fields.Date(required=True)
    units = fields.Float(required=True)
    injector = fields.String(required=True, metadata={"description": "Who saved the plan (name and email)."})
    product = fields.String(required=True)
    lot = fields.String(required=True)


class RecallOut(Paged):
    treatments = fields.List(fields.Nested(RecalledTreatment), required=True,
                             metadata={"description": "A page of them, by date, patient name and record."})


# ---- sign-off ------------------------------------------------------------------------------------------------------

class StaffOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)


class VisitSignOffOut(Schema):
    visit_id = fields.Integer(required=True, attribute="id")
    patient_id = fields.Integer(required=True)
    date = fields.Date(required=True, attribute="visit_date")
    treated = fields.Boolean(required=True)
    signed_off_at = Instant(required=True, allow_none=True)
    signed_off_by = fields.Nested(StaffOut, required=True, allow_none=True)


class AmendmentInput(Base):
    text = text(5000, required=True, blank=False, metadata={"description": "The correction, in words."})


class AmendmentOut(Schema):
    id = fields.Integer(required=True)
    visit_id = fields.Integer(required=True)
    text = fields.String(required=True)
    created_by = fields.Nested(StaffOut, required=True, allow_none=True)
    created_at = Instant(required=True)
    signed_off_at = Instant(required=True, allow_none=True)
    signed_off_by = fields.Nested(StaffOut, required=True, allow_none=True)


class TreatmentInput(Base):
    given_at = fields.AwareDateTime(load_default=None, metadata={
        "description": "When the toxin was given, with its offset (RFC 3339); default: now."})
    override_reason = text(1000, load_default="", metadata={
        "description": "Why the injector went ahead despite warnings that need one (an expired lot, a site inside "
                       "a safety margin, the interval, the 3-month units); required when any stands."})


class GivenSite(Schema):
    """A site as given: where (display pixels of the plan's photo), the area and the units."""

    region = choice(REGION_NAMES, required=True)
    x = fields.Float(required=True)
    y = fields.Float(required=True)
    units = fields.Float(required=True)
    label = fields.String(required=True)
    note = fields.String(required=True)


class TreatmentOut(Schema):
    visit_id = fields.Integer(required=True)
    given_at = Instant(required=True)
    product = fields.String(required=True)
    lot = fields.String(required=True)
    lot_id = fields.Integer(required=True, allow_none=True)
    dilution = fields.String(required=True)
    sites = fields.List(fields.Nested(GivenSite), required=True, metadata={
        "description": "The sites and units given, from the visit's saved plan (display pixels of its photo)."})
    total_units = fields.Float(required=True)
    warnings = fields.List(fields.Nested(WarningOut), required=True, metadata={
        "description": "The safety warnings standing when the treatment was recorded."})
    override_reason = fields.String(required=True)
    recorded_by = fields.Nested(StaffOut, required=True, allow_none=True)
    recorded_at = Instant(required=True)


class AwaitingSignOffOut(Paged):
    visits = fields.List(fields.Nested(VisitSignOffOut), required=True,
                         metadata={"description": "A page of them (``total`` counts these), oldest first."})
    amendments = fields.List(fields.Nested(AmendmentOut), required=True,
                             metadata={"description": "All of them, on every page (they are few)."})


# ---- injection plans -----------------------------------------------------------------------------------------------

class SiteInput(Base):
    id = fields.String(validate=[validate.Length(max=20), PRINTABLE], metadata={"description": "Kept when given, else new."})
    region = choice(REGION_NAMES, required=True)
    x = number(required=True, minimum=0, metadata={"description": "Display-image pixels, inside the photo."})
    y = number(required=True, minimum=0)
    units = fields.Float(required=True, allow_nan=False, validate=validate.Range(
        0, MAX_UNITS_PER_SITE, min_inclusive=False, error=f"must be above 0 and at most {MAX_UNITS_PER_SITE}."),
        error_messages={"required": "is required.", "invalid": "must be a number."})
    label = fields.String(validate=[validate.Length(max=60), PRINTABLE], load_default="")
    note = text(500, allow_none=True, load_default="")


class PlanInput(Base):
    sites = fields.List(fields.Nested(SiteInput), required=True, validate=validate.Length(
        max=MAX_SITES, error=f"must be a list of at most {MAX_SITES} sites."), error_messages={"required": "is required."})
    product = text(120, allow_none=True, load_default="")
    lot = text(60, allow_none=True, load_default="")
    lot_id = record_id(allow_none=True, load_default=None, metadata={
        "description": "A lot from the clinic's stock (GET /lots); its product and lot number replace the texts."})
    dilution = text(60, allow_none=True, load_default="")


class SiteOut(GivenSite):
    """A site of a plan: a given site with the id the editor keeps it by."""

    id = fields.String(required=True)


class Margins(Schema):
    forehead_above_brow_mm = fields.Float(required=True)
    glabella_above_brow_mm = fields.Float(required=True)
    crows_feet_from_canthus_mm = fields.Float(required=True)


class PlanStartQuery(Query):
    start = choice(("previous", "template"), load_default=None, metadata={
        "description": "Where an unsaved plan of a later visit starts: the last visit's plan or the label template."})


class PlanOut(Schema):
    photo_id = fields.Integer(required=True)
    visit_id = fields.Integer(required=True)
    saved = fields.Boolean(required=True)
    revision = fields.Integer(required=True, metadata={"description": "Saves so far (0: never saved)."})
    source = choice(("saved", "carried_over", "template", "none"), required=True, metadata={
        "description": "none: a later visit with no plan saved; start from the last plan or the template "
                       "(GET with ?start=previous or ?start=template)."})
    previous_visit = fields.String(allow_none=True, metadata={
        "format": "date", "description": "The date of the last visit with a plan (ISO), which ?start=previous "
                                         "carries over."})
    sites = fields.List(fields.Nested(SiteOut), required=True)
    product = fields.String(required=True)
    lot = fields.String(required=True)
    lot_id = fields.Integer(required=True, allow_none=True, metadata={"description": "The stock lot, if one was chosen."})
    dilution = fields.String(required=True)
    injector = fields.String(required=True, allow_none=True, metadata={"description": "Who saved it (email)."})
    totals = fields.Dict(keys=fields.String(), values=fields.Float(), required=True,
                         metadata={"description": "Units per region, and 'all'."})
    warnings = fields.List(fields.Nested(WarningOut), required=True)
    guides = fields.Dict(keys=fields.String(), values=fields.List(Point), required=True,
                         metadata={"description": "Safety lines (display pixels) sites should stay inside."})
    anchors = fields.Dict(keys=fields.String(), values=Point, required=True)
    margins = fields.Nested(Margins, required=True)


class PlanRevisionOut(Schema):
    revision = fields.Integer(required=True)
    photo_id = fields.Integer(required=True)
    saved_at = Instant(required=True)
    injector = fields.Function(lambda r: r.injector.email if r.injector else None, required=True,
                               metadata={"type": "string", "nullable": True})
    product = fields.String(required=True)
    lot = fields.String(required=True)
    dilution = fields.String(required=True)
    total_units = fields.Function(lambda r: round(sum(site["units"] for site in r.sites), 2), required=True,
                                  metadata={"type": "number"})
    sites = fields.List(fields.Nested(SiteOut), required=True)


_SIDE = {"description": "The patient's own side; null for a figure of both sides."}


class MovementFigureOut(Schema):
    name = choice(tuple(FIGURE_LABELS), required=True)
    muscle = choice(tuple(MUSCLE_LABELS), required=True)
    side = choice(("right", "left"), required=True, allow_none=True, metadata=_SIDE)
    position = choice(("head", "centre", "tail"), required=True, allow_none=True,
                      metadata={"description": "Along the brow (brow_lift only); null otherwise."})
    value_mm = fields.Float(required=True, allow_none=True, metadata={
        "description": "Movement in mm in the face's frame (brow_lift up, approach towards the midline, descent "
                       "down, eye_opening_narrowing smaller opening, lower_lid_lift up); null when withheld."})
    uncertainty_mm = fields.Float(required=True, allow_none=True,
                                  metadata={"description": "One standard deviation over perturbed repeats."})
    withheld = fields.String(required=True, allow_none=True, metadata={"description": "Why no value; a code."})


class KeptOut(Schema):
    name = choice(tuple(FIGURE_LABELS), required=True)
    muscle = choice(tuple(MUSCLE_LABELS), required=True)
    side = choice(("right", "left"), required=True, allow_none=True, metadata=_SIDE)
    position = choice(("head", "centre", "tail"), required=True, allow_none=True)
    baseline_mm = fields.Float(required=True, allow_none=True,
                               metadata={"description": "At the treatment visit, before the toxin acted."})
    baseline_uncertainty_mm = fields.Float(required=True, allow_none=True)
    review_mm = fields.Float(required=True, allow_none=True)
    review_uncertainty_mm = fields.Float(required=True, allow_none=True)
    kept_pct = fields.Float(required=True, allow_none=True, metadata={
        "description": "review / baseline x 100; null when withheld (e.g. the baseline under "
                       f"{MIN_BASELINE_MM:g} mm or under {MIN_BASELINE_SIGNAL:g}x its uncertainty)."})
    uncertainty_pct = fields.Float(required=True, allow_none=True)
    withheld = fields.String(required=True, allow_none=True)
    withheld_reason = fields.String(required=True, allow_none=True, metadata={"description": "In plain words."})


class ExpressionMovementOut(Schema):
    expression = choice(MEASURED_EXPRESSIONS, required=True)
    contraction_photo_id = fields.Integer(required=True)
    rest_photo_id = fields.Integer(required=True, metadata={
        "description": "The visit's front rest photo taken closest in time to the contraction photo."})
    measured_at = Instant(required=True)
    method_version = fields.Integer(required=True)
    withheld = fields.String(required=True, allow_none=True, metadata={
        "description": "A code when the pair carries no figure (no_face, scale_unknown, pose_mismatch, "
                       "alignment_failed); null otherwise."})
    withheld_reason = fields.String(required=True, allow_none=True, metadata={"description": "In plain words."})
    mm_per_px = fields.Float(required=True, allow_none=True)
    pose_change_deg = fields.Float(required=True, allow_none=True)
    alignment_residual_mm = fields.Float(required=True, allow_none=True)
    warnings = fields.List(fields.String(), required=True)
    figures = fields.List(fields.Nested(MovementFigureOut), required=True)
    baseline_visit_id = fields.Integer(required=True, allow_none=True)
    kept = fields.List(fields.Nested(KeptOut), required=True, metadata={
        "description": "Against the treatment visit's movement of the same expression; empty at a treatment visit."})


class VisitMovementOut(Schema):
    visit_id = fields.Integer(required=True)
    baseline_visit_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The treated visit this one reviews (the latest before it); null for a treated visit."})
    movements = fields.List(fields.Nested(ExpressionMovementOut), required=True, metadata={
        "description": "Per expression measured (raise, frown, smile); a visit with no rest and contraction "
                       "pair, or not measured yet, has none."})
