"""The admin's staff page: who has access and in which role, invitations, password resets,
deactivation, second factors and API tokens."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from gallery import audit
from gallery.auth import (
    accounts,
    current_user,
    end_sessions,
    login_required,
    require_role,
    revoke_tokens,
    second_factor,
    token_cutoff,
)
from gallery.auth.forms import ROLE_CHOICES, InviteForm
from gallery.db import get_db
from gallery.errors import Conflict
from gallery.models import ApiToken, StaffLink, User
from gallery.queries import clinic_get

bp = Blueprint("staff", __name__)


def _admin() -> User:
    return require_role(current_user(), "admin", "Only an admin manages staff access.")


def _page(admin: User, form: InviteForm | None = None, sent: accounts.SentLink | None = None,
          sent_to: str = "", error: str = "") -> str:
    """The staff page; ``sent``: a link that did not go by email, shown to copy and pass on;
    ``error``: why a change was refused (the page stays in hand: no dead end)."""
    db = get_db()
    staff = db.scalars(select(User).where(User.clinic_id == admin.clinic_id)
                       .order_by(User.deactivated_at.is_not(None), User.name, User.email)).all()
    live = dict(db.execute(select(ApiToken.user_id, func.count(ApiToken.id))
                           .where(ApiToken.user_id.in_([u.id for u in staff]), ApiToken.revoked_at.is_(None),
                                  ApiToken.created_at > token_cutoff())
                           .group_by(ApiToken.user_id)).all())
    return render_template("staff/index.html", staff=staff, live=live, clinic=admin.clinic, me=admin,
                           required=second_factor.required, form=form or InviteForm(), roles=ROLE_CHOICES,
                           invitations=accounts.pending_invitations(admin.clinic_id), sent=sent, sent_to=sent_to,
                           error=error)


@bp.get("/admin/staff")
@login_required
def index() -> str:
    return _page(_admin())


def _after_sending(admin: User, sent: accounts.SentLink, what: str, to: str) -> Response | str:
    """Emailed: say so. Not emailed: the page again with the link to copy, and why it did not go."""
    if sent.delivery.sent:
        flash(f"{what} sent to {to}.")
        return redirect(url_for("staff.index"))
    return _page(admin, InviteForm(formdata=None), sent=sent, sent_to=to)  # the form empty for the next one


@bp.post("/admin/staff/invitations")
@login_required
def invite() -> Response | str | tuple[str, int]:
    """Invite someone by email with a role; their account is made when they open the link."""
    admin = _admin()
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(admin, form), 422
    sent = accounts.invite(admin, form.email.data, form.role.data)
    return _after_sending(admin, sent, "An invitation", form.email.data.strip().lower())


@bp.post("/admin/staff/invitations/<id:link_id>/cancel")
@login_required
def cancel_invitation(link_id: int) -> Response:
    _admin()
    link = clinic_get(StaffLink, link_id)
    accounts.cancel_invitation(link)
    flash(f"The invitation to {link.email} is cancelled: its link no longer works.")
    return redirect(url_for("staff.index"))


@bp.post("/admin/staff/<id:user_id>/role")
@login_required
def change_role(user_id: int) -> Response | tuple[str, int]:
    admin = _admin()
    user = clinic_get(User, user_id)
    try:
        accounts.change_role(user, request.form.get("role", ""))
    except Conflict as refusal:  # the last admin
        return _page(admin, error=refusal.message), refusal.status
    flash(f"{user.display_name} is now {accounts.ROLE_WORDS[user.role]}.")
    return redirect(url_for("staff.index"))


@bp.post("/admin/staff/<id:user_id>/deactivate")
@login_required
def deactivate(user_id: int) -> Response | tuple[str, int]:
    """A leaver: no sign-in from now on; their sessions and API tokens end at once."""
    admin = _admin()
    user = clinic_get(User, user_id)
    try:
        accounts.deactivate(user)
    except Conflict as refusal:  # the last admin
        return _page(admin, error=refusal.message), refusal.status
    flash(f"{user.display_name} is deactivated: signed out everywhere, API tokens revoked, sign-in refused.")
    return redirect(url_for("staff.index"))


@bp.post("/admin/staff/<id:user_id>/reactivate")
@login_required
def reactivate(user_id: int) -> Response:
    _admin()
    user = clinic_get(User, user_id)
    accounts.reactivate(user)
    flash(f"{user.display_name} can sign in again with their password (their old API tokens stay revoked).")
    return redirect(url_for("staff.index"))


@bp.post("/admin/staff/<id:user_id>/password-reset")
@login_required
def send_password_reset(user_id: int) -> Response | str | tuple[str, int]:
    """A forgotten password: a single-use link to set a new one."""
    admin = _admin()
    user = clinic_get(User, user_id)
    if not user.active:
        return _page(admin, error=f"{user.display_name} is deactivated: reactivate the account first."), 409
    return _after_sending(admin, accounts.send_reset_link(user, by=admin), "A link to set a new password",
                          user.email)


@bp.post("/admin/staff/second-factor")
@login_required
def require_second_factor() -> Response:
    """Whether every staff member must sign in with a second factor (admins and directors always do)."""
    admin = _admin()
    admin.clinic.require_second_factor = request.form.get("require") == "1"
    audit.record("second_factor_policy", "clinic", admin.clinic_id)
    get_db().commit()
    flash("Every staff member now signs in with a second factor; those without one set it up at their next sign-in."
          if admin.clinic.require_second_factor else
          "A second factor is required of admins and medical directors only.")
    return redirect(url_for("staff.index"))


@bp.post("/admin/staff/<id:user_id>/reset-second-factor")
@login_required
def reset_second_factor(user_id: int) -> Response:
    """A lost phone: the person sets a new one up at their next sign-in (their sessions end now)."""
    _admin()
    user = clinic_get(User, user_id)
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = user.recovery_codes = None
    audit.record("reset_second_factor", "user", user.id)
    end_sessions(user)  # commits
    flash(f"The second factor of {user.display_name} is reset: they set it up again at their next sign-in.")
    return redirect(url_for("staff.index"))


@bp.post("/admin/staff/<id:user_id>/revoke")
@login_required
def revoke(user_id: int) -> Response:
    """Revoke a user's API tokens and end their sessions (a lost laptop, a leaver)."""
    _admin()
    user = clinic_get(User, user_id)
    count = revoke_tokens(user)
    audit.record("revoke_tokens", "user", user.id)
    end_sessions(user)  # commits
    flash(f"Revoked {count} API token(s) of {user.display_name}; their sessions are ended.")
    return redirect(url_for("staff.index"))
