"""A second factor for staff: TOTP codes from an authenticator app, and one-time recovery codes.

One stolen password opened every patient's face photos of a clinic. With a second factor a
sign-in needs the password and a six-digit code from the staff member's phone (RFC 6238, by
``pyotp``); the enrolment QR code is drawn by ``gallery.qr``. It is required for admins and medical
directors, and for everyone when the clinic says so. API tokens are unaffected: they are
revocable secrets of their own.

A code is accepted once (the time step it belongs to is kept), within one step either side
of now (phones' clocks drift). Recovery codes are kept only as hashes and each works once.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timezone

import pyotp

from gallery import qr
from gallery.models import User, utcnow

REQUIRED_FOR_ROLES = ("admin", "medical_director")
RECOVERY_CODES = 10
ISSUER = "Injector Gallery"


def required(user: User) -> bool:
    """Whether ``user`` must sign in with a second factor."""
    return user.role in REQUIRED_FOR_ROLES or bool(user.clinic.require_second_factor)


def enrolled(user: User) -> bool:
    return user.totp_enabled_at is not None


def new_secret() -> str:
    return pyotp.random_base32()


def qr_svg(user: User, secret: str) -> str:
    """The enrolment QR code (an otpauth:// URI) as inline SVG markup."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=f"{ISSUER} ({user.clinic.name})")
    return qr.qr_svg(uri)


def _matching_step(secret: str, code: str) -> int | None:
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now(timezone.utc))  # aware: pyotp reads a naive time as local time
    code = code.strip().replace(" ", "")
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_matches(secret: str, code: str) -> bool:
    """For enrolment: whether ``code`` is a current code of ``secret``."""
    return _matching_step(secret, code) is not None


def accept_code(user: User, code: str) -> bool:
    """Whether ``code`` is a current TOTP code of ``user`` not used before (the caller commits)."""
    step = _matching_step(user.totp_secret or "", code)
    if step is None or step <= (user.totp_last_step or -1):
        return False
    user.totp_last_step = step
    return True


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").replace(" ", "").encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh recovery codes (shown once); the old ones stop working (the caller commits)."""
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    user.recovery_codes = [_hash(code) for code in codes]
    return codes


def accept_recovery_code(user: User, code: str) -> bool:
    """Whether ``code`` is one of ``user``'s unused recovery codes; it is used up (the caller commits)."""
    digest = _hash(code)
    remaining = list(user.recovery_codes or [])
    if not any(hmac.compare_digest(digest, kept) for kept in remaining):
        return False
    remaining.remove(digest)
    user.recovery_codes = remaining
    return True


def enable(user: User, secret: str) -> list[str]:
    """Turn the second factor on with ``secret`` (already checked); returns the recovery codes."""
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = None
    return new_recovery_codes(user)
