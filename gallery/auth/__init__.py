"""Staff authentication: sessions for pages, bearer tokens for the API.

``current_user()`` and ``current_clinic_id()`` are the one way code learns who
is asking; ``login_required`` guards every staff page.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from datetime import datetime, timedelta

from flask import current_app, g, has_request_context, redirect, request, session, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from gallery.auth import second_factor
from gallery.db import get_db
from gallery.errors import Forbidden, Unauthorized
from gallery.models import ApiToken, PatientAccount, User, utcnow

# Computed once so that a login for an unknown email costs as much as a real one.
_DUMMY_HASH = generate_password_hash("not a password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # werkzeug's scrypt


def password_matches(password_hash: str | None, password: str) -> bool:
    """Check a password; an unknown account (None) costs the same time and fails."""
    if password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)


def authenticate(email: str, password: str) -> User | None:
    """The active account with this email and password, or None (a deactivated one never signs in)."""
    user = get_db().scalar(select(User).where(User.email == email.strip().lower()))
    matches = password_matches(user.password_hash if user else None, password)
    return user if matches and user.active else None


def login(user: User, *, second_factor_done: bool = False) -> None:
    """Open a session for ``user``; ``second_factor_done`` once their code was checked as well."""
    session.clear()  # a new session id against fixation
    session["user_id"] = user.id
    session["epoch"] = user.session_epoch
    session["second_factor"] = second_factor_done
    session.permanent = True


def end_sessions(user: User) -> None:
    """End every session of ``user`` on the server (cookies are signed, not stored: the epoch moves on)."""
    user.session_epoch += 1
    get_db().commit()


def end_patient_sessions(patient_id: int) -> None:
    """End every portal session of ``patient_id``'s account on the server (the caller commits)."""
    account = get_db().scalar(select(PatientAccount).where(PatientAccount.patient_id == patient_id))
    if account is not None:
        account.session_epoch += 1


def logout() -> None:
    """Sign out: this browser's cookie is cleared and, should it have been copied, refused."""
    user = current_user()
    if user is not None:
        end_sessions(user)
    session.clear()


def current_user() -> User | None:
    """The staff member behind this request (session or bearer token), or None.

    Outside a request (CLI commands) it is whoever the command set in ``g.user``.
    """
    if not has_request_context():
        return g.get("user")
    if "user" not in g:
        user_id = session.get("user_id")
        user = get_db().get(User, user_id) if user_id else None
        in_force = user is not None and user.active and session.get("epoch") == user.session_epoch
        # A session opened with the password alone does not count where a second factor is required
        # (for instance since the clinic began to require it): its owner signs in again.
        if in_force and not session.get("second_factor") and second_factor.required(user):
            in_force = False
        g.user = user if in_force else None
    return g.user


def require_role(user: User, role: str, refusal: str) -> User:
    """``user``, when they hold ``role``; otherwise 403 with ``refusal`` (which says who may)."""
    if user.role != role:
        raise Forbidden(refusal)
    return user


def current_clinic_id() -> int:
    user = current_user()
    if user is None:
        raise Unauthorized("Sign in first.")
    return user.clinic_id


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_token(user: User) -> str:
    """Create a token for ``user`` (caller commits); the plain token is shown once."""
    token = "gt_" + secrets.token_urlsafe(32)
    get_db().add(ApiToken(user_id=user.id, token_sha256=token_sha256(token)))
    return token


def token_cutoff() -> datetime:
    """Tokens made before this moment have expired (``GALLERY_TOKEN_DAYS``)."""
    return utcnow() - timedelta(days=current_app.config["GALLERY_TOKEN_DAYS"])


def user_for_bearer(header: str | None) -> User | None:
    """The user of a valid token: not revoked, younger than ``GALLERY_TOKEN_DAYS``, of an active account."""
    if not header or not header.startswith("Bearer "):
        return None
    row = get_db().scalar(select(ApiToken).where(
        ApiToken.token_sha256 == token_sha256(header[len("Bearer "):].strip()),
        ApiToken.revoked_at.is_(None), ApiToken.created_at > token_cutoff()))
    return row.user if row and row.user.active else None


def revoke_tokens(user: User) -> int:
    """Revoke every live token of ``user`` (caller commits); returns how many."""
    tokens = get_db().scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
    for token in tokens:
        token.revoked_at = utcnow()
    return len(tokens)
