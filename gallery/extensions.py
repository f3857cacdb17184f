"""Flask extensions, made once here and bound to each app in ``create_app``."""
from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def login_limit() -> str:
    """The configured limit for sign-in, setup and invitation forms (per client address)."""
    return current_app.config["GALLERY_LOGIN_RATE_LIMIT"]
