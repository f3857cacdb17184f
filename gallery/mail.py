"""Email through the clinic's SMTP server: links to staff now, to patients later.

A message names the clinic (its name is the sender's display name) and carries a
link and plain words, never health details: email is not a safe place for them.
Sending is best effort and its outcome is a value, not an exception: a page that
sends a link shows it to copy when there is no SMTP server configured or the
server refused, so nobody is left without it.
"""
from __future__ import annotations

import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

from gallery.errors import InvalidInput

log = logging.getLogger(__name__)
TIMEOUT_S = 10  # a server that does not answer must not hold a page for long
# One address, no spaces: enough to catch a typo or a pasted list; the SMTP server judges the rest.
ADDRESS_PATTERN = r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$"


@dataclass(frozen=True)
class Delivery:
    """Whether a message went to the SMTP server and, if not, why (words for the admin)."""

    sent: bool
    problem: str = ""


def configured() -> bool:
    """Whether email can be sent at all (GALLERY_SMTP_HOST and GALLERY_MAIL_FROM are set)."""
    return bool(current_app.config["GALLERY_SMTP_HOST"] and current_app.config["GALLERY_MAIL_FROM"])


def parse_address(value: str) -> str:
    """One email address typed on a page, trimmed and lower-cased; InvalidInput (422) otherwise."""
    address = value.strip().lower()
    if len(address) > 254 or not re.match(ADDRESS_PATTERN, address):
        raise InvalidInput(f"{value.strip()[:80]!r} is not an email address: enter one, like name@example.com.")
    return address


def message(to: str, subject: str, body: str, clinic_name: str) -> EmailMessage:
    """A plain-text message from the clinic (display name) at GALLERY_MAIL_FROM to ``to``."""
    sender = current_app.config["GALLERY_MAIL_FROM"]
    mail = EmailMessage()
    # A clinic name is one line: no header can be smuggled in through it.
    mail["From"] = Address(display_name=" ".join(clinic_name.split()), addr_spec=sender)
    mail["To"] = to
    mail["Subject"] = " ".join(subject.split())
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail.set_content(body)
    return mail


def send(to: str, subject: str, body: str, clinic_name: str) -> Delivery:
    """Send one plain-text message; the outcome says whether it left and, if not, why."""
    if not configured():
        return Delivery(False, "Email is not set up on this server (GALLERY_SMTP_HOST, GALLERY_MAIL_FROM).")
    config = current_app.config
    mail = message(to, subject, body, clinic_name)
    try:
        with smtplib.SMTP(config["GALLERY_SMTP_HOST"], config["GALLERY_SMTP_PORT"], timeout=TIMEOUT_S) as smtp:
            if config["GALLERY_SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["GALLERY_SMTP_USER"]:
                smtp.login(config["GALLERY_SMTP_USER"], config["GALLERY_SMTP_PASSWORD"])
            smtp.send_message(mail)
    except OSError as error:  # unreachable, timed out, TLS, or refused (smtplib's errors are OSErrors too)
        log.warning("email not sent through %s: %s", config["GALLERY_SMTP_HOST"], type(error).__name__)
        return Delivery(False, f"The email server did not take the message ({type(error).__name__}: {error}).")
    return Delivery(True)
