"""Database models (SQLAlchemy 2, typed). Every record belongs to a clinic.

Schema changes go through an Alembic migration in ``gallery/migrations``.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("admin", "injector", "medical_director")
EXPRESSIONS = ("rest", "frown", "raise", "smile")
VIEWS = ("front", "left45", "right45")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, list[dict[str, Any]]: JSON}


class Clinic(Base):
    __tablename__ = "clinics"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Whether a patient's data export carries the original photo files, not only display images.
    export_originals: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The standard views of a visit, as [{"view", "expression", "optional"}]; None: the default protocol.
    capture_protocol: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # Every staff member signs in with a second factor (admins and medical directors always do).
    require_second_factor: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The clinic's logo (an admin's upload, re-encoded as PNG): the blob ``(logo_sha256, "logo")``.
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    # Moves on when a grade is recorded or a photo's analysis changes: the grade calibration
    # is fitted once per stamp (gallery.photos.grades), not on every photo page.
    grading_stamp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The calibration fitted at ``calibration_stamp`` (per region; see gallery.photos.grades).
    calibration: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    calibration_stamp: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class User(Base):
    """A staff member; ``role`` is ``admin``, ``injector`` or ``medical_director`` (who signs
    injectors' visits off). Emails are stored lower-case."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Sessions carry the epoch they were opened in; signing out moves it on, so every
    # cookie of this account, even a copied one, stops working on the server.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    # The second factor (gallery.auth.second_factor): the TOTP secret once enrolled, the last time
    # step used (a code works once), and the unused recovery codes' sha256.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    recovery_codes: Mapped[list[str] | None] = mapped_column(JSON)
    # Set when an admin takes the account's access away (a leaver): no sign-in, no session, no token.
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime)
    clinic: Mapped[Clinic] = relationship()

    @property
    def active(self) -> bool:
        return self.deactivated_at is None

    @property
    def display_name(self) -> str:
        """"Dr Ada Lee <ada@clinic.test>", or the email alone for an account without a name."""
        return f"{self.name} <{self.email}>" if self.name else self.email


class ApiToken(Base):
    """A bearer token for the JSON API; only its sha256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    user: Mapped[User] = relationship()


class SetupToken(Base):
    """The one-time link that creates the first admin of a fresh install (sha256 only)."""

    __tablename__ = "setup_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class StaffLink(Base):
    """A single-use, expiring link an admin sends a staff member (only the token's sha256 is kept).

    ``purpose`` is ``invite`` (a new account with ``role`` for ``email``, made when the link is
    used) or ``reset`` (a new password for the account ``user_id``). ``revoked_at`` is set when an
    admin cancels the link or a newer link of the same kind replaces it.
    """

    __tablename__ = "staff_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    clinic: Mapped[Clinic] = relationship()


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (UniqueConstraint("clinic_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    external_id: Mapped[str | None] = mapped_column(String(100))
    # How to reach the patient (a product recall, a re-consent): optional.
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    clinic: Mapped[Clinic] = relationship()
    visits: Mapped[list[Visit]] = relationship(back_populates="patient", order_by="Visit.visit_date.desc()")
    photos: Mapped[list[Photo]] = relationship(back_populates="patient", order_by="Photo.taken_at")
    comparisons: Mapped[list[Comparison]] = relationship(order_by="Comparison.created_at.desc()")


AWAITING_SIGN_OFF = "treated AND signed_off_at IS NULL"


class Visit(Base):
    __tablename__ = "visits"
    # The sign-off list: a clinic's treated visits not signed yet, a small share of all visits.
    __table_args__ = (Index("ix_visits_awaiting_sign_off", "clinic_id", "visit_date",
                            postgresql_where=sql_text(AWAITING_SIGN_OFF), sqlite_where=sql_text(AWAITING_SIGN_OFF)),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    visit_date: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    treated: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Signed by a medical director: from then on its plan, grades and photos do not change.
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime)
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    patient: Mapped[Patient] = relationship(back_populates="visits")
    photos: Mapped[list[Photo]] = relationship(back_populates="visit", order_by="Photo.taken_at")
    signed_off_by: Mapped[User | None] = relationship()
    amendments: Mapped[list[Amendment]] = relationship(order_by="Amendment.created_at")
    treatment: Mapped[TreatmentRecord | None] = relationship(back_populates="visit")


def summarise(analysis: dict[str, Any]) -> dict[str, Any]:
    """What lists, cards and the progress chart show of an analysis, without its landmarks."""
    return {
        "face_found": bool(analysis.get("face_found")),
        "warnings": analysis.get("warnings") or [],
        "measurement_standard": analysis.get("measurement_standard"),
        "indices": {name: region.get("wrinkle_index") for name, region in (analysis.get("regions") or {}).items()},
    }


class Photo(Base):
    """One uploaded photo. The original is the blob ``sha256``; ``width``/``height``
    are the display image's, the frame every coordinate in ``analysis`` is in."""

    __tablename__ = "photos"
    __table_args__ = (UniqueConstraint("patient_id", "sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    original_size: Mapped[int] = mapped_column(Integer)
    original_filename: Mapped[str] = mapped_column(String(255), default="")
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(DateTime)
    expression: Mapped[str] = mapped_column(String(10))
    view: Mapped[str] = mapped_column(String(10), default="front", server_default="front")
    # Taken on the capture page with its checks not passed: the advice shown when the shutter was pressed.
    capture_override: Mapped[str | None] = mapped_column(String(200))
    # {} until the analysis is done. Deferred: with its 478 landmarks it is loaded only by
    # pages of one photo; lists and charts read ``summary``.
    analysis: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    analysis_version: Mapped[int] = mapped_column(Integer)
    # pending (queued or running) -> done | failed; see gallery.photos.analysis
    analysis_status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    analysis_error: Mapped[str | None] = mapped_column(String(300))
    analysis_started_at: Mapped[datetime | None] = mapped_column(DateTime)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    patient: Mapped[Patient] = relationship(back_populates="photos")
    visit: Mapped[Visit] = relationship(back_populates="photos")

    def record_analysis(self, analysis: dict[str, Any], version: int) -> None:
        """Store a finished analysis with its summary (see ``summarise``)."""
        self.analysis, self.summary, self.analysis_version = analysis, summarise(analysis), version
        self.analysis_status, self.analysis_error = "done", None

    @property
    def analysis_result(self) -> dict[str, Any] | None:
        """The analysis once done; None while pending or after a failure."""
        return self.analysis if self.analysis_status == "done" else None


class MovementRecord(Base):
    """Muscle movement of one contraction photo against its visit's rest photo (issue 30).

    ``result`` is ``landmarks.movement.Movement.to_dict()``: figures in mm with their
    uncertainty, or withheld with a reason. ``method_version`` is
    ``gallery.movement.service.METHOD_VERSION`` at measurement: a row of an older one is
    measured again. One row per contraction photo; the pair is chosen by
    ``gallery.movement.service.rest_partner``.
    """

    __tablename__ = "movements"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    expression: Mapped[str] = mapped_column(String(10))
    rest_photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"))
    contraction_photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"), unique=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    method_version: Mapped[int] = mapped_column(Integer)
    measured_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    visit: Mapped[Visit] = relationship()
    contraction_photo: Mapped[Photo] = relationship(foreign_keys=[contraction_photo_id])


class AuditEvent(Base):
    """Append-only: who did what to which record, when. Never updated or deleted."""

    __tablename__ = "audit_events"
    # The audit page filtered by record: one clinic's rows about one object, newest first; and a
    # clinic's rows newest first (the ``at`` index alone walked past every other clinic's newer rows).
    __table_args__ = (Index("ix_audit_events_object", "clinic_id", "object_type", "object_id", "at"),
                      Index("ix_audit_events_clinic_at", "clinic_id", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id"), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class RegionGrade(Base):
    """An injector's Facial Wrinkle Scale grade (0-3) of one region on one photo.

    Append-only: a re-grade is a new row; the newest row is the grade.
    """

    __tablename__ = "region_grades"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"), index=True)
    region: Mapped[str] = mapped_column(String(30))
    grade: Mapped[int] = mapped_column(Integer)
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    graded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Comparison(Base):
    """A before/after pair of one patient's photos, aligned when created.

    ``result`` holds the alignment (both transforms into the canonical frame),
    the residual, per-region wrinkle figures, region outlines in the canonical
    frame and warnings, as computed at creation.
    """

    __tablename__ = "comparisons"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    before_photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"))
    after_photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"))
    crop: Mapped[str] = mapped_column(String(10))
    exposure_matched: Mapped[bool] = mapped_column(default=False)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The public rendering (de-identified or not, watermarked), made once at publication and
    # served as stored bytes: the blob ``(public_image_sha256, "public")``.
    public_image_sha256: Mapped[str | None] = mapped_column(String(64))
    public_image_identifiable: Mapped[bool | None] = mapped_column()
    # Which form of public image is stored (``gallery.public.service.PUBLIC_IMAGE_FORM``): an older
    # one is made again before it is served.
    public_image_form: Mapped[int | None] = mapped_column()
    # Why the app took the case out of the gallery by itself, for the staff who published it.
    public_note: Mapped[str | None] = mapped_column(String(300))
    before: Mapped[Photo] = relationship(foreign_keys=[before_photo_id])
    after: Mapped[Photo] = relationship(foreign_keys=[after_photo_id])
    clinic: Mapped[Clinic] = relationship()


# ``contact``: the clinic may email the patient reminders (``gallery.reminders``); it shows no photo.
SCOPES = ("clinical", "portal", "education", "marketing", "contact")


class VersionedText:
    """A text patients agree to, one per clinic and version, immutable once published (a change
    is a new version): the photo-use consent's and the toxin treatment consent's texts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    version: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ConsentText(VersionedText, Base):
    """A published photo-use consent text."""

    __tablename__ = "consent_texts"
    __table_args__ = (UniqueConstraint("clinic_id", "version"),)
    # Scopes whose consents under older versions lapse when this version is published.
    reconsent_scopes: Mapped[list[str] | None] = mapped_column(JSON)


class ConsentRecord(Base):
    """One consent event, append-only: ``action`` is ``grant`` or ``withdraw``.

    Recorded by a staff member (``recorded_by_id``) or by the patient in the
    portal (``recorded_by_patient``). Nothing here is ever updated or deleted.
    """

    __tablename__ = "consent_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    marketing_identifiable: Mapped[bool | None] = mapped_column()
    text_version: Mapped[str | None] = mapped_column(String(20))
    signed_name: Mapped[str] = mapped_column(String(200), default="")
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_patient: Mapped[bool] = mapped_column(default=False)
    # A withdrawal of portal or marketing: the share links and cases it ended, and the files
    # outside the app to chase (see gallery.consent.sweep).
    sweep: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    recorded_by: Mapped[User | None] = relationship()


class MedicalHistory(Base):
    """One review of a patient's medical history before toxin treatment (the intake).

    Append-only: every review is a new row, the newest is the history in force
    (``gallery.intake.service``). The booleans are the questions whose answer
    changes whether the toxin may be given; the texts are for the injector to read.
    """

    __tablename__ = "medical_histories"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    pregnant_or_breastfeeding: Mapped[bool] = mapped_column(default=False)
    neuromuscular_disease: Mapped[bool] = mapped_column(default=False)
    toxin_allergy: Mapped[bool] = mapped_column(default=False)
    infection_at_sites: Mapped[bool] = mapped_column(default=False)
    anticoagulants: Mapped[bool] = mapped_column(default=False)
    aminoglycosides: Mapped[bool] = mapped_column(default=False)
    previous_treatments: Mapped[str] = mapped_column(Text, default="")
    other_medication: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    recorded_by: Mapped[User | None] = relationship()


class TreatmentConsentText(VersionedText, Base):
    """A published toxin treatment consent text.

    Kept apart from the photo consent's texts: they are versioned on their own, and a
    new version always asks every patient to consent again (the risks read changed).
    """

    __tablename__ = "treatment_consent_texts"
    __table_args__ = (UniqueConstraint("clinic_id", "version"),)


class TreatmentConsent(Base):
    """A patient's consent to toxin treatment, append-only: ``action`` is ``grant`` (signed on the
    tablet: typed name and drawn signature, to ``text_version``) or ``withdraw``."""

    __tablename__ = "treatment_consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    text_version: Mapped[str | None] = mapped_column(String(20))
    signed_name: Mapped[str] = mapped_column(String(200), default="")
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    recorded_by: Mapped[User | None] = relationship()


class PatientAccount(Base):
    """A patient's portal login, created from a staff invitation."""

    __tablename__ = "patient_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Cookies are signed, not stored: a session carries the epoch it began in, and moving the epoch
    # on (sign-out, portal consent withdrawn) ends every session of the account on the server.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    patient: Mapped[Patient] = relationship()


class Invitation(Base):
    """A single-use, expiring portal invitation (only the token's sha256 is kept)."""

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ShareLink(Base):
    """A random, expiring, revocable link to one comparison, for the patient."""

    __tablename__ = "share_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    comparison_id: Mapped[int] = mapped_column(ForeignKey("comparisons.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    comparison: Mapped[Comparison] = relationship()


class InjectionPlan(Base):
    """The injection plan of one visit, drawn on one of its photos.

    ``sites``: [{"id", "region", "x", "y", "units", "label", "note"}] with x, y in
    the photo's display pixels; units are the product's own (never converted).
    """

    __tablename__ = "injection_plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), unique=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"))
    product: Mapped[str] = mapped_column(String(120), default="")
    lot: Mapped[str] = mapped_column(String(60), default="")
    dilution: Mapped[str] = mapped_column(String(60), default="")
    # The lot from the clinic's stock; ``product`` and ``lot`` then hold its names as used.
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), index=True)
    sites: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    injector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=0)  # the number of saves; the ETag
    visit: Mapped[Visit] = relationship()
    photo: Mapped[Photo] = relationship()
    injector: Mapped[User | None] = relationship()


TYPED_LOT = "lot_id IS NULL"


class TreatmentRecord(Base):
    """The toxin actually given at a visit, recorded apart from the plan: what a plan
    proposes is not a treatment until someone records it (an unsaved review visit once
    became a "treatment" by saving its carried-over plan).

    ``sites`` is the saved plan's sites as given (units per site); ``warnings`` the
    safety warnings standing when it was recorded, and ``override_reason`` why the
    injector went ahead despite those that need one (an expired lot, a site inside a
    margin, the interval or the 3-month units). Only recorded treatments go to
    sign-off and count for the 90-day rule and for responders.
    """

    __tablename__ = "treatment_records"
    # The recall search's lots typed by hand, asked by their trimmed lower-cased number
    # (``lower(trim(lot))``, written as PostgreSQL prints it back, so the schema check sees the same index).
    __table_args__ = (Index("ix_treatment_records_typed_lot", "clinic_id", sql_text("lower(TRIM(BOTH FROM lot))"),
                            postgresql_where=sql_text(TYPED_LOT), sqlite_where=sql_text(TYPED_LOT)),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), unique=True)
    given_at: Mapped[datetime] = mapped_column(DateTime)
    product: Mapped[str] = mapped_column(String(120), default="")
    lot: Mapped[str] = mapped_column(String(60), default="")
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), index=True)
    dilution: Mapped[str] = mapped_column(String(60), default="")
    sites: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    total_units: Mapped[float] = mapped_column(Float)
    warnings: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    visit: Mapped[Visit] = relationship(back_populates="treatment")
    recorded_by: Mapped[User | None] = relationship()


class PublicView(Base):
    """Anonymous views of a published case, counted per day (not one audit row per request)."""

    __tablename__ = "public_views"
    __table_args__ = (UniqueConstraint("comparison_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    comparison_id: Mapped[int] = mapped_column(ForeignKey("comparisons.id"))
    day: Mapped[date] = mapped_column(Date)
    views: Mapped[int] = mapped_column(Integer, default=0)


class PlanRevision(Base):
    """Every saved state of a plan, kept: who saved what, when, on which photo."""

    __tablename__ = "plan_revisions"
    __table_args__ = (UniqueConstraint("plan_id", "revision"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("injection_plans.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"))
    product: Mapped[str] = mapped_column(String(120), default="")
    lot: Mapped[str] = mapped_column(String(60), default="")
    dilution: Mapped[str] = mapped_column(String(60), default="")
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    sites: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    injector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    injector: Mapped[User | None] = relationship()


class DataExport(Base):
    """A patient's copy of their records, a ZIP built in the background.

    pending -> ready (the archive is the blob ``(sha256, "export")``, downloadable
    until ``expires_at``) | failed. Asked for by the patient in the portal or by staff.
    """

    __tablename__ = "data_exports"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    requested_by_patient: Mapped[bool] = mapped_column(default=False)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)


class Amendment(Base):
    """A correction to a signed-off visit: a new record linked to it, itself awaiting sign-off."""

    __tablename__ = "amendments"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime)
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    visit: Mapped[Visit] = relationship(back_populates="amendments")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])


class Product(Base):
    """A toxin the clinic stocks (kept by admins)."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("clinic_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    manufacturer: Mapped[str] = mapped_column(String(120), default="")
    units_per_vial: Mapped[float] = mapped_column(Float)
    reconstitution_note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Lot(Base):
    """A manufacturer's lot of a product, as received; a recall names it by ``lot_number``."""

    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("product_id", "lot_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    lot_number: Mapped[str] = mapped_column(String(60), index=True)
    expires_on: Mapped[date] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    product: Mapped[Product] = relationship()



REMINDER_KINDS = ("review", "retreatment")


class Reminder(Base):
    """A reminder email to a patient, claimed before it is sent so that it goes once.

    ``kind`` is ``review`` (the two-week review after a treatment) or ``retreatment`` (the
    suggested next treatment); ``due_on`` the day it is about. The row is written (status
    ``sending``) and committed before the message leaves: a second worker's insert of the same
    patient, kind and day fails on the unique key, so it never sends twice. ``sent`` once the
    SMTP server took it; a message the server refused is deleted, to be tried on the next run.
    """

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("patient_id", "kind", "due_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="sending")
    sent_to: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
