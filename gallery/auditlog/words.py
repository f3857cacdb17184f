"""Audit events in words: who (name and email, "patient", "public"), what, which record, and a link.

The log stores compact codes (``user:3``, ``upload``, ``photo 12``) so that it is
cheap to write and never rewritten; this module reads them for a person. Names
are looked up in one query per kind of record, not one per row.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from gallery.db import get_db
from gallery.models import AuditEvent, Comparison, ConsentRecord, Patient, Photo, User, Visit

ACTIONS = {
    "view": "viewed", "upload": "uploaded", "create": "created", "grade": "graded",
    "analysis": "analysed", "analysis_failed": "analysis failed for", "edit_plan": "edited the plan of",
    "export": "exported", "share": "shared a link to", "revoke_share": "revoked the share links of",
    "publish": "published", "unpublish": "unpublished", "grant_consent": "recorded consent",
    "withdraw_consent": "recorded a withdrawal of consent", "publish_text": "published consent text",
    "invite": "invited to the portal", "email_invitation": "emailed a portal invitation to",
    "email_share_link": "emailed a share link to", "accept_invitation": "opened a portal account for",
    "request_export": "asked for a copy of the records of", "download_export": "downloaded the records of",
    "export_settings": "changed the data-export settings of", "capture_protocol": "changed the capture protocol of",
    "revoke_tokens": "revoked the API tokens of", "sign_off": "signed off", "amend": "amended",
    "recall_search": "searched a recall for", "stock": "changed the stock of",
    "remind_review": "emailed a review reminder to", "remind_retreatment": "emailed a retreatment reminder to",
    "branding": "changed the name or logo of",
    "record_intake": "recorded", "grant_treatment_consent": "recorded", "withdraw_treatment_consent": "recorded",
}
NOUNS = {"photo": "photo", "patient": "patient", "comparison": "comparison", "visit": "visit",
         "consent": "consent record", "consent_text": "consent text", "clinic": "clinic", "user": "user",
         "lot": "lot", "product": "product", "amendment": "amendment",
         "medical_history": "medical history review", "treatment_consent": "treatment consent record",
         "treatment_consent_text": "treatment consent text"}


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent
    who: str
    what: str
    record: str
    link: str | None


def readable(events: list[AuditEvent]) -> list[EventRow]:
    ids = _ids_by_kind(events)
    db = get_db()
    users = {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids["user"])))}
    photos = {p.id: p for p in db.scalars(select(Photo).where(Photo.id.in_(ids["photo"])))}
    comparisons = {c.id: c for c in db.scalars(select(Comparison).where(Comparison.id.in_(ids["comparison"])))}
    visits = {v.id: v for v in db.scalars(select(Visit).where(Visit.id.in_(ids["visit"])))}
    consents = {c.id: c for c in db.scalars(select(ConsentRecord).where(ConsentRecord.id.in_(ids["consent"])))}
    patient_ids = ids["patient"] | {r.patient_id for r in (*photos.values(), *comparisons.values(),
                                                           *visits.values(), *consents.values())}
    patients = {p.id: p for p in db.scalars(select(Patient).where(Patient.id.in_(patient_ids)))}
    owner = {"photo": photos, "comparison": comparisons, "visit": visits, "consent": consents}

    def patient_name(patient_id: int | None) -> str:
        patient = patients.get(patient_id)
        return patient.name if patient else f"patient {patient_id}"

    rows = []
    for event in events:
        kind, object_id = event.object_type, event.object_id
        record = f"{NOUNS.get(kind, kind)} {object_id or ''}".strip()
        if kind == "patient":
            record = f"{patient_name(object_id)} (patient {object_id})"
        elif kind in owner and object_id in owner[kind]:
            record = f"{record} of {patient_name(owner[kind][object_id].patient_id)}"
        rows.append(EventRow(event, _who(event.actor, users, patient_name), ACTIONS.get(event.action, event.action),
                             record, _link(kind, object_id, owner)))
    return rows


def _ids_by_kind(events: list[AuditEvent]) -> dict[str, set[int]]:
    ids: dict[str, set[int]] = {kind: set() for kind in ("user", "patient", "photo", "comparison", "visit", "consent")}
    for event in events:
        kind, _, number = event.actor.partition(":")
        if kind in ("user", "patient") and number.isdigit():
            ids[kind].add(int(number))
        if event.object_type in ids and event.object_id:
            ids[event.object_type].add(event.object_id)
    return ids


def _who(actor: str, users: dict[int, User], patient_name: Callable[[int | None], str]) -> str:
    kind, _, number = actor.partition(":")
    if kind == "user" and number.isdigit() and int(number) in users:
        return users[int(number)].display_name
    if kind == "patient" and number.isdigit():
        return f"patient ({patient_name(int(number))})"
    if kind == "link":
        return f"public (share link {number})"
    if actor in ("anonymous", "public"):
        return "public"
    if actor == "patient":
        return "patient"
    if kind == "system":
        return f"the system ({number})"
    return actor


def _link(kind: str, object_id: int | None, owner: dict[str, dict]) -> str | None:
    if not object_id:
        return None
    if kind == "photo":
        return url_for("photos.detail", photo_id=object_id)
    if kind == "patient":
        return url_for("patients.timeline", patient_id=object_id)
    if kind == "comparison":
        return url_for("compare.detail", comparison_id=object_id)
    if kind == "consent":
        return url_for("consent.receipt", record_id=object_id)
    if kind == "treatment_consent":
        return url_for("intake.consent_receipt", consent_id=object_id)
    if kind == "visit" and object_id in owner["visit"]:
        return url_for("patients.timeline", patient_id=owner["visit"][object_id].patient_id)
    return None
