"""The admin's staff page: who has access, their live API tokens, and revoking them."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from gallery import audit
from gallery.auth import current_user, end_sessions, login_required, require_role, revoke_tokens, token_cutoff
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
    return render_template("staff/index.html", staff=staff, live=live)


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
