"""Reminder emails to patients: the two-week review, and the suggested retreatment.

Which reminders a patient has is computed from their record whenever it is asked
(``planned``): nothing is scheduled ahead in a table that a withdrawal or a new
visit would have to find and cancel. ``send_due_reminders`` runs from the job
queue (a periodic task, ``gallery.queue``) and from ``flask --app app
send-reminders``; it sends those whose window includes today, to patients who
consent to be contacted (the ``contact`` scope, checked again just before each
message leaves) and have an email address.

Each is sent once: a ``Reminder`` row, unique per patient, kind and due day, is
committed before the message leaves, so two workers (several web processes in
embedded mode, several hosts with Redis) never both send it. A message names the
clinic and carries the portal's sign-in link, nothing about the patient's care:
no photo, no area, no product, not even the word treatment, since a mailbox is
read on shared screens and kept for years.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from gallery import audit, mail
from gallery.consent.records import effective_consent
from gallery.consent.share_links import usual_address
from gallery.db import get_db
from gallery.models import Patient, Reminder, Visit, utcnow
from gallery.patients.retreatment import suggested_retreatment

log = logging.getLogger(__name__)

# The review visit is at about two weeks (DESIGN.md "The visit cycle"). Its reminder goes from three
# days before, time to book, until a week after: the effect is judged in the trials' window of days
# 10-30, so a reminder delayed by a server that was down still helps until day 21; later it is stale.
REVIEW_DAY = 14
REVIEW_LEAD_DAYS = 3
REVIEW_LATE_DAYS = 7
# The retreatment reminder goes from a week before the suggested date (time to book) until 30 days
# after it; a later one would be nagging, and a visit in that time means the patient came back.
RETREATMENT_LEAD_DAYS = 7
RETREATMENT_LATE_DAYS = 30
# Patients whose latest treatment is older than this are not looked at (they moved on).
HORIZON_DAYS = 365
BATCH = 200

SUBJECTS = {"review": "A reminder from {clinic}", "retreatment": "A reminder from {clinic}"}
# Plain words that say when, not why: "your review" or "your next treatment" would tell a reader
# of the mailbox that the patient is treated.
WHEN_WORDS = {"review": "around {day}", "retreatment": "from around {day}"}
KIND_WORDS = {"review": "Two-week review", "retreatment": "Retreatment"}


@dataclass(frozen=True)
class Planned:
    """A reminder the record calls for: its kind, the day it is about, the days it may be sent,
    and, when it will not be sent, why (words for staff)."""

    kind: str
    due_on: date
    send_from: date
    send_until: date
    blocked: str = ""


def _treatment_days(patient: Patient) -> list[date]:
    """The days the patient was treated: the record's time given, else the visit's day."""
    return sorted({visit.treatment.given_at.date() if visit.treatment else visit.visit_date
                   for visit in patient.visits if visit.treated})


def planned(patient: Patient, min_days: int) -> list[Planned]:
    """The patient's next review and retreatment reminders, as their record stands (consent not judged)."""
    treated = _treatment_days(patient)
    if not treated:
        return []
    last = treated[-1]
    visits = sorted(visit.visit_date for visit in patient.visits)
    found: list[Planned] = []
    review = last + timedelta(days=REVIEW_DAY)
    seen = next((day for day in visits if day > last), None)
    found.append(Planned("review", review, review - timedelta(days=REVIEW_LEAD_DAYS),
                         review + timedelta(days=REVIEW_LATE_DAYS),
                         f"not needed: seen on {seen:%d %b %Y}" if seen else ""))
    suggestion = suggested_retreatment(patient, min_days)
    if suggestion is not None:
        start = suggestion.on - timedelta(days=RETREATMENT_LEAD_DAYS)
        back = next((day for day in visits if day >= start), None)
        found.append(Planned("retreatment", suggestion.on, start,
                             suggestion.on + timedelta(days=RETREATMENT_LATE_DAYS),
                             f"not needed: a visit on {back:%d %b %Y}" if back else ""))
    return found


def _already_sent(patient: Patient, item: Planned, since: date) -> bool:
    """A reminder of this kind since the latest treatment: the suggested retreatment date moves as
    photos come in, and a moved date must not send a second message about the same return."""
    return get_db().scalar(select(func.count(Reminder.id)).where(
        Reminder.patient_id == patient.id, Reminder.kind == item.kind, Reminder.due_on > since)) > 0


def upcoming(patient: Patient, min_days: int) -> list[Planned]:
    """``planned`` without those already sent: what the timeline shows as scheduled or held."""
    items = planned(patient, min_days)
    return [item for item in items if not _already_sent(patient, item, _treatment_days(patient)[-1])]


def sent_reminders(patient_id: int) -> list[Reminder]:
    """The reminders sent to (or being sent to) a patient, newest first, for the timeline."""
    return list(get_db().scalars(select(Reminder).where(Reminder.patient_id == patient_id)
                                 .order_by(Reminder.created_at.desc(), Reminder.id.desc()).limit(50)))


def why_not_sent(patient: Patient) -> str:
    """Why no reminder would reach this patient now (empty when one would): words for staff."""
    if not effective_consent(patient.id).allows("contact"):
        return "no consent to be contacted (contact)"
    if not usual_address(patient.id):
        return "no email address on the record"
    if not mail.configured() or not current_app.config["GALLERY_BASE_URL"]:
        return "email is not set up on this server (GALLERY_SMTP_HOST, GALLERY_MAIL_FROM, GALLERY_BASE_URL)"
    return ""


def _candidates(today: date) -> Iterator[list[int]]:
    """Ids of patients treated within ``HORIZON_DAYS``, in batches (never every patient at once)."""
    after = 0
    while True:
        ids = list(get_db().scalars(
            select(Visit.patient_id).where(Visit.treated, Visit.visit_date >= today - timedelta(days=HORIZON_DAYS),
                                           Visit.patient_id > after)
            .group_by(Visit.patient_id).order_by(Visit.patient_id).limit(BATCH)))
        if not ids:
            return
        yield ids
        after = ids[-1]


def _portal_link() -> str:
    base = current_app.config["GALLERY_BASE_URL"].rstrip("/")
    with current_app.test_request_context("/", base_url=base):
        return url_for("portal.login", _external=True)


def body(kind: str, clinic: str, due_on: date, link: str) -> str:
    """The message: the clinic, a day to book around, the sign-in link; nothing about the care."""
    when = WHEN_WORDS[kind].format(day=f"{due_on:%d %B %Y}".lstrip("0"))
    return (f"{clinic} would like to see you again {when}.\n\n"
            f"Please contact {clinic} to book a visit. You can also sign in here:\n\n"
            f"{link}\n\n"
            f"You receive this because you agreed to reminders from {clinic}. To stop them, sign in and "
            "withdraw that choice, or ask the clinic.\n")


def _send(patient: Patient, item: Planned, to: str, link: str) -> bool:
    """Claim, re-check consent, send, record; True when the message left."""
    db = get_db()
    claim = Reminder(clinic_id=patient.clinic_id, patient_id=patient.id, kind=item.kind, due_on=item.due_on,
                     status="sending", sent_to=to)
    db.add(claim)
    try:
        db.commit()
    except IntegrityError:  # another worker has it: it sends, not us
        db.rollback()
        return False
    # The claim is committed: a withdrawal recorded from here on is seen here, or by the next run.
    if not effective_consent(patient.id).allows("contact"):
        db.delete(claim)
        db.commit()
        return False
    clinic = patient.clinic.name
    delivery = mail.send(to, SUBJECTS[item.kind].format(clinic=clinic), body(item.kind, clinic, item.due_on, link),
                         clinic)
    if not delivery.sent:
        db.delete(claim)  # tried again on the next run
        db.commit()
        log.warning("reminder %s for patient %d not sent: %s", item.kind, patient.id, delivery.problem)
        return False
    claim.status, claim.sent_at = "sent", utcnow()
    audit.record(f"remind_{item.kind}", "patient", patient.id, clinic_id=patient.clinic_id, actor="system:reminders")
    db.commit()
    return True


def send_due_reminders(now: datetime | None = None) -> int:
    """Send every reminder due at ``now`` (default: the present); returns how many left.

    Safe to run at any time and from several processes at once: only due, unsent,
    consented reminders are sent, each once.
    """
    if not mail.configured() or not current_app.config["GALLERY_BASE_URL"]:
        log.info("reminders not sent: GALLERY_SMTP_HOST, GALLERY_MAIL_FROM and GALLERY_BASE_URL are needed")
        return 0
    today = (now or utcnow()).date()
    min_days = current_app.config["GALLERY_MIN_DAYS_BETWEEN_TREATMENTS"]
    link, sent = _portal_link(), 0
    for ids in _candidates(today):
        for patient in get_db().scalars(select(Patient).where(Patient.id.in_(ids))):
            if not effective_consent(patient.id).allows("contact") or not (to := usual_address(patient.id)):
                continue
            last = _treatment_days(patient)[-1]
            for item in planned(patient, min_days):
                if item.blocked or not item.send_from <= today <= item.send_until:
                    continue
                if _already_sent(patient, item, last):
                    continue
                sent += _send(patient, item, to, link)
        get_db().expire_all()  # one batch's patients, visits and photos at a time in memory
    if sent:
        log.info("sent %d reminders", sent)
    return sent
