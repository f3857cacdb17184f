"""Consent records and texts: recording, folding into the effective consent.

Records are only ever added. The effective consent is recomputed from all of
a patient's records on every request that needs it: nothing is cached, so a
withdrawal counts from the very next request.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from gallery.consent.sweep import sweep
from gallery.consent.texts import published
from gallery.db import get_db
from gallery.errors import InvalidInput
from gallery.models import SCOPES, ConsentRecord, ConsentText, utcnow

DEFAULT_TEXT = {
    "version": "1",
    "title": "Consent to clinical photography and its uses",
    "body": (
        "I agree that the clinic takes photographs of my face before, during and after treatment.\n\n"
        "Clinical record (clinical): the photographs are part of my medical record and are seen by the "
        "clinic's care team only.\n"
        "Patient portal (portal): I can see my own photographs and comparisons online, with my own login "
        "or a link sent to me.\n"
        "Education (education): the photographs may be shown to health professionals for teaching, "
        "not identifiable (as below).\n"
        "Marketing (marketing): the photographs may appear in the clinic's public before/after gallery, "
        "either not identifiable or, only if I tick it, as taken, in a way that lets people recognise me.\n"
        "Reminders (contact): the clinic may email me a reminder when a follow-up visit is due (about two "
        "weeks after a treatment, and when a next treatment is suggested). A reminder names the clinic and "
        "carries a link to sign in; it never contains photographs or details of my care.\n\n"
        "Not identifiable means: only the treated skin is shown (forehead, between the brows, beside the "
        "eyes), each area cut out on its own; not my eyes, hair, hairline, ears, nose, mouth or the outline "
        "of my face; no name; dates by month only. The clinic checks this with a face-recognition program. "
        "No method makes it impossible to recognise a person: someone who knows my skin well might.\n\n"
        "Each use is separate and optional. I can withdraw any of them at any time, in the portal or by "
        "asking the clinic; withdrawal applies from then on."
    ),
}
MAX_SIGNATURE_BYTES = 200_000
# What each scope means, in the words of the consent text, for the patient reading their choices.
SCOPE_WORDS = {
    "clinical": "Photos kept in your clinical record, seen by the care team",
    "portal": "Seeing your photos here, and in links the clinic sends you",
    "education": "Teaching health professionals: only the treated skin, without your name",
    "marketing": "The clinic's public before-and-after gallery",
    "contact": "Email reminders when a follow-up visit is due (no photos or care details in them)",
}
# What withdrawing each scope does, from the next request on, for the patient about to confirm it.
# Each sentence is what the app does (gallery.consent.sweep, the gate), nothing it cannot keep.
WITHDRAWAL_WORDS = {
    "clinical": ("The clinic's care team sees on your record that you no longer agree to clinical photos. "
                 "Photos already in your medical record may have to be kept by law: ask the clinic about them."),
    "portal": ("Your photos, before-and-after pictures and progress are no longer shown here, the private links "
               "the clinic sent you stop working, and you are signed out on every device. You can still sign in "
               "to download a copy of your data or to give this consent again."),
    "education": "The clinic no longer shows your photos to health professionals for teaching.",
    "marketing": ("Your before-and-after pictures leave the clinic's public gallery at once; the clinic may "
                  "publish them again only if you give this consent again."),
    "contact": ("The clinic sends you no more reminder emails, from now on, including any already due. "
                "You can still sign in here and contact the clinic yourself."),
}


@dataclass(frozen=True)
class EffectiveConsent:
    scopes: frozenset[str]
    marketing_identifiable: bool
    # Scopes given and never withdrawn that no longer count, and why: a newer consent text
    # asks for them again, or marketing consent expired. They need the patient's consent again.
    lapsed: tuple[tuple[str, str], ...] = ()

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


def fold(records: Iterable[ConsentRecord], texts: Iterable[ConsentText] = (), *, marketing_days: int = 0,
         now: datetime | None = None) -> EffectiveConsent:
    """The consent in force after ``records``, applied in the order they were made.

    A scope lapses when a text published after the version it was given under is marked
    as needing re-consent for it (``texts``: the clinic's published texts), and marketing
    consent lapses ``marketing_days`` after it was given (0: never).
    """
    granted_by: dict[str, ConsentRecord] = {}
    identifiable = False
    for record in sorted(records, key=lambda r: (r.created_at, r.id or 0)):
        for scope in record.scopes:
            if record.action == "grant":
                granted_by[scope] = record
            else:
                granted_by.pop(scope, None)
        if record.action == "grant" and "marketing" in record.scopes:
            identifiable = bool(record.marketing_identifiable)
    texts = list(texts)
    published = {text.version: text.published_at for text in texts}
    lapsed: dict[str, str] = {}
    for scope, grant in granted_by.items():
        given_under = published.get(grant.text_version or "")
        newer = sorted((t for t in texts if scope in (t.reconsent_scopes or [])
                        and (given_under is None or t.published_at > given_under)), key=lambda t: t.published_at)
        if newer:
            lapsed[scope] = f"consent text version {newer[-1].version} asks for it again"
        elif scope == "marketing" and marketing_days and grant.created_at < (now or utcnow()) - timedelta(
                days=marketing_days):
            lapsed[scope] = f"expired: given on {grant.created_at:%d %b %Y}, kept {marketing_days} days"
    scopes = frozenset(set(granted_by) - set(lapsed))
    return EffectiveConsent(scopes, identifiable and "marketing" in scopes,
                            tuple(sorted(lapsed.items(), key=lambda item: SCOPES.index(item[0]))))


def history(patient_id: int) -> list[ConsentRecord]:
    return list(get_db().scalars(select(ConsentRecord).where(ConsentRecord.patient_id == patient_id)
                                 .order_by(ConsentRecord.created_at, ConsentRecord.id)))


def effective_consent(patient_id: int) -> EffectiveConsent:
    """Recomputed on every call, so a lapse counts from the moment its text is published."""
    records = history(patient_id)
    if not records:
        return fold(records)
    texts = get_db().scalars(select(ConsentText).where(ConsentText.clinic_id == records[0].clinic_id))
    return fold(records, texts, marketing_days=current_app.config["GALLERY_MARKETING_CONSENT_DAYS"])


def effective_consents(patient_ids: Iterable[int]) -> dict[int, EffectiveConsent]:
    """``effective_consent`` of many patients in two queries (a page of public cases once
    asked the database once per case): patient id -> consent, patients without records
    included."""
    ids = set(patient_ids)
    if not ids:
        return {}
    db = get_db()
    records: dict[int, list[ConsentRecord]] = {patient_id: [] for patient_id in ids}
    for record in db.scalars(select(ConsentRecord).where(ConsentRecord.patient_id.in_(ids))
                             .order_by(ConsentRecord.created_at, ConsentRecord.id)):
        records[record.patient_id].append(record)
    clinics = {rows[0].clinic_id for rows in records.values() if rows}
    texts: dict[int, list[ConsentText]] = {clinic_id: [] for clinic_id in clinics}
    for text in db.scalars(select(ConsentText).where(ConsentText.clinic_id.in_(clinics))) if clinics else ():
        texts[text.clinic_id].append(text)
    days = current_app.config["GALLERY_MARKETING_CONSENT_DAYS"]
    return {patient_id: fold(rows, texts[rows[0].clinic_id], marketing_days=days) if rows else fold(rows)
            for patient_id, rows in records.items()}


def published_texts(clinic_id: int) -> list[ConsentText]:
    """The clinic's consent texts, newest first; a clinic starts with the default version 1."""
    return published(ConsentText, clinic_id, DEFAULT_TEXT)


def parse_scopes(value: object) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(s, str) for s in value):
        raise InvalidInput(f"'scopes' must be a non-empty list of: {', '.join(SCOPES)}.")
    unknown = sorted(set(value) - set(SCOPES))
    if unknown:
        raise InvalidInput(f"Unknown consent scope(s): {', '.join(unknown)}. Use {', '.join(SCOPES)}.")
    return sorted(set(value), key=SCOPES.index)


def parse_signature(data_url: str | None) -> bytes | None:
    """A PNG drawn on the signature canvas, sent as a data URL; None when empty."""
    if not data_url:
        return None
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        raise InvalidInput("The signature must be a PNG image.")
    try:
        png = base64.b64decode(data_url[len(prefix):], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("The signature could not be read.") from None
    if not png.startswith(b"\x89PNG\r\n\x1a\n") or len(png) > MAX_SIGNATURE_BYTES:
        raise InvalidInput("The signature must be a PNG image under 200 kB.")
    return png


def signature_data_url(png: bytes | None) -> str | None:
    """A stored signature as a data URL for an ``<img>`` on a receipt (the CSP allows data: images)."""
    return "data:image/png;base64," + base64.b64encode(png).decode() if png else None


def grant(patient_clinic_id: int, patient_id: int, scopes: list[str], *, text_version: str, signed_name: str,
          marketing_identifiable: bool | None, signature_png: bytes | None, recorded_by_id: int | None,
          by_patient: bool = False) -> ConsentRecord:
    """Add a grant record (the caller commits): recorded by staff, or by the patient in the portal."""
    versions = {t.version for t in published_texts(patient_clinic_id)}
    if text_version not in versions:
        raise InvalidInput(f"Unknown consent text version {text_version!r}; published: {', '.join(sorted(versions))}.")
    if not signed_name.strip():
        raise InvalidInput("The patient's typed name is required.")
    record = ConsentRecord(
        clinic_id=patient_clinic_id, patient_id=patient_id, action="grant", scopes=scopes,
        marketing_identifiable=bool(marketing_identifiable) if "marketing" in scopes else None,
        text_version=text_version, signed_name=signed_name.strip()[:200], signature_png=signature_png,
        recorded_by_id=recorded_by_id, recorded_by_patient=by_patient)
    get_db().add(record)
    return record


def withdraw(patient_clinic_id: int, patient_id: int, scopes: list[str], *, recorded_by_id: int | None,
             by_patient: bool = False, signed_name: str = "") -> ConsentRecord | None:
    """Add a withdrawal record and end, for good, what the withdrawn scopes allowed (the caller commits).

    Only scopes in force are withdrawn: withdrawing what is not held records
    nothing and returns None, so the history a patient reads holds real changes only.
    Withdrawing ``portal`` revokes the patient's share links; withdrawing ``marketing``
    takes their cases out of the public gallery; both list, on the record, the files
    staff took out of the app (see ``gallery.consent.sweep``). A later consent does not
    bring links or publication back: the clinic shares or publishes again, knowingly.
    """
    held = effective_consent(patient_id)
    scopes = [scope for scope in scopes if held.allows(scope)]
    if not scopes:
        return None
    record = ConsentRecord(clinic_id=patient_clinic_id, patient_id=patient_id, action="withdraw", scopes=scopes,
                           signed_name=signed_name[:200], recorded_by_id=recorded_by_id,
                           recorded_by_patient=by_patient)
    record.sweep = sweep(patient_clinic_id, patient_id, scopes, actor="patient" if by_patient else None)
    get_db().add(record)
    return record


def describe_withdrawal(asked: list[str], record: ConsentRecord | None) -> str:
    """What a withdrawal changed, in words for the person who asked for it."""
    done = record.scopes if record is not None else []
    not_held = [scope for scope in asked if scope not in done]
    parts = [f"Withdrawn: {', '.join(done)}. This applies from now on."] if done else []
    if not_held:
        parts.append(f"Nothing recorded for {', '.join(not_held)}: "
                     f"{'it was' if len(not_held) == 1 else 'they were'} not given.")
    return " ".join(parts)

