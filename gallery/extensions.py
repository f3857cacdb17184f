"""Flask extensions, made once here and bound to each app in ``create_app``."""
from flask import Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def account_key() -> str:
    """The account a sign-in names, so guesses spread over many addresses still count against it."""
    return "account:" + request.form.get("email", "").strip().lower()


def failed(response: Response) -> bool:
    """Only refused sign-ins count against the account (its owner signing in is never locked out)."""
    return response.status_code in (401, 429)


def login_limit() -> str:
    """The configured limit for sign-in, setup and invitation forms (per client address)."""
    return current_app.config["GALLERY_LOGIN_RATE_LIMIT"]


def public_limit() -> str:
    """The configured limit for the public gallery and share links (per client address)."""
    return current_app.config["GALLERY_PUBLIC_RATE_LIMIT"]
