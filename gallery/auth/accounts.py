"""Staff accounts in the browser: invitations, roles, deactivation and password resets.

An admin invites by email and role; the account is made when the invitee opens the
single-use link and sets their name and password. A password is reset the same way,
by a single-use link. Links are random tokens of which only the sha256 is kept
(``StaffLink``), valid for a short time. A clinic always keeps one active admin:
no change may leave it without one. Each change is in the audit log.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from gallery import audit, mail
from gallery.auth import end_sessions, hash_password, revoke_tokens, token_sha256
from gallery.db import get_db
from gallery.errors import Conflict, InvalidInput
from gallery.models import ROLES, StaffLink, User, utcnow

INVITE_VALID = timedelta(days=7)
RESET_VALID = timedelta(hours=2)  # a reset link in a mailbox is a password: short-lived
ROLE_WORDS = {"admin": "admin", "injector": "injector", "medical_director": "medical director"}


@dataclass(frozen=True)
class SentLink:
    """A link made for someone: its address (to show when the email did not go) and the email's fate."""

    url: str
    delivery: mail.Delivery


def _new_link(link: StaffLink, endpoint: str) -> str:
    """Give ``link`` a fresh token (only its hash is stored) and return the link's full address."""
    token = secrets.token_urlsafe(32)
    link.token_sha256 = token_sha256(token)
    get_db().add(link)
    get_db().flush()
    return url_for(endpoint, token=token, _external=True)


def _replace_pending(clinic_id: int, purpose: str, email: str) -> None:
    """A newer link of the same kind for the same person replaces the ones still unused."""
    for old in get_db().scalars(select(StaffLink).where(
            StaffLink.clinic_id == clinic_id, StaffLink.purpose == purpose, StaffLink.email == email,
            StaffLink.used_at.is_(None), StaffLink.revoked_at.is_(None))):
        old.revoked_at = utcnow()


def pending_invitations(clinic_id: int) -> list[StaffLink]:
    """The clinic's invitations not used, cancelled or expired, newest first."""
    return list(get_db().scalars(select(StaffLink).where(
        StaffLink.clinic_id == clinic_id, StaffLink.purpose == "invite", StaffLink.used_at.is_(None),
        StaffLink.revoked_at.is_(None), StaffLink.expires_at > utcnow()).order_by(StaffLink.created_at.desc())))


def invite(admin: User, email: str, role: str) -> SentLink:
    """Invite ``email`` to join ``admin``'s clinic as ``role``: a link by email (commits)."""
    email = email.strip().lower()
    if role not in ROLES:
        raise InvalidInput("Choose a role: injector, medical director or admin.")
    db = get_db()
    if db.scalar(select(User).where(User.email == email)):
        raise Conflict(f"{email} has an account already.")
    _replace_pending(admin.clinic_id, "invite", email)
    link = StaffLink(clinic_id=admin.clinic_id, purpose="invite", email=email, role=role,
                     expires_at=utcnow() + INVITE_VALID, created_by_id=admin.id)
    url = _new_link(link, "auth.join")
    audit.record("invite_staff", "staff_link", link.id)
    db.commit()
    clinic = admin.clinic.name
    delivery = mail.send(email, f"Join {clinic} on Injector Gallery", (
        f"{admin.name or admin.email} invites you to join {clinic} on Injector Gallery as {ROLE_WORDS[role]}.\n\n"
        f"Open this link within {INVITE_VALID.days} days to set your name and password (it works once):\n\n"
        f"{url}\n\nIf you did not expect this invitation, ignore this message.\n"), clinic)
    return SentLink(url, delivery)


def cancel_invitation(link: StaffLink) -> None:
    """An invitation sent to the wrong address, or no longer wanted (commits)."""
    link.revoked_at = utcnow()
    audit.record("cancel_invitation", "staff_link", link.id)
    get_db().commit()


def valid_link(token: str, purpose: str) -> StaffLink | None:
    """The unused, unexpired link of ``purpose`` with this token (for a reset: of an active account)."""
    link = get_db().scalar(select(StaffLink).where(StaffLink.token_sha256 == token_sha256(token),
                                                   StaffLink.purpose == purpose))
    if link is None or link.used_at is not None or link.revoked_at is not None or link.expires_at <= utcnow():
        return None
    if purpose == "reset" and (link.user is None or not link.user.active):
        return None
    return link


def join(link: StaffLink, name: str, password: str) -> User | None:
    """Make the invited account (commits); None when the link or the email was used meanwhile."""
    db = get_db()
    user = User(clinic_id=link.clinic_id, email=link.email, name=name.strip(), password_hash=hash_password(password),
                role=link.role)
    db.add(user)
    link.used_at = utcnow()
    try:
        db.flush()
        audit.record("join", "user", user.id, clinic_id=user.clinic_id, actor=f"user:{user.id}")
        db.commit()
    except IntegrityError:  # the same email joined a moment ago, through this link or another clinic's
        db.rollback()
        return None
    return user


def _keep_an_admin(user: User, action: str) -> None:
    """Refuse a change that would leave ``user``'s clinic without an active admin."""
    if user.role != "admin" or not user.active:
        return
    others = get_db().scalar(select(func.count()).select_from(User).where(
        User.clinic_id == user.clinic_id, User.role == "admin", User.deactivated_at.is_(None), User.id != user.id))
    if not others:
        raise Conflict(f"{user.display_name} is the clinic's last active admin: make someone else an admin "
                       f"before you {action}.")


def change_role(user: User, role: str) -> None:
    """Give ``user`` another role (commits); a new admin or medical director sets up a second factor
    at their next request (``gallery.auth.current_user``)."""
    if role not in ROLES:
        raise InvalidInput("Choose a role: injector, medical director or admin.")
    if role == user.role:
        return
    if role != "admin":
        _keep_an_admin(user, "change this role")
    user.role = role
    audit.record(f"set_role_{role}", "user", user.id)
    get_db().commit()


def deactivate(user: User) -> None:
    """Take ``user``'s access away at once: sessions and API tokens end, sign-in is refused (commits)."""
    if not user.active:
        return
    _keep_an_admin(user, "deactivate this account")
    user.deactivated_at = utcnow()
    revoke_tokens(user)
    audit.record("deactivate", "user", user.id)
    end_sessions(user)  # commits


def reactivate(user: User) -> None:
    """Give a deactivated account its access back: the same password; API tokens stay revoked (commits)."""
    if user.active:
        return
    user.deactivated_at = None
    audit.record("reactivate", "user", user.id)
    get_db().commit()


def send_reset_link(user: User, by: User | None) -> SentLink:
    """Email ``user`` a link to set a new password (commits); ``by`` is the admin who sent it, or None
    when someone asked for it on the sign-in page (not signed in: it may not have been ``user``)."""
    _replace_pending(user.clinic_id, "reset", user.email)
    link = StaffLink(clinic_id=user.clinic_id, purpose="reset", email=user.email, user_id=user.id,
                     expires_at=utcnow() + RESET_VALID, created_by_id=by.id if by else None)
    url = _new_link(link, "auth.reset_password")
    if by is None:
        audit.record("request_password_reset", "user", user.id, clinic_id=user.clinic_id, actor="anonymous")
    else:
        audit.record("send_password_reset", "user", user.id)
    get_db().commit()
    clinic = user.clinic.name
    hours = int(RESET_VALID.total_seconds() // 3600)
    delivery = mail.send(user.email, f"Set a new password for {clinic}", (
        f"Someone asked for a new password for your account at {clinic} on Injector Gallery.\n\n"
        f"Open this link within {hours} hours to set one (it works once):\n\n{url}\n\n"
        "If it was not you, ignore this message: your password stays as it is.\n"), clinic)
    return SentLink(url, delivery)


def request_reset(email: str) -> None:
    """"Forgot password" on the sign-in page: a link by email to an active account with this address.

    Whatever the address, nothing is said about it: the page answers the same way. Without email
    the link is never shown instead (the asker may not own the account); an admin sends one.
    """
    user = get_db().scalar(select(User).where(User.email == email.strip().lower()))
    if user is not None and user.active and mail.configured():
        send_reset_link(user, by=None)


def reset_password(link: StaffLink, password: str) -> User:
    """Set the new password of the link's account; its sessions elsewhere end (commits)."""
    user = link.user
    user.password_hash = hash_password(password)
    link.used_at = utcnow()
    audit.record("reset_password", "user", user.id, clinic_id=user.clinic_id, actor=f"user:{user.id}")
    end_sessions(user)  # commits
    return user
