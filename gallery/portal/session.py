"""Who is signed in to the portal: one patient account per session, ended on the server.

Cookies are signed, not stored: a session carries the account's ``session_epoch``
from when it began, and moving the epoch on (sign-out, portal consent withdrawn)
ends every session of that account on its next request.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, redirect, session, url_for

from gallery.db import get_db
from gallery.models import PatientAccount


def current_account() -> PatientAccount | None:
    """The patient signed in on this request, if their session is still in force on the server."""
    if "patient_account" not in g:
        account_id = session.get("patient_account_id")
        account = get_db().get(PatientAccount, account_id) if account_id else None
        in_force = account is not None and session.get("patient_epoch") == account.session_epoch
        g.patient_account = account if in_force else None
    return g.patient_account


def sign_in(account: PatientAccount) -> None:
    session.clear()  # a new session against fixation
    session["patient_account_id"] = account.id
    session["patient_epoch"] = account.session_epoch
    session.permanent = True


def patient_login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_account() is None:
            return redirect(url_for("portal.login"))
        return view(*args, **kwargs)

    return wrapped


def actor() -> str:
    """The signed-in patient as the audit log names them."""
    return f"patient:{current_account().patient_id}"
