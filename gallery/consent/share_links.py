"""Share links: a random, expiring, revocable link to one comparison, for the patient, and its email.

Only the token's sha256 is kept (``ShareLink``); the link needs the patient's
``portal`` consent when made and at every request (``gallery.public.views``).
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from gallery import audit, mail
from gallery.auth import current_user, token_sha256
from gallery.consent.records import effective_consent
from gallery.db import get_db
from gallery.errors import Conflict, InvalidInput
from gallery.models import Clinic, Comparison, Patient, PatientAccount, ShareLink, utcnow

MAX_SHARE_DAYS = 90


def new_share_link(comparison: Comparison, expires_in_days: object) -> tuple[str, ShareLink]:
    """A share link for the patient; needs portal consent now (409 otherwise). Commits."""
    if isinstance(expires_in_days, bool) or not isinstance(expires_in_days, int) \
            or not 1 <= expires_in_days <= MAX_SHARE_DAYS:
        raise InvalidInput(f"'expires_in_days' must be a whole number from 1 to {MAX_SHARE_DAYS}.")
    if not effective_consent(comparison.patient_id).allows("portal"):
        raise Conflict("The patient has not agreed to see photos online (portal consent): no link can be shared.")
    token = secrets.token_urlsafe(32)
    link = ShareLink(clinic_id=comparison.clinic_id, comparison_id=comparison.id,
                     token_sha256=token_sha256(token),
                     expires_at=utcnow() + timedelta(days=expires_in_days), created_by_id=current_user().id)
    get_db().add(link)
    get_db().flush()
    audit.record("share", "comparison", comparison.id)
    get_db().commit()
    return token, link


def email_share_link(link: ShareLink, to: str, url: str) -> mail.Delivery:
    """Send a share link's address to ``to``, from the clinic; audited when it left (commits then).

    The message names the clinic and carries the link: no name, photo or treatment,
    since a mailbox is read on shared screens and kept for years.
    """
    clinic = get_db().get(Clinic, link.clinic_id).name
    delivery = mail.send(to, f"A private link from {clinic}", (
        f"{clinic} sent you a private link. It works until {link.expires_at:%d %B %Y}:\n\n"
        f"{url}\n\n"
        "The link is for you alone: anyone who has it can open it. "
        "If you did not expect this message, ignore it.\n"), clinic)
    if delivery.sent:
        audit.record("email_share_link", "comparison", link.comparison_id)
        get_db().commit()
    return delivery


def usual_address(patient_id: int) -> str:
    """Where a share link goes by default: the patient's portal sign-in, else the record's email."""
    account = get_db().scalar(select(PatientAccount).where(PatientAccount.patient_id == patient_id))
    return account.email if account is not None else get_db().get(Patient, patient_id).email
