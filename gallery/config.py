"""Configuration: defaults, then the environment, then the mapping a test passes.

Read once, in ``create_app``; code reads ``current_app.config`` afterwards.
Every ``GALLERY_*`` key here is documented in the README (a test checks).
"""
from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "GALLERY_DATA_DIR": "instance",
    "DATABASE_URL": "",
    "GALLERY_SECRET_KEY": "",
    "GALLERY_MAX_UPLOAD_MB": 40,
    "GALLERY_MAX_PIXELS": 50_000_000,
    "GALLERY_MAX_FILES_PER_UPLOAD": 20,
    "GALLERY_MAX_DECODES": 1,  # full-size photos decoded at once per process (uploads and analyses)
    "GALLERY_LOGIN_RATE_LIMIT": "10 per minute",
    "GALLERY_RATE_LIMIT_STORAGE": "",
    "GALLERY_PUBLIC_RATE_LIMIT": "300 per minute",
    "GALLERY_TRUSTED_PROXIES": "",  # addresses or networks of the reverse proxies whose X-Forwarded-For counts
    "GALLERY_COOKIE_SECURE": False,
    "GALLERY_MAX_YAW_DEG": 12.0,
    "GALLERY_MAX_PITCH_DEG": 15.0,
    "GALLERY_MAX_ROLL_DEG": 10.0,
    "GALLERY_PAIR_POSE_TOLERANCE_DEG": 5.0,
    "GALLERY_MOVEMENT_REPEATS": 8,  # perturbed re-measurements of a movement pair, for its uncertainty
    "GALLERY_WATERMARK": "",
    "GALLERY_FOREHEAD_MARGIN_MM": 20.0,
    "GALLERY_GLABELLA_MARGIN_MM": 10.0,
    "GALLERY_CROWS_FEET_MARGIN_MM": 15.0,
    "GALLERY_DEFAULT_UNITS": 4.0,
    "GALLERY_MIN_DAYS_BETWEEN_TREATMENTS": 90,
    "GALLERY_MAX_UNITS_90_DAYS": 400.0,
    "GALLERY_QUEUE_URL": "",
    "GALLERY_ANALYSIS_LEASE_SECONDS": 300,
    "GALLERY_STORE_URL": "",
    "GALLERY_STORE_TIMEOUT_S": 10.0,
    "GALLERY_TOKEN_DAYS": 90,
    "GALLERY_MARKETING_CONSENT_DAYS": 0,  # 0: marketing consent does not expire
    "GALLERY_SMTP_HOST": "",  # empty: no email; pages show the links to pass on by hand
    "GALLERY_SMTP_PORT": 587,
    "GALLERY_SMTP_USER": "",
    "GALLERY_SMTP_PASSWORD": "",
    "GALLERY_SMTP_STARTTLS": True,
    "GALLERY_MAIL_FROM": "",
    # The app's address as patients reach it (https://photos.clinic.example): links in emails sent
    # outside a request (reminders, from the queue) start with it. Empty: no reminders are sent.
    "GALLERY_BASE_URL": "",
    "GALLERY_LOGO_MAX_KB": 1024,
}


def _coerce(key: str, raw: str) -> Any:
    default = DEFAULTS[key]
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def _secret_key(data_dir: Path) -> str:
    """The key kept in the data directory, created once.

    Written to a temporary file and hard-linked into place, so two processes
    starting together agree on one key and never read a half-written one.
    """
    path = data_dir / "secret_key"
    if not path.exists():
        fd, temp = tempfile.mkstemp(dir=data_dir, prefix=".secret-")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
                handle.flush()
                os.fsync(handle.fileno())
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temp)
    return path.read_text().strip()


def load_config(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The settings of one app: defaults < environment < ``overrides``."""
    config = dict(DEFAULTS)
    for key in DEFAULTS:
        if environ.get(key):
            config[key] = _coerce(key, environ[key])
    config.update(overrides or {})
    data_dir = Path(config["GALLERY_DATA_DIR"]).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    config["GALLERY_DATA_DIR"] = str(data_dir)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{data_dir / 'gallery.sqlite3'}"
    if not config["GALLERY_SECRET_KEY"]:
        config["GALLERY_SECRET_KEY"] = _secret_key(data_dir)
    return config
