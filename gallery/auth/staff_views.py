"""The admin's staff page: who has access, their live API tokens, and revoking them."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from gallery import audit
from gallery.auth import (
    current_user,
    end_sessions,
    login_required,
    require_role,
    revoke_tokens,
    second_factor,
    token_cutoff,
)
from gallery.db import get_db
from gallery.models import ApiToken, User
from gallery.queries import clinic_get

bp = Blueprint("staff", __name__)


def _admin() -> User:
    return require_role(current_user(), "admin", "Only an admin manages staff access.")


@bp.get("/admin/staff")
@login_required
def index() -> str:
    admin = _admin()
    db = get_db()
    staff = db.scalars(select(User).where(User.clinic_id == admin.clinic_id).order_by(User.email)).all()
    live = dict(db.execute(select(ApiToken.user_id, func.count(ApiToken.id))
                           .where(ApiToken.user_id.in_([u.id for u in staff]), ApiToken.revoked_at.is_(None),
                                  ApiToken.created_at > token_cutoff())
                           .group_by(ApiToken.user_id)).all())
    return render_template("staff/index.html", staff=staff, live=live, clinic=admin.clinic,
                           required=second_factor.required)


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
