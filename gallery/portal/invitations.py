"""Portal invitations: the single-use link that opens a patient's portal account, and its email.

Only the token's sha256 is kept (``Invitation``); the link is shown once, on the
staff page that made it (with a QR code for a patient in the chair) and in the email.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from gallery import audit, mail
from gallery.auth import token_sha256
from gallery.db import get_db
from gallery.errors import Conflict
from gallery.models import Invitation, Patient, PatientAccount, utcnow

INVITATION_DAYS = 7


def new_invitation(patient: Patient, created_by_id: int) -> tuple[str, Invitation]:
    """A single-use link token valid for ``INVITATION_DAYS``, and its record (the caller commits).

    Refused for a patient who already has portal access: whoever opened the link
    would otherwise take over their account (and their photos).
    """
    existing = get_db().scalar(select(PatientAccount).where(PatientAccount.patient_id == patient.id))
    if existing is not None:
        raise Conflict("This patient already has portal access and signs in with their own email and password; "
                       "no new invitation is needed.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(clinic_id=patient.clinic_id, patient_id=patient.id, token_sha256=token_sha256(token),
                            expires_at=utcnow() + timedelta(days=INVITATION_DAYS), created_by_id=created_by_id)
    get_db().add(invitation)
    return token, invitation


def email_invitation(patient: Patient, to: str, url: str) -> mail.Delivery:
    """Send the invitation's link to ``to``, from the clinic; audited when it left (commits then).

    The message names the clinic and carries the link: no name, photo or treatment,
    since a mailbox is read on shared screens and kept for years.
    """
    clinic = patient.clinic.name
    delivery = mail.send(to, f"Your invitation from {clinic}", (
        f"{clinic} invites you to its patient portal.\n\n"
        f"Open this link within {INVITATION_DAYS} days to choose your sign-in details (it works once):\n\n"
        f"{url}\n\n"
        "The link is for you alone. If you did not expect this message, ignore it.\n"), clinic)
    if delivery.sent:
        audit.record("email_invitation", "patient", patient.id)
        get_db().commit()
    return delivery
