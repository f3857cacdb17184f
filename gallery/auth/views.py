"""Login, logout and the one-time first-admin setup page."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from gallery.auth import authenticate, hash_password, login, logout, token_sha256
from gallery.auth.forms import LoginForm, SetupForm
from gallery.db import get_db
from gallery.errors import NotFound
from gallery.extensions import account_key, failed, limiter, login_limit
from gallery.throttle import refuse
from gallery.models import Clinic, SetupToken, User, utcnow

bp = Blueprint("auth", __name__)



def _safe_next(target: str | None) -> str:
    """Only same-site paths, never an absolute URL (open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("patients.index")


@bp.route("/login", methods=["GET", "POST"], endpoint="login")
@limiter.limit(login_limit, methods=["POST"], key_func=account_key, deduct_when=failed)
def login_page() -> Response | str | tuple[str, int]:
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login(user)
            return redirect(_safe_next(request.args.get("next")))
        return refuse("login", lambda error: render_template("auth/login.html", form=form, error=error),
                      "Wrong email or password.")
    if request.method == "POST":
        return render_template("auth/login.html", form=form, error="Enter your email and password."), 400
    return render_template("auth/login.html", form=form)


@bp.post("/logout", endpoint="logout")
def logout_page() -> Response:
    logout()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))


def _valid_setup_token(token: str) -> SetupToken:
    db = get_db()
    row = db.scalar(select(SetupToken).where(SetupToken.token_sha256 == token_sha256(token),
                                             SetupToken.used_at.is_(None)))
    if row is None or db.scalar(select(func.count()).select_from(User)):
        raise NotFound("This setup link is not valid (already used, or an admin exists).")
    return row


@bp.route("/setup/<token>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def setup(token: str) -> Response | str | tuple[str, int]:
    row = _valid_setup_token(token)
    form = SetupForm()
    if form.validate_on_submit():
        db = get_db()
        clinic = Clinic(name=form.clinic.data.strip())
        db.add(clinic)
        db.flush()
        user = User(clinic_id=clinic.id, email=form.email.data.strip().lower(),
                    password_hash=hash_password(form.password.data), role="admin")
        db.add(user)
        row.used_at = utcnow()
        db.commit()
        login(user)
        flash("Welcome. Your clinic is ready: add your first patient.")
        return redirect(url_for("patients.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/setup.html", form=form), status
