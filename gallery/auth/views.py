"""Sign-in pages: login, logout, the one-time first-admin setup, and the pages of emailed links
(joining from an invitation, setting a new password)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from gallery import audit, mail
from gallery.auth import (
    accounts,
    authenticate,
    current_user,
    hash_password,
    login,
    logout,
    second_factor,
    token_sha256,
)
from gallery.auth.forms import ForgotPasswordForm, JoinForm, LoginForm, ResetPasswordForm, SetupForm
from gallery.db import get_db
from gallery.errors import NotFound
from gallery.extensions import account_key, failed, limiter, login_limit
from gallery.models import Clinic, SetupToken, StaffLink, User, utcnow
from gallery.throttle import refuse, refuse_token

bp = Blueprint("auth", __name__)
PENDING = "second_factor_pending"  # in the session: whose password was right, waiting for the code
ENROL_SECRET = "second_factor_enrol_secret"  # the secret being set up, until a code proves the app has it

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
            return _after_password(user)
        return refuse("login", lambda error: render_template("auth/login.html", form=form, error=error),
                      "Wrong email or password.")
    if request.method == "POST":
        return render_template("auth/login.html", form=form, error="Enter your email and password."), 400
    return render_template("auth/login.html", form=form)


def _after_password(user: User) -> Response:
    """Signed in, or on to the second factor: its code, or its enrolment where it is required."""
    target = _safe_next(request.args.get("next"))
    if not (second_factor.enrolled(user) or second_factor.required(user)):
        login(user)
        return redirect(target)
    session.clear()  # nothing of an earlier session carries over
    session[PENDING] = {"user_id": user.id, "epoch": user.session_epoch, "next": target}
    return redirect(url_for("auth.second_factor" if second_factor.enrolled(user) else "auth.enrol"))


def _pending_user() -> User | None:
    """The staff member whose password was right in this session, waiting for their second factor."""
    pending = session.get(PENDING)
    user = get_db().get(User, pending["user_id"]) if pending else None
    return user if user is not None and pending["epoch"] == user.session_epoch else None


def _pending_account() -> str:
    pending = session.get(PENDING)
    return f"second-factor:{pending['user_id'] if pending else request.remote_addr}"


def _finish_sign_in(user: User, message: str | None = None) -> Response:
    target = session[PENDING]["next"]
    login(user, second_factor_done=True)  # a new session: the pending one is gone
    if message:
        flash(message)
    return redirect(target)


@bp.route("/login/code", methods=["GET", "POST"], endpoint="second_factor")
@limiter.limit(login_limit, methods=["POST"], key_func=_pending_account, deduct_when=failed)
def second_factor_page() -> Response | str | tuple[str, int]:
    """The six-digit code from the authenticator app, or a recovery code."""
    user = _pending_user()
    if user is None or not second_factor.enrolled(user):
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("auth/second_factor.html")
    code = request.form.get("code", "")
    if second_factor.accept_code(user, code):
        get_db().commit()
        return _finish_sign_in(user)
    if second_factor.accept_recovery_code(user, code):
        audit.record("use_recovery_code", "user", user.id, clinic_id=user.clinic_id, actor=f"user:{user.id}")
        get_db().commit()
        return _finish_sign_in(user, f"You signed in with a recovery code; {len(user.recovery_codes)} remain.")
    return refuse("login", lambda error: render_template("auth/second_factor.html", error=error),
                  "That code is not right, or was used already: enter the code your app shows now.")


@bp.route("/account/second-factor", methods=["GET", "POST"], endpoint="enrol")
def enrol_page() -> Response | str | tuple[str, int]:
    """Set up the authenticator app: its QR code, then a code from it; the recovery codes once."""
    user = current_user() or _pending_user()
    if user is None:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if second_factor.enrolled(user):
        return render_template("auth/enrol.html", user=user, enrolled=True,
                               required=second_factor.required(user))
    secret = session.get(ENROL_SECRET) or second_factor.new_secret()
    session[ENROL_SECRET] = secret
    if request.method == "POST":
        if not second_factor.code_matches(secret, request.form.get("code", "")):
            return render_template("auth/enrol.html", user=user, secret=secret, qr=second_factor.qr_svg(user, secret),
                                   error="That code is not right: enter the code your app shows now."), 422
        codes = second_factor.enable(user, secret)
        audit.record("enable_second_factor", "user", user.id, clinic_id=user.clinic_id, actor=f"user:{user.id}")
        get_db().commit()
        session.pop(ENROL_SECRET, None)
        if current_user() is None:
            target = session[PENDING]["next"]
            login(user, second_factor_done=True)
        else:
            session["second_factor"] = True
            target = url_for("patients.index")
        return render_template("auth/enrol.html", user=user, recovery_codes=codes, next=target)
    return render_template("auth/enrol.html", user=user, secret=secret, qr=second_factor.qr_svg(user, secret),
                           required=second_factor.required(user))


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
        user = User(clinic_id=clinic.id, email=form.email.data.strip().lower(), name=form.name.data.strip(),
                    password_hash=hash_password(form.password.data), role="admin")
        db.add(user)
        row.used_at = utcnow()
        db.commit()
        response = _after_password(user)  # an admin: on to the second factor's enrolment
        flash("Welcome. Your clinic is ready: set up your second factor, then add your first patient.")
        return response
    status = 422 if request.method == "POST" else 200
    return render_template("auth/setup.html", form=form), status


def _link(token: str, purpose: str) -> StaffLink:
    """The valid link of ``purpose`` for ``token``; a wrong token counts as a failed guess (429 when too many)."""
    link = accounts.valid_link(token, purpose)
    if link is None:
        raise refuse_token("link") or NotFound(
            "This link does not work any more: it was used already, has expired, or a newer one replaced it. "
            "Ask an admin of your clinic for a new one.")
    return link


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str) -> Response | str | tuple[str, int]:
    """An invitation: the invitee names themselves and chooses a password; the account is made now."""
    link = _link(token, "invite")
    form = JoinForm()
    if form.validate_on_submit():
        user = accounts.join(link, form.name.data, form.password.data)
        if user is None:
            return render_template("auth/join.html", form=form, link=link, error=(
                "This invitation was used a moment ago, or an account with this email was just made: "
                "sign in with it.")), 409
        response = _after_password(user)  # admins and medical directors: on to the second factor's enrolment
        flash(f"Welcome to {user.clinic.name}, {user.name}.")
        return response
    status = 422 if request.method == "POST" else 200
    return render_template("auth/join.html", form=form, link=link), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"], endpoint="reset_password")
def reset_password_page(token: str) -> Response | str | tuple[str, int]:
    link = _link(token, "reset")
    form = ResetPasswordForm()
    if form.validate_on_submit():
        accounts.reset_password(link, form.password.data)
        session.clear()
        flash("Your new password is set: sign in with it.")
        return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset_password.html", form=form, link=link), status


@bp.route("/forgot-password", methods=["GET", "POST"], endpoint="forgot_password")
@limiter.limit(login_limit, methods=["POST"])
def forgot_password_page() -> str | tuple[str, int]:
    """Ask for a reset link by email; the answer is the same whether the address has an account or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_reset(form.email.data)
        return render_template("auth/forgot_password.html", form=form, asked=True, email_works=mail.configured())
    status = 422 if request.method == "POST" else 200
    return render_template("auth/forgot_password.html", form=form, email_works=mail.configured()), status
